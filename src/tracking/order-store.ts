/**
 * MongoDB helpers shared by the tracking pieces (tracker, checks, lookups, delivery loop, long-tail
 * sweep): claiming due work on order documents (through leases.ts) and race-safe watcher upserts.
 */
import type { Claim, Lease } from './leases.js';
import type { OrderDoc, TrackingModels, WatcherDoc } from './models.js';

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

/** Creates or refreshes a chat's watcher of an order; a re-asked (or re-followed) order is unmuted. */
export async function upsertWatcher(models: TrackingModels, orderId: OrderDoc['_id'], fields: WatcherFields): Promise<void> {
  await retryOnDuplicateKey(() =>
    models.Watcher.updateOne(
      { orderId, chatId: fields.chatId },
      { $set: { ...fields, muted: false }, $setOnInsert: { announcedStatus: null } },
      { upsert: true },
    ),
  );
}

export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

/**
 * A write that lost a race and may simply be repeated: E11000 from two concurrent upserts on a unique
 * key, or a write conflict / deadlock that MongoDB-compatible servers built on row locks report
 * (WriteConflict 112, or an error labelled TransientTransactionError).
 */
function lostRace(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; errorLabels?: unknown; message?: unknown };
  return (
    e.code === 11000 ||
    e.code === 112 ||
    (Array.isArray(e.errorLabels) && e.errorLabels.includes('TransientTransactionError')) ||
    (typeof e.message === 'string' && /deadlock detected|write conflict/i.test(e.message))
  );
}

/** Two concurrent upserts on a unique key: the loser tries again (a few times for conflicts). */
export async function retryOnDuplicateKey<T>(op: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (!lostRace(err) || attempt >= 4) throw err;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt));
    }
  }
}
