import { createHash } from 'node:crypto';
import type { Api } from 'grammy';
import type { BotCommand, BotCommandScope, LanguageCode } from 'grammy/types';
import { SUPPORTED_LOCALES, type Locale } from '../config.js';
import type { Logger } from '../shared/logger.js';
import type { ChatStore } from './chats.js';
import type { Translate } from './i18n.js';

/** Where a command is offered in Telegram's command menu. */
export type MenuScope = 'private' | 'group';

export interface MenuCommand {
  /** Without the slash, as the handler registers it. */
  command: string;
  /** The menus that list it; its description is the locale key `command-<command>` unless `description` says another. */
  scopes: readonly MenuScope[];
  /** Locale key of the description, for a command that means something else in this kind of chat. */
  description?: string;
}

/**
 * The command menu, in menu order: the one place that says which commands each kind of chat is
 * offered. Private chats also accept a bare ref (no menu entry); /start is Telegram's own button.
 */
export const MENU: readonly MenuCommand[] = [
  { command: 'status', scopes: ['private', 'group'] },
  { command: 'pending', scopes: ['private', 'group'] },
  { command: 'unwatch', scopes: ['private', 'group'] },
  { command: 'language', scopes: ['private', 'group'] },
  { command: 'help', scopes: ['private', 'group'] },
  { command: 'balance', scopes: ['private'] },
  { command: 'account', scopes: ['private'] },
  { command: 'link', scopes: ['private'] },
  { command: 'unlink', scopes: ['private'] },
  // Staff (accounts/roles.ts): the owner invites and manages staff in a private chat, links a group in the group.
  { command: 'invite', scopes: ['private'] },
  { command: 'staff', scopes: ['private'] },
  { command: 'link', scopes: ['group'], description: 'command-link-group' },
  { command: 'unlink', scopes: ['group'], description: 'command-unlink-group' },
];

const TELEGRAM_SCOPE: Record<MenuScope, BotCommandScope> = {
  private: { type: 'all_private_chats' },
  group: { type: 'all_group_chats' },
};

/** The menu one kind of chat sees, with descriptions in one locale. */
export function menuFor(scope: MenuScope, t: Translate): BotCommand[] {
  return MENU.filter((c) => c.scopes.includes(scope)).map(({ command, description }) => ({
    command,
    description: t(description ?? `command-${command}`),
  }));
}

/**
 * Registers the menu for private chats and for groups, in each shipped language (Telegram shows the
 * one matching the user's app language) plus, without a language code, in DEFAULT_LOCALE for every
 * other app language. Scoped menus take precedence over any older default-scope registration.
 */
export async function setBotCommands(api: Api, translatorFor: (locale: Locale) => Translate, defaultLocale: Locale): Promise<void> {
  for (const scope of Object.keys(TELEGRAM_SCOPE) as MenuScope[]) {
    await api.setMyCommands(menuFor(scope, translatorFor(defaultLocale)), { scope: TELEGRAM_SCOPE[scope] });
    for (const locale of SUPPORTED_LOCALES) {
      await api.setMyCommands(menuFor(scope, translatorFor(locale)), {
        scope: TELEGRAM_SCOPE[scope],
        language_code: locale as LanguageCode,
      });
    }
  }
}

/** The kind of menu a Telegram chat gets; undefined for channels (no menu). */
export function menuScopeOf(chatType: string): MenuScope | undefined {
  if (chatType === 'private') return 'private';
  return chatType === 'group' || chatType === 'supergroup' ? 'group' : undefined;
}

/** Identifies a menu's content (commands and descriptions), to know when a chat's own menu is stale. */
export function menuHash(scope: MenuScope, t: Translate): string {
  return createHash('sha256')
    .update(JSON.stringify(menuFor(scope, t)))
    .digest('base64url')
    .slice(0, 16);
}

/**
 * A chat that picked a language gets its own menu in that language (scope `chat`, which Telegram
 * prefers over the per-app-language menus), so the menu matches the replies. Returns the menu's hash.
 */
export async function setChatMenu(api: Api, chatId: number, scope: MenuScope, t: Translate): Promise<string> {
  await api.setMyCommands(menuFor(scope, t), { scope: { type: 'chat', chat_id: chatId } });
  return menuHash(scope, t);
}

/**
 * At start-up, after setBotCommands: chats whose own menu predates the current MENU (a command added,
 * a description reworded) get it again, one after another (a background job, not the update path).
 * A chat that cannot be reached is skipped (it keeps its old menu); the next start-up tries again.
 */
export async function refreshChatMenus(
  api: Api,
  chats: ChatStore,
  translatorFor: (locale: Locale) => Translate,
  log: Logger,
): Promise<void> {
  const stale = await chats.staleMenus((locale, kind) => menuHash(kind, translatorFor(locale)));
  for (const { chatId, locale, kind } of stale) {
    try {
      await chats.recordMenu(chatId, await setChatMenu(api, chatId, kind, translatorFor(locale)));
    } catch (err) {
      log.warn({ err, chatId }, 'could not refresh the command menu of a chat');
    }
  }
  if (stale.length > 0) log.info({ chats: stale.length }, 'command menus of chats refreshed');
}
