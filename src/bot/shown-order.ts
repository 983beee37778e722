import type { Message } from 'grammy/types';
import type { OrderQuery } from '../tracking/order-query.js';
import type { OrderTracker } from '../tracking/tracker.js';
import { ordersNamedIn } from './free-text.js';

/**
 * The order a message of this bot shows, for a command that replies to it (`reply`: the message
 * itself, in this chat) or for a copy of it forwarded back (`forward`: a new message, which carries
 * its text but not its id). First the status message recorded for that (chat, message id), then the
 * refs and ids its code spans show: an id as is, else one the account already tracks, else a lone ref.
 * Only MongoDB is read (never the provider); every query is the account's own.
 */
export async function orderShownIn(
  tracker: OrderTracker,
  where: { accountId: string; chatId: number },
  shown: Message,
  how: 'reply' | 'forward',
): Promise<OrderQuery | undefined> {
  const recorded = how === 'reply' ? await tracker.queryShownIn(where.accountId, where.chatId, shown.message_id) : undefined;
  if (recorded) return recorded;
  const named = ordersNamedIn(shown);
  return (
    named.find((q) => q.by === 'id') ?? (await tracker.firstKnown(where.accountId, named)) ?? (named.length === 1 ? named[0] : undefined)
  );
}
