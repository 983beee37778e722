import { Composer } from 'grammy';
import type { Locale } from '../../config.js';
import type { ResendService } from '../../resend/resend-service.js';
import type { OfferDoc } from '../../resend/offers.js';
import type { OrderDoc, TrackingModels } from '../../tracking/models.js';
import { onCallback } from '../callback-data.js';
import type { TelegramOfferMessages } from '../offer-messages.js';
import type { BotContext } from '../context.js';
import { CUSTOM_AMOUNT_CONVERSATION } from '../conversations/custom-amount.js';
import { renderOfferConfirmation } from '../render/offer-confirmation.js';
import { trackedKeyboard } from '../render/tracked-message.js';

/**
 * Suggested offers as buttons. No handler here waits on the provider (they read and write MongoDB
 * only, through ResendService):
 *   offer button  answer, show the confirmation at once (balance "loading…"), filled in in the background
 *   Confirm       answer, show "sending…", record the intent; the offer worker sends, checks by ref and
 *                 turns this message into the order's live status (or shows the outcome)
 *   Cancel        close the confirmation (not once a send is under way)
 *   Other amount  the amount conversation (plan range from the cached plan list)
 *   page buttons  another page of an order's offers
 */
export function offersFeature(deps: {
  resend: ResendService;
  models: TrackingModels;
  messages: TelegramOfferMessages;
}): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const { resend } = deps;

  onCallback(composer, 'offer', async (ctx, data) => {
    const offer = await usableOffer(ctx, resend, data.key);
    if (!offer || !ctx.chat) return;
    await ctx.answerCallbackQuery();
    const locale = (await ctx.i18n.getLocale()) as Locale;
    const replyTo = ctx.callbackQuery.message?.message_id;
    const replyOptions = replyTo ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } } : {};
    if (resend.knownReadOnly(offer.accountId) === true) {
      await ctx.reply(ctx.t('offer-read-only'), { parse_mode: 'HTML', ...replyOptions });
      return;
    }
    const { html, keyboard } = renderOfferConfirmation(ctx.t, { offer, loading: true }, locale);
    const sent = await ctx.reply(html, { parse_mode: 'HTML', ...(keyboard ? { reply_markup: keyboard } : {}), ...replyOptions });
    await resend.fillInConfirmation(offer, { chatId: ctx.chat.id, messageId: sent.message_id, locale });
  });

  onCallback(composer, 'confirm', async (ctx, data) => {
    // A stale, foreign or forged Confirm is answered as such and leaves the message alone.
    const offer = await usableOffer(ctx, resend, data.key);
    if (!offer) return;
    const accountId = ctx.access?.accountId;
    const messageId = ctx.callbackQuery.message?.message_id;
    if (accountId === undefined || !ctx.chat || messageId === undefined) return;
    if (resend.knownReadOnly(accountId) === true) {
      await ctx.answerCallbackQuery();
      await ctx.editMessageText(ctx.t('offer-read-only'), { parse_mode: 'HTML' }).catch(() => undefined);
      return;
    }
    await ctx.answerCallbackQuery({ text: ctx.t('offer-sending') });
    // "Sending…" and no buttons before the intent is recorded: from then on only the worker (and the
    // order's live status) write this message, so nothing can overwrite its outcome.
    await deps.messages.close({ chatId: ctx.chat.id, messageId }, ctx.t('offer-sending'));
    const locale = (await ctx.i18n.getLocale()) as Locale;
    const result = await resend.confirm(data.key, { accountId, chatId: ctx.chat.id, locale, messageId });
    if (result.type === 'recorded') return;
    const text = result.type === 'read_only' ? 'offer-read-only' : result.type === 'foreign' ? 'offer-foreign' : 'offer-expired';
    await ctx.editMessageText(ctx.t(text), { parse_mode: 'HTML' }).catch(() => undefined);
  });

  onCallback(composer, 'cancel', async (ctx, data) => {
    const accountId = ctx.access?.accountId;
    const result = accountId === undefined ? ({ type: 'expired' } as const) : await resend.cancel(data.key, accountId);
    switch (result.type) {
      case 'expired':
      case 'foreign':
        await ctx.answerCallbackQuery({ text: ctx.t(result.type === 'foreign' ? 'offer-foreign' : 'offer-expired'), show_alert: true });
        return;
      case 'in_flight':
        // Too late to cancel: the message shows the send's progress and outcome.
        await ctx.answerCallbackQuery({ text: ctx.t('offer-cannot-cancel'), show_alert: true });
        return;
      case 'cancelled': {
        await ctx.answerCallbackQuery();
        const messageId = ctx.callbackQuery.message?.message_id;
        if (ctx.chat && messageId !== undefined) await deps.messages.close({ chatId: ctx.chat.id, messageId }, ctx.t('offer-cancelled'));
      }
    }
  });

  onCallback(composer, 'other_amount', async (ctx, data) => {
    if (!(await usableOffer(ctx, resend, data.key))) return;
    await ctx.answerCallbackQuery();
    const accountId = ctx.access?.accountId;
    if (accountId === undefined) return;
    // Pressed again while a question is open: the new question replaces the old one.
    await ctx.conversation.exit(CUSTOM_AMOUNT_CONVERSATION);
    await ctx.conversation.enter(CUSTOM_AMOUNT_CONVERSATION, data.key, accountId);
  });

  onCallback(composer, 'offer_page', async (ctx, data) => {
    const order = await deps.models.Order.findById(data.orderId).lean<OrderDoc>();
    if (!order || order.accountId !== ctx.access?.accountId) {
      await ctx.answerCallbackQuery({ text: ctx.t('offer-expired'), show_alert: true });
      return;
    }
    await ctx.answerCallbackQuery();
    const locale = (await ctx.i18n.getLocale()) as Locale;
    const keyboard = trackedKeyboard(ctx.t, order, locale, { page: data.page });
    if (keyboard) await ctx.editMessageReplyMarkup({ reply_markup: keyboard }).catch(() => undefined);
  });

  return composer;
}

/** The pressed offer when this chat may use it; otherwise answers the press (expired, unknown, another account's). */
async function usableOffer(ctx: BotContext, resend: ResendService, key: string): Promise<OfferDoc | undefined> {
  const accountId = ctx.access?.accountId;
  const found = accountId === undefined ? ({ type: 'expired' } as const) : await resend.find(key, accountId);
  if (found.type === 'ok') return found.offer;
  await ctx.answerCallbackQuery({ text: ctx.t(found.type === 'foreign' ? 'offer-foreign' : 'offer-expired'), show_alert: true });
  return undefined;
}
