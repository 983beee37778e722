import { Composer } from 'grammy';
import type { Locale } from '../../config.js';
import { otherAmountVerdict, type PressVerdict } from '../../resend/offer-machine.js';
import type { Presser, ResendService } from '../../resend/resend-service.js';
import type { Clock } from '../../shared/clock.js';
import type { OfferDoc } from '../../resend/offers.js';
import type { OrderDoc, TrackingModels } from '../../tracking/models.js';
import { onCallback } from '../callback-data.js';
import type { TelegramOfferMessages } from '../offer-messages.js';
import type { BotContext } from '../context.js';
import { CUSTOM_AMOUNT_CONVERSATION } from '../conversations/custom-amount.js';
import { renderOfferConfirmation } from '../render/offer-confirmation.js';
import { renderPointer, renderPressShown } from '../render/offer-state.js';
import { trackedKeyboard } from '../render/tracked-message.js';
import { displayName } from './staff.js';

/**
 * Suggested offers as buttons. No handler here waits on the provider (they read and write MongoDB
 * only, through ResendService). Every press is judged on the offer as it is now (resend/offer-machine.ts
 * `pressVerdict`), and answered with what is true now:
 *   offer button  an offer that can be sent: the confirmation at once (balance "loading…"), filled in
 *                 in the background; being sent or sent: a reply pointing to the message of this chat
 *                 that shows it, or (none yet) a new message that shows it and follows the order
 *   Confirm       "sending…", the intent recorded; the offer worker sends, checks by ref and turns this
 *                 message into the order's live status (or shows the outcome)
 *                 (a send the key guard held back keeps Confirm / Cancel: pressed again, it sends)
 *   Cancel        closes a confirmation of an offer that was not sent
 *   old buttons   a Confirm or Cancel on a message that shows the send (or its live status) answers
 *                 "already sent" / "being sent" and never edits it; on another old confirmation it
 *                 points to that message; on a cancelled confirmation, a refusal or a withdrawn
 *                 confirmation (the confirmer's re-send right was withdrawn before the send), it says so
 *   Other amount  the amount conversation (plan range from the cached plan list)
 *   page buttons  another page of an order's offers
 */
