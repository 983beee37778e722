import type { Model } from 'mongoose';
import { z } from 'zod';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { KeyScopes } from './key-scopes.js';
import { pressVerdict, shownKeyFor, type OfferButton, type OfferPolicy, type PressVerdict } from './offer-machine.js';
import type { PreviewTarget } from './offer-messages.js';
import type { OfferPreviews } from './offer-previews.js';
import { applyOfferEvent, moveOffersToChat } from './offer-store.js';
import type { OfferWorker } from './offer-worker.js';
import { freshOfferFields, offerKey, OFFER_TTL_MS, resendRef, type OfferDoc } from './offers.js';
import type { PlanCatalog, PlanRange } from './plan-catalog.js';
import type { ResendPermissions } from './resend-permissions.js';

export type { TopupSender } from './topup-sender.js';
export type { ResendPermissions } from './resend-permissions.js';
export type { Preview } from './offer-messages.js';

const offerKeySchema = z.string().regex(/^[A-Za-z0-9_-]{12}$/);
const targetSchema = z.object({
  accountId: z.string().min(1),
  chatId: z.number().int(),
  messageId: z.number().int().positive(),
  locale: z.string().min(2).max(8),
  /** Who pressed: checked against the account's re-send right, and recorded on the offer it sends. */
  userId: z.number().int().positive(),
  userName: z.string().max(64),
});

/** `sent`: an expired offer that had been sent (an old button of it says so, not only "expired"). */
export type OfferLookup = { type: 'expired'; sent?: OfferDoc } | { type: 'foreign' } | { type: 'ok'; offer: OfferDoc };

/** Who pressed, and the message the button is on. */
export interface Presser {
  accountId: string;
  chatId: number;
  messageId: number;
  locale: string;
  userId: number;
  /** As Telegram showed them (first name, @username), for /account's list of re-sends. */
  userName: string;
}

/**
 * Shows what a `send` or `follow` verdict means before it is recorded (see `ResendService.press`);
 * returns the id of the message that shows it (the pressed one, or a new one), or undefined when
 * Telegram took nothing (then nothing is recorded).
 */
export type ShowFirst = (offer: OfferDoc, verdict: PressVerdict) => Promise<number | undefined>;

export type PressResult =
  | { type: 'expired'; sent?: OfferDoc }
  | { type: 'foreign' }
  /** The press would open a confirmation or send, and the key is known (cached) to be read-only: nothing recorded. */
  | { type: 'read_only' }
  /** The press would open a confirmation or send, and this user may not re-send on the account: nothing recorded. */
  | { type: 'not_allowed' }
  /**
   * What the press meant (`verdict`) for the offer as it is now. `recorded`: the send started, the
   * confirmation was cancelled, or the message shown by `showFirst` (`shownIn`) now follows the send.
   * Not recorded with a `shown_in` verdict after `showFirst` showed something (`shownIn`): a race
   * gave this chat another message first, and the shown one must now point there.
   */
  | { type: 'pressed'; offer: OfferDoc; verdict: PressVerdict; recorded: boolean; shownIn?: number };

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
  /** Who may make money leave an account (accounts/roles.ts: the owner, or staff allowed to re-send). */
  permissions: ResendPermissions;
}

