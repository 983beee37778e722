import { Composer, InlineKeyboard } from 'grammy';
import { SUPPORTED_LOCALES, type Locale } from '../../config.js';
import type { OrderTracker } from '../../tracking/tracker.js';
import type { ChatStore } from '../chats.js';
import { menuScopeOf, setChatMenu } from '../commands.js';
import type { BotContext } from '../context.js';
import type { Translate } from '../i18n.js';
import { classifyTelegramError } from '../telegram/errors.js';

const CALLBACK = /^lang:(ar|fr|en)$/;

/**
 * /language: the chat's language (a private chat's or a group's), stored in MongoDB so background
 * updates use it too, and the chat's own command menu in that language. Until a chat picks one,
 * chatLanguage() decides (see chat-language.ts).
 */
export function languageFeature(deps: {
  chats: ChatStore;
  tracker: OrderTracker;
  translatorFor: (locale: Locale) => Translate;
}): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  composer.command('language', async (ctx) => {
    const keyboard = new InlineKeyboard();
    for (const locale of SUPPORTED_LOCALES) keyboard.text(ctx.t(`language-name-${locale}`), `lang:${locale}`);
    await ctx.reply(ctx.t('language-choose'), { parse_mode: 'HTML', reply_markup: keyboard });
  });

  composer.callbackQuery(CALLBACK, async (ctx) => {
    const locale = ctx.match[1] as Locale;
    await ctx.answerCallbackQuery();
    const chat = ctx.chat;
    const picker = ctx.callbackQuery.message?.message_id;
    if (chat === undefined || picker === undefined) return;
    const kind = menuScopeOf(chat.type);
    // A double tap: the first press already did everything and the message shows it.
    if (await deps.chats.pickLocale(chat.id, locale, kind, picker)) return;
    await deps.tracker.setChatLocale(chat.id, locale);
    ctx.i18n.useLocale(locale);
    try {
      await ctx.editMessageText(ctx.t('language-set'), { parse_mode: 'HTML' });
    } catch (err) {
      // Two replicas handling the two taps at once: the other one's edit already shows this.
      if (classifyTelegramError(err).kind !== 'not_modified') throw err;
    }
    if (kind) {
      try {
        await deps.chats.recordMenu(chat.id, await setChatMenu(ctx.api, chat.id, kind, deps.translatorFor(locale)));
      } catch (err) {
        // The language is set; the menu keeps its app language until the next start-up refreshes it.
        ctx.log.warn({ err }, 'could not set the command menu of a chat');
      }
    }
  });

  return composer;
}
