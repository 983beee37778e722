import type { Api } from 'grammy';
import type { BotCommand, BotCommandScope, LanguageCode } from 'grammy/types';
import { SUPPORTED_LOCALES, type Locale } from '../config.js';
import type { Translate } from './i18n.js';

/** Where a command is offered in Telegram's command menu. */
export type MenuScope = 'private' | 'group';

export interface MenuCommand {
  /** Without the slash, as the handler registers it. */
  command: string;
  /** The menus that list it; its description is the locale key `command-<command>`. */
  scopes: readonly MenuScope[];
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
];

const TELEGRAM_SCOPE: Record<MenuScope, BotCommandScope> = {
  private: { type: 'all_private_chats' },
  group: { type: 'all_group_chats' },
};

/** The menu one kind of chat sees, with descriptions in one locale. */
export function menuFor(scope: MenuScope, t: Translate): BotCommand[] {
  return MENU.filter((c) => c.scopes.includes(scope)).map(({ command }) => ({ command, description: t(`command-${command}`) }));
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
