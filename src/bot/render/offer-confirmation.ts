import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'grammy/types';
import type { Locale } from '../../config.js';
import type { Preview } from '../../resend/resend-service.js';
import type { Translate } from '../i18n.js';
import { formatAmount } from './format.js';

export const CONFIRM_PREFIX = 'oc:';
export const CANCEL_PREFIX = 'ox:';
export const OTHER_AMOUNT_PREFIX = 'oa:';

/** The confirmation shown before a re-send: what will be sent, to whom, and the balance it comes from. */
export function renderOfferConfirmation(t: Translate, preview: Preview, locale: Locale): { html: string; keyboard?: InlineKeyboardMarkup } {
  const { offer } = preview;
  if (preview.readOnly) return { html: t('offer-read-only') };
  const html = t('offer-confirm', {
    number: offer.MSSIDN,
    name: offer.typename,
    plan: offer.plan_code,
    amount: formatAmount(offer.amount, locale),
    balance: preview.balance === undefined ? t('offer-balance-unknown') : formatAmount(preview.balance, locale),
  });
  const keyboard: InlineKeyboardMarkup = {
    inline_keyboard: [
      confirmRow(t, offer._id),
      ...(preview.range ? [[{ text: t('button-other-amount'), callback_data: `${OTHER_AMOUNT_PREFIX}${offer._id}` }]] : []),
    ],
  };
  return { html, keyboard };
}

/** Confirm / Cancel for an offer key: on the confirmation, and again after a send that can be retried. */
export function confirmRow(t: Translate, key: string): InlineKeyboardButton[] {
  return [
    { text: t('button-confirm'), callback_data: `${CONFIRM_PREFIX}${key}` },
    { text: t('button-cancel'), callback_data: `${CANCEL_PREFIX}${key}` },
  ];
}
