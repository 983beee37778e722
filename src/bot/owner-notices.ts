import type { I18n } from '@grammyjs/i18n';
import type { Locale } from '../config.js';
import type { OwnerNoticeDoc, OwnerNoticeStore } from '../accounts/owner-notices.js';
import type { ChatPacer } from '../outbox/chat-pacer.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { LeasedDueLoop } from '../tracking/leased-due-loop.js';
import { Lease, type Claim } from '../tracking/leases.js';
import type { ChatStore } from './chats.js';
import { translatorFor } from './i18n.js';
import { escapeHtml } from './render/html.js';
import type { Messenger } from './telegram/messenger.js';

/** How long a claimed notice blocks other workers; only matters if its sender dies mid-send. */
const DEFAULT_LEASE_MS = 60_000;
/** A notice whose chat's turn is further away than this comes back then instead of waiting in line. */
const MAX_WAIT_MS = 1_500;
/** Network errors and Telegram 5xx: 5 s, doubling per failed attempt, at most 10 min apart. */
const TRANSIENT_RETRY_MS = 5_000;
const TRANSIENT_RETRY_MAX_MS = 10 * 60_000;

export interface OwnerNoticeWorkerOptions {
  store: OwnerNoticeStore;
  /** A messenger whose Api is paced but does not retry in place (a 429 comes back here, like status deliveries). */
  messenger: Messenger;
  pacer: ChatPacer;
  chats: ChatStore;
  /** Only `t` (no update context) is used here, so any bot's I18n fits. */
  i18n: Pick<I18n, 't'>;
  defaultLocale: Locale;
  clock: Clock;
  log: Logger;
  /** This worker's lease owner id (tracking/leases.ts); the app shares one between its loops. */
  owner: string;
  leaseMs?: number;
  idleMs?: number;
}

/**
 * Delivers the notices recorded in `owner_notices` (accounts/owner-notices.ts) to the owners' private
 * chats: a leased due loop (tracking/leased-due-loop.ts) claims each due notice, renders it in the
 * language stored for the owner's chat at that moment (/language, onboarding) or DEFAULT_LOCALE, sends
 * it when the chat's turn comes (the shared pacer), and marks it delivered in the same write that
 * frees the claim. A 429 comes back after Telegram's retry_after, a network error or 5xx after a
 * growing backoff; a blocked bot (403) or a refused text is given up with a log line. A restart, a
 * crash or a second process neither loses nor repeats a notice, with the one edge every announcement
 * has: a process killed after Telegram accepted the message but before the marker was written sends
 * it again once its claim expires (Telegram has no idempotent send).
 */
export class OwnerNoticeWorker {
  private readonly loop: LeasedDueLoop<OwnerNoticeDoc>;

  constructor(private readonly opts: OwnerNoticeWorkerOptions) {
    const lease = new Lease(opts.store.Notice, 'sendLease', {
      owner: opts.owner,
      clock: opts.clock,
      leaseMs: opts.leaseMs ?? DEFAULT_LEASE_MS,
    });
    this.loop = new LeasedDueLoop<OwnerNoticeDoc>({
      name: 'owner-notices',
      lease,
      dueField: 'dueAt',
      process: (claim) => this.deliver(claim),
      concurrency: 4,
      idleMs: opts.idleMs ?? 5_000,
      clock: opts.clock,
      log: opts.log,
    });
  }

  start(): void {
    this.loop.start();
  }

  /** A notice was just recorded: deliver it without waiting for the next poll. */
  kick(): void {
    this.loop.kick();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Crash simulation: stops claiming and renewing; a send in flight loses its claim. */
  abandon(): void {
    this.loop.abandon();
  }

  private async deliver(claim: Claim<OwnerNoticeDoc>): Promise<void> {
    const { pacer, messenger, clock, log } = this.opts;
    const notice = claim.doc;
    const now = clock.now();
    const turnAt = pacer.readyAt(notice.userId, 'reply');
    if (turnAt > now + MAX_WAIT_MS) {
      await claim.release({ $set: { dueAt: new Date(turnAt) } });
      return;
    }
    const locale = (await this.opts.chats.locale(notice.userId)) ?? this.opts.defaultLocale;
    const html = this.render(notice, locale);
    const sent = await messenger.send(notice.userId, { html });
    const at = new Date(clock.now());
    if (sent.ok) {
      if (!(await claim.release({ $set: { deliveredAt: at, dueAt: null } })))
        log.warn({ notice: notice._id }, 'owner notice sent but its claim was lost meanwhile');
      return;
    }
    const failure = sent.failure;
    switch (failure.kind) {
      case 'rate_limited':
        await claim.release({ $set: { dueAt: new Date(at.getTime() + failure.retryAfterMs) } });
        return;
      case 'transient': {
        const backoff = Math.min(TRANSIENT_RETRY_MS * 2 ** notice.attempts, TRANSIENT_RETRY_MAX_MS);
        await claim.release({ $set: { dueAt: new Date(at.getTime() + backoff) }, $inc: { attempts: 1 } });
        return;
      }
      default:
        // Blocked, deactivated, or the text refused: sending again would fail the same way.
        log.warn({ notice: notice._id, failure: failure.kind }, 'owner notice given up: Telegram refused it');
        await claim.release({ $set: { dueAt: null, gaveUp: failure.kind } });
    }
  }

  private render(notice: OwnerNoticeDoc, locale: Locale): string {
    const t = translatorFor(this.opts.i18n, locale);
    const data = notice.data;
    switch (notice.kind) {
      case 'key-rejected':
        return t('link-key-rejected', { username: escapeHtml(data.username ?? ''), environment: data.environment ?? '' });
      case 'staff-joined':
        return t('invite-used', { name: escapeHtml(data.name ?? '') });
    }
  }
}
