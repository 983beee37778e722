import type { Chat, User } from 'grammy/types';
import { SUPPORTED_LOCALES, type Locale } from '../config.js';

/**
 * The shipped locale for a Telegram `language_code` ("fr", "fr-FR", "en_US", "AR"), or undefined
 * for a language we do not ship (and for none at all).
 */
export function shippedLocale(languageCode: string | undefined): Locale | undefined {
  if (languageCode === undefined) return undefined;
  const primary = languageCode.trim().toLowerCase().split(/[-_]/)[0];
  return SUPPORTED_LOCALES.find((locale) => locale === primary);
}

/** Who an update comes from and where; the parts of a grammY context the choice needs. */
export interface LanguageAsker {
  chat?: Pick<Chat, 'id' | 'type'> | undefined;
  from?: Pick<User, 'language_code'> | undefined;
}

export interface LanguageSources {
  /** The language chosen for a chat with /language (private chat or group), if any. */
  chosenLocale(chatId: number): Promise<Locale | undefined>;
  defaultLocale: Locale;
}

/**
 * The language the bot speaks in a chat, most specific first:
 *   1. the language chosen for this chat with /language (a private chat or a group);
 *   2. in a private chat (or an update without a chat), the user's Telegram app language when we ship it;
 *   3. DEFAULT_LOCALE (a group that chose nothing: its members may use different app languages).
 * Every reply, the refusal included, and every status message recorded for the chat use it; background
 * pushes use the language recorded with the chat's watcher, which /language updates.
 * Further sources (a language stored per user or per group with an account) are new steps here.
 */
export async function chatLanguage(asker: LanguageAsker, sources: LanguageSources): Promise<Locale> {
  const chat = asker.chat;
  if (chat) {
    const chosen = await sources.chosenLocale(chat.id);
    if (chosen) return chosen;
    if (chat.type !== 'private') return sources.defaultLocale;
  }
  return shippedLocale(asker.from?.language_code) ?? sources.defaultLocale;
}
