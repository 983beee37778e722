import type { Conversation } from '@grammyjs/conversations';
import type { ForceReply, InlineKeyboardMarkup, Message, User } from 'grammy/types';
import type { Locale } from '../../config.js';
import type { ResendService } from '../../resend/resend-service.js';
import { foldDigits } from '../../shared/digits.js';
import { stripInvisibleMarks } from '../../shared/invisible-marks.js';
import type { BotContext } from '../context.js';
import { formatAmount } from '../render/format.js';
import { escapeHtml } from '../render/html.js';
import { renderOfferConfirmation } from '../render/offer-confirmation.js';

export const CUSTOM_AMOUNT_CONVERSATION = 'custom-amount';
/** Bad answers before the question is closed. */
const ATTEMPTS = 3;

/**
 * Invisible marks dropped (as for refs and keys: an RLM typed in an Arabic keyboard, a zero-width space
 * pasted along), digits folded, and the Arabic decimal and thousands separators (٫ ٬) read as `.` and `,`.
 */
function latinNumber(text: string): string {
  return foldDigits(stripInvisibleMarks(text))
    .replace(/\u066B/g, '.')
    .replace(/\u066C/g, ',');
}

/** "1 500", "١٥٠٠", "1.500", "1500 DA" -> 1500. Anything else (decimals, words) -> undefined. */
export function parseAmount(text: string): number | undefined {
  const cleaned = latinNumber(text)
    .replace(/(دج|د\.ج|da|dzd)$/i, '')
    .replace(/[\s\u00A0\u202F]/g, '');
  // Thousands written with a separator (1.500, 1,500, 1'500): the separator goes, the digits stay.
  const ungrouped = /^\d{1,3}([.,'’]\d{3})+$/.test(cleaned) ? cleaned.replace(/[.,'’]/g, '') : cleaned;
  if (!/^\d{1,7}$/.test(ungrouped)) return undefined;
  return Number(ungrouped);
}

export type AmountReading = { ok: true; amount: number } | { ok: false; reason: 'not_number' | 'not_whole' | 'too_low' | 'too_high' };

/** An answer to "which amount?", against the plan's range; a refusal says why, for the user. */
export function readAmount(text: string, range: { min: number; max: number }): AmountReading {
  const amount = parseAmount(text);
  if (amount === undefined) {
    const decimal = /^\s*\d+[.,]\d{1,2}\s*(دج|د\.ج|da|dzd)?\s*$/i.test(latinNumber(text));
    return { ok: false, reason: decimal ? 'not_whole' : 'not_number' };
  }
  if (amount < range.min) return { ok: false, reason: 'too_low' };
  if (amount > range.max) return { ok: false, reason: 'too_high' };
  return { ok: true, amount };
}

const REASON_KEYS = {
  not_number: 'amount-not-number',
  not_whole: 'amount-not-whole',
  too_low: 'amount-too-low',
  too_high: 'amount-too-high',
} as const;

/** A command in a message: its name, and whether it is addressed to another bot (`/cmd@other_bot`). */
function commandIn(message: Message, botUsername: string): { name: string; forOtherBot: boolean } | undefined {
  const entity = message.entities?.find((e) => e.type === 'bot_command' && e.offset === 0);
  if (!entity) return undefined;
  const [name = '', target] = (message.text ?? '').slice(1, entity.length).split('@');
  return { name: name.toLowerCase(), forOtherBot: target !== undefined && target.toLowerCase() !== botUsername.toLowerCase() };
}

/**
 * A mention of the asker, which a selective force-reply targets: their @username when they have one,
 * else a link to their account (a text mention, which needs no username).
 */
function mentionHtml(user: User): string {
  return user.username ? `@${escapeHtml(user.username)}` : `<a href="tg://user?id=${user.id}">${escapeHtml(user.first_name)}</a>`;
}

/**
 * "Which amount?" as Telegram's force-reply: the user's app opens a reply to the question, so in a
 * group with privacy mode on (Telegram's default) the answer reaches the bot, which only receives
 * replies to its messages and commands. `selective` shows the reply box only to the targeted user:
 * the one mentioned in the text, or the author of the message the question replies to.
 */
