import type { Api } from 'grammy';
import type { LanguageCode } from 'grammy/types';
import { SUPPORTED_LOCALES, type Locale } from '../config.js';
import type { Translate } from './i18n.js';

const COMMANDS = ['status', 'pending', 'unwatch', 'language', 'help'] as const;

/**
 * The command menu in each shipped language (Telegram picks by the user's app language), plus the
 * default locale's menu for every other language. Descriptions live in locales/ like all text.
 */
export async function setBotCommands(api: Api, translatorFor: (locale: Locale) => Translate, defaultLocale: Locale): Promise<void> {
  const menu = (locale: Locale) => {
    const t = translatorFor(locale);
    return COMMANDS.map((command) => ({ command, description: t(`command-${command}`) }));
  };
  await api.setMyCommands(menu(defaultLocale));
  for (const locale of SUPPORTED_LOCALES) {
    await api.setMyCommands(menu(locale), { language_code: locale as LanguageCode });
  }
}
