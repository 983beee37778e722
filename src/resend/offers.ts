import { createHash, createHmac, randomBytes } from 'node:crypto';
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { SuggestedOffer } from '../provider/types.js';
import type { OrderDoc } from '../tracking/models.js';
import { OFFER_STATES, type MessageRef, type OfferState, type OfferTarget, type Refusal } from './offer-machine.js';

/**
 * A suggested offer a chat can press to re-send a top-up. Buttons carry only the offer's short key
 * (`callback_data` is limited to 64 bytes); everything else lives here, with an expiry, because old
 * buttons stay clickable for days while a line's accepted offers change.
 */
/** A confirmation shown with "loading…", to fill in with the provider's data (see offer-previews.ts). */
export interface PendingPreview {
  chatId: number;
  messageId: number;
  locale: string;
  /** The offer's version when it was shown (offers cancelled before `cancelledIn` existed: a Cancel after it closed this confirmation). */
  version: number;
}

export interface OfferDoc {
  _id: string; // short key, also in the button
  accountId: string;
  sourceOrderId: Types.ObjectId;
  sourceProviderId: string;
  MSSIDN: string;
  plan_code: string;
  amount: number;
  typename: string;
  /** The ref every send of this offer uses: a double press or a retry can never create two orders. */
  ref: string;
  /** See offer-machine.ts; written only through its decisions (offer-store.ts). */
  state: OfferState;
  /** The messages (confirmations) that show this offer's send and its outcome: at most one per chat. */
  targets: OfferTarget[];
  /** Confirmations closed by Cancel (the latest 50): their old buttons send nothing. */
  cancelledIn: MessageRef[];
  /**
   * New messages the worker sent for a chat whose target had no message (a supergroup upgrade) after a
   * press gave that chat another message first: each is edited once to point to the chat's message
   * that shows the offer, then forgotten (see offer-store.ts `markShownInNew`).
   */
  replacedIn?: MessageRef[];
  sentTopupId: string | null;
  refusal: Refusal | null;
  uncertainSince: Date | null;
  uncertainUntil: Date | null;
  /** Checks by ref made during the current uncertain period. */
  checks: number;
  /** When the offer worker should act on it next; null when nothing is owed. */
  dueAt: Date | null;
  /** The offer worker's claim (tracking/leases.ts, lease `sendLease`). */
  sendLeaseUntil: Date | null;
  sendLeaseOwner: string | null;
  sendLeaseToken: string | null;
  /** Confirmations waiting for their fill-in, and when the fill-in loop should look at them. */
  previews?: PendingPreview[];
  previewDueAt?: Date | null;
  /** Bumped by every press that changes the offer: a worker clears `dueAt` only if it is unchanged. */
  version: number;
  expiresAt: Date;
  /** Who last confirmed a send of this offer, and when (shown in /account). */
  confirmedBy?: { userId: number; name: string } | null;
  confirmedAt?: Date | null;
  createdAt: Date;
}

const offerSchema = new Schema<OfferDoc>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    sourceOrderId: { type: Schema.Types.ObjectId, required: true },
    sourceProviderId: { type: String, required: true },
    MSSIDN: { type: String, required: true },
    plan_code: { type: String, required: true },
    amount: { type: Number, required: true },
    typename: { type: String, required: true },
    ref: { type: String, required: true },
    state: { type: String, enum: OFFER_STATES, default: 'offered' },
    targets: [{ _id: false, chatId: Number, messageId: Number, locale: String, shown: { type: String, default: null } }],
    cancelledIn: [{ _id: false, chatId: Number, messageId: Number }],
    replacedIn: [{ _id: false, chatId: Number, messageId: Number }],
    sentTopupId: { type: String, default: null },
    refusal: { type: Schema.Types.Mixed, default: null },
    uncertainSince: { type: Date, default: null },
    uncertainUntil: { type: Date, default: null },
    checks: { type: Number, default: 0 },
    dueAt: { type: Date, default: null },
    sendLeaseUntil: { type: Date, default: null },
    sendLeaseOwner: { type: String, default: null },
    sendLeaseToken: { type: String, default: null },
    version: { type: Number, default: 0 },
    previews: [{ _id: false, chatId: Number, messageId: Number, locale: String, version: Number }],
    previewDueAt: { type: Date, default: null },
    expiresAt: { type: Date, required: true },
    confirmedBy: { type: new Schema({ userId: Number, name: String }, { _id: false }), default: null },
    confirmedAt: { type: Date, default: null },
  },
  { collection: 'offers', timestamps: { createdAt: true, updatedAt: false }, _id: false },
);
// MongoDB deletes expired offers by itself (lazily); presses check expiresAt too.
offerSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
// The offer worker's due query.
offerSchema.index({ dueAt: 1 }, { partialFilterExpression: { dueAt: { $type: 'date' } } });
// The fill-in loop's due query.
// /account's latest re-sends of an account.
offerSchema.index({ accountId: 1, confirmedAt: -1 }, { partialFilterExpression: { confirmedAt: { $type: 'date' } } });
offerSchema.index({ previewDueAt: 1 }, { partialFilterExpression: { previewDueAt: { $type: 'date' } } });

export function offerModel(connection: Connection): Model<OfferDoc> {
  return (connection.models.Offer as Model<OfferDoc> | undefined) ?? connection.model<OfferDoc>('Offer', offerSchema);
}

const hash = (text: string) => createHash('sha256').update(text).digest('base64url');

