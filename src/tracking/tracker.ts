/**
 * `OrderTracker`: the tracking domain's facade, used by the app, the bot features, resends and the
 * long-tail sweep. It records what chats ask for (watchers, lookup documents) and wires the pieces
 * that do the work, so each stays small: the fast-poll loop (order-checks.ts for known orders,
 * lookups.ts for lookups) and the delivery loop (delivery-loop.ts), all on order-store.ts helpers.
 */
import type { OrderKind } from '../provider/types.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { moveChatWatchers } from './chat-migration.js';
import { createDeliveryLoop, type OrderDelivery } from './delivery-loop.js';
import { DueLoop, RETRY_AFTER_FAILURE_MS } from './due-loop.js';
import { DEFAULT_FAST_LIST_THRESHOLD, FastListRounds } from './fast-list.js';
import { Lease, newOwnerId, type Claim, type ClaimBatch } from './leases.js';
import type { CheckResult } from './list-reconciliation.js';
import { DEFAULT_LONG_TAIL_POLICY, type LongTailPolicy } from './long-tail-schedule.js';
import { LookupResolver, moveLookupWatchers, openLookup } from './lookups.js';
import type { OrderDoc, TrackingModels, WatcherDoc } from './models.js';
import { OrderChecks } from './order-checks.js';
import type { OrderSourceFor } from './order-source.js';
import { claimDue, LEASE_NAME, nextDue, oweDelivery, upsertWatcher } from './order-store.js';
import { retryOnLostRace } from '../shared/lost-race.js';
import { isClosed, machinePolicy, toUpdate, transition, unparkUpdate, type MachinePolicy, type OrderEvent } from './order-machine.js';
import { syncWatchersClosedAt } from './retention.js';
import type { OrderQuery } from './order-query.js';
import {
  accountIdSchema,
  chatIdSchema,
  muteRequestSchema,
  namedOrdersRequestSchema,
  orderQuerySchema,
  shownInRequestSchema,
  unwatchRequestSchema,
  watchRequestSchema,
  type WatchRequest,
} from './requests.js';

export type { OrderDelivery } from './delivery-loop.js';
export { watchRequestSchema, type WatchRequest } from './requests.js';

/** An order of /pending, and whether this chat stopped its notifications. */
export type PendingOrder = OrderDoc & { muted: boolean };

export interface WatchResult {
  orderId: string;
  /** The same request was already recorded (a redelivered update): nothing changed. */
  duplicate: boolean;
  /**
   * The chat's earlier request (its user message id) whose status message was still owed: this
   * request's message answers it too, so that request gets no message of its own.
   */
  takesOver: number | null;
}

/** What "stop notifications" found: done now, done before, nothing left to mute, or no such order here. */
export type MuteOutcome = 'muted' | 'already_muted' | 'closed' | 'not_watching';

export interface TrackerOptions {
  models: TrackingModels;
  sources: OrderSourceFor;
  clock: Clock;
  timeScale: number;
  log: Logger;
  /** This worker's lease owner id (leases.ts); one per app. */
  owner?: string;
  longTail?: LongTailPolicy;
  /** Poll lease: longer than the provider client's worst case (timeout x attempts + back-off). */
  pollLeaseMs?: number;
  deliveryLeaseMs?: number;
  /** A lookup that cannot reach the provider gives up after this long (scaled). */
  lookupGiveUpMs?: number;
  /** An order with no usable provider is tried again after this long (scaled; default 5 min). */
  parkMs?: number;
  concurrency?: number;
  idleMs?: number;
  random?: () => number;
  /** From this many fast-phase orders of one account and kind, list pages replace per-order checks (fast-list.ts; default 3). */
  fastListThreshold?: number;
}

/** One piece of fast-poll work: a claimed order, and the orders of its list round when it has one. */
interface FastWork {
  claim: Claim<OrderDoc>;
  mates?: ClaimBatch<OrderDoc> | undefined;
}

/**
 * The order-tracking domain: turns a /status request into a tracked order document, polls the
 * provider on the fast schedule, and asks the delivery port to update watchers whenever what they
 * should see changes. Knows nothing about Telegram; all state lives in MongoDB.
 */
