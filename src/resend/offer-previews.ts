import type { Model } from 'mongoose';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { LeasedDueLoop } from '../tracking/leased-due-loop.js';
import { Lease, newOwnerId, type Claim, type KeepAlive } from '../tracking/leases.js';
import type { KeyScopes } from './key-scopes.js';
import { pressVerdict, shownKeyFor, type OfferPolicy, type PressVerdict } from './offer-machine.js';
import type { OfferMessages, PreviewTarget } from './offer-messages.js';
import { applyOfferEvent } from './offer-store.js';
import type { OfferDoc, PendingPreview } from './offers.js';
import type { PlanCatalog } from './plan-catalog.js';
import type { TopupSender } from './topup-sender.js';

/** The claim on an offer's pending fill-ins (`previewLease` fields), separate from the send's. */
export const PREVIEW_LEASE = 'previewLease';

export interface OfferPreviewsOptions {
  Offer: Model<OfferDoc>;
  senders: (accountId: string) => TopupSender | undefined;
  scopes: KeyScopes;
  plans: PlanCatalog;
  messages: OfferMessages;
  /** The offer machine's policy (a confirmation that follows a send is recorded through it). */
  policy: OfferPolicy;
  clock: Clock;
  log: Logger;
  leaseMs?: number;
  idleMs?: number;
  concurrency?: number;
}

/**
 * Fills in confirmations in the background. The press handler shows number, plan and amount with the
 * balance "loading…" and records the message as a pending fill-in on the offer (`previews`, due at
 * once) in MongoDB; this loop claims offers with pending fill-ins, asks the provider for the balance,
 * the key's scope and the plan's range, and edits the messages. A crash loses nothing: the next
 * process fills them in. A confirmation a press closed meanwhile (Confirm, Cancel) is left alone; one
 * whose offer was sent or is being sent meanwhile (from another confirmation) shows that instead, and
 * follows it like a press of the offer would (offer-machine.ts `pressVerdict`): it points to the
 * chat's message that shows the send, or becomes that message.
 */
export class OfferPreviews {
  private readonly loop: LeasedDueLoop<OfferDoc>;

  constructor(private readonly opts: OfferPreviewsOptions) {
    this.loop = new LeasedDueLoop<OfferDoc>({
      name: 'offer-previews',
      lease: new Lease(opts.Offer, PREVIEW_LEASE, {
        owner: newOwnerId('previews'),
        clock: opts.clock,
        leaseMs: opts.leaseMs ?? 60_000,
      }),
      dueField: 'previewDueAt',
      process: (claim, keepAlive) => this.process(claim, keepAlive),
      concurrency: opts.concurrency ?? 8,
      idleMs: opts.idleMs ?? 1_000,
      clock: opts.clock,
      log: opts.log,
    });
  }

  private now(): Date {
    return new Date(this.opts.clock.now());
  }

  /** Records a confirmation to fill in (MongoDB) and wakes the loop. */
  async request(offer: OfferDoc, target: PreviewTarget): Promise<void> {
    const pending: PendingPreview = { ...target, version: offer.version };
    await this.opts.Offer.updateOne({ _id: offer._id }, { $push: { previews: pending }, $set: { previewDueAt: this.now() } });
    this.loop.kick();
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Crash simulation: stop claiming and renewing; fill-ins in flight show nothing more. */
  abandon(): void {
    this.loop.abandon();
  }

  /** The confirmation now shows the send under way or the sent offer: it follows it like a press would. */
  private async follow(offer: OfferDoc, target: PreviewTarget, verdict: PressVerdict): Promise<boolean> {
    const applied = await applyOfferEvent(
      this.opts.Offer,
      offer._id,
      { type: 'press', button: 'offer', pressed: target, shows: { ...target, shown: shownKeyFor(offer, verdict) } },
      { now: this.now(), policy: this.opts.policy, current: offer, attempts: 1 },
    );
    return applied.ok;
  }

  private async process(claim: Claim<OfferDoc>, keepAlive: KeepAlive): Promise<void> {
    const offer = claim.doc;
    const pending = offer.previews ?? [];
    const sender = this.opts.senders(offer.accountId);
    const [balance, readOnly, range] = await Promise.all([
      sender?.balance().catch(() => undefined),
      this.opts.scopes.isReadOnly(offer.accountId, sender),
      this.opts.plans.dynamicRange(offer.accountId, offer.plan_code).catch(() => undefined),
    ]);
    // Another process took the fill-in over while the provider was slow: it shows it, not this one.
    if (keepAlive.lost || !(await claim.renew())) return;
    // Presses meanwhile win: a Confirm made the message a send's message, a Cancel closed it.
    const now = await this.opts.Offer.findById(offer._id).lean<OfferDoc>();
    if (!now) return;
    const done: PendingPreview[] = [];
    let retryAt: number | undefined;
    for (const target of pending) {
      const confirmedHere = now.targets.some((t) => t.chatId === target.chatId && t.messageId === target.messageId);
      const cancelledHere = (now.cancelledIn ?? []).some((c) => c.chatId === target.chatId && c.messageId === target.messageId);
      // Offers cancelled before `cancelledIn` existed: a Cancel after this confirmation was shown closed it.
      const legacyCancelled = now.state === 'cancelled' && now.cancelledIn === undefined && now.version !== target.version;
      if (!confirmedHere && !cancelledHere && !legacyCancelled) {
        // Sent or being sent meanwhile (from another confirmation): this one must not offer it again.
        const verdict = pressVerdict(now, 'offer', target);
        const passed = verdict.type === 'follow' || verdict.type === 'shown_in' ? { verdict } : {};
        const shown = await this.opts.messages.showPreview(target, { offer: now, balance, readOnly, range, ...passed });
        if (!shown.ok && shown.retryAt !== undefined) {
          retryAt = Math.min(retryAt ?? Infinity, shown.retryAt);
          continue;
        }
        if (verdict.type === 'follow' && !(await this.follow(now, target, verdict))) {
          // Lost a race (a press, the worker): judged again on the next round.
          retryAt = Math.min(retryAt ?? Infinity, this.opts.clock.now() + 1_000);
          continue;
        }
      }
      done.push(target);
    }
    const remaining = pending.length - done.length;
    const pulled = done.map((p) => ({ chatId: p.chatId, messageId: p.messageId }));
    if (pulled.length > 0) await claim.write({ $pull: { previews: { $or: pulled } } });
    // Nothing more due unless a press added a fill-in meanwhile (then it stays due now).
    const dueAt = remaining > 0 ? new Date(retryAt ?? this.opts.clock.now() + 5_000) : null;
    if (!(await claim.release({ $set: { previewDueAt: dueAt } }, { previews: { $size: remaining } }))) await claim.release();
  }
}
