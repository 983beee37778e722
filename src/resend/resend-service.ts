import type { Model } from 'mongoose';
import { z } from 'zod';
import { isProviderError, ProviderError } from '../provider/errors.js';
import type { AccountKeyInfo, MobileOrder } from '../provider/types.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { OrderTracker } from '../tracking/tracker.js';
import { offerKey, OFFER_TTL_MS, resendRef, type OfferDoc } from './offers.js';
import type { PlanCatalog, PlanRange } from './plan-catalog.js';

/** What re-sending needs from the provider account (the OneClickDz client satisfies it). */
export interface TopupSender {
  sendMobile(body: { plan_code: string; MSSIDN: string; amount?: number; ref: string }): Promise<{ topupId: string; topupRef: string }>;
  checkMobileByRef(ref: string): Promise<MobileOrder>;
  balance(): Promise<number>;
  validate(): Promise<AccountKeyInfo>;
}

const offerKeySchema = z.string().regex(/^[A-Za-z0-9_-]{12}$/);

export type OfferLookup = { type: 'expired' } | { type: 'foreign' } | { type: 'ok'; offer: OfferDoc };

export interface Preview {
  offer: OfferDoc;
  /** Undefined when the provider could not be asked right now. */
  balance: number | undefined;
  readOnly: boolean;
  /** Set for plans that take a chosen amount: the range another amount must fall in. */
  range: PlanRange | undefined;
}

export type ConfirmResult =
  | { type: 'tracking'; topupId: string; ref: string; duplicate: boolean }
  | { type: 'expired' }
  | { type: 'foreign' }
  | { type: 'in_progress'; ref: string }
  | { type: 'read_only' }
  | { type: 'insufficient_balance'; required: number | undefined; available: number | undefined }
  | { type: 'invalid'; field: string | undefined }
  /** The send failed and the provider does not know the ref: nothing was created as far as it says. */
  | { type: 'unconfirmed'; ref: string }
  /** Neither the send nor the check by ref got an answer: the outcome is unknown. */
  | { type: 'provider_down'; ref: string };

export type AmountResult =
  { type: 'ok'; key: string } | { type: 'out_of_range'; range: PlanRange } | { type: 'fixed' } | { type: 'expired' } | { type: 'foreign' };

export interface ResendServiceOptions {
  Offer: Model<OfferDoc>;
  tracker: OrderTracker;
  senders: (accountId: string) => TopupSender | undefined;
  plans: PlanCatalog;
  clock: Clock;
  log: Logger;
  /** A send claimed by a press that died mid-way is free again after this long. */
  sendLeaseMs?: number;
  /** How long a press waits for another press's send before answering "in progress". */
  claimWaitMs?: number;
}

const CLAIM_POLL_MS = 100;

/**
 * Re-sending a suggested offer, safely: one press (plus a confirmation) sends exactly one order.
 * - The ref is derived from the original order and the offer, so double presses, retries and two staff
 *   members all use the same ref; the provider rejects a second use with DUPLICATED_REF, and we then
 *   track the order that ref already names.
 * - A send is claimed atomically in MongoDB before the provider is called: concurrent presses do not
 *   even reach the provider.
 * - A send that fails without a clear answer (timeout, network, 5xx) is never repeated blindly: the
 *   order is looked up by ref first, and only a press of the user sends again (with the same ref),
 *   after asking by ref once more.
 */
export class ResendService {
  private readonly scopes = new Map<string, { readOnly: boolean; at: number }>();

  constructor(private readonly opts: ResendServiceOptions) {}

  async find(key: string, accountId: string): Promise<OfferLookup> {
    // Button data comes from the chat: validated before it reaches a query; tampered data is "expired".
    const input = offerKeySchema.safeParse(key);
    if (!input.success) return { type: 'expired' };
    const offer = await this.opts.Offer.findById(input.data).lean<OfferDoc>();
    if (!offer || offer.expiresAt.getTime() <= this.opts.clock.now()) return { type: 'expired' };
    if (offer.accountId !== accountId) return { type: 'foreign' };
    return { type: 'ok', offer };
  }

