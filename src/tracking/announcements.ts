/**
 * Long-tail announcements: an order that resolved or expired in the long tail owes each chat that
 * was shown its status message one push (a new message; edits do not notify), once per outcome. The
 * delivery (bot/status-delivery.ts) sends it; a group's upgrade to a supergroup (chat-migration.ts)
 * carries a push still owed into the supergroup.
 */
import type { OrderDoc, WatcherDoc } from './models.js';

/** The outcome a push announces, as recorded in `WatcherDoc.announcedStatus`: "<phase>:<status>". */
export function announcementKey(order: Pick<OrderDoc, 'phase' | 'status'>): string {
  return `${order.phase}:${order.status ?? ''}`;
}

/** The order resolved or expired in the long tail, and this chat, which had its status message, was not told yet. */
export function owesAnnouncement(
  order: Pick<OrderDoc, 'phase' | 'status' | 'longTail'>,
  watcher: Pick<WatcherDoc, 'messageId' | 'muted' | 'announcedStatus'>,
): boolean {
  return (
    (order.phase === 'final' || order.phase === 'expired') &&
    order.longTail !== undefined &&
    watcher.messageId !== null &&
    !watcher.muted &&
    watcher.announcedStatus !== announcementKey(order)
  );
}
