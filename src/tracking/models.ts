import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { OrderKind, ProviderOrder } from '../provider/types.js';
import type { StatusClass } from './view.js';

/**
 * Life cycle of a tracked order document (every transition is decided in order-machine.ts):
 *   lookup  -> the user's ref/id is being resolved with the provider (identity not known yet)
 *   fast    -> polled every few seconds (in-process loop, lease in MongoDB)
 *   long    -> rechecked by Agenda jobs (UNKNOWN_ERROR, QUEUED, still processing after the fast phase)
 *   final   -> FULFILLED or REFUNDED: never polled again, answered from MongoDB
 *   expired -> long-tail window closed without resolution: tracking stopped
 *   unresolved -> a lookup that ended without an order (not found, provider down, key rejected)
 */
export type OrderPhase = 'lookup' | 'fast' | 'long' | 'final' | 'expired' | 'unresolved';
/** `unlinked`: the account's owner unlinked its key (no client for it, or a call refused with KEY_UNLINKED); not a rejection. */
export type LookupOutcome = 'searching' | 'not_found' | 'provider_down' | 'unauthorized' | 'unlinked';
export type LongTailReason = 'verifying' | 'queued' | 'timeout';

export interface StatusChange {
  status: string;
  at: Date;
}

export interface OrderDoc {
  _id: Types.ObjectId;
  accountId: string;
  /** The provider's order id, or `lookup:<by>:<value>` while the phase is `lookup`/`unresolved`. */
  providerId: string;
  phase: OrderPhase;
  kind?: OrderKind | undefined;
  ref?: string | undefined;
  query?: { by: 'id' | 'ref'; value: string } | undefined;
  /**
   * A lookup whose order was already tracked (another chat's lookup found it first): set before its
   * watchers move to that order and the lookup is deleted, so a chat joining the lookup meanwhile sees
   * where to go (OrderTracker.watch). Null otherwise.
   */
  mergedInto?: Types.ObjectId | null | undefined;
  lookupOutcome?: LookupOutcome | undefined;
  status?: string | undefined;
  statusClass?: StatusClass | undefined;
  payload?: ProviderOrder | undefined;
  history: StatusChange[];
  /** Start of the current fast phase. */
  trackingSince: Date;
  lastCheckedAt?: Date | undefined;
  /** When the order is due for its next provider check (fast or long phase); null when not polled. */
  nextCheckAt: Date | null;
  /** Set while the order waits for its account's provider to become usable again (order-machine.ts). */
  parkedUntil?: Date | null | undefined;
  /** When the order reached a closing phase (final, expired, unresolved); retention counts from it. */
  closedAt?: Date | null | undefined;
  /** The last check failed for a transient reason (outage, timeout, 5xx, 429). */
  providerTrouble: boolean;
  consecutiveFailures: number;
  /** Provider calls spent on this order, for budgets and the benchmark. */
  providerCalls: number;
  longTail?: { reason: LongTailReason; since: Date; until: Date; checks: number } | undefined;
  /** Bumped on every change; deliveries compare it to know whether they are still current. */
  version: number;
  /** Watchers' messages must be brought up to date at this time; null when nothing is owed. */
  deliverAt: Date | null;
  /** When a check last asked for a delivery (bounds re-renders of an unchanged order). */
  refreshedAt?: Date | null | undefined;
  /** Poll lease (leases.ts): expiry, holder and claim token of the worker checking the order now. */
  pollLeaseUntil: Date | null;
  pollLeaseOwner?: string | null | undefined;
  pollLeaseToken?: string | null | undefined;
  /** Delivery lease (leases.ts): the worker bringing watchers' messages up to date now. */
  deliveryLeaseUntil: Date | null;
  deliveryLeaseOwner?: string | null | undefined;
  deliveryLeaseToken?: string | null | undefined;
  createdAt: Date;
  updatedAt: Date;
}

/** A chat following an order: where its status message is, and what that message last showed. */
export interface WatcherDoc {
  _id: Types.ObjectId;
  orderId: Types.ObjectId;
  accountId: string;
  chatId: number;
  locale: string;
  /** The status message; null until it has been sent. */
  messageId: number | null;
  /** The user's /status message, which the first status message replies to. */
  replyTo: number | null;
  /** `<chat>:<message>` of the request that created this status message: a redelivered update is a no-op. */
  requestKey: string | null;
  /** Hash of the text and keyboard the message shows now: an identical edit is never sent. */
  shownHash: string | null;
  lastEditAt: Date | null;
  /** `<phase>:<status>` already announced to this chat with a new message (long tail): at most once. */
  announcedStatus: string | null;
  /** Claim on a new message (first status message or announcement) being sent now: nobody else sends it. */
  sendClaimUntil: Date | null;
  sendClaimOwner?: string | null | undefined;
  sendClaimToken?: string | null | undefined;
  /**
   * Older status messages of this chat for this order, replaced by the current one (`messageId`) when
   * the chat asked again (or a confirmation became the live message). Each is owed one last edit: the
   * final state if the order is closed by then, else a note pointing to the newer message. Removed
   * once done, so no status message the bot sent is left showing a stale state.
   */
  replaced?: ReplacedMessage[] | undefined;
  /** The chat pressed "stop notifications" (or /unwatch): no more pushes; its messages are still edited. */
  muted: boolean;
  /** Its order's `closedAt` (retention.ts): the watcher is deleted with the order. */
  closedAt?: Date | null | undefined;
  createdAt: Date;
}

