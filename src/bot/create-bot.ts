import type { I18n } from '@grammyjs/i18n';
import { Bot } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { Logger } from '../shared/logger.js';
import type { OrderTracker } from '../tracking/tracker.js';
import type { ChatStore } from './chats.js';
import type { BotContext } from './context.js';
import { accessGate } from './features/access.js';
import { helpFeature } from './features/help.js';
import { languageFeature } from './features/language.js';
import { statusFeature } from './features/status.js';
import { watchlistFeature } from './features/watchlist.js';
import type { Clock } from '../shared/clock.js';
import { installAutoRetry } from './telegram/auto-retry.js';

export interface BotDeps {
  tracker: OrderTracker;
  chats: ChatStore;
  i18n: I18n<BotContext>;
  allowedUserIds: ReadonlySet<number>;
  /** The provider account the allowed users work on; undefined when no API key is configured. */
  accountId: string | undefined;
  clock: Clock;
  log: Logger;
}

export interface BotOptions {
  apiRoot: string;
  /** Known bot identity: skips getMe (tests, and restarts that already know it). */
  botInfo?: UserFromGetMe | undefined;
}

/**
 * Middleware order matters:
 *   1. i18n        every later step (refusals included) answers in the chat's language
 *   2. access      only allowed users go further; everyone else is refused with their id
 *   3. features    /start /help, /language, /status (and bare refs in private chats),
 *                  /pending, /unwatch and the "stop notifications" button
 *   4. fallback    anything else in a private chat gets a pointer to /help
 * Errors are caught once, logged without message contents, and answered with a generic message.
 */
export function createBot(token: string, deps: BotDeps, options: BotOptions): Bot<BotContext> {
  const bot = new Bot<BotContext>(token, {
    client: { apiRoot: options.apiRoot, timeoutSeconds: 30 },
    ...(options.botInfo ? { botInfo: options.botInfo } : {}),
  });
  installAutoRetry(bot.api);

  bot.use(deps.i18n);
  bot.use(accessGate({ allowedUserIds: deps.allowedUserIds, accountId: deps.accountId, chats: deps.chats }));
  bot.use(helpFeature());
  bot.use(languageFeature({ chats: deps.chats, tracker: deps.tracker }));
  bot.use(statusFeature({ tracker: deps.tracker }));
  bot.use(watchlistFeature({ tracker: deps.tracker, clock: deps.clock }));
  bot.chatType('private').on('message', (ctx) => ctx.reply(ctx.t('help'), { parse_mode: 'HTML' }));

  bot.catch(async (err) => {
    deps.log.error({ err: err.error, updateId: err.ctx.update.update_id }, 'update handling failed');
    try {
      if (err.ctx.callbackQuery) await err.ctx.answerCallbackQuery({ text: err.ctx.t('error-generic') });
      else if (err.ctx.chat) await err.ctx.reply(err.ctx.t('error-generic'), { parse_mode: 'HTML' });
    } catch {
      // The chat may be unreachable; the error is logged above.
    }
  });
  return bot;
}
