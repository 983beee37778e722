import type { Api } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import { classifyTelegramError, type TelegramFailure } from './errors.js';

export interface OutgoingText {
  /** Telegram HTML: every interpolated value must already be escaped. */
  html: string;
  /** On edit, omitting it removes the keyboard the message had (Telegram semantics). */
  keyboard?: InlineKeyboardMarkup | undefined;
  /** Message to reply to on send (and on the fresh send that replaces a vanished message). */
  replyTo?: number | undefined;
}

/**
 * `fresh: true` means a new message now exists (a send, or an edit that had to fall back to a send):
 * the caller must store the new `messageId` and edit that one from now on.
 */
export type Delivery = { ok: true; messageId: number; fresh: boolean } | { ok: false; failure: TelegramFailure };

export interface MessengerLog {
  warn(obj: object, msg: string): void;
}

/**
 * Sends and edits HTML messages and turns every Telegram error into a `Delivery`; it never throws.
 * Logs name the chat, message id and failure only: the text can hold card codes and the error objects
 * carry the payload, so neither is ever logged.
 */
export class Messenger {
  constructor(
    private readonly api: Api,
    private readonly log?: MessengerLog,
  ) {}

  async send(chatId: number, msg: OutgoingText): Promise<Delivery> {
    try {
      const sent = await this.api.sendMessage(chatId, msg.html, {
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        ...(msg.keyboard ? { reply_markup: msg.keyboard } : {}),
        // A reply target the user deleted must not cost us the message itself.
        ...(msg.replyTo !== undefined ? { reply_parameters: { message_id: msg.replyTo, allow_sending_without_reply: true } } : {}),
      });
      return { ok: true, messageId: sent.message_id, fresh: true };
    } catch (err) {
      return this.failed('send', chatId, undefined, classifyTelegramError(err));
    }
  }

  /**
   * Edits in place. Identical content counts as success; a message the user deleted (or that can no
   * longer be edited) is replaced by a fresh one, so a status update is never lost, unless
   * `sendIfGone` is false (a message whose content only matters while it exists): then the failure is
   * returned.
   */
  async edit(chatId: number, messageId: number, msg: OutgoingText, opts: { sendIfGone?: boolean } = {}): Promise<Delivery> {
    try {
      await this.api.editMessageText(chatId, messageId, msg.html, {
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        ...(msg.keyboard ? { reply_markup: msg.keyboard } : {}),
      });
      return { ok: true, messageId, fresh: false };
    } catch (err) {
      const failure = classifyTelegramError(err);
      if (failure.kind === 'not_modified') return { ok: true, messageId, fresh: false };
      if (failure.kind === 'message_gone' && opts.sendIfGone !== false) {
        this.log?.warn({ chatId, messageId, reason: failure.description }, 'telegram message gone, sending a fresh one');
        return this.send(chatId, msg);
      }
      return this.failed('edit', chatId, messageId, failure);
    }
  }

  private failed(op: 'send' | 'edit', chatId: number, messageId: number | undefined, failure: TelegramFailure): Delivery {
    this.log?.warn({ op, chatId, messageId, failure }, `telegram ${op} failed: ${failure.kind}`);
    return { ok: false, failure };
  }
}