/** A status message replaced by a newer one in the same chat (see `WatcherDoc.replaced`). */
export interface ReplacedMessage {
  messageId: number;
  /** What it showed when it was replaced (`shownHash`), so a message already right is not edited. */
  shownHash: string | null;
}

const statusChangeSchema = new Schema<StatusChange>({ status: String, at: Date }, { _id: false });

const orderSchema = new Schema<OrderDoc>(
  {
    accountId: { type: String, required: true },
    providerId: { type: String, required: true },
    phase: { type: String, required: true },
    kind: String,
    ref: String,
    query: { type: new Schema({ by: String, value: String }, { _id: false }), default: undefined },
    mergedInto: { type: Schema.Types.ObjectId, default: null },
    lookupOutcome: String,
    status: String,
    statusClass: String,
    payload: Schema.Types.Mixed,
    history: { type: [statusChangeSchema], default: [] },
    trackingSince: { type: Date, required: true },
    lastCheckedAt: Date,
    nextCheckAt: { type: Date, default: null },
    parkedUntil: { type: Date, default: null },
    closedAt: { type: Date, default: null },
    providerTrouble: { type: Boolean, default: false },
    consecutiveFailures: { type: Number, default: 0 },
    providerCalls: { type: Number, default: 0 },
    longTail: {
      type: new Schema({ reason: String, since: Date, until: Date, checks: { type: Number, default: 0 } }, { _id: false }),
      default: undefined,
    },
    version: { type: Number, default: 0 },
    deliverAt: { type: Date, default: null },
    refreshedAt: { type: Date, default: null },
    pollLeaseUntil: { type: Date, default: null },
    pollLeaseOwner: { type: String, default: null },
    pollLeaseToken: { type: String, default: null },
    deliveryLeaseUntil: { type: Date, default: null },
    deliveryLeaseOwner: { type: String, default: null },
    deliveryLeaseToken: { type: String, default: null },
  },
  { collection: 'orders', timestamps: true, minimize: false },
);
// One document per provider order and account; lookups use a synthetic providerId so the same
// concurrent lookup is shared too.
orderSchema.index({ accountId: 1, providerId: 1 }, { unique: true });
orderSchema.index({ accountId: 1, ref: 1 });
orderSchema.index({ phase: 1, nextCheckAt: 1 });
orderSchema.index({ deliverAt: 1 });

const watcherSchema = new Schema<WatcherDoc>(
  {
    orderId: { type: Schema.Types.ObjectId, required: true },
    accountId: { type: String, required: true },
    chatId: { type: Number, required: true },
    locale: { type: String, required: true },
    messageId: { type: Number, default: null },
    replyTo: { type: Number, default: null },
    requestKey: { type: String, default: null },
    shownHash: { type: String, default: null },
    lastEditAt: { type: Date, default: null },
    announcedStatus: { type: String, default: null },
    sendClaimUntil: { type: Date, default: null },
    sendClaimOwner: { type: String, default: null },
    sendClaimToken: { type: String, default: null },
    replaced: {
      type: [new Schema<ReplacedMessage>({ messageId: Number, shownHash: { type: String, default: null } }, { _id: false })],
      default: [],
    },
    muted: { type: Boolean, default: false },
    closedAt: { type: Date, default: null },
  },
  { collection: 'watchers', timestamps: { createdAt: true, updatedAt: false } },
);
watcherSchema.index({ orderId: 1, chatId: 1 }, { unique: true });
watcherSchema.index({ chatId: 1 });

export interface TrackingModels {
  Order: Model<OrderDoc>;
  Watcher: Model<WatcherDoc>;
}

/** Models are bound to a connection (not mongoose's global one) so tests can run several apps. */
export function trackingModels(connection: Connection): TrackingModels {
  return {
    Order: (connection.models.Order as Model<OrderDoc> | undefined) ?? connection.model<OrderDoc>('Order', orderSchema),
    Watcher: (connection.models.Watcher as Model<WatcherDoc> | undefined) ?? connection.model<WatcherDoc>('Watcher', watcherSchema),
  };
}