export function offersFeature(deps: {
  resend: ResendService;
  models: TrackingModels;
  messages: TelegramOfferMessages;
  clock: Clock;
}): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const { resend } = deps;
  const now = () => new Date(deps.clock.now());

  onCallback(composer, 'offer', async (ctx, data) => {
    const who = await presser(ctx);
    if (!who) return answerUnusable(ctx, { type: 'expired' });
    const answer = answerOnce(ctx);
    const locale = who.locale as Locale;
    const replyTo = (messageId: number) => ({ reply_parameters: { message_id: messageId, allow_sending_without_reply: true } });
    const result = await resend.press(data.key, 'offer', who, async (offer, verdict) => {
      // Being sent or sent, and nothing in this chat shows it: a new message does, from now on.
      await answer(ctx.t(offer.state === 'sent' ? 'offer-answer-sent' : 'offer-answer-sending'));
      const shown = renderPressShown(ctx.t, offer, verdict, locale, now());
      return (await ctx.reply(shown.html, { parse_mode: 'HTML', ...replyTo(who.messageId) })).message_id;
    });
    if (result.type === 'expired' || result.type === 'foreign') return answerUnusable(ctx, result);
    if (result.type === 'not_allowed') return answer(ctx.t('resend-not-allowed'), true);
    if (result.type === 'read_only') {
      await answer();
      await ctx.reply(ctx.t('offer-read-only'), { parse_mode: 'HTML', ...replyTo(who.messageId) });
      return;
    }
    const { offer, verdict } = result;
    if (verdict.type === 'confirmation') {
      await answer();
      const { html, keyboard } = renderOfferConfirmation(ctx.t, { offer, loading: true }, locale);
      const sent = await ctx.reply(html, {
        parse_mode: 'HTML',
        ...(keyboard ? { reply_markup: keyboard } : {}),
        ...replyTo(who.messageId),
      });
      await resend.fillInConfirmation(offer, { chatId: who.chatId, messageId: sent.message_id, locale });
      return;
    }
    await answer(ctx.t(offer.state === 'sent' ? 'offer-answer-sent' : 'offer-answer-sending'));
    if (verdict.type !== 'shown_in') return;
    if (result.shownIn !== undefined) {
      // A race gave this chat another message for the send first: the new one points there.
      await deps.messages.close({ chatId: who.chatId, messageId: result.shownIn }, renderPointer(ctx.t, offer, 'here'));
      return;
    }
    await ctx.reply(renderPointer(ctx.t, offer, 'reply'), { parse_mode: 'HTML', ...replyTo(verdict.live.messageId) });
  });

  const onConfirmation = (button: 'confirm' | 'cancel') => async (ctx: BotContext, key: string) => {
    // A stale, foreign or forged button is answered as such and leaves the message alone.
    const who = await presser(ctx);
    if (!who) return answerUnusable(ctx, { type: 'expired' });
    const answer = answerOnce(ctx);
    const pressed = { chatId: who.chatId, messageId: who.messageId };
    const result = await resend.press(key, button, who, async (offer, verdict) => {
      await answer(...answerFor(ctx, button, offer, verdict, who.messageId));
      // Shown before the press is recorded: from then on only the worker (and the order's live
      // status) write this message, so nothing can overwrite its outcome.
      await deps.messages.close(pressed, renderPressShown(ctx.t, offer, verdict, who.locale as Locale, now()).html);
      return who.messageId;
    });
    if (result.type === 'expired' || result.type === 'foreign') return answerUnusable(ctx, result);
    // Staff without the re-send right (or a group member): one short answer naming nobody; the message stays.
    if (result.type === 'not_allowed') return answer(ctx.t('resend-not-allowed'), true);
    if (result.type === 'read_only') {
      await answer();
      await deps.messages.close(pressed, ctx.t('offer-read-only'));
      return;
    }
    const { offer, verdict } = result;
    await answer(...answerFor(ctx, button, offer, verdict, who.messageId));
    if (verdict.type === 'cancel' && result.recorded) await deps.messages.close(pressed, ctx.t('offer-cancelled'));
    // Showed "sending…" but a Cancel of this confirmation (another device, another replica) won the race.
    if (verdict.type === 'was_cancelled' && result.shownIn !== undefined) await deps.messages.close(pressed, ctx.t('offer-cancelled'));
    // An old confirmation, while another message of this chat shows the send: it points there. The
    // message that shows it is never edited by a press.
    if (verdict.type === 'shown_in' && verdict.live.messageId !== who.messageId) {
      await deps.messages.close(pressed, renderPointer(ctx.t, offer, 'here'));
    }
  };
  onCallback(composer, 'confirm', (ctx, data) => onConfirmation('confirm')(ctx, data.key));
  onCallback(composer, 'cancel', (ctx, data) => onConfirmation('cancel')(ctx, data.key));

  onCallback(composer, 'other_amount', async (ctx, data) => {
    if (ctx.access?.canResend !== true) {
      await ctx.answerCallbackQuery({ text: ctx.t('resend-not-allowed'), show_alert: true });
      return;
    }
    const offer = await usableOffer(ctx, resend, data.key);
    if (!offer) return;
    // An old button on the message that shows the send, or on a cancelled confirmation: says so, asks nothing.
    const messageId = ctx.callbackQuery.message?.message_id;
    const stale = ctx.chat && messageId !== undefined ? otherAmountVerdict(offer, { chatId: ctx.chat.id, messageId }) : undefined;
    if (stale) {
      const [text, alert] = answerFor(ctx, 'confirm', offer, stale, messageId ?? 0);
      await ctx.answerCallbackQuery(text === undefined ? undefined : { text, ...(alert ? { show_alert: true } : {}) });
      return;
    }
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

/** Who pressed, and where; undefined when the press cannot be tied to this chat's account. */
async function presser(ctx: BotContext): Promise<Presser | undefined> {
  const accountId = ctx.access?.accountId;
  const messageId = ctx.callbackQuery?.message?.message_id;
  if (accountId === undefined || !ctx.chat || messageId === undefined) return undefined;
  const from = ctx.callbackQuery?.from;
  if (!from) return undefined;
  return { accountId, chatId: ctx.chat.id, messageId, locale: await ctx.i18n.getLocale(), userId: from.id, userName: displayName(from) };
}

/** Answers the press once (the first answer wins: Telegram takes one per press). */
function answerOnce(ctx: BotContext): (text?: string, alert?: boolean) => Promise<void> {
  let answered = false;
  return async (text, alert = false) => {
    if (answered) return;
    answered = true;
    await ctx.answerCallbackQuery(text === undefined ? undefined : { text, ...(alert ? { show_alert: true } : {}) });
  };
}

/** The answer to a Confirm or Cancel press: what it did, or why it did nothing (an alert when it did nothing asked). */
function answerFor(
  ctx: BotContext,
  button: 'confirm' | 'cancel',
  offer: OfferDoc,
  verdict: PressVerdict,
  pressedId: number,
): [string?, boolean?] {
  const sent = offer.state === 'sent';
  switch (verdict.type) {
    case 'send':
      return [ctx.t('offer-sending')];
    case 'cancel':
    case 'confirmation':
      return [];
    case 'follow':
    case 'shown_in': {
      if (button === 'confirm') return [ctx.t(sent ? 'offer-answer-sent' : 'offer-answer-sending')];
      // "Cannot cancel: this message shows the outcome" only where it does (the pressed one shows the send).
      const showsHere = verdict.type === 'follow' || verdict.live.messageId === pressedId;
      if (sent) return [ctx.t('offer-cannot-cancel-sent'), true];
      return [ctx.t(showsHere ? 'offer-cannot-cancel' : 'offer-answer-sending'), true];
    }
    case 'was_cancelled':
      return [ctx.t('offer-answer-was-cancelled'), true];
    case 'was_refused':
      return [ctx.t('offer-answer-was-refused'), true];
    case 'was_withdrawn':
      return [ctx.t('offer-answer-was-withdrawn'), true];
  }
}

/** An expired (an expired offer that was sent says so), unknown or foreign offer: an alert, nothing changes. */
async function answerUnusable(ctx: BotContext, found: { type: 'expired'; sent?: OfferDoc } | { type: 'foreign' }): Promise<void> {
  const text = found.type === 'foreign' ? 'offer-foreign' : found.sent ? 'offer-answer-sent' : 'offer-expired';
  await ctx.answerCallbackQuery({ text: ctx.t(text), show_alert: true });
}

/** The pressed offer when this chat may use it; otherwise answers the press (expired, unknown, another account's). */
async function usableOffer(ctx: BotContext, resend: ResendService, key: string): Promise<OfferDoc | undefined> {
  const accountId = ctx.access?.accountId;
  const found = accountId === undefined ? ({ type: 'expired' } as const) : await resend.find(key, accountId);
  if (found.type === 'ok') return found.offer;
  await answerUnusable(ctx, found);
  return undefined;
}
