import { Composer } from 'grammy';
import type { Message } from 'grammy/types';
import { MAX_REF_LENGTH, type OrderQuery } from '../../tracking/order-query.js';
import type { OrderTracker } from '../../tracking/tracker.js';
import type { BotContext } from '../context.js';
import { classifyFreeText, type FreeText } from '../free-text.js';
import { orderShownIn } from '../shown-order.js';

const PROBLEM_KEYS: Record<Extract<FreeText, { kind: 'bad_ref' }>['problem'], string> = {
  empty: 'invalid-ref-empty',
  too_long: 'invalid-ref-too-long',
  chars: 'invalid-ref-chars',
};

/**
 * /status <ref-or-id>, or the ref alone in a private chat; a bare /status replying to a message means
 * the order that message shows, and a status message forwarded back to the bot means its order.
 * The handler only validates and records the request: the status message is sent by the delivery
 * loop right away and polling runs in the background, so no update ever waits for the provider.
 */
export function statusFeature(deps: { tracker: OrderTracker }): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  const answer = (ctx: BotContext, key: string, vars?: Record<string, string>) =>
    ctx.reply(ctx.t(key, vars), {
      parse_mode: 'HTML',
      ...(ctx.message ? { reply_parameters: { message_id: ctx.message.message_id, allow_sending_without_reply: true } } : {}),
    });

  const track = async (ctx: BotContext, query: OrderQuery) => {
    const message = ctx.message;
    const chatId = ctx.chat?.id;
    if (!message || chatId === undefined) return;
    const accountId = ctx.access?.accountId;
    if (accountId === undefined) {
      await ctx.reply(ctx.t('status-no-account'), { parse_mode: 'HTML' });
      return;
    }
    const watched = await deps.tracker.watch({
      accountId,
      chatId,
      locale: await ctx.i18n.getLocale(),
      query,
      requestKey: `${chatId}:${message.message_id}`,
      replyTo: message.message_id,
    });
    // The status message (a reply to this message) is this command's answer: later answers wait for it.
    if (!watched.duplicate) ctx.answerOrder?.answerFollows();
    if (watched.takesOver !== null) ctx.answerOrder?.noAnswerFor(watched.takesOver);
  };

  const trackText = async (ctx: BotContext, text: string) => {
    const what = classifyFreeText(text);
    switch (what.kind) {
      case 'order':
        return track(ctx, what.query);
      case 'bad_ref':
        await answer(ctx, PROBLEM_KEYS[what.problem], { maxLength: String(MAX_REF_LENGTH) });
        return;
      case 'not_ref':
        await answer(ctx, 'status-not-a-ref');
        return;
      case 'api_key':
        await answer(ctx, 'status-key-not-a-ref');
        return;
    }
  };

  /**
   * The order a message shows: for the bot's own message, see orderShownIn; for someone else's
   * message (a customer's ref in a group), its text read as a ref.
   */
  const trackShown = async (ctx: BotContext, shown: Message, how: 'reply' | 'forward') => {
    const accountId = ctx.access?.accountId;
    const chatId = ctx.chat?.id;
    if (accountId === undefined || chatId === undefined) {
      await ctx.reply(ctx.t('status-no-account'), { parse_mode: 'HTML' });
      return;
    }
    if (how === 'reply' && shown.from?.id !== ctx.me.id) {
      const what = classifyFreeText(shown.text ?? shown.caption ?? '');
      if (what.kind === 'order') return track(ctx, what.query);
      await answer(ctx, 'status-no-order-in-message');
      return;
    }
    const query = await orderShownIn(deps.tracker, { accountId, chatId }, shown, how);
    if (query) return track(ctx, query);
    await answer(ctx, 'status-no-order-in-message');
  };

  composer.command('status', async (ctx) => {
    if (ctx.match.trim() !== '') return trackText(ctx, ctx.match);
    const replied = ctx.message?.reply_to_message;
    if (replied) return trackShown(ctx, replied, 'reply');
    await ctx.reply(ctx.t('status-usage'), { parse_mode: 'HTML' });
  });

  // In a private chat a bare text is a /status (or help when it is clearly not a ref), and a status
  // message forwarded back means its order; commands are left to their own handlers.
  composer.chatType('private').on('message:text', async (ctx, next) => {
    if (ctx.message.text.startsWith('/')) return next();
    const origin = ctx.message.forward_origin;
    if (origin?.type === 'user' && origin.sender_user.id === ctx.me.id) return trackShown(ctx, ctx.message, 'forward');
    await trackText(ctx, ctx.message.text);
  });

  return composer;
}
