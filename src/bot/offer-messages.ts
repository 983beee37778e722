import type { I18n } from '@grammyjs/i18n';
import { SUPPORTED_LOCALES, type Locale } from '../config.js';
import type { MessageRef, OfferTarget } from '../resend/offer-machine.js';
import type { OfferMessages, Preview, PreviewTarget, ShowResult } from '../resend/offer-messages.js';
import type { OfferDoc } from '../resend/offers.js';
import type { Clock } from '../shared/clock.js';
import type { ChatStore } from './chats.js';
import { translatorFor } from './i18n.js';
import { renderOfferConfirmation } from './render/offer-confirmation.js';
import { renderOfferState, renderPointer, renderPressShown } from './render/offer-state.js';
import type { Delivery, Messenger, OutgoingText } from './telegram/messenger.js';

const TRANSIENT_RETRY_MS = 5_000;
/** How long a closed confirmation is remembered (a fill-in arriving later than this is very unlikely). */
const CLOSED_MEMORY_MS = 60 * 60_000;

/**
 * Telegram side of the offer port: edits a confirmation message to show the offer's state or its
 * filled-in data. Failures become "try again at" (429, network) or "nothing more to do" (chat gone,
 * message refused), never an exception.
 */
export class TelegramOfferMessages implements OfferMessages {
  /** Edits of one message run one after another, in the order they were asked for. */
  private readonly chains = new Map<string, Promise<unknown>>();
  /** Confirmations a press closed (Confirm, Cancel), with what it showed: a late fill-in must not bring them back. */
  private readonly closed = new Map<string, { at: number; html: string }>();

  constructor(
    private readonly opts: {
      /** Lazy: the messenger wraps the bot's Api, and the bot is built with this object. */
      messenger: () => Messenger;
      chats: ChatStore;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      i18n: I18n<any>; // any context type: only i18n.t (no update) is used here
      defaultLocale: Locale;
      clock: Clock;
    },
  ) {}

  async showState(offer: OfferDoc, target: OfferTarget): Promise<ShowResult> {
    const locale = await this.localeFor(target);
    const rendered = renderOfferState(translatorFor(this.opts.i18n, locale), offer, locale, new Date(this.opts.clock.now()), target.chatId);
    const text = { html: rendered.html, keyboard: rendered.keyboard };
    // No message of this chat to edit (its group became a supergroup): a new one shows it.
    if (target.messageId === null) return this.sendNew(target.chatId, text);
    const message = { chatId: target.chatId, messageId: target.messageId };
    // What a later close() compares with: the message shows this now, not what a press showed.
    const closed = this.closed.get(keyOf(message));
    if (closed) closed.html = rendered.html;
    return this.edit(message, text);
  }

  async showReplaced(offer: OfferDoc, message: MessageRef): Promise<ShowResult> {
    const locale = await this.localeFor({
      chatId: message.chatId,
      locale: offer.targets.find((t) => t.chatId === message.chatId)?.locale ?? '',
    });
    const html = renderPointer(translatorFor(this.opts.i18n, locale), offer, 'here');
    return this.inOrder(message, () => this.edit(message, { html }));
  }

  async showPreview(target: PreviewTarget, preview: Preview): Promise<ShowResult> {
    const locale = await this.localeFor(target);
    const t = translatorFor(this.opts.i18n, locale);
    // Sent or being sent since the confirmation was shown: it no longer offers to send, it says so.
    const rendered = !preview.verdict
      ? renderOfferConfirmation(t, preview, locale)
      : preview.verdict.type === 'shown_in'
        ? { html: renderPointer(t, preview.offer, 'here') }
        : renderPressShown(t, preview.offer, preview.verdict, locale, new Date(this.opts.clock.now()));
    return this.inOrder(target, () =>
      this.closed.has(keyOf(target))
        ? Promise.resolve({ ok: true } as const)
        : this.edit(target, { html: rendered.html, keyboard: rendered.keyboard }),
    );
  }

  /**
   * A press closes a confirmation (Confirm shows "sending…", Cancel "cancelled", an old one points to
   * the message that shows the send): the edit is queued after any fill-in already under way, and no
   * later fill-in touches the message again. Closing it again with the same text edits nothing.
   */
  async close(target: { chatId: number; messageId: number }, html: string): Promise<void> {
    const now = this.opts.clock.now();
    const key = keyOf(target);
    if (this.closed.get(key)?.html === html) return;
    this.closed.set(key, { at: now, html });
    if (this.closed.size > 1_000) for (const [k, c] of this.closed) if (now - c.at > CLOSED_MEMORY_MS) this.closed.delete(k);
    await this.inOrder(target, () => this.edit(target, { html }));
  }

  private inOrder<T>(target: { chatId: number; messageId: number }, task: () => Promise<T>): Promise<T> {
    const key = keyOf(target);
    const run = (this.chains.get(key) ?? Promise.resolve()).then(task, task);
    const tail = run.catch(() => undefined);
    this.chains.set(key, tail);
    void tail.then(() => {
      if (this.chains.get(key) === tail) this.chains.delete(key);
    });
    return run;
  }

  private async edit(target: { chatId: number; messageId: number }, text: OutgoingText): Promise<ShowResult> {
    if (await this.opts.chats.isUnreachable(target.chatId)) return { ok: false };
    return this.outcome(target.chatId, await this.opts.messenger().edit(target.chatId, target.messageId, text));
  }

  private async sendNew(chatId: number, text: OutgoingText): Promise<ShowResult> {
    if (await this.opts.chats.isUnreachable(chatId)) return { ok: false };
    const result = await this.opts.messenger().send(chatId, text);
    return result.ok ? { ok: true, messageId: result.messageId } : this.outcome(chatId, result);
  }

  private async outcome(chatId: number, result: Delivery): Promise<ShowResult> {
    if (result.ok) return { ok: true };
    const now = this.opts.clock.now();
    switch (result.failure.kind) {
      case 'rate_limited':
        return { ok: false, retryAt: now + result.failure.retryAfterMs };
      case 'transient':
        return { ok: false, retryAt: now + TRANSIENT_RETRY_MS };
      case 'chat_unreachable':
        // Upgraded to a supergroup before its migration message was handled: the offer follows it now.
        if (result.failure.migratedTo !== undefined) return { ok: false, movedTo: result.failure.migratedTo };
        await this.opts.chats.markUnreachable(chatId, result.failure.description);
        return { ok: false };
      default:
        return { ok: false };
    }
  }

  /**
   * The chat's language now: one picked with /language after the press wins over the one recorded
   * with the press (which was the chat's language then).
   */
  private async localeFor(target: { chatId: number; locale: string }): Promise<Locale> {
    return (await this.opts.chats.locale(target.chatId)) ?? this.localeOf(target.locale);
  }

  private localeOf(locale: string): Locale {
    return (SUPPORTED_LOCALES as readonly string[]).includes(locale) ? (locale as Locale) : this.opts.defaultLocale;
  }
}

const keyOf = (target: { chatId: number; messageId: number }) => `${target.chatId}:${target.messageId}`;
