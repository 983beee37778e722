/**
 * MongoDB helpers shared by the tracking pieces (tracker, checks, lookups, delivery loop, long-tail
 * sweep): claiming due work on order documents (through leases.ts) and race-safe watcher upserts.
 */
import type { Claim, Lease } from './leases.js';
import type { OrderDoc, ReplacedMessage, TrackingModels, WatcherDoc } from './models.js';
import { lostRace } from '../shared/lost-race.js';

/** The two kinds of due work on an order document, each with its own lease (see leases.ts). */
export type DueField = 'nextCheckAt' | 'deliverAt';

/** The lease that guards each kind of due work: `pollLease*` for checks, `deliveryLease*` for deliveries. */
export const LEASE_NAME = { nextCheckAt: 'pollLease', deliverAt: 'deliveryLease' } as const;

/** A chat's watcher as written by a request (the rest keeps its defaults or stored value). */
export type WatcherFields = Pick<
  WatcherDoc,
  'accountId' | 'chatId' | 'locale' | 'messageId' | 'replyTo' | 'requestKey' | 'shownHash' | 'lastEditAt'
>;

/**
 * Atomically claims the earliest order whose `field` is due by `dueBy` (default: now) and whose lease
 * is free or expired: a second worker, or one restarted after a crash, never handles it at the same
 * time. `filter` narrows the candidates (phase, one order's _id).
 */
export function claimDue(
  lease: Lease<OrderDoc>,
  field: DueField,
  opts: { filter?: Record<string, unknown>; dueBy?: Date } = {},
): Promise<Claim<OrderDoc> | null> {
  return lease.claimOne({ ...opts.filter, [field]: { $ne: null, $lte: opts.dueBy ?? lease.now() } }, { sort: { [field]: 1 } });
}

/** Earliest time (ms) an unleased order matching `filter` becomes due, or null when none is. */
export async function nextDue(lease: Lease<OrderDoc>, filter: Record<string, unknown>, field: DueField): Promise<number | null> {
  const doc = await lease.model
    .findOne({ ...filter, [field]: { $ne: null }, ...lease.freeFilter() })
    .sort({ [field]: 1 })
    .select({ [field]: 1 })
    .lean<Pick<OrderDoc, 'nextCheckAt' | 'deliverAt'>>();
  const at = doc?.[field];
  return at ? at.getTime() : null;
}

/**
 * Creates or refreshes a chat's watcher of an order; a re-asked (or re-followed) order is unmuted.
 * The watcher's current status message, if `fields` brings another one (a new request: `messageId`
 * null; a confirmation that becomes the live message), is moved to `replaced` so it is brought to a
 * last state instead of being left behind. `extraReplaced` adds older messages (a merged watcher's).
 * The write is conditioned on the message read, so a message recorded meanwhile is replaced too.
 */
export async function upsertWatcher(
  models: TrackingModels,
  orderId: OrderDoc['_id'],
  fields: WatcherFields,
  extraReplaced: ReplacedMessage[] = [],
): Promise<void> {
  const { Watcher } = models;
  for (let attempt = 1; ; attempt++) {
    const existing = await Watcher.findOne({ orderId, chatId: fields.chatId })
      .select({ messageId: 1, shownHash: 1 })
      .lean<Pick<WatcherDoc, '_id' | 'messageId' | 'shownHash'>>();
    const current = existing?.messageId ?? null;
    const replaced = [...extraReplaced];
    if (current !== null && current !== fields.messageId) replaced.push({ messageId: current, shownHash: existing?.shownHash ?? null });
    const set = { ...fields, muted: false };
    try {
      if (!existing) {
        // `messageId: null`: a watcher inserted meanwhile with a message makes this a duplicate key (read again).
        await Watcher.updateOne(
          { orderId, chatId: fields.chatId, messageId: null },
          { $set: set, $setOnInsert: { announcedStatus: null, replaced } },
          { upsert: true },
        );
        return;
      }
      const push = replaced.length > 0 ? { $push: { replaced: { $each: replaced } } } : {};
      const res = await Watcher.updateOne({ _id: existing._id, messageId: current }, { $set: set, ...push });
      if (res.matchedCount > 0) return;
    } catch (err) {
      if (!lostRace(err) || attempt >= 4) throw err;
    }
    // Lost a race (a concurrent insert, or the message id changed meanwhile): read again.
    if (attempt >= 8) throw new Error('upsertWatcher: the watcher kept changing');
    await new Promise((resolve) => setTimeout(resolve, 5 * attempt));
  }
}

/**
 * Watchers' messages must be rendered again (a watcher changed: muted, a new message to send): the
 * delivery is due now, and the version bump makes a delivery in flight deliver once more.
 */
export async function oweDelivery(models: TrackingModels, orderId: OrderDoc['_id'], now: Date): Promise<void> {
  await models.Order.updateOne({ _id: orderId }, { $set: { deliverAt: now }, $inc: { version: 1 } });
}

export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}