export class OrderTracker {
  private readonly models: TrackingModels;
  /** Claims on orders' provider checks (fast loop, lookups, long-tail sweep): `pollLease*` fields. */
  readonly pollLease: Lease<OrderDoc>;
  private readonly deliveryLease: Lease<OrderDoc>;
  private readonly checks: OrderChecks;
  private readonly policy: MachinePolicy;
  private readonly lookups: LookupResolver;
  private readonly fastList: FastListRounds;
  private readonly pollLoop: DueLoop<FastWork>;
  private deliveryLoop: DueLoop<Claim<OrderDoc>> | undefined;

  constructor(private readonly opts: TrackerOptions) {
    const { models, sources, clock, log, timeScale } = opts;
    this.models = models;
    const owner = opts.owner ?? newOwnerId();
    this.pollLease = new Lease(models.Order, LEASE_NAME.nextCheckAt, { owner, clock, leaseMs: opts.pollLeaseMs ?? 60_000 });
    this.deliveryLease = new Lease(models.Order, LEASE_NAME.deliverAt, { owner, clock, leaseMs: opts.deliveryLeaseMs ?? 60_000 });
    const policy = machinePolicy(
      { timeScale, longTail: opts.longTail ?? DEFAULT_LONG_TAIL_POLICY, random: opts.random },
      { lookupGiveUpMs: opts.lookupGiveUpMs, parkMs: opts.parkMs },
    );
    this.policy = policy;
    const kick = () => this.kick();
    this.checks = new OrderChecks({ models, sources, clock, log, policy, kick, watch: (req) => this.watch(req) });
    const pollLease = this.pollLease;
    this.lookups = new LookupResolver({ models, sources, clock, log, policy, checks: this.checks, pollLease, kick });
    this.fastList = new FastListRounds({
      models,
      sources,
      checks: this.checks,
      pollLease,
      clock,
      policy,
      log,
      threshold: opts.fastListThreshold ?? DEFAULT_FAST_LIST_THRESHOLD,
    });
    const fastFilter = { phase: { $in: ['lookup', 'fast'] } };
    this.pollLoop = new DueLoop<FastWork>({
      name: 'fast-poll',
      claim: () => this.claimFastWork(fastFilter),
      process: ({ claim, mates }) => {
        if (claim.doc.phase === 'lookup') return this.lookups.resolveLookup(claim);
        return mates ? this.fastList.checkTogether(claim, mates) : this.checks.checkOrder(claim);
      },
      // A check or lookup that threw (a database error midway) is taken up again in 5 s, not a lease later.
      failed: async ({ claim, mates }) => {
        await Promise.all([claim.expireIn(RETRY_AFTER_FAILURE_MS), mates?.expireIn(RETRY_AFTER_FAILURE_MS)]);
      },
      nextDueAt: () => nextDue(pollLease, fastFilter, 'nextCheckAt'),
      concurrency: opts.concurrency ?? 16,
      idleMs: opts.idleMs ?? 1_000,
      clock: opts.clock,
      log: opts.log,
    });
  }

  private now(): Date {
    return new Date(this.opts.clock.now());
  }

  /** Claims the earliest due fast-phase order or lookup, with the orders of its list round when enough are in flight. */
  private async claimFastWork(filter: Record<string, unknown>): Promise<FastWork | null> {
    const claim = await claimDue(this.pollLease, 'nextCheckAt', { filter });
    if (!claim) return null;
    try {
      return { claim, mates: await this.fastList.claimMates(claim) };
    } catch (err) {
      this.opts.log.warn({ err, orderId: claim.doc._id.toString() }, 'claiming a list round failed; checking the order alone');
      return { claim };
    }
  }