  /** Everything the confirmation shows: the offer, the balance and whether this key may send. */
  async preview(offer: OfferDoc): Promise<Preview> {
    const sender = this.opts.senders(offer.accountId);
    const [balance, readOnly, range] = await Promise.all([
      sender?.balance().catch(() => undefined),
      this.isReadOnly(offer.accountId),
      this.opts.plans.dynamicRange(offer.accountId, offer.plan_code),
    ]);
    return { offer, balance, readOnly, range };
  }

  /** The amount range of the offer's plan, when it takes a chosen amount. */
  rangeOf(offer: OfferDoc): Promise<PlanRange | undefined> {
    return this.opts.plans.dynamicRange(offer.accountId, offer.plan_code);
  }

  /** The same offer with another amount (dynamic plans only), as its own offer with its own ref. */
  async withAmount(key: string, accountId: string, amount: number): Promise<AmountResult> {
    const found = await this.find(key, accountId);
    if (found.type !== 'ok') return found;
    const { offer } = found;
    const range = await this.opts.plans.dynamicRange(accountId, offer.plan_code);
    if (!range) return { type: 'fixed' };
    if (!Number.isInteger(amount) || amount < range.min_amount || amount > range.max_amount) return { type: 'out_of_range', range };
    const newKey = offerKey(offer.sourceOrderId.toString(), offer.plan_code, amount);
    await this.opts.Offer.updateOne(
      { _id: newKey },
      {
        $setOnInsert: {
          accountId,
          sourceOrderId: offer.sourceOrderId,
          sourceProviderId: offer.sourceProviderId,
          MSSIDN: offer.MSSIDN,
          plan_code: offer.plan_code,
          amount,
          typename: offer.typename,
          ref: resendRef(offer.sourceProviderId, offer.plan_code, amount),
          state: 'idle',
          sendLeaseUntil: null,
          sentTopupId: null,
          expiresAt: new Date(this.opts.clock.now() + OFFER_TTL_MS),
        },
      },
      { upsert: true },
    );
    return { type: 'ok', key: newKey };
  }

  async confirm(key: string, who: { accountId: string; chatId: number; locale: string; messageId: number }): Promise<ConfirmResult> {
    const found = await this.find(key, who.accountId);
    if (found.type !== 'ok') return found;
    const { offer } = found;
    const track = async (topupId: string, duplicate: boolean): Promise<ConfirmResult> => {
      await this.opts.tracker.trackSent({
        accountId: offer.accountId,
        kind: 'mobile',
        providerId: topupId,
        ref: offer.ref,
        chatId: who.chatId,
        locale: who.locale,
        messageId: who.messageId,
      });
      return { type: 'tracking', topupId, ref: offer.ref, duplicate };
    };
    if (offer.state === 'sent' && offer.sentTopupId) return track(offer.sentTopupId, true);
    if (await this.isReadOnly(offer.accountId)) return { type: 'read_only' };
    const sender = this.opts.senders(offer.accountId);
    if (!sender) return { type: 'read_only' };

    // Another press holding the send (a second staff member, a double tap): wait for its outcome, so
    // this chat follows the order it creates too; if it fails and lets go, this press sends itself.
    let before: OfferDoc | null = null;
    for (let waitedMs = 0; ; waitedMs += CLAIM_POLL_MS) {
      const now = this.opts.clock.now();
      before = await this.opts.Offer.findOneAndUpdate(
        { _id: offer._id, state: { $ne: 'sent' }, $or: [{ sendLeaseUntil: null }, { sendLeaseUntil: { $lte: new Date(now) } }] },
        { $set: { state: 'sending', sendLeaseUntil: new Date(now + (this.opts.sendLeaseMs ?? 60_000)) } },
        { returnDocument: 'before' },
      ).lean<OfferDoc>();
      if (before) break;
      const current = await this.opts.Offer.findById(offer._id).lean<OfferDoc>();
      if (current?.state === 'sent' && current.sentTopupId) return track(current.sentTopupId, true);
      if (!current || waitedMs >= (this.opts.claimWaitMs ?? 8_000)) return { type: 'in_progress', ref: offer.ref };
      await new Promise((resolve) => setTimeout(resolve, CLAIM_POLL_MS));
    }

    const markSent = (topupId: string) =>
      this.opts.Offer.updateOne({ _id: offer._id }, { $set: { state: 'sent', sentTopupId: topupId, sendLeaseUntil: null } });
    const release = (state: 'idle' | 'uncertain' = 'idle') =>
      this.opts.Offer.updateOne({ _id: offer._id }, { $set: { state, sendLeaseUntil: null } });

    // An earlier send of this offer got no clear answer (or its process died mid-send): ask the
    // provider by ref before sending anything.
    if (before?.state === 'sending' || before?.state === 'uncertain') {
      try {
        const existing = await sender.checkMobileByRef(offer.ref);
        await markSent(existing.id);
        return await track(existing.id, true);
      } catch (err) {
        if (!isProviderError(err, 'not_found')) {
          await release('uncertain');
          return { type: 'provider_down', ref: offer.ref };
        }
      }
    }

    try {
      const sent = await sender.sendMobile({ plan_code: offer.plan_code, MSSIDN: offer.MSSIDN, amount: offer.amount, ref: offer.ref });
      this.opts.log.info({ offer: offer._id, topupId: sent.topupId }, 'suggested offer sent');
      await markSent(sent.topupId);
      return await track(sent.topupId, false);
    } catch (err) {
      return this.afterFailedSend(err, offer, sender, { markSent, release, track });
    }
  }

