import type { I18n } from '@grammyjs/i18n';
import { SUPPORTED_LOCALES, type Locale } from '../config.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { Lease, newOwnerId, type Claim } from '../tracking/leases.js';
import type { OrderDoc, TrackingModels, WatcherDoc } from '../tracking/models.js';
import { announcementKey, owesAnnouncement } from '../tracking/announcements.js';
import { moveChatWatchers } from '../tracking/chat-migration.js';
import { oweDelivery } from '../tracking/order-store.js';
import type { OrderDelivery } from '../tracking/tracker.js';
import { ensureOffers, type OfferDoc } from '../resend/offers.js';
import type { Model } from 'mongoose';
import type { ChatStore } from './chats.js';
import { translatorFor } from './i18n.js';
import { renderAnnouncement, renderReplacedMessage, renderTrackedMessage, type RenderedMessage } from './render/tracked-message.js';
import type { ChatPacer, Priority } from '../outbox/chat-pacer.js';
import type { TelegramFailure } from './telegram/errors.js';
import type { Messenger } from './telegram/messenger.js';

/** How long a claimed new message blocks others; only matters if the sender dies mid-send. */
const SEND_CLAIM_MS = 60_000;
/** A new message waits in its chat's line at most this long; a longer wait is rescheduled instead. */
const SEND_MAX_WAIT_MS = 1_500;
/** An edit goes only when its chat's turn is (about) now; otherwise the delivery comes back then. */
const EDIT_MAX_WAIT_MS = 100;

/**
 * What a watcher's message shows, as stored in `shownHash`: "<statusKey>~<hash>" (see RenderedMessage).
 * A bare hash (written before status keys existed) has no status key: any difference is then urgent.
 */
function parseShown(shownHash: string | null): { statusKey: string | undefined; hash: string | null } {
  if (shownHash === null) return { statusKey: undefined, hash: null };
  const at = shownHash.indexOf('~');
  return at < 0 ? { statusKey: undefined, hash: shownHash } : { statusKey: shownHash.slice(0, at), hash: shownHash.slice(at + 1) };
}

function shownOf(message: RenderedMessage): string {
  return `${message.statusKey}~${message.hash}`;
}

/** When the order's current status was first seen (its last history entry). */
function statusSince(order: OrderDoc): Date | undefined {
  return order.history[order.history.length - 1]?.at;
}

export interface StatusDeliveryOptions {
  messenger: Messenger;
  Offer: Model<OfferDoc>;
  chats: ChatStore;
  models: TrackingModels;
  /** Only `t` (no update context) is used here, so any bot's I18n fits. */
  i18n: Pick<I18n, 't'>;
  defaultLocale: Locale;
  clock: Clock;
  log: Logger;
  /** This worker's lease owner id (tracking/leases.ts); the app shares one between its loops. */
  owner?: string;
  /**
   * Edits that only move time forward (the elapsed-time counter of a fast-phase order) are at most
   * this far apart per message; a status change is shown at once.
   */
  editIntervalMs?: number;
  /** Long-tail and expired orders: a time-only edit ("last checked") at most this often (1 h). */
  timeRefreshMs?: number;
  /**
   * A brand-new lookup gets this long to answer before its first status message is sent, so a quick
   * answer shows the result at once instead of "looking up…" followed by an edit. Not scaled: it is a
   * latency budget for the reader, like Telegram's limits.
   */
  firstAnswerWaitMs?: number;
  /** The per-chat pacer (src/outbox): deliveries come back when their chat's turn is due instead of waiting. */
  pacer?: ChatPacer;
  /** Wait after a network error or a Telegram 5xx before trying again. */
  transientRetryMs?: number;
  /** Observes every status message sent or edited and every announcement (metrics). */
  onShown?: (info: ShownInfo) => void;
}

export interface ShownInfo {
  kind: 'first' | 'edit' | 'announcement';
  /** When the order's shown status began (the provider status change), for resolution-to-message latency. */
  statusSince: Date | undefined;
  /** Whether the shown status changed (false: only time moved). */
  statusChanged: boolean;
  /**
   * The chat was just shown the order's resolution (an announcement, or an edit to a final state of a
   * message already on screen): `statusSince` to now is the resolution-to-message latency.
   */
  resolved: boolean;
}

