/**
 * Lookup documents: a /status for a ref or id nobody tracks yet opens a `lookup` order
 * (`openLookup`, from OrderTracker.watch); the fast-poll loop hands it to `LookupResolver` to be found
 * at the provider, then converted into the real order document or merged into an existing one, or
 * ended as `unresolved` (not found, provider down, key rejected).
 */
import { isProviderError, ProviderError } from '../provider/errors.js';
import type { ProviderOrder } from '../provider/types.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { LookupOutcome, OrderDoc, TrackingModels, WatcherDoc } from './models.js';
import { honourRetryAfter, type OrderChecks } from './order-checks.js';
import { findByQuery, type OrderSourceFor } from './order-source.js';
import { isDuplicateKey, retryOnDuplicateKey, upsertWatcher } from './order-store.js';
import type { WatchRequest } from './requests.js';

/**
 * Opens the lookup document for a /status nobody tracks yet. One lookup document per account and
 * query, shared by every chat asking the same thing.
 */
export async function openLookup(models: TrackingModels, req: WatchRequest, now: Date): Promise<OrderDoc> {
  const { Order } = models;
  const providerId = `lookup:${req.query.by}:${req.query.value}`;
  const fresh = {
    phase: 'lookup',
    lookupOutcome: 'searching',
    trackingSince: now,
    nextCheckAt: now,
    consecutiveFailures: 0,
    providerTrouble: false,
  };
  const doc = await retryOnDuplicateKey(() =>
    Order.findOneAndUpdate(
      { accountId: req.accountId, providerId },
      { $setOnInsert: { accountId: req.accountId, providerId, query: req.query, history: [], ...fresh } },
      { upsert: true, returnDocument: 'after' },
    ).lean<OrderDoc>(),
  );
  if (doc!.phase === 'unresolved') {
    // An earlier lookup ended (not found, outage): the user asks again, so search again.
    return (await Order.findOneAndUpdate({ _id: doc!._id }, { $set: fresh }, { returnDocument: 'after' }).lean<OrderDoc>())!;
  }
  return doc!;
}

export interface LookupResolverOptions {
  models: TrackingModels;
  sources: OrderSourceFor;
  checks: OrderChecks;
  clock: Clock;
  timeScale: number;
  /** A lookup that cannot reach the provider gives up after this long (already scaled). */
  giveUpMs: number;
  log: Logger;
  /** Wakes the tracker's loops: a delivery became due. */
  kick: () => void;
}

export class LookupResolver {
  constructor(private readonly opts: LookupResolverOptions) {}

  private now(): Date {
    return new Date(this.opts.clock.now());
  }

  /** One attempt to find a lookup's order; the caller holds its poll lease. */
  async resolveLookup(lookup: OrderDoc): Promise<void> {
    const source = this.opts.sources(lookup.accountId);
    if (!source || !lookup.query) return this.finishLookup(lookup, 'unauthorized', 0);
    let found;
    try {
      found = await findByQuery(source, lookup.query);
    } catch (err) {
      return this.lookupFailed(lookup, err);
    }
    if (!found.order) return this.finishLookup(lookup, 'not_found', found.calls);
    await this.adoptLookup(lookup, found.order, found.calls);
  }

  private async lookupFailed(lookup: OrderDoc, err: unknown): Promise<void> {
    const now = this.now();
    if (isProviderError(err, 'unauthorized') || isProviderError(err, 'ip_blocked') || isProviderError(err, 'forbidden')) {
      this.opts.log.error({ code: (err as ProviderError).code }, 'provider rejected the API key');
      return this.finishLookup(lookup, 'unauthorized', 1);
    }
    this.opts.log.warn({ kind: err instanceof ProviderError ? err.kind : 'unexpected' }, 'order lookup failed');
    if (now.getTime() - lookup.trackingSince.getTime() >= this.opts.giveUpMs) {
      return this.finishLookup(lookup, 'provider_down', 1);
    }
    const failures = lookup.consecutiveFailures + 1;
    const backoffMs = Math.min(3_000 * 2 ** (failures - 1), 30_000) * this.opts.timeScale;
    await this.opts.models.Order.updateOne(
      { _id: lookup._id },
      {
        $set: {
          nextCheckAt: honourRetryAfter(new Date(now.getTime() + backoffMs), err, now),
          providerTrouble: true,
          pollLeaseUntil: null,
          ...(lookup.providerTrouble ? {} : { deliverAt: now }),
        },
        $inc: { consecutiveFailures: 1, providerCalls: 1, version: 1 },
      },
    );
  }

  private async finishLookup(lookup: OrderDoc, outcome: LookupOutcome, calls: number): Promise<void> {
    const now = this.now();
    await this.opts.models.Order.updateOne(
      { _id: lookup._id },
      {
        $set: { phase: 'unresolved', lookupOutcome: outcome, nextCheckAt: null, pollLeaseUntil: null, deliverAt: now },
        $inc: { version: 1, providerCalls: calls },
      },
    );
    this.opts.kick();
  }

  /**
   * The provider knows the order. If nobody tracked it yet, the lookup document becomes the order
   * document; otherwise the lookup's watchers join the existing one (one polling loop per order).
   */
  private async adoptLookup(lookup: OrderDoc, fresh: ProviderOrder, calls: number): Promise<void> {
    const { Order, Watcher } = this.opts.models;
    let existing = await Order.findOne({ accountId: lookup.accountId, providerId: fresh.id }).lean<OrderDoc>();
    if (!existing) {
      try {
        await Order.updateOne(
          { _id: lookup._id },
          { $set: { providerId: fresh.id, kind: fresh.kind, ref: fresh.ref, phase: 'fast' }, $unset: { query: 1, lookupOutcome: 1 } },
        );
        const converted = { ...lookup, providerId: fresh.id, kind: fresh.kind, ref: fresh.ref, phase: 'fast' as const };
        return await this.opts.checks.applyFresh(converted, fresh, calls);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        existing = await Order.findOne({ accountId: lookup.accountId, providerId: fresh.id }).lean<OrderDoc>();
        if (!existing) throw err;
      }
    }
    for (const w of await Watcher.find({ orderId: lookup._id }).lean<WatcherDoc[]>()) {
      // Re-point the same watcher document (same _id): a delivery sending its first message right
      // now records the message id on it, so the message is neither lost nor sent a second time.
      try {
        await Watcher.updateOne({ _id: w._id }, { $set: { orderId: existing._id } });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        // The chat already follows that order (it asked by id and by ref): its newest request wins.
        const { accountId, chatId, locale, messageId, replyTo, requestKey, shownHash, lastEditAt } = w;
        if (messageId !== null) {
          await upsertWatcher(this.opts.models, existing._id, {
            accountId,
            chatId,
            locale,
            messageId,
            replyTo,
            requestKey,
            shownHash,
            lastEditAt,
          });
        }
        await Watcher.deleteOne({ _id: w._id });
      }
    }
    await Order.deleteOne({ _id: lookup._id });
    if (existing.phase === 'final') {
      await Order.updateOne({ _id: existing._id }, { $set: { deliverAt: this.now() }, $inc: { version: 1 } });
      this.opts.kick();
    } else {
      await this.opts.checks.applyFresh(existing, fresh, calls);
    }
  }
}
