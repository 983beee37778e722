import { createHash } from 'node:crypto';
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { SuggestedOffer } from '../provider/types.js';
import type { OrderDoc } from '../tracking/models.js';

/**
 * A suggested offer a chat can press to re-send a top-up. Buttons carry only the offer's short key
 * (`callback_data` is limited to 64 bytes); everything else lives here, with an expiry, because old
 * buttons stay clickable for days while a line's accepted offers change.
 */
/**
 * idle: never sent; sending: a press is sending now (or died doing so); uncertain: a send got no clear
 * answer and the provider did not know the ref yet; sent: the provider has the order (sentTopupId).
 */
export type SendState = 'idle' | 'sending' | 'uncertain' | 'sent';

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
  state: SendState;
  sendLeaseUntil: Date | null;
  sentTopupId: string | null;
  expiresAt: Date;
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
    state: { type: String, default: 'idle' },
    sendLeaseUntil: { type: Date, default: null },
    sentTopupId: { type: String, default: null },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'offers', timestamps: { createdAt: true, updatedAt: false }, _id: false },
);
// MongoDB deletes expired offers by itself (lazily); presses check expiresAt too.
offerSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export function offerModel(connection: Connection): Model<OfferDoc> {
  return (connection.models.Offer as Model<OfferDoc> | undefined) ?? connection.model<OfferDoc>('Offer', offerSchema);
}

const hash = (text: string) => createHash('sha256').update(text).digest('base64url');

/** Short, unguessable-enough key for a button: 12 base64url chars (72 bits). */
export function offerKey(sourceOrderId: string, plan_code: string, amount: number): string {
  return hash(`offer:${sourceOrderId}:${plan_code}:${amount}`).slice(0, 12);
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
            state: 'idle',
            sendLeaseUntil: null,
            sentTopupId: null,
            expiresAt: new Date(now.getTime() + ttlMs),
          },
        },
        upsert: true,
      },
    })),
    { ordered: false },
  );
}
