import { Composer } from 'grammy';
import { MAX_REF_LENGTH, parseOrderQuery, type OrderQueryProblem } from '../../tracking/order-query.js';
import type { OrderTracker } from '../../tracking/tracker.js';
import type { BotContext } from '../context.js';

const PROBLEM_KEYS: Record<OrderQueryProblem, string> = {
  empty: 'invalid-ref-empty',
  too_long: 'invalid-ref-too-long',
  chars: 'invalid-ref-chars',
};

/**
 * /status <ref-or-id>, or the ref alone in a private chat. The handler only validates and records
 * the request: the status message is sent by the delivery loop right away and polling runs in the
 * background, so no update ever waits for the provider.
 */
export function statusFeature(deps: { tracker: OrderTracker }): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  const track = async (ctx: BotContext, input: string) => {
    const message = ctx.message;
    const chatId = ctx.chat?.id;
    if (!message || chatId === undefined) return;
    const parsed = parseOrderQuery(input);
    if (!parsed.ok) {
      await ctx.reply(ctx.t(PROBLEM_KEYS[parsed.problem], { maxLength: String(MAX_REF_LENGTH) }), {
        parse_mode: 'HTML',
        reply_parameters: { message_id: message.message_id, allow_sending_without_reply: true },
      });
      return;
    }
    const accountId = ctx.access?.accountId;
    if (accountId === undefined) {
      await ctx.reply(ctx.t('status-no-account'), { parse_mode: 'HTML' });
      return;
    }
    const watched = await deps.tracker.watch({
      accountId,
      chatId,
      locale: await ctx.i18n.getLocale(),
      query: parsed.query,
      requestKey: `${chatId}:${message.message_id}`,
      replyTo: message.message_id,
    });
    // The status message (a reply to this message) is this command's answer: later answers wait for it.
    if (!watched.duplicate) ctx.answerOrder?.answerFollows();
  };

  composer.command('status', async (ctx) => {
    if (ctx.match.trim() === '') {
      await ctx.reply(ctx.t('status-usage'), { parse_mode: 'HTML' });
      return;
    }
    await track(ctx, ctx.match);
  });

  // In a private chat a bare ref is a /status; commands are left to their own handlers.
  composer.chatType('private').on('message:text', async (ctx, next) => {
    if (ctx.message.text.startsWith('/')) return next();
    await track(ctx, ctx.message.text);
  });

  return composer;
}
