/**
 * Data retention: orders closed (final, expired, unresolved: `closedAt`, set by order-machine.ts)
 * for longer than RETENTION_DAYS are deleted by MongoDB itself, with their watchers (which carry the
 * same `closedAt`), through TTL indexes. Offers expire 24 h after they are offered (their own TTL on
 * `expiresAt`), always before their order's retention (at least one day) runs out.
 *
 * `applyRetention` runs at every start-up (app.prepare): it gives documents written before
 * `closedAt` existed one (the order's last update), then makes the TTL indexes carry the configured
 * period: created when missing, changed with collMod when they exist with another period (dropped and
 * recreated where the server does not support collMod on TTL indexes).
 */
import type { Collection, Db } from 'mongodb';
import type { Model } from 'mongoose';
import type { Logger } from '../shared/logger.js';
import type { OrderDoc, OrderPhase, TrackingModels } from './models.js';
import type { Transition } from './order-machine.js';

const CLOSED_PHASES: OrderPhase[] = ['final', 'expired', 'unresolved'];
const MIGRATION_PAGE = 500;

export async function applyRetention(models: TrackingModels, retentionDays: number, log: Logger): Promise<void> {
  const migrated = await migrateClosedAt(models);
  if (migrated > 0) log.info({ orders: migrated }, 'retention: closed orders from an earlier version got closedAt');
  const seconds = Math.round(retentionDays * 86_400);
  for (const model of [models.Order, models.Watcher] as Model<unknown>[]) {
    const changed = await ensureTtlIndex(model, 'closedAt', seconds);
    if (changed) log.info({ collection: model.collection.collectionName, retentionDays, how: changed }, 'retention: TTL index set');
  }
}

/**
 * Closed orders written before `closedAt` existed: `closedAt` = their last update, on the order and
 * its watchers. Page by page, so a large database is migrated without one huge command.
 */
export async function migrateClosedAt(models: TrackingModels): Promise<number> {
  const { Order, Watcher } = models;
  let total = 0;
  for (;;) {
    const page = await Order.find({ phase: { $in: CLOSED_PHASES }, closedAt: null })
      .select({ _id: 1, updatedAt: 1 })
      .limit(MIGRATION_PAGE)
      .lean<Array<Pick<OrderDoc, '_id' | 'updatedAt'>>>();
    if (page.length === 0) return total;
    const at = (o: Pick<OrderDoc, 'updatedAt'>) => o.updatedAt ?? new Date();
    await Watcher.bulkWrite(
      page.map((o) => ({ updateMany: { filter: { orderId: o._id, closedAt: null }, update: { $set: { closedAt: at(o) } } } })),
      { ordered: false },
    );
    await Order.bulkWrite(
      page.map((o) => ({
        updateOne: { filter: { _id: o._id, closedAt: null }, update: { $set: { closedAt: at(o) } }, timestamps: false },
      })),
      { ordered: false },
    );
    total += page.length;
    if (page.length < MIGRATION_PAGE) return total;
  }
}

/** Makes `{ field: 1 }` a TTL index with `seconds`. Returns what it did, or null when it was already so. */
export async function ensureTtlIndex(
  model: Model<unknown>,
  field: string,
  seconds: number,
): Promise<'created' | 'collMod' | 'recreated' | null> {
  const collection = model.collection as unknown as Collection;
  const indexes = await collection.indexes().catch(() => []); // no collection yet: no index
  const existing = indexes.find((i) => Object.keys(i.key).length === 1 && i.key[field] === 1);
  if (existing && existing.expireAfterSeconds === seconds) return null;
  if (existing) {
    try {
      await (model.db.db as Db).command({
        collMod: collection.collectionName,
        index: { keyPattern: { [field]: 1 }, expireAfterSeconds: seconds },
      });
      const after = (await collection.indexes()).find((i) => i.name === existing.name);
      if (after?.expireAfterSeconds === seconds) return 'collMod';
    } catch {
      // Not supported here (or not for this index): drop and recreate below.
    }
    await collection.dropIndex(existing.name!);
  }
  await collection.createIndex({ [field]: 1 }, { name: `${field}_ttl`, expireAfterSeconds: seconds });
  return existing ? 'recreated' : 'created';
}

/** After a written transition: watchers carry their order's `closedAt`, so they are deleted with it. */
export async function syncWatchersClosedAt(models: TrackingModels, orderId: OrderDoc['_id'], t: Transition): Promise<void> {
  if (t.closedAt === undefined) return;
  await models.Watcher.updateMany({ orderId }, { $set: { closedAt: t.closedAt } });
}
