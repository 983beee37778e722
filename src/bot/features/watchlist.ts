import { Composer } from 'grammy';
import type { Locale } from '../../config.js';
import type { Clock } from '../../shared/clock.js';
import { parseOrderQuery } from '../../tracking/order-query.js';
import type { OrderTracker } from '../../tracking/tracker.js';
import type { BotContext } from '../context.js';
import { renderPendingList } from '../render/pending-list.js';
import { onCallback } from '../callback-data.js';

/** What a chat follows: /pending lists it, /unwatch and the "stop notifications" button trim it. */
export function watchlistFeature(deps: { tracker: OrderTracker; clock: Clock }): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  composer.command('pending', async (ctx) => {
    if (!ctx.chat) return;
    const orders = await deps.tracker.pendingFor(ctx.chat.id);
    const locale = (await ctx.i18n.getLocale()) as Locale;
    await ctx.reply(renderPendingList(ctx.t, orders, locale, new Date(deps.clock.now())), { parse_mode: 'HTML' });
  });

  composer.command('unwatch', async (ctx) => {
    const parsed = parseOrderQuery(ctx.match);
    const accountId = ctx.access?.accountId;
    if (!parsed.ok || !ctx.chat || accountId === undefined) {
      await ctx.reply(ctx.t('unwatch-usage'), { parse_mode: 'HTML' });
      return;
    }
    const muted = await deps.tracker.unwatch(accountId, ctx.chat.id, parsed.query);
    await ctx.reply(ctx.t(muted ? 'unwatch-done' : 'unwatch-not-found', { query: parsed.query.value }), { parse_mode: 'HTML' });
  });

  onCallback(composer, 'mute', async (ctx, data) => {
    const chatId = ctx.chat?.id;
    // Only the chat's own watcher can be muted: a button copied elsewhere matches nothing.
    const muted = chatId !== undefined && (await deps.tracker.mute(data.orderId, chatId));
    await ctx.answerCallbackQuery({ text: ctx.t(muted ? 'mute-done' : 'mute-stale') });
    if (muted) await ctx.editMessageReplyMarkup({ reply_markup: { inline_keyboard: [] } }).catch(() => undefined);
  });

  return composer;
}
