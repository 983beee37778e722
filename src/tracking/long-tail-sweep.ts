import { ProviderError } from '../provider/errors.js';
import type { ListPage, OrderKind, ProviderOrder } from '../provider/types.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { orderCreatedAt } from './describe.js';
import type { OrderDoc, TrackingModels } from './models.js';
import type { OrderSourceFor } from './order-source.js';
import type { Claim } from './leases.js';
import type { OrderTracker } from './tracker.js';

export interface LongTailSweepOptions {
  models: TrackingModels;
  tracker: OrderTracker;
  sources: OrderSourceFor;
  clock: Clock;
  log: Logger;
  /** Due orders of one account and kind from which list pages replace per-order checks. */
  listThreshold: number;
  /** Most orders handled in one sweep; the rest wait for the next one. */
  batchLimit?: number;
  /** Provider calls in flight at once for per-order checks. */
  concurrency?: number;
  /**
   * Orders due within this long (scaled ms) join a list reconciliation that runs anyway: checking
   * them a little early costs nothing extra and keeps an account's orders due together afterwards.
   */
  coalesceMs: number;
}

const PAGE_SIZE = 100;

/**
 * Rechecks the long tail: orders in UNKNOWN_ERROR, QUEUED or still processing after the fast phase,
 * each on its own schedule (`nextCheckAt`). Run periodically by an Agenda job. When many orders of one
 * account are due together (or soon: see `coalesceMs`), date-filtered list pages answer for all of them
 * in a few calls; whatever the pages do not cover is checked one by one. Every order is leased while it is handled, so a second
 * worker, or a sweep that overlaps a crashed one, never checks it twice.
 */
export class LongTailSweep {
  constructor(private readonly opts: LongTailSweepOptions) {}

  /** One pass. `heartbeat` keeps the caller's job lock alive between groups. */
  async run(heartbeat: () => Promise<unknown> = () => Promise.resolve()): Promise<{ checked: number; listCalls: number }> {
    const { models, clock } = this.opts;
    const now = new Date(clock.now());
    const horizon = new Date(now.getTime() + this.opts.coalesceMs);
    const candidates = await models.Order.find({
      phase: 'long',
      nextCheckAt: { $lte: horizon },
      ...this.opts.tracker.pollLease.freeFilter(now),
    })
      .sort({ nextCheckAt: 1 })
      .limit(this.opts.batchLimit ?? 1_000)
      .lean<OrderDoc[]>();

    const groups = new Map<string, OrderDoc[]>();
    for (const order of candidates) {
      if (!order.kind) continue;
      const key = `${order.accountId}\u0000${order.kind}`;
      groups.set(key, [...(groups.get(key) ?? []), order]);
    }

    let checked = 0;
    let listCalls = 0;
    for (const group of groups.values()) {
      const due = group.filter((o) => o.nextCheckAt !== null && o.nextCheckAt.getTime() <= now.getTime());
      if (due.length === 0) continue;
      const useList = group.length >= this.opts.listThreshold;
      const batch = await this.opts.tracker.pollLease.claimMany(
        { phase: 'long', nextCheckAt: { $ne: null, $lte: useList ? horizon : now } },
        { ids: (useList ? group : due).map((o) => o._id), sort: { nextCheckAt: 1 } },
      );
      const claimed = batch.claims;
      if (claimed.length === 0) continue;
      let remaining = claimed;
      if (useList) {
        const result = await this.reconcileByList(claimed);
        listCalls += result.calls;
        remaining = result.uncovered;
      }
      await this.checkEach(remaining);
      checked += claimed.length;
      await heartbeat();
    }
    if (checked > 0) this.opts.log.info({ checked, listCalls }, 'long-tail sweep done');
    return { checked, listCalls };
  }

  private async checkEach(orders: Claim<OrderDoc>[]): Promise<void> {
    const queue = [...orders];
    const worker = async () => {
      for (let order = queue.shift(); order; order = queue.shift()) await this.opts.tracker.checkOrder(order);
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.concurrency ?? 4, queue.length) }, worker));
  }

  /**
   * Pages through the account's orders created between the oldest and newest due order. Stops as soon
   * as every due order was seen, and gives up on the list (falling back to per-order checks) when it
   * would cost more calls than the checks it replaces.
   */
  private async reconcileByList(claims: Claim<OrderDoc>[]): Promise<{ calls: number; uncovered: Claim<OrderDoc>[] }> {
    const orders = claims.map((c) => c.doc);
    const source = this.opts.sources(orders[0]!.accountId);
    const kind = orders[0]!.kind as OrderKind;
    if (!source) return { calls: 0, uncovered: claims };
    const created = orders.map((o) => orderCreatedAt(o));
    const from = new Date(Math.min(...created.map((d) => d.getTime())));
    const to = new Date(Math.max(...created.map((d) => d.getTime())) + 1_000);
    const byId = new Map(claims.map((c) => [c.doc.providerId, c]));
    const found = new Map<string, ProviderOrder>();
    let calls = 0;
    try {
      for (let page = 1; ; page++) {
        const query = { page, pageSize: PAGE_SIZE, from: from.toISOString(), to: to.toISOString() };
        const result: ListPage<ProviderOrder> = kind === 'mobile' ? await source.listMobile(query) : await source.listInternet(query);
        calls += 1;
        for (const item of result.items) if (byId.has(item.id)) found.set(item.id, item);
        if (found.size === byId.size || page >= result.totalPages) break;
        // Each page costs one call; once the pages left exceed the orders left, checks are cheaper.
        if (result.totalPages - page > byId.size - found.size) break;
      }
    } catch (err) {
      this.opts.log.warn(
        { kind: err instanceof ProviderError ? err.kind : 'unexpected' },
        'list reconciliation failed; checking one by one',
      );
    }
    const share = found.size > 0 ? calls / found.size : 0;
    for (const [id, fresh] of found) await this.opts.tracker.applyFresh(byId.get(id)!, fresh, share);
    const uncovered = claims.filter((c) => !found.has(c.doc.providerId));
    this.opts.log.debug({ kind, due: orders.length, covered: found.size, calls }, 'list reconciliation');
    return { calls, uncovered };
  }
}
