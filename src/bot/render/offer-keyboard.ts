import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'grammy/types';
import type { Locale } from '../../config.js';
import type { SuggestedOffer } from '../../provider/types.js';
import { offerKey } from '../../resend/offers.js';
import { encodeCallback } from '../callback-data.js';
import type { Translate } from '../i18n.js';
import { formatAmount } from './format.js';

export const OFFERS_PER_PAGE = 5;
/** Long typenames would be cut by Telegram clients anyway; keep the amount visible. */
const MAX_LABEL_NAME = 40;

/**
 * One button per suggested offer ("typename — amount"), paged by OFFERS_PER_PAGE. Buttons carry only
 * a 12-char key (`of:<key>`, 15 bytes): the offer itself is in MongoDB. Page buttons carry the order's
 * id (`op:<24 hex>:<page>`, at most 31 bytes).
 */
export function offerKeyboard(
  t: Translate,
  orderId: string,
  offers: SuggestedOffer[],
  locale: Locale,
  page = 0,
): InlineKeyboardMarkup | undefined {
  if (offers.length === 0) return undefined;
  const pages = Math.ceil(offers.length / OFFERS_PER_PAGE);
  const current = Math.min(Math.max(page, 0), pages - 1);
  const rows: InlineKeyboardButton[][] = offers.slice(current * OFFERS_PER_PAGE, (current + 1) * OFFERS_PER_PAGE).map((offer) => [
    {
      text: t('button-offer', { name: clipLabel(offer.typename), amount: formatAmount(offer.amount, locale) }),
      callback_data: encodeCallback({ type: 'offer', key: offerKey(orderId, offer.plan_code, offer.amount) }),
    },
  ]);
  if (pages > 1) {
    const nav: InlineKeyboardButton[] = [];
    if (current > 0)
      nav.push({ text: t('button-offer-prev'), callback_data: encodeCallback({ type: 'offer_page', orderId, page: current - 1 }) });
    if (current < pages - 1)
      nav.push({ text: t('button-offer-next'), callback_data: encodeCallback({ type: 'offer_page', orderId, page: current + 1 }) });
    rows.push(nav);
  }
  return { inline_keyboard: rows };
}

function clipLabel(text: string): string {
  const chars = [...text.trim()];
  return chars.length <= MAX_LABEL_NAME ? chars.join('') : `${chars.slice(0, MAX_LABEL_NAME - 1).join('')}…`;
}