/** A re-send someone confirmed, as /account lists them. */
export interface ConfirmedResend {
  ref: string;
  MSSIDN: string;
  typename: string;
  amount: number;
  state: OfferDoc['state'];
  confirmedBy: { userId: number; name: string };
  confirmedAt: Date;
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
    if (!offer) return { type: 'expired' };
    if (offer.accountId !== accountId) return { type: 'foreign' };
    if (offer.expiresAt.getTime() <= this.opts.clock.now())
      return offer.state === 'sent' ? { type: 'expired', sent: offer } : { type: 'expired' };
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
   * A group became a supergroup (a new chat id, Telegram's migrate_to_chat_id): offers shown there
   * follow it. The group's messages stay in its old history, where nothing can be edited any more,
   * and the supergroup numbers its messages afresh, so the message that showed an offer's send is
   * gone for the bot: the chat keeps its target without a message (OfferTarget.messageId null). An
   * outcome still owed to it then comes as a new message in the supergroup (the offer worker), and a
   * press there is judged on the same offer and shows it in the pressed or a new message (`follow`),
   * never sends it again. Confirmations still waiting for their fill-in are dropped (they cannot be
   * edited). Idempotent (Telegram announces the upgrade in both chats).
   */
  async migrateChat(fromChatId: number, toChatId: number): Promise<void> {
    const from = z.number().int().parse(fromChatId);
    const to = z.number().int().parse(toChatId);
    await moveOffersToChat(this.opts.Offer, from, to);
  }

  /** The account's latest confirmed re-sends (offers live 24 h after their last press), newest first. */
  async lastConfirmed(accountId: string, limit = 5): Promise<ConfirmedResend[]> {
    const offers = await this.opts.Offer.find({ accountId, confirmedAt: { $type: 'date' } })
      .sort({ confirmedAt: -1 })
      .limit(limit)
      .lean<OfferDoc[]>();
    return offers.flatMap((o) =>
      o.confirmedBy && o.confirmedAt
        ? [
            {
              ref: o.ref,
              MSSIDN: o.MSSIDN,
              typename: o.typename,
              amount: o.amount,
              state: o.state,
              confirmedBy: o.confirmedBy,
              confirmedAt: o.confirmedAt,
            },
          ]
        : [],
    );
  }

  /**
   * A press of an offer's button (the offer on a status message, Confirm or Cancel on a confirmation),
   * judged on the offer as it is now (offer-machine.ts `pressVerdict`), never on what the button
   * showed when it was sent. Reads and writes MongoDB only; returns at once.
   * - `send` and `follow` change what a message shows before they are recorded: `showFirst` shows it
   *   (the pressed confirmation says "sending…", or a new message is sent), then the press is recorded
   *   with that message, conditioned on the state it was judged on. From then on only the worker and
   *   the order's live status write that message, so nothing overwrites its outcome.
   * - `cancel` is recorded first (the confirmation says "cancelled" only once nothing can be sent).
   * - every other verdict changes nothing; the caller answers it.
   * A press that loses a race (another press, the worker) is judged again on the newer state.
   */
  async press(key: string, button: OfferButton, who: Presser, showFirst: ShowFirst): Promise<PressResult> {
    const input = targetSchema.parse(who);
    const found = await this.find(key, input.accountId);
    if (found.type !== 'ok') return found;
    let offer = found.offer;
    const pressed = { chatId: input.chatId, messageId: input.messageId };
    let shownIn: number | undefined;
    let shownKey: string | null = null;
    let allowed: boolean | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      const verdict = pressVerdict(offer, button, pressed);
      // Money would leave the account: only its owner and staff allowed to re-send, whatever a button showed.
      if (verdict.type === 'send' || verdict.type === 'confirmation') {
        allowed ??= await this.opts.permissions.mayResend(input.accountId, input.userId);
        if (!allowed) return { type: 'not_allowed' };
      }
      if ((verdict.type === 'send' || verdict.type === 'confirmation') && this.knownReadOnly(input.accountId) === true) {
        return { type: 'read_only' };
      }
      if (verdict.type !== 'send' && verdict.type !== 'cancel' && verdict.type !== 'follow') {
        return { type: 'pressed', offer, verdict, recorded: false, ...(shownIn === undefined ? {} : { shownIn }) };
      }
      // A new message this press already sent (a lost race, judged `follow` again: the worker moved the
      // send on meanwhile) is recorded with what it shows, never sent a second time: the worker edits it.
      if (verdict.type !== 'cancel' && !(verdict.type === 'follow' && shownIn !== undefined && shownIn !== input.messageId)) {
        shownIn = await showFirst(offer, verdict);
        if (shownIn === undefined) return { type: 'pressed', offer, verdict, recorded: false };
        shownKey = shownKeyFor(offer, verdict);
      }
      const shows = { chatId: input.chatId, messageId: shownIn ?? input.messageId, locale: input.locale, shown: shownKey };
      const applied = await applyOfferEvent(
        this.opts.Offer,
        offer._id,
        { type: 'press', button, pressed, shows, by: { userId: input.userId, name: input.userName } },
        { now: this.now(), policy: this.opts.policy, current: offer, attempts: 1 },
      );
      if (applied.ok) {
        if (verdict.type !== 'cancel') {
          // The offer must outlive the send and its checks by ref (the TTL index would delete it mid-way).
          const keepUntil = new Date(this.opts.clock.now() + OFFER_TTL_MS);
          await this.opts.Offer.updateOne({ _id: offer._id, expiresAt: { $lt: keepUntil } }, { $set: { expiresAt: keepUntil } });
          this.opts.worker.kick();
        }
        this.opts.log.info(
          { offer: offer._id, ref: offer.ref, button, verdict: verdict.type, state: applied.offer.state },
          'suggested offer pressed',
        );
        return { type: 'pressed', offer: applied.offer, verdict, recorded: true, ...(shownIn === undefined ? {} : { shownIn }) };
      }
      // Someone else changed the offer since it was read: judge the press again on what it is now.
      const fresh = await this.opts.Offer.findById(offer._id).lean<OfferDoc>();
      if (!fresh) return { type: 'expired' };
      offer = fresh;
    }
    return {
      type: 'pressed',
      offer,
      verdict: pressVerdict(offer, button, pressed),
      recorded: false,
      ...(shownIn === undefined ? {} : { shownIn }),
    };
  }
}
