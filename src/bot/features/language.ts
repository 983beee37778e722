import { Composer, InlineKeyboard } from 'grammy';
import { SUPPORTED_LOCALES, type Locale } from '../../config.js';
import type { OrderTracker } from '../../tracking/tracker.js';
import type { ChatStore } from '../chats.js';
import type { BotContext } from '../context.js';

const CALLBACK = /^lang:(ar|fr|en)$/;

/**
 * /language: the chat's language (a private chat's or a group's), stored in MongoDB so background
 * updates use it too. Until a chat picks one, chatLanguage() decides (see chat-language.ts).
 */
export function languageFeature(deps: { chats: ChatStore; tracker: OrderTracker }): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  composer.command('language', async (ctx) => {
    const keyboard = new InlineKeyboard();
    for (const locale of SUPPORTED_LOCALES) keyboard.text(ctx.t(`language-name-${locale}`), `lang:${locale}`);
    await ctx.reply(ctx.t('language-choose'), { parse_mode: 'HTML', reply_markup: keyboard });
  });

  composer.callbackQuery(CALLBACK, async (ctx) => {
    const locale = ctx.match[1] as Locale;
    await ctx.answerCallbackQuery();
    const chatId = ctx.chat?.id;
    if (chatId === undefined) return;
    await deps.chats.setLocale(chatId, locale);
    await deps.tracker.setChatLocale(chatId, locale);
    ctx.i18n.useLocale(locale);
    await ctx.editMessageText(ctx.t('language-set'), { parse_mode: 'HTML' });
  });

  return composer;
}
