/**
 * A group upgraded to a supergroup (Telegram gave it a new chat id): the watchers of its orders follow
 * the new chat. Called when the bot handles the upgrade message (OrderTracker.migrateChat) and when a
 * delivery meets the upgrade first (Telegram answers 400 with `migrate_to_chat_id`, StatusDelivery).
 */
import { owesAnnouncement } from './announcements.js';
import type { OrderDoc, TrackingModels, WatcherDoc } from './models.js';
import { oweDelivery } from './order-store.js';
import { chatIdSchema } from './requests.js';

/**
 * Moves the chat's watchers to `toChatId`. The old group's messages stay in its history, where nothing
 * can be edited any more, and the supergroup numbers its messages afresh (an old message id there is
 * another message, or none), so no message of the old chat is kept: an open order gets a new status
 * message in the supergroup (and its pushes there from then on). A closed order is no longer followed
 * (its final state stays in the history), unless the chat was not shown that final state: its
 * long-tail announcement is still owed (the order resolved or expired just before the upgrade, or that
 * push met the upgrade), or its status message was last sent or edited before the order closed (the
 * edit to the final state had not gone out, or met the upgrade), or it never got one. That comes as a
 * new message in the supergroup, once (see StatusDelivery: a carried push of a closed order is owed
 * only while the chat has not been told that outcome). Idempotent (Telegram announces the upgrade in
 * both chats).
 * Returns how many watchers moved (their orders' deliveries are then due).
 */
export async function moveChatWatchers(models: TrackingModels, fromChatId: number, toChatId: number, now: Date): Promise<number> {
  const from = chatIdSchema.parse(fromChatId);
  const to = chatIdSchema.parse(toChatId);
  const { Watcher, Order } = models;
  const closed = await Watcher.find({ chatId: from, closedAt: { $type: 'date' } })
    .select({ orderId: 1, messageId: 1, muted: 1, announcedStatus: 1, lastEditAt: 1, closedAt: 1 })
    .lean<Array<Pick<WatcherDoc, '_id' | 'orderId' | 'messageId' | 'muted' | 'announcedStatus' | 'lastEditAt' | 'closedAt'>>>();
  const orders = new Map(
    (
      await Order.find({ _id: { $in: closed.map((w) => w.orderId) } })
        .select({ phase: 1, status: 1, longTail: 1 })
        .lean<Array<Pick<OrderDoc, '_id' | 'phase' | 'status' | 'longTail'>>>()
    ).map((o) => [o._id.toString(), o]),
  );
  const owing = closed.filter((w) => {
    const order = orders.get(w.orderId.toString());
    return order !== undefined && owesAnnouncement(order, w);
  });
  // The chat's message does not show the order closed (last written before it closed, or never sent):
  // the final state would otherwise reach nobody, the old group's message being uneditable now.
  const unshown = closed.filter(
    (w) => !owing.includes(w) && orders.has(w.orderId.toString()) && (!w.lastEditAt || (w.closedAt && w.lastEditAt < w.closedAt)),
  );
  const kept = [...owing, ...unshown].map((w) => w._id);
  await Watcher.deleteMany({ chatId: from, closedAt: { $type: 'date' }, _id: { $nin: kept } });

  const moved = await Watcher.find({ chatId: from }).select({ _id: 1, orderId: 1 }).lean<Array<Pick<WatcherDoc, '_id' | 'orderId'>>>();
  const owingIds = new Set(owing.map((w) => w._id.toString()));
  const fresh = { chatId: to, messageId: null, replyTo: null, requestKey: null, shownHash: null, lastEditAt: null, replaced: [] };
  // An open order's first message in the supergroup is owed afresh. A carried announcement keeps its
  // send claim: a push to the old group that Telegram took just before the upgrade records its outcome
  // under that claim, and the supergroup then gets nothing more.
  const freeClaim = { sendClaimUntil: null, sendClaimOwner: null, sendClaimToken: null };
  for (const w of moved) {
    const set = owingIds.has(w._id.toString()) ? fresh : { ...fresh, ...freeClaim };
    // The new chat already follows this order (asked there since): keep that one.
    await Watcher.updateOne({ _id: w._id }, { $set: set }).catch((err: unknown) => {
      if ((err as { code?: unknown }).code !== 11000) throw err;
      return Watcher.deleteOne({ _id: w._id });
    });
  }
  const orderIds = new Map(moved.map((w) => [w.orderId.toString(), w.orderId]));
  for (const orderId of orderIds.values()) await oweDelivery(models, orderId, now);
  return moved.length;
}
