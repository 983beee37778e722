import { createHash } from 'node:crypto';
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { Locale } from '../../config.js';
import { describeOrder, viewTime } from '../../tracking/describe.js';
import type { OrderDoc } from '../../tracking/models.js';
import type { Translate } from '../i18n.js';
import { renderLookupStatus } from './lookup-status.js';
import { offerKeyboard } from './offer-keyboard.js';
import { renderOrderStatus } from './order-status.js';
import { offersOf } from '../../resend/offers.js';
import { encodeCallback } from '../callback-data.js';

export interface RenderedMessage {
  html: string;
  keyboard?: InlineKeyboardMarkup | undefined;
  /** Identity of what the message shows: equal hashes never cause an edit. */
  hash: string;
  /**
   * Identity of what a reader cares about (status, amounts, buttons), without what time alone changes
   * (elapsed time, last check): when only `hash` differs, the edit is not urgent.
   */
  statusKey: string;
}

/**
 * The status message a watcher of `order` should see right now, in its locale, with its buttons.
 */
export function renderTrackedMessage(t: Translate, order: OrderDoc, locale: Locale, opts: { muted?: boolean } = {}): RenderedMessage {
  const tracked = describeOrder(order);
  const render = (timeless: boolean): string =>
    tracked.type === 'lookup'
      ? renderLookupStatus(t, tracked.view)
      : renderOrderStatus(t, tracked.view, { now: viewTime(order), locale, timeless, muted: opts.muted === true });
  const html = render(false);
  const keyboard = trackedKeyboard(t, order, locale, opts);
  return { html, keyboard, hash: hashMessage(html, keyboard), statusKey: hashMessage(render(true), keyboard) };
}

/**
 * Suggested offers become buttons that re-send the top-up; while an order waits in the long tail the
 * message carries a "stop notifications" button instead (only the long tail pushes new messages).
 */
export function trackedKeyboard(
  t: Translate,
  order: OrderDoc,
  locale: Locale,
  opts: { muted?: boolean; page?: number } = {},
): InlineKeyboardMarkup | undefined {
  const offers = offersOf(order);
  if (offers.length > 0 && order.phase === 'final') return offerKeyboard(t, order._id.toString(), offers, locale, opts.page);
  return order.phase === 'long' && !opts.muted
    ? { inline_keyboard: [[{ text: t('button-mute'), callback_data: encodeCallback({ type: 'mute', orderId: order._id.toString() }) }]] }
    : undefined;
}

/** The push sent when a long-tail order resolves or expires: the final state, as /status shows it. */
export function renderAnnouncement(t: Translate, order: OrderDoc, locale: Locale): RenderedMessage {
  return renderTrackedMessage(t, order, locale);
}

/**
 * What an older status message of a chat shows once a newer one replaced it while the order is still
 * open: a pointer to the newer message, true for as long as it stays on screen (a copy of the live
 * state would go stale). Once the order is closed, replaced messages show the final state instead.
 */
export function renderReplacedMessage(t: Translate, order: OrderDoc): RenderedMessage {
  const html = t('status-replaced', { query: order.ref || order.query?.value || order.payload?.id || order.providerId });
  const hash = hashMessage(html, undefined);
  return { html, keyboard: undefined, hash, statusKey: hash };
}

export function hashMessage(html: string, keyboard: InlineKeyboardMarkup | undefined): string {
  return createHash('sha1')
    .update(html)
    .update('\u0000')
    .update(keyboard ? JSON.stringify(keyboard) : '')
    .digest('base64url');
}
