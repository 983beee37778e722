import type { InlineKeyboardButton } from 'grammy/types';
import { offerModel, type OfferDoc } from '../../src/resend/offers.js';
import type { Model } from 'mongoose';
import type { FakeMessage } from './fake-telegram.js';
import { RESELLER, type Harness } from './harness.js';

/**
 * Steps of the suggested-offer flow as a reseller takes them in Telegram: see the refunded order with
 * its offer buttons, press one, read the confirmation, press Confirm.
 */

export interface Offer {
  typename: string;
  plan_code: string;
  amount: number;
}

export const FACTURE_500: Offer = { typename: '📋 FACTURE | فاتورة', plan_code: 'FACTURE_DJEZZY', amount: 500 };
export const OFFER_REFUND_MESSAGE = 'هذا العرض غير متوافق مع هذا الرقم، أرسل أحد العروض التالية';

export interface Who {
  chatId?: number;
  userId?: number;
}

export const chatOf = (who: Who = {}) => who.chatId ?? who.userId ?? RESELLER;

export function buttonsOf(m: FakeMessage | undefined): InlineKeyboardButton.CallbackButton[] {
  return (m?.reply_markup?.inline_keyboard ?? []).flat().filter((b): b is InlineKeyboardButton.CallbackButton => 'callback_data' in b);
}

export function button(m: FakeMessage, prefix: string, index = 0): InlineKeyboardButton.CallbackButton {
  const found = buttonsOf(m).filter((b) => b.callback_data.startsWith(prefix))[index];
  if (!found) throw new Error(`no "${prefix}" button #${index} on message ${m.message_id}: ${JSON.stringify(m.reply_markup)}`);
  return found;
}

/**
 * A PREPAID_DJEZZY top-up to `mssidn` that the provider refunded, suggesting `offers` (a normal
 * number, so an offer sent to it is fulfilled). Not yet asked about in Telegram.
 */
export function refundedWithOffers(h: Harness, ref: string, offers: Offer[] = [FACTURE_500], mssidn = '0771234567', amount = 500): string {
  const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: mssidn, amount, ref });
  h.emulator.setStatus(topupId, 'REFUNDED', { refund_message: OFFER_REFUND_MESSAGE, suggested_offers: offers });
  return topupId;
}

/** /status <ref> in the chat, then the status message once it carries offer buttons. */
export async function statusWithOffers(h: Harness, ref: string, who: Who = {}): Promise<FakeMessage> {
  await h.send(`/status ${ref}`, who);
  return h.waitForMessage(chatOf(who), (m) => buttonsOf(m).some((b) => b.callback_data.startsWith('of:')), `offer buttons for ${ref}`);
}

/** The confirmation's "loading…" placeholder, in every language. */
const LOADING = ['ar', 'fr', 'en'] as const;
export const isLoading = (h: Harness, m: FakeMessage) => LOADING.some((l) => m.text.includes(h.app.translatorFor(l)('offer-loading')));

/**
 * Presses offer button `index` of the status message; resolves the confirmation it replied with, as
 * shown at once (balance "loading…"), without waiting for the provider.
 */
export async function pressOfferNow(h: Harness, status: FakeMessage, index = 0, who: Who = {}): Promise<FakeMessage> {
  await h.press(status.message_id, button(status, 'of:', index).callback_data, who);
  const replies = h.telegram.messages(chatOf(who)).filter((m) => m.replyTo === status.message_id);
  const confirmation = replies[replies.length - 1];
  if (!confirmation) throw new Error('no confirmation message replied to the status message');
  return confirmation;
}

/** Like pressOfferNow, then waits until the bot filled in the balance and plan data (background work). */
export async function pressOffer(h: Harness, status: FakeMessage, index = 0, who: Who = {}): Promise<FakeMessage> {
  const confirmation = await pressOfferNow(h, status, index, who);
  return filledIn(h, confirmation);
}

/** Waits until a confirmation no longer shows "loading…". */
export function filledIn(h: Harness, confirmation: FakeMessage): Promise<FakeMessage> {
  return h.telegram.waitFor(() => (isLoading(h, current(h, confirmation)) ? undefined : current(h, confirmation)), {
    what: 'the confirmation filled in',
  });
}

/** Presses Confirm on a confirmation message (with the data it carries now). */
export async function pressConfirm(h: Harness, confirmation: FakeMessage, who: Who = {}): Promise<void> {
  await h.press(confirmation.message_id, button(confirmation, 'oc:').callback_data, who);
}

/** Presses Cancel on a confirmation message (with the data it carries now). */
export async function pressCancel(h: Harness, confirmation: FakeMessage, who: Who = {}): Promise<void> {
  await h.press(confirmation.message_id, button(confirmation, 'ox:').callback_data, who);
}

/** Every text an editMessageText call asked Telegram to show in `m` (accepted or refused), oldest first. */
export function editsOf(h: Harness, m: FakeMessage): string[] {
  return h.telegram.calls
    .filter((c) => c.method === 'editMessageText' && Number(c.params.chat_id) === m.chatId && Number(c.params.message_id) === m.message_id)
    .map((c) => String(c.params.text));
}

/** The message as the fake holds it now (FakeMessage objects are live, but this reads clearly). */
export function current(h: Harness, m: FakeMessage): FakeMessage {
  return h.telegram.message(m.chatId, m.message_id)!;
}

export const Offers = (h: Harness): Model<OfferDoc> => offerModel(h.db);

/** POST /v3/mobile/send requests the bot made (answered or not). */
export const sendCount = (h: Harness) => h.emulator.requests.filter((r) => r.method === 'POST' && r.path === '/v3/mobile/send').length;

/** The answer to the latest press. */
export const lastAnswer = (h: Harness) => answers(h).at(-1);

/** answerCallbackQuery calls, with the text they showed. */
export const answers = (h: Harness) =>
  h.telegram.calls
    .filter((c) => c.method === 'answerCallbackQuery')
    .map((c) => {
      const params = c.params as { text?: string; show_alert?: boolean } | undefined;
      return { text: params?.text, at: c.at, alert: params?.show_alert };
    });

/** Waits until the given message (edited in place) shows `text`, wherever it sits in the chat. */
export function waitUntilShows(h: Harness, m: FakeMessage, text: string, what: string): Promise<FakeMessage> {
  return h.telegram.waitFor(() => (current(h, m).text.includes(text) ? current(h, m) : undefined), { what });
}