/**
 * Keeps every watcher's status message equal to the order's current state: sends it when missing,
 * edits it when (and only when) the rendered text changed, and reports when to come back for what
 * could not be done yet. A status change is edited in as soon as the chat's turn comes (the pacer);
 * a change of time alone (elapsed time, last check) at most every `editIntervalMs`, or hourly in the
 * long tail, so thousands of rechecked orders do not crowd out replies. What a message shows is recorded per
 * watcher in MongoDB, so a restart neither repeats nor skips an update.
 */
export class StatusDelivery implements OrderDelivery {
  private readonly editIntervalMs: number;
  private readonly transientRetryMs: number;
  /** Claims on new messages (`sendClaim*` fields of watchers): nobody else sends the same message. */
  private readonly sendClaims: Lease<WatcherDoc>;

  private readonly timeRefreshMs: number;
  private readonly firstAnswerWaitMs: number;

  constructor(private readonly opts: StatusDeliveryOptions) {
    this.editIntervalMs = opts.editIntervalMs ?? 2_500;
    this.timeRefreshMs = opts.timeRefreshMs ?? 3_600_000;
    this.firstAnswerWaitMs = opts.firstAnswerWaitMs ?? 700;
    this.transientRetryMs = opts.transientRetryMs ?? 5_000;
    this.sendClaims = new Lease(opts.models.Watcher, 'sendClaim', {
      owner: opts.owner ?? newOwnerId(),
      clock: opts.clock,
      leaseMs: SEND_CLAIM_MS,
    });
  }

  async deliver(order: OrderDoc, watchers: WatcherDoc[]): Promise<{ retryAt?: number }> {
    // The offers behind the buttons must exist before any button can be pressed.
    if (order.phase === 'final') await ensureOffers(this.opts.Offer, order, new Date(this.opts.clock.now()));
    let retryAt: number | undefined;
    const later = (at: number) => {
      retryAt = retryAt === undefined ? at : Math.min(retryAt, at);
    };
    for (const watcher of watchers) {
      const at = await this.deliverTo(order, watcher);
      if (at !== undefined) later(at);
    }
    return retryAt === undefined ? {} : { retryAt };
  }

  /** Returns when to try this watcher again, or undefined when its messages are up to date. */
  private async deliverTo(order: OrderDoc, watcher: WatcherDoc): Promise<number | undefined> {
    if (await this.opts.chats.isUnreachable(watcher.chatId)) return undefined;
    const locale = this.localeOf(watcher);
    const t = translatorFor(this.opts.i18n, locale);

    // A muted chat gets no push; its messages are still edited (quietly) below.
    if (owesAnnouncement(order, watcher)) {
      const retryAt = await this.announce(order, watcher, t, locale);
      if (retryAt !== undefined) return retryAt;
    }
    const live = await this.deliverLive(order, watcher, t, locale);
    // Older messages are pointed at the live one only once it exists (a newer request's answer goes first).
    if (watcher.messageId === null && live !== undefined) return live;
    const replaced = await this.deliverReplaced(order, watcher, t, locale);
    if (live === undefined) return replaced;
    return replaced === undefined ? live : Math.min(live, replaced);
  }

