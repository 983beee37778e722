import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'grammy/types';
import type { Locale } from '../../config.js';
import type { Preview } from '../../resend/offer-messages.js';
import type { OfferDoc } from '../../resend/offers.js';
import { encodeCallback } from '../callback-data.js';
import type { Translate } from '../i18n.js';
import { formatAmount } from './format.js';

/** What a confirmation shows: at first (`loading`) only the offer, then the provider's data. */
export type ConfirmationView = { offer: OfferDoc; loading: true } | (Preview & { loading?: false });

/**
 * The confirmation shown before a re-send: what will be sent, to whom, and the balance it comes from.
 * Shown at once with the balance "loading…"; filled in when the provider answers (a read-only key then
 * gets its explanation instead, and dynamic plans get "Other amount").
 */
export function renderOfferConfirmation(
  t: Translate,
  view: ConfirmationView,
  locale: Locale,
): { html: string; keyboard?: InlineKeyboardMarkup } {
  const { offer } = view;
  if (!view.loading && view.readOnly) return { html: t('offer-read-only') };
  const balance = view.loading
    ? t('offer-loading')
    : view.balance === undefined
      ? t('offer-balance-unknown')
      : formatAmount(view.balance, locale);
  const html = t('offer-confirm', {
    number: offer.MSSIDN,
    name: offer.typename,
    plan: offer.plan_code,
    amount: formatAmount(offer.amount, locale),
    balance,
  });
  const otherAmount =
    !view.loading && view.range
      ? [[{ text: t('button-other-amount'), callback_data: encodeCallback({ type: 'other_amount', key: offer._id }) }]]
      : [];
  return { html, keyboard: { inline_keyboard: [confirmRow(t, offer._id), ...otherAmount] } };
}

/** Confirm / Cancel for an offer key: on the confirmation, and again when a send may be repeated. */
export function confirmRow(t: Translate, key: string): InlineKeyboardButton[] {
  return [
    { text: t('button-confirm'), callback_data: encodeCallback({ type: 'confirm', key }) },
    { text: t('button-cancel'), callback_data: encodeCallback({ type: 'cancel', key }) },
  ];
}