/**
 * The deployment's offer-key secret: random, kept in MongoDB (`settings`), loaded at start-up by
 * `loadOfferKeySecret` (every process of a deployment shares it). Until then a per-process random one.
 */
let offerKeySecret: Buffer = randomBytes(32);

/** Loads (creating it on first use) the secret offer keys are derived under. */
export async function loadOfferKeySecret(connection: Connection): Promise<void> {
  const settings = connection.db!.collection<{ _id: string; value: string }>('settings');
  const fresh = randomBytes(32).toString('base64');
  await settings.updateOne({ _id: 'offer-key-secret' }, { $setOnInsert: { value: fresh } }, { upsert: true });
  const doc = await settings.findOne({ _id: 'offer-key-secret' });
  offerKeySecret = Buffer.from(doc!.value, 'base64');
}

/**
 * A button's key: 12 base64url chars (72 bits) of an HMAC under the server-side random secret, so
 * nothing the bot shows (order ids, plans, amounts) lets anyone derive another offer's key. Stable
 * for one offer, so re-rendering a keyboard gives the same buttons.
 */
export function offerKey(sourceOrderId: string, plan_code: string, amount: number): string {
  return createHmac('sha256', offerKeySecret).update(`offer:${sourceOrderId}:${plan_code}:${amount}`).digest('base64url').slice(0, 12);
}

/**
 * The ref for re-sending `plan_code`/`amount` to the number of `sourceProviderId`. Derived, not random:
 * every press, retry and staff member produces the same ref, so the provider answers DUPLICATED_REF
 * instead of charging twice. ASCII [A-Za-z0-9_-], 26 chars.
 */
export function resendRef(sourceProviderId: string, plan_code: string, amount: number): string {
  return `fx-${sourceProviderId.slice(-8)}-${hash(`resend:${sourceProviderId}:${plan_code}:${amount}`).slice(0, 14)}`;
}

export const OFFER_TTL_MS = 24 * 60 * 60 * 1000;

export function offersOf(order: OrderDoc): SuggestedOffer[] {
  return order.payload?.kind === 'mobile' ? (order.payload.suggested_offers ?? []) : [];
}

/** The fields a new offer starts with (never sent, nothing owed). */
export function freshOfferFields(): Pick<
  OfferDoc,
  | 'state'
  | 'targets'
  | 'cancelledIn'
  | 'sentTopupId'
  | 'refusal'
  | 'uncertainSince'
  | 'uncertainUntil'
  | 'checks'
  | 'dueAt'
  | 'sendLeaseUntil'
  | 'sendLeaseOwner'
  | 'sendLeaseToken'
  | 'version'
> {
  return {
    state: 'offered',
    targets: [],
    cancelledIn: [],
    sentTopupId: null,
    refusal: null,
    uncertainSince: null,
    uncertainUntil: null,
    checks: 0,
    dueAt: null,
    sendLeaseUntil: null,
    sendLeaseOwner: null,
    sendLeaseToken: null,
    version: 0,
  };
}

/** Creates (idempotently) the offer documents behind an order's buttons. */
export async function ensureOffers(Offer: Model<OfferDoc>, order: OrderDoc, now: Date, ttlMs = OFFER_TTL_MS): Promise<void> {
  const payload = order.payload;
  if (payload?.kind !== 'mobile' || !payload.MSSIDN) return;
  const offers = offersOf(order);
  if (offers.length === 0) return;
  await Offer.bulkWrite(
    offers.map((offer) => ({
      updateOne: {
        filter: { _id: offerKey(order._id.toString(), offer.plan_code, offer.amount) },
        update: {
          $setOnInsert: {
            accountId: order.accountId,
            sourceOrderId: order._id,
            sourceProviderId: order.providerId,
            MSSIDN: payload.MSSIDN!,
            plan_code: offer.plan_code,
            amount: offer.amount,
            typename: offer.typename,
            ref: resendRef(order.providerId, offer.plan_code, offer.amount),
            ...freshOfferFields(),
            expiresAt: new Date(now.getTime() + ttlMs),
          },
        },
        upsert: true,
      },
    })),
    { ordered: false },
  );
}

/**
 * Offers written before the offer machine (states idle/sending/uncertain/sent with `sendLeaseUntil`)
 * get the new shape at start-up: idle becomes offered; a send that was under way or unclear becomes
 * due for a check by ref (never a re-send); sent stays sent.
 */
export async function migrateOffers(Offer: Model<OfferDoc>, now: Date, policy: { unconfirmedCheckForMs: number }): Promise<void> {
  const old = { version: { $exists: false } };
  const offers = Offer.collection; // the driver: old states are not valid schema values any more
  // The old `sendLeaseUntil` was a press's claim on the send: freed, the worker claims it afresh.
  const base = { targets: [], refusal: null, checks: 0, sendLeaseUntil: null, sendLeaseOwner: null, sendLeaseToken: null, version: 0 };
  await offers.updateMany(
    { ...old, state: 'idle' },
    { $set: { ...base, state: 'offered', dueAt: null, uncertainSince: null, uncertainUntil: null } },
  );
  await offers.updateMany(
    { ...old, state: { $in: ['sending', 'uncertain'] } },
    {
      $set: {
        ...base,
        state: 'uncertain',
        dueAt: now,
        uncertainSince: now,
        uncertainUntil: new Date(now.getTime() + policy.unconfirmedCheckForMs),
      },
    },
  );
  await offers.updateMany(old, {
    $set: { ...base, dueAt: null, uncertainSince: null, uncertainUntil: null },
  });
}
