import type { InlineKeyboardMarkup } from 'grammy/types';
import type { Locale } from '../../config.js';
import type { PressVerdict } from '../../resend/offer-machine.js';
import type { OfferDoc } from '../../resend/offers.js';
import type { Translate } from '../i18n.js';
import { formatAmount, formatCheckTime, formatDuration } from './format.js';
import { confirmRow } from './offer-confirmation.js';

/**
 * A confirmation message once Confirm was pressed, by the offer's state. Each text says only what the
 * provider said: "not confirmed yet" while the outcome is unknown, "not created" only after the
 * provider did not know the ref for the whole check window. `sent` only shows "already sent" until
 * the message becomes the order's live status message. `chatId`: the chat the message is in (a
 * withdrawn confirmation says "your right" only in the private chat of whoever confirmed it; other
 * chats are not told who).
 */
export function renderOfferState(
  t: Translate,
  offer: OfferDoc,
  locale: Locale,
  now: Date,
  chatId?: number,
): { html: string; keyboard?: InlineKeyboardMarkup } {
  const ref = offer.ref;
  switch (offer.state) {
    case 'uncertain':
      return {
        html: t('offer-uncertain', {
          ref,
          time: formatCheckTime(offer.uncertainUntil ?? now, locale, now),
        }),
      };
    case 'not_created': {
      const waited = offer.uncertainUntil && offer.uncertainSince ? offer.uncertainUntil.getTime() - offer.uncertainSince.getTime() : 0;
      return {
        html: t('offer-not-created', { ref, duration: formatDuration(t, waited) }),
        keyboard: { inline_keyboard: [confirmRow(t, offer._id)] },
      };
    }
    case 'refused': {
      const refusal = offer.refusal;
      switch (refusal?.reason) {
        case 'insufficient_balance':
          return {
            html: t('offer-insufficient-balance', {
              required: refusal.required === undefined ? '—' : formatAmount(refusal.required, locale),
              available: refusal.available === undefined ? '—' : formatAmount(refusal.available, locale),
            }),
          };
        case 'invalid':
          return { html: t('offer-invalid', { field: refusal.field ?? '—' }) };
        case 'key_rejected':
          return { html: t('offer-key-rejected') };
        case 'key_unlinked':
          return { html: t('offer-key-unlinked', { ref }) };
        case 'key_wait':
          return keyWait(t, offer, locale, now);
        case 'forbidden':
          return { html: t('offer-forbidden', { code: refusal.code ?? '403', ref }) };
        case 'read_only':
        default:
          return { html: t('offer-read-only') };
      }
    }
    case 'held_back':
      return keyWait(t, offer, locale, now);
    case 'withdrawn':
      return { html: t(offer.confirmedBy && offer.confirmedBy.userId === chatId ? 'offer-withdrawn' : 'offer-withdrawn-other') };
    case 'cancelled':
    case 'offered':
      return { html: t('offer-cancelled') };
    case 'confirming':
    case 'sending':
      return { html: t('offer-sending') };
    case 'sent':
      // Until the order's live status takes the message over (tracking edits it).
      return { html: t('offer-sent-loading', { ref }) };
  }
}

/**
 * The key guard held the send back before any network call (no key attempt free yet): nothing was
 * sent, from when it can be, and Confirm / Cancel again (a Confirm before that time is held back again).
 */
function keyWait(t: Translate, offer: OfferDoc, locale: Locale, now: Date): { html: string; keyboard: InlineKeyboardMarkup } {
  const retryAt = offer.refusal?.reason === 'key_wait' ? offer.refusal.retryAt : undefined;
  return {
    html: t('offer-key-wait', { ref: offer.ref, time: formatCheckTime(new Date(retryAt ?? now.getTime()), locale, now) }),
    keyboard: { inline_keyboard: [confirmRow(t, offer._id)] },
  };
}

/**
 * What a message shows for a press that starts a send (`send`: "sending…") or follows one (`follow`:
 * the send's state, or for a sent offer "already sent" until the live status takes over).
 */
export function renderPressShown(
  t: Translate,
  offer: OfferDoc,
  verdict: PressVerdict,
  locale: Locale,
  now: Date,
): { html: string; keyboard?: InlineKeyboardMarkup } {
  return verdict.type === 'send' ? { html: t('offer-sending') } : renderOfferState(t, offer, locale, now);
}

/**
 * A message pointing to the one in this chat that shows the offer's send: `reply` is a new message
 * replying to it (the offer button), `here` an old confirmation edited to say where to look.
 */
export function renderPointer(t: Translate, offer: OfferDoc, where: 'reply' | 'here'): string {
  const sent = offer.state === 'sent';
  if (where === 'reply') return t(sent ? 'offer-sent-reply' : 'offer-sending-reply');
  return t(sent ? 'offer-sent-here' : 'offer-sending-here', { ref: offer.ref });
}
