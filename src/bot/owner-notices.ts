import type { I18n } from '@grammyjs/i18n';
import type { Locale } from '../config.js';
import type { Logger } from '../shared/logger.js';
import type { ChatStore } from './chats.js';
import { translatorFor } from './i18n.js';
import { escapeHtml } from './render/html.js';
import type { Messenger } from './telegram/messenger.js';

/**
 * What an account's owner is told in their private chat, outside any update of theirs: their linked key
 * rejected later, a staff member joining with their invite. Sent as background work (the update that
 * caused it is answered first and never waits on it; the app's stop() waits for it), in the language
 * stored for the owner's chat (/language, onboarding) or DEFAULT_LOCALE, and paced and retried like
 * every message (the bot's Messenger). Not durable: a process killed before Telegram took the notice
 * loses it.
 */
export class OwnerNotices {
  constructor(
    private readonly opts: {
      /** Lazy: the messenger wraps the bot's Api, built after the bot. */
      messenger: () => Messenger;
      chats: ChatStore;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      i18n: I18n<any>; // any context type: only i18n.t (no update) is used here
      defaultLocale: Locale;
      /** Runs work after the update was answered (the app waits for it on stop). */
      background: (work: Promise<unknown>) => void;
      log: Logger;
    },
  ) {}

  /** A linked key the provider rejected later (said once per rejection: the caller takes the notice first). */
  keyRejected(ownerUserId: number, account: { username: string; environment: string }): void {
    this.tell(ownerUserId, 'link-key-rejected', { username: escapeHtml(account.username), environment: account.environment });
  }

  /**
   * Someone joined the account as staff with the owner's invite: named as Telegram showed them (first
   * name, @username), never by user id.
   */
  staffJoined(ownerUserId: number, member: { name: string }): void {
    this.tell(ownerUserId, 'invite-used', { name: escapeHtml(member.name) });
  }

  private tell(userId: number, key: string, vars: Record<string, string>): void {
    this.opts.background(
      (async () => {
        const locale = (await this.opts.chats.locale(userId)) ?? this.opts.defaultLocale;
        const html = translatorFor(this.opts.i18n, locale)(key, vars);
        const sent = await this.opts.messenger().send(userId, { html });
        if (!sent.ok) this.opts.log.warn({ notice: key, failure: sent.failure.kind }, 'could not tell an owner');
      })(),
    );
  }
}
