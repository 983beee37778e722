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

/** The status message a watcher of `order` should see right now, in its locale. */
export function renderTrackedMessage(t: Translate, order: OrderDoc, locale: Locale): RenderedMessage {
  const tracked = describeOrder(order);
  const html =
    tracked.type === 'lookup'
      ? renderLookupStatus(t, tracked.view)
      : renderOrderStatus(t, tracked.view, { now: viewTime(order), locale });
  const keyboard: InlineKeyboardMarkup | undefined = undefined;
  return { html, keyboard, hash: hashMessage(html, keyboard) };
}

export function hashMessage(html: string, keyboard: InlineKeyboardMarkup | undefined): string {
  return createHash('sha1')
    .update(html)
    .update('\u0000')
    .update(keyboard ? JSON.stringify(keyboard) : '')
    .digest('base64url');
}
