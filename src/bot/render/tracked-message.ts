import { createHash } from 'node:crypto';
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { Locale } from '../../config.js';
import { describeOrder, viewTime } from '../../tracking/describe.js';
import type { OrderDoc } from '../../tracking/models.js';
import type { Translate } from '../i18n.js';
import { renderLookupStatus } from './lookup-status.js';
import { renderOrderStatus } from './order-status.js';

export interface RenderedMessage {
  html: string;
  keyboard?: InlineKeyboardMarkup | undefined;
  /** Identity of what the message shows: equal hashes never cause an edit. */
  hash: string;
}

export const MUTE_CALLBACK_PREFIX = 'mute:';

/**
 * The status message a watcher of `order` should see right now, in its locale. While the order waits
 * in the long tail, it carries a "stop notifications" button (unless this chat already pressed it).
 */
export function renderTrackedMessage(t: Translate, order: OrderDoc, locale: Locale, opts: { muted?: boolean } = {}): RenderedMessage {
  const tracked = describeOrder(order);
  const html =
    tracked.type === 'lookup'
      ? renderLookupStatus(t, tracked.view)
      : renderOrderStatus(t, tracked.view, { now: viewTime(order), locale });
  // Only the long tail pushes new messages, so only there is there something to stop.
  const keyboard: InlineKeyboardMarkup | undefined =
    order.phase === 'long' && !opts.muted
      ? { inline_keyboard: [[{ text: t('button-mute'), callback_data: `${MUTE_CALLBACK_PREFIX}${order._id.toString()}` }]] }
      : undefined;
  return { html, keyboard, hash: hashMessage(html, keyboard) };
}

/** The push sent when a long-tail order resolves or expires: the final state, as /status shows it. */
export function renderAnnouncement(t: Translate, order: OrderDoc, locale: Locale): string {
  return renderTrackedMessage(t, order, locale, { muted: true }).html;
}

export function hashMessage(html: string, keyboard: InlineKeyboardMarkup | undefined): string {
  return createHash('sha1')
    .update(html)
    .update('\u0000')
    .update(keyboard ? JSON.stringify(keyboard) : '')
    .digest('base64url');
}