  /** Brings the chat's live status message (`messageId`) up to date, sending it when it is owed. */
  private async deliverLive(
    order: OrderDoc,
    watcher: WatcherDoc,
    t: ReturnType<typeof translatorFor>,
    locale: Locale,
  ): Promise<number | undefined> {
    const { messenger, models, clock } = this.opts;
    const message = renderTrackedMessage(t, order, locale, { muted: watcher.muted });
    const shown = parseShown(watcher.shownHash);
    if (watcher.messageId !== null && message.hash === shown.hash) return undefined;

    const now = clock.now();
    const statusChanged = watcher.messageId === null || message.statusKey !== shown.statusKey;
    if (watcher.messageId === null) {
      // Fast first answer: a lookup that just started usually answers within a few hundred ms.
      const waitUntil = this.firstAnswerDeadline(order);
      if (now < waitUntil) return waitUntil;
    } else if (!statusChanged && watcher.lastEditAt) {
      // Only time moved: a repeated edit, spaced per message. In the long tail it waits for a later
      // recheck (each one brings a delivery) rather than keeping a delivery scheduled for an hour.
      const longTail = order.phase === 'long' || order.phase === 'expired';
      const allowedAt = watcher.lastEditAt.getTime() + (longTail ? this.timeRefreshMs : this.editIntervalMs);
      if (now < allowedAt) return longTail ? undefined : allowedAt;
      // Nobody waits for it: only when the chat has room (a busy group's minute goes to status
      // changes and replies); the order's next refresh brings another delivery.
      if (this.opts.pacer && !this.opts.pacer.hasRoom(watcher.chatId)) return undefined;
    }
    const turnAt = this.turnAt(watcher.chatId, watcher.messageId === null ? 'reply' : 'edit');
    if (turnAt !== undefined) return turnAt;
    const outgoing = { html: message.html, keyboard: message.keyboard, replyTo: watcher.replyTo ?? undefined };
    // The first status message is a new message: claimed first, so no other worker sends it too.
    let sendClaim: Claim<WatcherDoc> | undefined;
    if (watcher.messageId === null) {
      // A first message nobody asked for (no request: a group's watcher carried into its supergroup, an
      // order the bot sent) of a closed order is a push: owed only while the chat has not been told
      // that outcome (a push to the old group that Telegram took just before the upgrade told it).
      const closed = order.phase === 'final' || order.phase === 'expired';
      const unannounced = closed && watcher.requestKey === null ? { announcedStatus: { $ne: announcementKey(order) } } : {};
      const claim = await this.claimSend(watcher, { messageId: null, ...unannounced });
      if (!claim.claimed) {
        // Nobody holds it and it is not owed: the chat was told, so it follows the closed order no more.
        if (claim.retryAt === undefined && closed && watcher.requestKey === null)
          await models.Watcher.deleteOne({ _id: watcher._id, messageId: null, announcedStatus: announcementKey(order) });
        return claim.retryAt;
      }
      sendClaim = claim.claim;
    }
    const alive = sendClaim?.keepAlive(); // a slow Telegram answer must not let another worker send it too
    const result =
      watcher.messageId === null
        ? await messenger.send(watcher.chatId, outgoing).finally(() => alive?.stop())
        : await messenger.edit(watcher.chatId, watcher.messageId, outgoing);
    if (result.ok) {
      // A fresh message notifies the chat like a push does: a final state sent fresh is announced.
      const announced =
        result.fresh && (order.phase === 'final' || order.phase === 'expired') ? { announcedStatus: announcementKey(order) } : {};
      const record = {
        $set: { messageId: result.messageId, shownHash: shownOf(message), lastEditAt: new Date(clock.now()), ...announced },
      };
      // Recorded as the live message only if it still is: a newer request (or a confirmation that
      // became the live message) may have taken its place meanwhile.
      const still = { messageId: watcher.messageId, requestKey: watcher.requestKey };
      const recorded = sendClaim
        ? await sendClaim.release(record, still)
        : (await models.Watcher.updateOne({ _id: watcher._id, ...still }, record)).matchedCount > 0;
      if (!recorded) return this.supersededWhileSent(watcher, result.messageId, shownOf(message), sendClaim);
      const kind = watcher.messageId === null ? 'first' : 'edit';
      const resolved = kind === 'edit' && statusChanged && (order.phase === 'final' || order.phase === 'expired');
      this.opts.onShown?.({ kind, statusSince: statusSince(order), statusChanged, resolved });
      return undefined;
    }
    if (sendClaim) await sendClaim.release();
    return this.handleFailure(watcher, result.failure, shownOf(message));
  }

