import type { Conversation } from '@grammyjs/conversations';
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { Locale } from '../../config.js';
import type { ResendService } from '../../resend/resend-service.js';
import { foldDigits } from '../../shared/digits.js';
import type { BotContext } from '../context.js';
import { formatAmount } from '../render/format.js';
import { renderOfferConfirmation } from '../render/offer-confirmation.js';

export const CUSTOM_AMOUNT_CONVERSATION = 'custom-amount';
const ATTEMPTS = 3;

/** "1 500", "١٥٠٠", "1500 DA" -> 1500. Anything else (decimals, words) -> undefined. */
export function parseAmount(text: string): number | undefined {
  const cleaned = foldDigits(text)
    .replace(/(دج|د\.ج|da|dzd)$/i, '')
    .replace(/[\s\u00A0\u202F]/g, '');
  if (!/^\d{1,7}$/.test(cleaned)) return undefined;
  return Number(cleaned);
}

/**
 * A dynamic-amount offer where the reseller wants another amount: ask for it, validate it against the
 * plan's min/max from the cached plan list (never a provider call inside the update: a cold cache
 * starts a refresh in the background and the user is asked to try again in a moment), and show the
 * usual confirmation for that amount, filled in in the background like any other.
 * I/O runs in `conversation.external` so replays never repeat it. A command ends the conversation and
 * goes on to its own handler.
 */
export function customAmountConversation(resend: ResendService) {
  return async function customAmount(conversation: Conversation<BotContext, BotContext>, ctx: BotContext, key: string, accountId: string) {
    const locale = (await conversation.external(() => ctx.i18n.getLocale())) as Locale;
    type PlanInfo =
      | { type: 'expired' }
      | { type: 'foreign' }
      | { type: 'fixed' }
      | { type: 'unknown' }
      | { type: 'dynamic'; name: string; min: number; max: number };
    const plan = await conversation.external(async (): Promise<PlanInfo> => {
      const found = await resend.find(key, accountId);
      if (found.type !== 'ok') return { type: found.type };
      const range = await resend.rangeOf(found.offer);
      return range.type === 'dynamic'
        ? { type: 'dynamic', name: found.offer.typename, min: range.range.min_amount, max: range.range.max_amount }
        : { type: range.type };
    });
    if (plan.type !== 'dynamic') {
      const text = { expired: 'offer-expired', foreign: 'offer-foreign', fixed: 'amount-fixed', unknown: 'amount-plans-loading' }[
        plan.type
      ];
      await ctx.reply(ctx.t(text), { parse_mode: 'HTML' });
      return;
    }
    const vars = { name: plan.name, min: formatAmount(plan.min, locale), max: formatAmount(plan.max, locale) };
    await ctx.reply(ctx.t('amount-ask', vars), { parse_mode: 'HTML' });

    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      // Anything but a text message (a button press, a photo) is not an answer: it goes on to the usual
      // handlers instead of being swallowed while the question is open.
      const answer = await conversation.waitFor('message:text', { next: true });
      if (answer.message.text.startsWith('/')) await conversation.halt({ next: true });
      const amount = parseAmount(answer.message.text);
      if (amount !== undefined && amount >= plan.min && amount <= plan.max) {
        const confirmation = await conversation.external(
          async (): Promise<{ html: string; keyboard?: InlineKeyboardMarkup; key?: string }> => {
            const result = await resend.withAmount(key, accountId, amount);
            if (result.type === 'unknown') return { html: answer.t('amount-plans-loading') };
            if (result.type !== 'ok') return { html: answer.t(result.type === 'foreign' ? 'offer-foreign' : 'offer-expired') };
            return { ...renderOfferConfirmation(answer.t, { offer: result.offer, loading: true }, locale), key: result.offer._id };
          },
        );
        const sent = await answer.reply(confirmation.html, {
          parse_mode: 'HTML',
          ...(confirmation.keyboard ? { reply_markup: confirmation.keyboard } : {}),
        });
        const newKey = confirmation.key;
        if (newKey !== undefined) {
          await conversation.external(async () => {
            const found = await resend.find(newKey, accountId);
            if (found.type === 'ok')
              await resend.fillInConfirmation(found.offer, { chatId: sent.chat.id, messageId: sent.message_id, locale });
          });
        }
        return;
      }
      await answer.reply(answer.t('amount-invalid', vars), { parse_mode: 'HTML' });
    }
    await ctx.reply(ctx.t('amount-gave-up'), { parse_mode: 'HTML' });
  };
}
