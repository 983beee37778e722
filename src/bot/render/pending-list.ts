import type { Locale } from '../../config.js';
import { orderCreatedAt } from '../../tracking/describe.js';
import type { PendingOrder } from '../../tracking/tracker.js';
import type { Translate } from '../i18n.js';
import { formatCheckTime, formatDuration } from './format.js';
import { codeHtml } from './html.js';

/** /pending: the chat's unresolved orders with their state, age, next check, and whether they are muted here. */
export function renderPendingList(t: Translate, orders: PendingOrder[], locale: Locale, now: Date): string {
  if (orders.length === 0) return t('pending-empty');
  const blocks = orders.map((order) => {
    if (!order.kind || !order.statusClass) {
      return [t('pending-searching'), codeHtml(order.query?.value ?? order.providerId)].join('\n');
    }
    const lines = [
      t(`order-headline-${order.kind}-${order.statusClass}`),
      codeHtml(order.ref || order.providerId),
      t('pending-age', { age: formatDuration(t, now.getTime() - orderCreatedAt(order).getTime()) }),
    ];
    if (order.phase === 'long' && order.nextCheckAt) {
      lines.push(t('pending-next-check', { time: formatCheckTime(order.nextCheckAt, locale, now) }));
    }
    if (order.muted) lines.push(t('pending-muted'));
    return lines.join('\n');
  });
  return [t('pending-header', { count: String(orders.length) }), ...blocks].join('\n\n');
}