  /**
   * The message just sent or edited is no longer the chat's live one (a newer request or a
   * confirmation took its place while Telegram answered, or our send claim was lost): it joins the
   * replaced messages, so it is brought to a last state rather than left behind. Comes back at once.
   */
  private async supersededWhileSent(
    watcher: WatcherDoc,
    messageId: number,
    shownHash: string,
    sendClaim: Claim<WatcherDoc> | undefined,
  ): Promise<number> {
    const { models, log, clock } = this.opts;
    if (sendClaim) await sendClaim.release();
    const entry = { messageId, shownHash };
    // Only while the watcher is still in the chat the message went to: a group upgraded meanwhile moved
    // it to the supergroup, where this message id names another message (or none).
    const replaced = await models.Watcher.updateOne(
      { _id: watcher._id, chatId: watcher.chatId, messageId: { $ne: messageId }, 'replaced.messageId': { $ne: messageId } },
      { $push: { replaced: entry } },
    );
    if (replaced.matchedCount > 0) {
      log.info({ chatId: watcher.chatId, messageId }, 'status message replaced by a newer one while it was sent');
      return clock.now();
    }
    // The watcher is gone (its lookup found an order the chat already followed, and the request moved
    // to that order's watcher) or followed its group into a supergroup (no request of this chat any more). This message is its answer if that one is still owed, else replaced.
    if (watcher.requestKey !== null) {
      const request = { chatId: watcher.chatId, requestKey: watcher.requestKey };
      const owner =
        (await models.Watcher.findOneAndUpdate(
          { ...request, messageId: null },
          { $set: { messageId, shownHash, lastEditAt: new Date(clock.now()) } },
        ).lean<WatcherDoc>()) ??
        (await models.Watcher.findOneAndUpdate(
          { ...request, messageId: { $ne: messageId }, 'replaced.messageId': { $ne: messageId } },
          { $push: { replaced: entry } },
        ).lean<WatcherDoc>());
      if (owner) {
        await oweDelivery(models, owner.orderId, new Date(clock.now()));
        return clock.now();
      }
    }
    log.warn({ chatId: watcher.chatId, messageId }, 'status message sent for a request no watcher holds any more');
    return clock.now();
  }

  /**
   * Older status messages of the chat (`replaced`): each gets one last edit, then is forgotten. While
   * the order is open it points to the newer message (a copy of the live state would go stale); once
   * the order is closed it shows the final state. Edits only: a replaced message the user deleted is
   * not sent again.
   */
  private async deliverReplaced(
    order: OrderDoc,
    watcher: WatcherDoc,
    t: ReturnType<typeof translatorFor>,
    locale: Locale,
  ): Promise<number | undefined> {
    const replaced = watcher.replaced ?? [];
    if (replaced.length === 0) return undefined;
    const { messenger, models, log } = this.opts;
    const closed = order.phase === 'final' || order.phase === 'expired' || order.phase === 'unresolved';
    const target = closed ? renderTrackedMessage(t, order, locale, { muted: watcher.muted }) : renderReplacedMessage(t, order);
    for (const old of replaced) {
      // Already showing it (time aside), e.g. a final state shown before the chat asked again.
      if (parseShown(old.shownHash).statusKey !== target.statusKey) {
        const turnAt = this.turnAt(watcher.chatId, 'edit');
        if (turnAt !== undefined) return turnAt;
        const result = await messenger.edit(
          watcher.chatId,
          old.messageId,
          { html: target.html, keyboard: target.keyboard },
          { sendIfGone: false },
        );
        if (!result.ok) {
          const failure = result.failure;
          if (failure.kind === 'rate_limited' || failure.kind === 'transient' || failure.kind === 'chat_unreachable') {
            return this.handleFailure(watcher, failure, watcher.shownHash ?? '');
          }
          // Deleted by the user, too old to edit, or refused: nothing more can be done for it.
          log.warn({ chatId: watcher.chatId, messageId: old.messageId, failure: failure.kind }, 'replaced status message not edited');
        }
      }
      await models.Watcher.updateOne({ _id: watcher._id }, { $pull: { replaced: { messageId: old.messageId } } });
    }
    return undefined;
  }

  /**
   * When a brand-new lookup's first message may go: up to `firstAnswerWaitMs` after it started, unless
   * it already answered. Only a lookup still searching waits; a known order is shown as it is.
   */
  private firstAnswerDeadline(order: OrderDoc): number {
    if (order.phase !== 'lookup' || (order.lookupOutcome ?? 'searching') !== 'searching') return 0;
    return order.trackingSince.getTime() + this.firstAnswerWaitMs;
  }

  /** When this chat's turn is too far away to wait for in line: come back then. */
  private turnAt(chatId: number, priority: Priority): number | undefined {
    const pacer = this.opts.pacer;
    if (!pacer) return undefined;
    const at = pacer.readyAt(chatId, priority);
    return at > this.opts.clock.now() + (priority === 'reply' ? SEND_MAX_WAIT_MS : EDIT_MAX_WAIT_MS) ? at : undefined;
  }

