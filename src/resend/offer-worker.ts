/**
 * The offer worker: a due loop over the offers collection that carries out what Confirm presses
 * recorded. It claims a due offer (the shared claim helper, tracking/leases.ts: owner, token, expiry,
 * renewed while the work runs), then by state:
 *   confirming  checks the key's scope, records `sending`, checks that whoever confirmed may still
 *               re-send (else `withdrawn`: no POST, ever, for this confirmation), POSTs the send with
 *               the offer's derived ref; an unclear answer (timeout, network, 5xx, DUPLICATED_REF) is
 *               followed by a check by ref; a POST the key guard refused before any network call
 *               (KEY_ATTEMPT_WAIT) is `held_back`: confirmable again by a press, never resent here
 *   sending     (a worker died mid-send) asks by ref first, never sends again
 *   uncertain   asks by ref again, until the UNCONFIRMED_CHECK_FOR window is over
 * and settles what the new state owes the chats: the confirmation becomes the order's live status
 * (tracker.trackSent), or shows the state through the OfferMessages port. Every state change goes
 * through the offer machine (offer-store.ts), conditioned on still holding the lease.
 */
import type { Model } from 'mongoose';
import { isKeyAttemptWait, isKeyUnlinked, isProviderError, ProviderError } from '../provider/errors.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { LeasedDueLoop } from '../tracking/leased-due-loop.js';
import { Lease, newOwnerId, type Claim } from '../tracking/leases.js';
import type { OrderTracker } from '../tracking/tracker.js';
import type { KeyScopes } from './key-scopes.js';
import { displayKey, owedEffects, type OfferEvent, type OfferPolicy, type Refusal } from './offer-machine.js';
import type { OfferMessages, ShowResult } from './offer-messages.js';
import type { ResendPermissions } from './resend-permissions.js';
import { applyOfferEvent, forgetReplaced, markShown, markShownInNew, moveOffersToChat } from './offer-store.js';
import type { OfferDoc } from './offers.js';
import type { TopupSender } from './topup-sender.js';

export interface OfferWorkerOptions {
  Offer: Model<OfferDoc>;
  tracker: OrderTracker;
  senders: (accountId: string) => TopupSender | undefined;
  scopes: KeyScopes;
  /** Who may make money leave an account, asked again right before each POST (accounts/roles.ts). */
  permissions: ResendPermissions;
  policy: OfferPolicy;
  clock: Clock;
  log: Logger;
  /** Longer than a provider call's worst case; renewed every third of it while work runs. */
  leaseMs?: number;
  idleMs?: number;
  concurrency?: number;
}

type Step = { offer: OfferDoc; nextDue: Date | null } | undefined;

/** The claim on an offer: `sendLease` fields (an old offer's `sendLeaseUntil` is honoured until it expires). */
export const OFFER_LEASE = 'sendLease';

export class OfferWorker {
  private readonly loop: LeasedDueLoop<OfferDoc>;
  private messages: OfferMessages | undefined;
  private abandoned = false;

  constructor(private readonly opts: OfferWorkerOptions) {
    this.loop = new LeasedDueLoop<OfferDoc>({
      name: 'offers',
      lease: new Lease(opts.Offer, OFFER_LEASE, { owner: newOwnerId('offers'), clock: opts.clock, leaseMs: opts.leaseMs ?? 60_000 }),
      dueField: 'dueAt',
      process: (claim) => this.process(claim),
      concurrency: opts.concurrency ?? 8,
      idleMs: opts.idleMs ?? 1_000,
      clock: opts.clock,
      log: opts.log,
    });
  }

  private now(): Date {
    return new Date(this.opts.clock.now());
  }

  start(messages: OfferMessages): void {
    this.messages = messages;
    this.loop.start();
  }

