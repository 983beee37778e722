import type { Model } from 'mongoose';
import { z } from 'zod';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { KeyScopes } from './key-scopes.js';
import type { OfferPolicy } from './offer-machine.js';
import type { PreviewTarget } from './offer-messages.js';
import type { OfferPreviews } from './offer-previews.js';
import { applyOfferEvent } from './offer-store.js';
import type { OfferWorker } from './offer-worker.js';
import { freshOfferFields, offerKey, OFFER_TTL_MS, resendRef, type OfferDoc } from './offers.js';
import type { PlanCatalog, PlanRange } from './plan-catalog.js';

export type { TopupSender } from './topup-sender.js';
export type { Preview } from './offer-messages.js';

const offerKeySchema = z.string().regex(/^[A-Za-z0-9_-]{12}$/);
const targetSchema = z.object({
  accountId: z.string().min(1),
  chatId: z.number().int(),
  messageId: z.number().int().positive(),
  locale: z.string().min(2).max(8),
});

export type OfferLookup = { type: 'expired' } | { type: 'foreign' } | { type: 'ok'; offer: OfferDoc };

export type ConfirmResult =
  | { type: 'expired' }
  | { type: 'foreign' }
  /** The key is known (cached) to be read-only: nothing recorded. */
  | { type: 'read_only' }
  /** Recorded: the worker sends (or this chat joined a send under way, or follows the sent order). */
  | { type: 'recorded'; offer: OfferDoc };

export type CancelResult = { type: 'expired' } | { type: 'foreign' } | { type: 'cancelled' } | { type: 'in_flight'; offer: OfferDoc };

export type RangeResult = { type: 'dynamic'; range: PlanRange } | { type: 'fixed' } | { type: 'unknown' };

export type AmountResult =
  | { type: 'ok'; offer: OfferDoc }
  | { type: 'out_of_range'; range: PlanRange }
  | { type: 'fixed' }
  | { type: 'unknown' }
  | { type: 'expired' }
  | { type: 'foreign' };

export interface ResendServiceOptions {
  Offer: Model<OfferDoc>;
  plans: PlanCatalog;
  scopes: KeyScopes;
  previews: OfferPreviews;
  worker: OfferWorker;
  policy: OfferPolicy;
  clock: Clock;
  log: Logger;
}

/**
 * Re-sending a suggested offer, as the update handlers see it. Nothing here calls the provider: a press
 * reads MongoDB, records what was asked, and returns; the provider is asked in the background
 * (OfferPreviews fills in the confirmation, OfferWorker sends and checks by ref).
 * - The ref is derived from the original order and the offer, so double presses, retries and two staff
 *   members all use the same ref; the provider rejects a second use with DUPLICATED_REF, and the order
 *   that ref names is tracked instead.
 * - A send without a clear answer is never repeated by the bot: it asks by ref, and only a new press,
 *   after the provider said "not found" for the whole UNCONFIRMED_CHECK_FOR window, sends again (same ref).
 */
export class ResendService {
  constructor(private readonly opts: ResendServiceOptions) {}

  private now(): Date {
    return new Date(this.opts.clock.now());
  }

  async find(key: string, accountId: string): Promise<OfferLookup> {
    // Button data comes from the chat: validated before it reaches a query; tampered data is "expired".
    const input = offerKeySchema.safeParse(key);
    if (!input.success) return { type: 'expired' };
    const offer = await this.opts.Offer.findById(input.data).lean<OfferDoc>();
    if (!offer || offer.expiresAt.getTime() <= this.opts.clock.now()) return { type: 'expired' };
    if (offer.accountId !== accountId) return { type: 'foreign' };
    return { type: 'ok', offer };
  }

  /** The key's scope as far as known without asking the provider (undefined: not known yet). */
  knownReadOnly(accountId: string): boolean | undefined {
    return this.opts.scopes.known(accountId);
  }

  /** A confirmation was shown with "loading…": recorded, filled in with balance and plan data in the background. */
  fillInConfirmation(offer: OfferDoc, target: PreviewTarget): Promise<void> {
    return this.opts.previews.request(offer, target);
  }

  /** The plan's range from the cached plan list (a cold cache starts a refresh and answers `unknown`). */
  rangeOf(offer: OfferDoc): Promise<RangeResult> {
    return this.opts.plans.cachedRange(offer.accountId, offer.plan_code);
  }

  /** The same offer with another amount (dynamic plans only), as its own offer with its own ref. */
  async withAmount(key: string, accountId: string, amount: number): Promise<AmountResult> {
    const found = await this.find(key, accountId);
    if (found.type !== 'ok') return found;
    const { offer } = found;
    const range = await this.rangeOf(offer);
    if (range.type !== 'dynamic') return range;
    if (!Number.isInteger(amount) || amount < range.range.min_amount || amount > range.range.max_amount) {
      return { type: 'out_of_range', range: range.range };
    }
    const newKey = offerKey(offer.sourceOrderId.toString(), offer.plan_code, amount);
    const created = await this.opts.Offer.findOneAndUpdate(
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
          ...freshOfferFields(),
          expiresAt: new Date(this.opts.clock.now() + OFFER_TTL_MS),
        },
      },
      { upsert: true, returnDocument: 'after' },
    ).lean<OfferDoc>();
    return { type: 'ok', offer: created };
  }

  /**
   * A Confirm press: records the intent (who, where) and wakes the worker; returns at once. A press on
   * an offer already being sent joins it (this message is told the outcome too); on an offer already
   * sent, this chat follows the order.
   */
  async confirm(key: string, who: { accountId: string; chatId: number; locale: string; messageId: number }): Promise<ConfirmResult> {
    const input = targetSchema.parse(who);
    const found = await this.find(key, input.accountId);
    if (found.type !== 'ok') return found;
    if (this.knownReadOnly(input.accountId)) return { type: 'read_only' };
    const target = { chatId: input.chatId, messageId: input.messageId, locale: input.locale };
    const applied = await applyOfferEvent(
      this.opts.Offer,
      found.offer._id,
      { type: 'confirm', target },
      {
        now: this.now(),
        policy: this.opts.policy,
      },
    );
    if (!applied.offer) return { type: 'expired' };
    if (applied.ok) {
      // The offer must outlive the send and its checks by ref (the TTL index would delete it mid-way).
      const keepUntil = new Date(this.opts.clock.now() + OFFER_TTL_MS);
      await this.opts.Offer.updateOne({ _id: applied.offer._id, expiresAt: { $lt: keepUntil } }, { $set: { expiresAt: keepUntil } });
      this.opts.log.info({ offer: applied.offer._id, ref: applied.offer.ref, state: applied.offer.state }, 'suggested offer confirmed');
      this.opts.worker.kick();
    }
    return { type: 'recorded', offer: applied.offer };
  }

  /** A Cancel press: closes the confirmation unless a send is already under way (or done). */
  async cancel(key: string, accountId: string): Promise<CancelResult> {
    const found = await this.find(key, accountId);
    if (found.type !== 'ok') return found;
    const applied = await applyOfferEvent(
      this.opts.Offer,
      found.offer._id,
      { type: 'cancel' },
      { now: this.now(), policy: this.opts.policy },
    );
    if (applied.ok) return { type: 'cancelled' };
    return applied.offer ? { type: 'in_flight', offer: applied.offer } : { type: 'expired' };
  }
}