  /**
   * Atomically takes the right to send a new message to this watcher's chat (see sendClaimUntil).
   * `filter` says the message is still owed. When someone else holds the claim, the answer is when to
   * look again (their claim's end): if they died mid-send, the message is sent then, never lost.
   */
  private async claimSend(
    watcher: WatcherDoc,
    filter: Record<string, unknown>,
  ): Promise<{ claimed: true; claim: Claim<WatcherDoc> } | { claimed: false; retryAt?: number }> {
    const claim = await this.sendClaims.claimOne({ _id: watcher._id, ...filter });
    if (claim) return { claimed: true, claim };
    const heldUntil = await this.sendClaims.heldUntil({ _id: watcher._id, ...filter });
    // Usually the holder finishes within a second; look again soon, and at the latest when it expires.
    const now = this.opts.clock.now();
    return heldUntil ? { claimed: false, retryAt: Math.min(heldUntil.getTime(), now + 1_000) } : { claimed: false };
  }

  /**
   * Pushes a NEW message (edits do not notify) when a long-tail order resolves or expires, replying
   * to the status message. Exactly once per chat and outcome: the send is claimed atomically in
   * MongoDB first and recorded right after, so a second worker, a rerun job or a restart skips it; a
   * 429 or network failure releases the claim and the push is retried, never dropped.
   */
  private async announce(
    order: OrderDoc,
    watcher: WatcherDoc,
    t: ReturnType<typeof translatorFor>,
    locale: Locale,
  ): Promise<number | undefined> {
    const { models, messenger } = this.opts;
    const key = announcementKey(order);
    const turnAt = this.turnAt(watcher.chatId, 'reply');
    if (turnAt !== undefined) return turnAt;
    const claimed = await this.claimSend(watcher, { announcedStatus: { $ne: key } });
    if (!claimed.claimed) return claimed.retryAt;
    const claim = claimed.claim;
    const announcement = renderAnnouncement(t, order, locale);
    const alive = claim.keepAlive();
    const result = await messenger
      .send(watcher.chatId, { html: announcement.html, keyboard: announcement.keyboard, replyTo: watcher.messageId ?? undefined })
      .finally(() => alive.stop());
    if (result.ok) {
      if (!(await claim.release({ $set: { announcedStatus: key } })))
        this.opts.log.warn({ chatId: watcher.chatId }, 'send claim lost while announcing');
      this.opts.log.info({ chatId: watcher.chatId, orderId: order._id.toString(), outcome: key }, 'resolution announced');
      this.opts.onShown?.({ kind: 'announcement', statusSince: statusSince(order), statusChanged: true, resolved: true });
      return undefined;
    }
    await claim.release();
    const retryAt = await this.handleFailure(watcher, result.failure, watcher.shownHash ?? '');
    if (result.failure.kind === 'bad_request') {
      // Never loop on a message Telegram refuses; the status message edit still carries the outcome.
      await models.Watcher.updateOne({ _id: watcher._id }, { $set: { announcedStatus: key } });
    }
    return retryAt;
  }

  private async handleFailure(watcher: WatcherDoc, failure: TelegramFailure, hash: string): Promise<number | undefined> {
    const now = this.opts.clock.now();
    switch (failure.kind) {
      case 'rate_limited':
        return now + failure.retryAfterMs;
      case 'transient':
        return now + this.transientRetryMs;
      case 'chat_unreachable':
        // Blocked, deactivated or gone: stop sending to this chat only; others are unaffected.
        await this.opts.chats.markUnreachable(watcher.chatId, failure.description);
        this.opts.log.warn({ chatId: watcher.chatId }, 'chat unreachable; no more messages to it');
        if (failure.migratedTo !== undefined) {
          // The group became a supergroup before the bot handled the upgrade message: what its chat is
          // still owed (open orders' status, a long-tail announcement) goes there now, as new messages.
          const moved = await moveChatWatchers(this.opts.models, watcher.chatId, failure.migratedTo, new Date(now));
          this.opts.log.info({ chatId: watcher.chatId, to: failure.migratedTo, watchers: moved }, 'group upgraded: its watchers moved');
        }
        return undefined;
      case 'bad_request':
      case 'message_gone':
      case 'not_modified':
        // A bug on our side (e.g. a rejected text): record it as shown so one bad render cannot loop.
        this.opts.log.error({ chatId: watcher.chatId, failure }, 'telegram rejected a status message');
        await this.opts.models.Watcher.updateOne({ _id: watcher._id }, { $set: { shownHash: hash } });
        return undefined;
    }
  }

  private localeOf(watcher: WatcherDoc): Locale {
    return (SUPPORTED_LOCALES as readonly string[]).includes(watcher.locale) ? (watcher.locale as Locale) : this.opts.defaultLocale;
  }
}