function askMarkup(placeholder: string): ForceReply {
  return { force_reply: true, selective: true, input_field_placeholder: [...placeholder].slice(0, 64).join('') };
}

/**
 * A dynamic-amount offer where the reseller wants another amount: ask for it, validate it against the
 * plan's min/max from the cached plan list (never a provider call inside the update: a cold cache
 * starts a refresh in the background and the user is asked to try again in a moment), and show the
 * usual confirmation for that amount, filled in in the background like any other.
 *
 * Conversations are keyed per chat AND user (create-bot.ts): only the user who pressed "Other amount"
 * answers it; another member's messages never reach this question. In a group only a reply to one of
 * the question's messages counts (with privacy mode off the asker may be chatting with colleagues
 * meanwhile); in a private chat any text does. The question ends, and says so, on /cancel, on any
 * other command for this bot (which then runs as usual), or after three bad answers, each of which is
 * told what was wrong and asked again (a new force-reply, answering the bad answer).
 * I/O runs in `conversation.external` so replays never repeat it.
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
    const inGroup = ctx.chat?.type !== 'private';
    const vars = { name: plan.name, min: formatAmount(plan.min, locale), max: formatAmount(plan.max, locale) };
    const markup = askMarkup(ctx.t('amount-placeholder', vars));
    let ask = ctx.t('amount-ask', vars);
    if (inGroup && ctx.from) {
      // The mention is markup, which translation variables never carry (they are escaped): a slot is
      // filled in after translating.
      const slot = 'ASKER_SLOT';
      ask += `\n${ctx.t('amount-ask-asker', { user: slot }).replace(slot, mentionHtml(ctx.from))}`;
    }
    // In a private chat the question answers the confirmation pressed. Not in a group: `selective` would
    // then target the author of that message (the bot) rather than the member mentioned.
    const pressed = inGroup ? undefined : ctx.callbackQuery?.message?.message_id;
    const question = await ctx.reply(ask, {
      parse_mode: 'HTML',
      reply_markup: markup,
      ...(pressed !== undefined ? { reply_parameters: { message_id: pressed, allow_sending_without_reply: true } } : {}),
    });
    const questionIds = [question.message_id];

    for (let bad = 0; bad < ATTEMPTS;) {
      // Anything but a text message (a button press, a photo) is not an answer: it goes on to the usual
      // handlers instead of being swallowed while the question is open.
      const answer = await conversation.waitFor('message:text', { next: true });
      const replyToAnswer = { reply_parameters: { message_id: answer.message.message_id, allow_sending_without_reply: true } };
      const command = commandIn(answer.message, answer.me.username);
      if (command?.forOtherBot) await conversation.skip({ next: true });
      if (command?.name === 'cancel') {
        await answer.reply(answer.t('amount-cancelled'), { parse_mode: 'HTML', ...replyToAnswer });
        return;
      }
      if (command) {
        await answer.reply(answer.t('amount-cancelled-by-command'), { parse_mode: 'HTML', ...replyToAnswer });
        await conversation.halt({ next: true });
      }
      const repliedTo = answer.message.reply_to_message?.message_id;
      if (inGroup && (repliedTo === undefined || !questionIds.includes(repliedTo))) await conversation.skip({ next: true });

      const reading = readAmount(answer.message.text, plan);
      if (reading.ok) {
        const amount = reading.amount;
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
          ...replyToAnswer,
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
      bad++;
      const reason = answer.t(REASON_KEYS[reading.reason], vars);
      if (bad === ATTEMPTS) {
        await answer.reply(`${reason}\n${answer.t('amount-gave-up')}`, { parse_mode: 'HTML', ...replyToAnswer });
        return;
      }
      // Asked again as a reply to the bad answer: `selective` then targets its author, the asker.
      const again = await answer.reply(`${reason}\n${answer.t('amount-try-again')}`, {
        parse_mode: 'HTML',
        reply_markup: markup,
        ...replyToAnswer,
      });
      questionIds.push(again.message_id);
    }
  };
}
