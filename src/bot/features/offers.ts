import { Composer } from 'grammy';
import type { Locale } from '../../config.js';
import type { ConfirmResult, ResendService } from '../../resend/resend-service.js';
import type { TrackingModels } from '../../tracking/models.js';
import type { BotContext } from '../context.js';
import { CUSTOM_AMOUNT_CONVERSATION } from '../conversations/custom-amount.js';
import { formatAmount } from '../render/format.js';
import { CANCEL_PREFIX, CONFIRM_PREFIX, OTHER_AMOUNT_PREFIX, confirmRow, renderOfferConfirmation } from '../render/offer-confirmation.js';
import { OFFER_PAGE_PREFIX, OFFER_PRESS_PREFIX } from '../render/offer-keyboard.js';
import { trackedKeyboard } from '../render/tracked-message.js';
import type { OrderDoc } from '../../tracking/models.js';
import type { OfferDoc } from '../../resend/offers.js';

const KEY = '([A-Za-z0-9_-]{12})';
const match = (prefix: string, rest = KEY) => new RegExp(`^${prefix}${rest}$`);

/**
 * Suggested offers as buttons: press -> confirmation (number, plan, amount, balance) -> Confirm sends
 * exactly one order (see ResendService) and the confirmation message becomes its live status message.
 * Every callback is answered first, before any provider call (Telegram gives ~15 s).
 */
export function offersFeature(deps: { resend: ResendService; models: TrackingModels }): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const { resend } = deps;

  composer.callbackQuery(match(OFFER_PRESS_PREFIX), async (ctx) => {
    const offer = await usableOffer(ctx, resend, ctx.match[1]!);
    if (!offer) return;
    await ctx.answerCallbackQuery();
    const locale = (await ctx.i18n.getLocale()) as Locale;
    const { html, keyboard } = renderOfferConfirmation(ctx.t, await resend.preview(offer), locale);
    const replyTo = ctx.callbackQuery.message?.message_id;
    await ctx.reply(html, {
      parse_mode: 'HTML',
      ...(keyboard ? { reply_markup: keyboard } : {}),
      ...(replyTo ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } } : {}),
    });
  });

  composer.callbackQuery(match(CONFIRM_PREFIX), async (ctx) => {
    // A stale, foreign or forged Confirm is answered as such and leaves the message alone (a lookup
    // in MongoDB only: the answer still comes before any provider call).
    if (!(await usableOffer(ctx, resend, ctx.match[1]!))) return;
    await ctx.answerCallbackQuery({ text: ctx.t('offer-sending') });
    const accountId = ctx.access?.accountId;
    const messageId = ctx.callbackQuery.message?.message_id;
    if (accountId === undefined || !ctx.chat || messageId === undefined) return;
    // Buttons off while sending: a second press on this message cannot even reach the service.
    await ctx.editMessageText(ctx.t('offer-sending'), { parse_mode: 'HTML' }).catch(() => undefined);
    const locale = (await ctx.i18n.getLocale()) as Locale;
    const result = await resend.confirm(ctx.match[1]!, { accountId, chatId: ctx.chat.id, locale, messageId });
    // 'tracking': the delivery loop now edits this message into the new order's live status.
    if (result.type === 'tracking') return;
    const retry = result.type === 'unconfirmed' || result.type === 'provider_down';
    await ctx
      .editMessageText(confirmFailureText(ctx, result, locale), {
        parse_mode: 'HTML',
        ...(retry ? { reply_markup: { inline_keyboard: [confirmRow(ctx.t, ctx.match[1]!)] } } : {}),
      })
      .catch(() => undefined);
  });

  composer.callbackQuery(match(CANCEL_PREFIX), async (ctx) => {
    if (!(await usableOffer(ctx, resend, ctx.match[1]!))) return;
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t('offer-cancelled'), { parse_mode: 'HTML' }).catch(() => undefined);
  });

  composer.callbackQuery(match(OTHER_AMOUNT_PREFIX), async (ctx) => {
    if (!(await usableOffer(ctx, resend, ctx.match[1]!))) return;
    await ctx.answerCallbackQuery();
    const accountId = ctx.access?.accountId;
    if (accountId === undefined) return;
    await ctx.conversation.enter(CUSTOM_AMOUNT_CONVERSATION, ctx.match[1]!, accountId);
  });

  composer.callbackQuery(match(OFFER_PAGE_PREFIX, '([0-9a-f]{24}):(\\d{1,3})'), async (ctx) => {
    const order = await deps.models.Order.findById(ctx.match[1]).lean<OrderDoc>();
    if (!order || order.accountId !== ctx.access?.accountId) {
      await ctx.answerCallbackQuery({ text: ctx.t('offer-expired'), show_alert: true });
      return;
    }
    await ctx.answerCallbackQuery();
    const locale = (await ctx.i18n.getLocale()) as Locale;
    const keyboard = trackedKeyboard(ctx.t, order, locale, { page: Number(ctx.match[2]) });
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

function confirmFailureText(ctx: BotContext, result: Exclude<ConfirmResult, { type: 'tracking' }>, locale: Locale): string {
  switch (result.type) {
    case 'expired':
      return ctx.t('offer-expired');
    case 'foreign':
      return ctx.t('offer-foreign');
    case 'in_progress':
      return ctx.t('offer-in-progress', { ref: result.ref });
    case 'read_only':
      return ctx.t('offer-read-only');
    case 'insufficient_balance':
      return ctx.t('offer-insufficient-balance', {
        required: result.required === undefined ? '—' : formatAmount(result.required, locale),
        available: result.available === undefined ? '—' : formatAmount(result.available, locale),
      });
    case 'invalid':
      return ctx.t('offer-invalid', { field: result.field ?? '—' });
    case 'unconfirmed':
      return ctx.t('offer-unconfirmed', { ref: result.ref });
    case 'provider_down':
      return ctx.t('offer-provider-down', { ref: result.ref });
  }
}