  private async afterFailedSend(
    err: unknown,
    offer: OfferDoc,
    sender: TopupSender,
    steps: {
      markSent: (id: string) => Promise<unknown>;
      release: (state?: 'idle' | 'uncertain') => Promise<unknown>;
      track: (id: string, duplicate: boolean) => Promise<ConfirmResult>;
    },
  ): Promise<ConfirmResult> {
    const kind = err instanceof ProviderError ? err.kind : 'unexpected';
    this.opts.log.warn({ offer: offer._id, kind, code: (err as ProviderError).code }, 'suggested offer send failed');
    if (isProviderError(err, 'insufficient_balance')) {
      await steps.release();
      return { type: 'insufficient_balance', required: numberDetail(err, 'required'), available: numberDetail(err, 'available') };
    }
    if (isProviderError(err, 'validation') || isProviderError(err, 'out_of_stock')) {
      await steps.release();
      const field = err.details?.field;
      return { type: 'invalid', field: typeof field === 'string' ? field : undefined };
    }
    if (isProviderError(err, 'forbidden') || isProviderError(err, 'unauthorized') || isProviderError(err, 'ip_blocked')) {
      await steps.release();
      return { type: 'read_only' };
    }
    // DUPLICATED_REF, or no clear answer: the order may exist. Look it up by ref before anything else.
    try {
      const existing = await sender.checkMobileByRef(offer.ref);
      await steps.markSent(existing.id);
      return await steps.track(existing.id, isProviderError(err, 'duplicated_ref'));
    } catch (checkErr) {
      // Unknown outcome: the next press asks by ref again before it sends (same ref either way).
      await steps.release('uncertain');
      return isProviderError(checkErr, 'not_found') ? { type: 'unconfirmed', ref: offer.ref } : { type: 'provider_down', ref: offer.ref };
    }
  }

  /** READ-ONLY keys cannot send: asked once an hour from /v3/validate (the provider says: cache it). */
  private async isReadOnly(accountId: string): Promise<boolean> {
    const cached = this.scopes.get(accountId);
    const now = this.opts.clock.now();
    if (cached && now - cached.at < 60 * 60 * 1000) return cached.readOnly;
    const sender = this.opts.senders(accountId);
    if (!sender) return true;
    try {
      const info = await sender.validate();
      const readOnly = info.scope.toUpperCase() === 'READ-ONLY' || !info.isEnabled;
      this.scopes.set(accountId, { readOnly, at: now });
      return readOnly;
    } catch {
      return cached?.readOnly ?? false; // unknown: let the send itself answer
    }
  }
}

function numberDetail(err: ProviderError, name: string): number | undefined {
  const value = err.details?.[name];
  return typeof value === 'number' ? value : undefined;
}