  start(delivery: OrderDelivery): void {
    this.deliveryLoop = createDeliveryLoop({
      models: this.models,
      delivery,
      lease: this.deliveryLease,
      concurrency: this.opts.concurrency ?? 16,
      idleMs: this.opts.idleMs ?? 1_000,
      clock: this.opts.clock,
      log: this.opts.log,
      kick: () => this.kick(),
    });
    this.pollLoop.start();
    this.deliveryLoop.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.pollLoop.stop(), this.deliveryLoop?.stop()]);
  }

  /** Test hook: stop as a crash would, leaving leases and half-done work behind. */
  abandon(): void {
    this.pollLoop.abandon();
    this.deliveryLoop?.abandon();
  }

  kick(): void {
    this.pollLoop.kick();
    this.deliveryLoop?.kick();
  }

  /**
   * The account's provider is usable again (a key was accepted, a suspension or IP block ended):
   * orders parked for want of it are due now. Called by whoever guards the provider keys.
   */
  async resumeAccount(accountId: string): Promise<number> {
    const { filter, update } = unparkUpdate(accountId, this.now());
    const res = await this.models.Order.updateMany(filter, update);
    if (res.modifiedCount > 0) {
      this.opts.log.info({ accountId, orders: res.modifiedCount }, 'provider usable again; parked orders resumed');
      this.kick();
    }
    return res.modifiedCount;
  }

  /**
   * A chat asks for an order. Creates (or shares) the order's document and the chat's watcher, and
   * schedules a delivery, which sends the status message at once. Never calls the provider itself.
   */
  async watch(input: WatchRequest): Promise<WatchResult> {
    const req = watchRequestSchema.parse(input);
    const { Order, Watcher } = this.models;
    const now = this.now();

    let order = await this.findKnown(req.accountId, req.query);
    if (!order) order = await openLookup(this.models, req, now, this.policy);

    const existing = await Watcher.findOne({ orderId: order._id, chatId: req.chatId }).lean();
    if (existing && req.requestKey !== null && existing.requestKey === req.requestKey) {
      return { orderId: order._id.toString(), duplicate: true, takesOver: null };
    }
    // An earlier request of this chat whose status message was not sent yet: this one's message answers
    // both (one message, replying to the newest request), so the earlier one gets none of its own.
    const takesOver =
      existing && existing.messageId === null && existing.replyTo !== null && existing.replyTo !== req.replyTo ? existing.replyTo : null;
    await upsertWatcher(this.models, order._id, {
      accountId: req.accountId,
      chatId: req.chatId,
      locale: req.locale,
      messageId: null,
      replyTo: req.replyTo,
      requestKey: req.requestKey,
      shownHash: null,
      lastEditAt: null,
    });

    // Asking again about an order in the long tail (or past it) gets a fresh fast phase (the machine).
    let watched = transition(order, { type: 'watched' }, now, this.policy);
    const written = await Order.updateOne({ _id: order._id, mergedInto: null }, toUpdate(watched));
    if (written.matchedCount === 0) {
      // The lookup this chat joined was merged into an order already tracked (another chat's lookup
      // found it first) while the watcher was written: follow that order instead.
      const target = await this.mergedTarget(order, req.query);
      if (!target) {
        this.opts.log.warn({ orderId: order._id.toString() }, 'the order asked about vanished while it was watched');
        return { orderId: order._id.toString(), duplicate: false, takesOver };
      }
      await moveLookupWatchers(this.models, order._id, target);
      watched = transition(target, { type: 'watched' }, now, this.policy);
      await Order.updateOne({ _id: target._id }, toUpdate(watched));
      order = target;
    }
    await syncWatchersClosedAt(this.models, order._id, watched);
    this.kick();
    return { orderId: order._id.toString(), duplicate: false, takesOver };
  }

  /** Where a merged lookup's watchers go: its `mergedInto`, or once it is deleted, the order its query names. */
  private async mergedTarget(lookup: OrderDoc, query: WatchRequest['query']): Promise<OrderDoc | null> {
    const marked = await this.models.Order.findOne({ _id: lookup._id }).select({ mergedInto: 1 }).lean<Pick<OrderDoc, 'mergedInto'>>();
    const targetId = marked?.mergedInto;
    if (targetId) return this.models.Order.findOne({ _id: targetId }).lean<OrderDoc>();
    return this.findKnown(lookup.accountId, query);
  }

  /**
   * A top-up the bot itself just sent: track it at once, with `messageId` (the confirmation message)
   * becoming its live status message; null (the chat has no message to edit for it, its group became a
   * supergroup): a new status message is sent there, unless the chat already follows the order.
   */
  async trackSent(input: {
    accountId: string;
    kind: OrderKind;
    providerId: string;
    ref: string;
    chatId: number;
    locale: string;
    messageId: number | null;
  }): Promise<string> {
    const { Order } = this.models;
    const now = this.now();
    const order = await retryOnLostRace(() =>
      Order.findOneAndUpdate(
        { accountId: input.accountId, providerId: input.providerId },
        {
          $setOnInsert: {
            accountId: input.accountId,
            providerId: input.providerId,
            kind: input.kind,
            ref: input.ref,
            ...transition(null, { type: 'sent' }, now, this.policy).set,
          },
        },
        { upsert: true, returnDocument: 'after' },
      ).lean<OrderDoc>(),
    );
    // No message to give (null): a chat that already follows the order keeps its status message. The
    // offer worker settles again what a dead worker did not record: that must not send a second one.
    const followed = input.messageId === null && (await this.models.Watcher.exists({ orderId: order._id, chatId: input.chatId }));
    if (!followed) {
      await upsertWatcher(this.models, order._id, {
        accountId: input.accountId,
        chatId: input.chatId,
        locale: input.locale,
        messageId: input.messageId,
        replyTo: null,
        requestKey: null,
        shownHash: null,
        lastEditAt: null,
      });
    }
    await oweDelivery(this.models, order._id, now);
    this.kick();
    return order._id.toString();
  }

  /**
   * "Stop notifications" for one chat: no more pushes (new messages) for this order there; its status
   * messages are still edited, quietly, up to the final state (the mute button goes, and the text no
   * longer promises a new message). Other chats are unaffected. Says what is true now:
   * `closed` when the order is settled (nothing left to mute), `already_muted` on a second press.
   */
  async mute(orderId: string, chatId: number, accountId: string): Promise<MuteOutcome> {
    // The chat's watcher of an order of the account it acts for: a forged or foreign order id matches nothing.
    const input = muteRequestSchema.safeParse({ orderId, chatId, accountId });
    if (!input.success) return 'not_watching';
    const { Order, Watcher } = this.models;
    const [watcher, order] = await Promise.all([
      Watcher.findOne(input.data).select({ muted: 1 }).lean<Pick<WatcherDoc, '_id' | 'muted'>>(),
      Order.findOne({ _id: input.data.orderId }).select({ phase: 1 }).lean<Pick<OrderDoc, '_id' | 'phase'>>(),
    ]);
    if (!watcher || !order) return 'not_watching';
    if (isClosed(order.phase)) return 'closed'; // settled, tracking stopped, or never found
    const res = await Watcher.updateOne({ _id: watcher._id, muted: false }, { $set: { muted: true } });
    if (res.modifiedCount === 0) return 'already_muted';
    // The chat's messages now read differently (no button, no promise of a new message).
    await oweDelivery(this.models, order._id, this.now());
    this.kick();
    return 'muted';
  }

  /** /unwatch <ref>: mutes the chat's watcher of the order the query names. */
  async unwatch(accountId: string, chatId: number, query: WatchRequest['query']): Promise<MuteOutcome> {
    const input = unwatchRequestSchema.parse({ accountId, query });
    const order = await this.findKnown(input.accountId, input.query);
    return order ? this.mute(order._id.toString(), chatId, input.accountId) : 'not_watching';
  }

  /**
   * The chat's orders of the account it acts for that are still being tracked, oldest first. A muted
   * one is still followed (its status message still updates; only pushes stopped), so it is listed
   * too, marked `muted`.
   */
  async pendingFor(chatId: number, accountId: string): Promise<PendingOrder[]> {
    const watchers = await this.models.Watcher.find({
      chatId: chatIdSchema.parse(chatId),
      accountId: accountIdSchema.parse(accountId),
    })
      .select({ orderId: 1, muted: 1 })
      .lean<Array<Pick<WatcherDoc, 'orderId' | 'muted'>>>();
    if (watchers.length === 0) return [];
    const muted = new Set(watchers.filter((w) => w.muted).map((w) => w.orderId.toString()));
    const orders = await this.models.Order.find({
      _id: { $in: watchers.map((w) => w.orderId) },
      phase: { $in: ['lookup', 'fast', 'long'] },
    })
      .sort({ createdAt: 1 })
      .limit(50)
      .lean<OrderDoc[]>();
    return orders.map((order) => ({ ...order, muted: muted.has(order._id.toString()) }));
  }

  /**
   * The chat no longer acts for the account (a removed staff member's private chat): it stops
   * following the account's orders at once, no push and no further edit. Returns how many it followed.
   */
  async forgetChat(accountId: string, chatId: number): Promise<number> {
    const res = await this.models.Watcher.deleteMany({ accountId: accountIdSchema.parse(accountId), chatId: chatIdSchema.parse(chatId) });
    return res.deletedCount;
  }

  /**
   * A group became a supergroup (Telegram gave it a new chat id): its watchers follow it, an open
   * order with a new status message there, a closed one only when the chat was not shown its final
   * state yet (see moveChatWatchers). Idempotent (Telegram announces the upgrade in both chats).
   */
  async migrateChat(fromChatId: number, toChatId: number): Promise<void> {
    const moved = await moveChatWatchers(this.models, fromChatId, toChatId, this.now());
    if (moved > 0) this.kick();
  }

  /** Later messages to this chat (including live status updates) use its new language. */
  async setChatLocale(chatId: number, locale: string): Promise<void> {
    await this.models.Watcher.updateMany({ chatId }, { $set: { locale } });
  }

  /** Asks the provider about one order (no write): the answer, or why there is none, as a machine event. */
  probe(order: OrderDoc): Promise<OrderEvent> {
    return this.checks.probe(order);
  }

  /** Writes checks' results under their claims (those of `batch` in one bulkWrite), then what must follow each. */
  commitChecks(results: CheckResult[], batch: ClaimBatch<OrderDoc>): Promise<number> {
    return this.checks.commitAll(results, batch);
  }

  /**
   * The order whose status message (or confirmation turned status message) is `messageId` in this
   * chat, the live one or one replaced by a newer message, as a query to ask for it again; undefined
   * when the chat has no such message of the account's orders.
   */
  async queryShownIn(accountId: string, chatId: number, messageId: number): Promise<OrderQuery | undefined> {
    const input = shownInRequestSchema.parse({ accountId, chatId, messageId });
    const { accountId: account, chatId: chat, messageId: message } = input;
    const watcher = await this.models.Watcher.findOne({
      accountId: account,
      chatId: chat,
      $or: [{ messageId: message }, { 'replaced.messageId': message }],
    })
      .select({ orderId: 1 })
      .lean<Pick<WatcherDoc, 'orderId'>>();
    if (!watcher) return undefined;
    const order = await this.models.Order.findOne({ _id: watcher.orderId, accountId: input.accountId }).lean<OrderDoc>();
    return order ? queryOf(order) : undefined;
  }

  /** The first of `candidates` the account already tracks (an order, or a lookup under way), as a query. */
  async firstKnown(accountId: string, candidates: OrderQuery[]): Promise<OrderQuery | undefined> {
    const input = namedOrdersRequestSchema.parse({ accountId, candidates });
    for (const query of input.candidates) {
      const order =
        (await this.findKnown(input.accountId, query)) ??
        (await this.models.Order.findOne({ accountId: input.accountId, providerId: `lookup:${query.by}:${query.value}` }).lean<OrderDoc>());
      if (order) return queryOf(order) ?? query;
    }
    return undefined;
  }

  private async findKnown(accountId: string, query: WatchRequest['query']): Promise<OrderDoc | null> {
    const filter: Record<string, unknown> =
      query.by === 'id'
        ? { accountId, providerId: query.value }
        : { accountId, ref: query.value, phase: { $nin: ['lookup', 'unresolved'] } };
    return this.models.Order.findOne(filter).lean<OrderDoc>();
  }
}

/** How to ask for a tracked order again: its provider id, or for a lookup what was asked. */
function queryOf(order: OrderDoc): OrderQuery | undefined {
  const asked = order.providerId.startsWith('lookup:') ? order.query : { by: 'id' as const, value: order.providerId };
  const valid = orderQuerySchema.safeParse(asked);
  if (valid.success) return valid.data;
  const byRef = orderQuerySchema.safeParse({ by: 'ref', value: order.ref });
  return byRef.success ? byRef.data : undefined;
}
