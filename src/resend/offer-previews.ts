import type { Model } from 'mongoose';
import type { Logger } from '../shared/logger.js';
import type { KeyScopes } from './key-scopes.js';
import type { OfferMessages, PreviewTarget } from './offer-messages.js';
import type { OfferDoc } from './offers.js';
import type { PlanCatalog } from './plan-catalog.js';
import type { TopupSender } from './topup-sender.js';

/**
 * Fills in a confirmation in the background: the press handler has already shown number, plan and
 * amount with the balance "loading…"; this asks the provider for the balance, the key's scope and the
 * plan's range, then edits the message. Not durable: after a crash the message keeps "loading…", and
 * Confirm works all the same (the worker checks the key before sending).
 */
export class OfferPreviews {
  private readonly inflight = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly opts: {
      Offer: Model<OfferDoc>;
      senders: (accountId: string) => TopupSender | undefined;
      scopes: KeyScopes;
      plans: PlanCatalog;
      messages: OfferMessages;
      log: Logger;
    },
  ) {}

  start(offer: OfferDoc, target: PreviewTarget): void {
    if (this.stopped) return;
    const task = this.fill(offer, target)
      .catch((err: unknown) => this.opts.log.warn({ err, offer: offer._id }, 'confirmation fill-in failed'))
      .finally(() => this.inflight.delete(task));
    this.inflight.add(task);
  }

  private async fill(offer: OfferDoc, target: PreviewTarget): Promise<void> {
    const sender = this.opts.senders(offer.accountId);
    const [balance, readOnly, range] = await Promise.all([
      sender?.balance().catch(() => undefined),
      this.opts.scopes.isReadOnly(offer.accountId, sender),
      this.opts.plans.dynamicRange(offer.accountId, offer.plan_code),
    ]);
    if (this.stopped) return;
    // A press on this message meanwhile (Confirm made it a send's message, Cancel closed it) wins: the
    // fill-in must not bring the confirmation back.
    const now = await this.opts.Offer.findById(offer._id).lean<OfferDoc>();
    if (!now) return;
    const confirmedHere = now.targets.some((t) => t.chatId === target.chatId && t.messageId === target.messageId);
    const cancelled = now.state === 'cancelled' && now.version !== offer.version;
    if (confirmedHere || cancelled) return;
    await this.opts.messages.showPreview(target, { offer: now, balance, readOnly, range });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.inflight]);
  }

  /** Crash simulation: forget the work in flight (it shows nothing more). */
  abandon(): void {
    this.stopped = true;
  }
}