  kick(): void {
    this.loop.kick();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Crash simulation: stop claiming and renewing; work in flight loses its claim and writes nothing. */
  abandon(): void {
    this.abandoned = true;
    this.loop.abandon();
  }

  /** One claimed offer (the loop renews the claim until this returns). */
  private async process(claim: Claim<OfferDoc>): Promise<void> {
    const claimed = claim.doc;
    let step: Step;
    if (claimed.state === 'confirming') step = await this.send(claim, claimed);
    else if (claimed.state === 'sending' || claimed.state === 'uncertain') step = await this.check(claim, claimed);
    else step = { offer: claimed, nextDue: null };
    if (!step || this.abandoned) return; // the claim was lost: someone else owns the offer now
    const retryAt = await this.settle(claim, step.offer);
    const due = [step.nextDue?.getTime(), retryAt].filter((t): t is number => t !== undefined);
    const dueAt = due.length > 0 ? new Date(Math.min(...due)) : null;
    // The next due time only if no press changed the offer since this run's last write (every press
    // bumps `version`): a press that followed the send or re-confirmed set its own due time, which must stand.
    if (!(await claim.release({ $set: { dueAt } }, { version: step.offer.version }))) await claim.release();
  }

  private async apply(claim: Claim<OfferDoc>, offer: OfferDoc, event: OfferEvent): Promise<Step> {
    const now = this.now();
    const applied = await applyOfferEvent(this.opts.Offer, offer._id, event, { now, policy: this.opts.policy, claim, current: offer });
    if (!applied.ok) {
      if (applied.offer === null) {
        this.opts.log.warn({ offer: offer._id, event: event.type }, 'offer claim lost; leaving the offer to its new owner');
      }
      return undefined;
    }
    return { offer: applied.offer, nextDue: applied.decision.change.set.dueAt ?? null };
  }

  private async send(claim: Claim<OfferDoc>, offer: OfferDoc): Promise<Step> {
    const sender = this.opts.senders(offer.accountId);
    // No client: the account has no key in this process any more (its owner unlinked it).
    if (!sender) return this.apply(claim, offer, { type: 'refused', refusal: { reason: 'key_unlinked' } });
    if (await this.opts.scopes.isReadOnly(offer.accountId, sender)) {
      return this.apply(claim, offer, { type: 'refused', refusal: { reason: 'read_only' } });
    }
    // Recorded before the POST: whoever finds this offer in `sending` asks by ref, never sends again.
    const sending = await this.apply(claim, offer, { type: 'send' });
    if (!sending || this.abandoned) return undefined;
    // The press checked the confirmer's right, but they may have been removed (or forbidden) since,
    // even between that check and the press's own write. Asked again now, after `sending` is recorded
    // and right before the POST: a removal that landed before this read never leads to a POST (and,
    // `sending` being recorded, no later worker POSTs this confirmation either). Offers confirmed
    // before `confirmedBy` existed had only the press's check.
    const confirmer = sending.offer.confirmedBy;
    if (confirmer && !(await this.opts.permissions.mayResend(offer.accountId, confirmer.userId))) {
      this.opts.log.warn({ offer: offer._id, ref: offer.ref }, "suggested offer not sent: the confirmer's re-send right was withdrawn");
      if (this.abandoned) return undefined;
      return this.apply(claim, sending.offer, { type: 'withdrawn' });
    }
    if (this.abandoned) return undefined;
    try {
      const sent = await sender.sendMobile({ plan_code: offer.plan_code, MSSIDN: offer.MSSIDN, amount: offer.amount, ref: offer.ref });
      this.opts.log.info({ offer: offer._id, ref: offer.ref, topupId: sent.topupId }, 'suggested offer sent');
      return await this.apply(claim, sending.offer, { type: 'accepted', topupId: sent.topupId });
    } catch (err) {
      const kind = err instanceof ProviderError ? err.kind : 'unexpected';
      this.opts.log.warn({ offer: offer._id, ref: offer.ref, kind, code: (err as ProviderError).code }, 'suggested offer send failed');
      // Refused by the key guard before any network call: nothing left the bot, the offer can be confirmed again.
      if (isKeyAttemptWait(err)) {
        const retryAt = err.retryAfterMs === undefined ? undefined : this.opts.clock.now() + err.retryAfterMs;
        return this.apply(claim, sending.offer, { type: 'held_back', retryAt });
      }
      const refusal = refusalOf(err);
      if (refusal) return this.apply(claim, sending.offer, { type: 'refused', refusal });
      if (this.abandoned) return undefined;
      // DUPLICATED_REF, or no clear answer: the order may exist. Ask by ref before anything else.
      return this.check(claim, sending.offer);
    }
  }

  /** One check by ref: found means sent; a 404 or no answer keeps (or makes) the send uncertain. */
  private async check(claim: Claim<OfferDoc>, offer: OfferDoc): Promise<Step> {
    const sender = this.opts.senders(offer.accountId);
    let event: OfferEvent;
    const askedAt = new Date(this.opts.clock.now());
    try {
      if (!sender) throw new ProviderError('unauthorized', 'no provider account');
      const found = await sender.checkMobileByRef(offer.ref);
      event = { type: 'accepted', topupId: found.id };
    } catch (err) {
      event = isProviderError(err, 'not_found') ? { type: 'not_found', askedAt } : { type: 'no_answer' };
    }
    if (this.abandoned) return undefined;
    this.opts.log.info({ offer: offer._id, ref: offer.ref, outcome: event.type, state: offer.state }, 'suggested offer checked by ref');
    return this.apply(claim, offer, event);
  }

  /**
   * Does what the offer's state owes its target messages, and points the messages it sent for a chat
   * that got another one first to that one (`replacedIn`); returns when to try again for what
   * Telegram could not take yet.
   */
  private async settle(claim: Claim<OfferDoc>, offer: OfferDoc): Promise<number | undefined> {
    let retryAt = await this.settleReplaced(offer);
    const key = displayKey(offer);
    if (key === null) return retryAt;
    const later = (at: number) => (retryAt = Math.min(retryAt ?? Infinity, at));
    for (const effect of owedEffects(offer)) {
      const done: OfferDoc['targets'] = [];
      for (const target of effect.targets) {
        if (this.abandoned) return undefined;
        if (effect.type === 'track') {
          await this.opts.tracker.trackSent({
            accountId: offer.accountId,
            kind: 'mobile',
            providerId: effect.topupId,
            ref: offer.ref,
            chatId: target.chatId,
            locale: target.locale,
            messageId: target.messageId,
          });
          done.push(target);
          continue;
        }
        const shown: ShowResult = this.messages
          ? await this.messages.showState(offer, target)
          : { ok: false, retryAt: this.opts.clock.now() + 1_000 };
        // A new message shows it (the chat had none to edit): from now on it is this chat's target,
        // unless a press there recorded its own new message first; then this one points to that one.
        if (shown.ok && shown.messageId !== undefined) {
          const recorded = await markShownInNew(this.opts.Offer, offer._id, target.chatId, shown.messageId, key, this.now());
          if (recorded.type === 'replaced') {
            this.opts.log.info(
              { offer: offer._id, chatId: target.chatId },
              'a press showed the offer in this chat first; pointing the new message there',
            );
            const again = recorded.offer && (await this.settleReplaced(recorded.offer));
            if (again) later(again);
          }
        }
        // Its group became a supergroup (the migration message not handled yet): move the offers now and
        // settle again at once, with a new message there.
        else if (!shown.ok && shown.movedTo !== undefined) {
          await moveOffersToChat(this.opts.Offer, target.chatId, shown.movedTo);
          later(this.opts.clock.now());
        }
        // Without a time to retry (chat unreachable, message refused) there is nothing more to do for it.
        else if (!shown.ok && shown.retryAt !== undefined) later(shown.retryAt);
        else done.push(target);
      }
      await markShown(this.opts.Offer, offer, done, key, claim);
    }
    return retryAt;
  }

  /**
   * Each message of `replacedIn` is edited once to point to its chat's message that shows the offer,
   * then forgotten (also when it cannot be edited: gone, chat unreachable); a 429 or a network failure
   * keeps it for the returned time.
   */
  private async settleReplaced(offer: OfferDoc): Promise<number | undefined> {
    let retryAt: number | undefined;
    for (const message of offer.replacedIn ?? []) {
      if (this.abandoned || !this.messages) return undefined;
      const shown = await this.messages.showReplaced(offer, message);
      if (!shown.ok && shown.retryAt !== undefined) retryAt = Math.min(retryAt ?? Infinity, shown.retryAt);
      else await forgetReplaced(this.opts.Offer, offer._id, message);
    }
    return retryAt;
  }
}

/** A clear "no" from the provider (no order was created), or undefined when the outcome is unclear. */
function refusalOf(err: unknown): Refusal | undefined {
  if (isProviderError(err, 'insufficient_balance')) {
    return { reason: 'insufficient_balance', required: numberDetail(err, 'required'), available: numberDetail(err, 'available') };
  }
  if (isProviderError(err, 'validation') || isProviderError(err, 'out_of_stock')) {
    const field = err.details?.field;
    return { reason: 'invalid', field: typeof field === 'string' ? field : undefined };
  }
  if (isProviderError(err, 'forbidden')) return { reason: 'forbidden', code: err.code };
  // key_suspended: the key guard refused the send before any network, so no order can exist
  // (KEY_ATTEMPT_WAIT is not a refusal: the send is held back, see `send`).
  if (isKeyUnlinked(err)) return { reason: 'key_unlinked' };
  if (isProviderError(err, 'unauthorized') || isProviderError(err, 'key_suspended')) return { reason: 'key_rejected' };
  // The provider blocks the server's IP, not the key: say so, with its code.
  if (isProviderError(err, 'ip_blocked')) return { reason: 'forbidden', code: err.code ?? 'IP_BLOCKED' };
  return undefined;
}

function numberDetail(err: ProviderError, name: string): number | undefined {
  const value = err.details?.[name];
  return typeof value === 'number' ? value : undefined;
}
