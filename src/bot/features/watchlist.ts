import { Composer } from 'grammy';
import type { Locale } from '../../config.js';
import type { Clock } from '../../shared/clock.js';
import { parseOrderQuery } from '../../tracking/order-query.js';
import type { MuteOutcome, OrderTracker } from '../../tracking/tracker.js';
import type { BotContext } from '../context.js';
import { renderPendingList } from '../render/pending-list.js';
import { onCallback } from '../callback-data.js';
import { orderShownIn } from '../shown-order.js';

/** The answer to /unwatch and to the 🔕 button: what is true now. */
const UNWATCH_KEYS: Record<MuteOutcome, string> = {
  muted: 'unwatch-done',
  already_muted: 'unwatch-already',
  closed: 'unwatch-settled',
  not_watching: 'unwatch-not-found',
};
const MUTE_KEYS: Record<MuteOutcome, string> = {
  muted: 'mute-done',
  already_muted: 'mute-already',
  closed: 'mute-settled',
  not_watching: 'mute-stale',
};

/** What a chat follows: /pending lists it, /unwatch and the "stop notifications" button trim it. */
export function watchlistFeature(deps: { tracker: OrderTracker; clock: Clock }): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  composer.command('pending', async (ctx) => {
    if (!ctx.chat) return;
    const accountId = ctx.access?.accountId;
    const orders = accountId === undefined ? [] : await deps.tracker.pendingFor(ctx.chat.id, accountId);
    const locale = (await ctx.i18n.getLocale()) as Locale;
    await ctx.reply(renderPendingList(ctx.t, orders, locale, new Date(deps.clock.now())), { parse_mode: 'HTML' });
  });

  // /unwatch <ref>, or a bare /unwatch replying to one of the bot's status messages: that order.
  composer.command('unwatch', async (ctx) => {
    const accountId = ctx.access?.accountId;
    const replied = ctx.message?.reply_to_message;
    const parsed = parseOrderQuery(ctx.match);
    let query = parsed.ok ? parsed.query : undefined;
    if (!query && ctx.match.trim() === '' && replied?.from?.id === ctx.me.id && ctx.chat && accountId !== undefined) {
      query = await orderShownIn(deps.tracker, { accountId, chatId: ctx.chat.id }, replied, 'reply');
    }
    if (!query || !ctx.chat || accountId === undefined) {
      await ctx.reply(ctx.t('unwatch-usage'), { parse_mode: 'HTML' });
      return;
    }
    const outcome = await deps.tracker.unwatch(accountId, ctx.chat.id, query);
    await ctx.reply(ctx.t(UNWATCH_KEYS[outcome], { query: query.value }), { parse_mode: 'HTML' });
  });

  // The status message itself is re-rendered by the delivery loop (no button, no promise of a new
  // message): editing it here too would race that edit and, on a second press, draw Telegram's
  // "message is not modified".
  onCallback(composer, 'mute', async (ctx, data) => {
    const chatId = ctx.chat?.id;
    const accountId = ctx.access?.accountId;
    // Only the chat's own watcher, of its account's order, can be muted: a button copied elsewhere matches nothing.
    const outcome =
      chatId === undefined || accountId === undefined ? 'not_watching' : await deps.tracker.mute(data.orderId, chatId, accountId);
    await ctx.answerCallbackQuery({ text: ctx.t(MUTE_KEYS[outcome]) });
  });

  return composer;
}
