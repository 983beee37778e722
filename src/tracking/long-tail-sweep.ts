import type { OrderKind } from '../provider/types.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { orderCreatedAt } from './describe.js';
import type { Claim, ClaimBatch } from './leases.js';
import { reconcileByList, type CheckResult } from './list-reconciliation.js';
import type { OrderDoc, TrackingModels } from './models.js';
import type { OrderSourceFor } from './order-source.js';
import type { OrderTracker } from './tracker.js';

export interface LongTailSweepOptions {
  models: TrackingModels;
  tracker: OrderTracker;
  sources: OrderSourceFor;
  clock: Clock;
  log: Logger;
  /** Due orders of one account and kind from which list pages replace per-order checks. */
  listThreshold: number;
  /** Orders read, claimed and written together (one page: a fixed number of MongoDB commands). */
  pageSize?: number;
  /** Most pages handled in one sweep; the rest wait for the next one. */
  maxPages?: number;
  /** Checked orders written together in one bulkWrite (at most; a group's end also writes). */
  writeEvery?: number;
  /** Provider calls in flight at once for per-order checks. */
  concurrency?: number;
  /**
   * Orders due within this long (scaled ms) join a list reconciliation that runs anyway: checking
   * them a little early costs nothing extra and keeps an account's orders due together afterwards.
   */
  coalesceMs: number;
}

type Result = CheckResult;

/**
 * Rechecks the long tail: orders in UNKNOWN_ERROR, QUEUED or still processing after the fast phase,
 * each on its own schedule (`nextCheckAt`). Run periodically by an Agenda job. When many orders of one
 * account are due together (or soon: see `coalesceMs`), date-filtered list pages answer for all of them
 * in a few calls; whatever the pages do not cover is checked one by one.
 *
 * MongoDB work is per page, not per order: one find reads a page of candidates, one updateMany + one
 * find claim them all (the poll lease, one token for the page, renewed while the page is worked), and
 * the order machine's transitions are written back with one bulkWrite per group (or per `writeEvery`
 * results), each operation conditioned on still holding the claim: a second worker, or a sweep that
 * overlaps a crashed one, never checks an order twice nor overwrites the other's result.
 */
export class LongTailSweep {
  constructor(private readonly opts: LongTailSweepOptions) {}

  /** One pass. `heartbeat` keeps the caller's job lock alive between groups. */
  async run(heartbeat: () => Promise<unknown> = () => Promise.resolve()): Promise<{ checked: number; listCalls: number }> {
    const pageSize = this.opts.pageSize ?? 500;
    const seen: OrderDoc['_id'][] = [];
    let checked = 0;
    let listCalls = 0;
    for (let page = 0; page < (this.opts.maxPages ?? 10); page++) {
      const result = await this.runPage(pageSize, seen, heartbeat);
      checked += result.checked;
      listCalls += result.listCalls;
      if (result.candidates < pageSize) break;
    }
    if (checked > 0) this.opts.log.info({ checked, listCalls }, 'long-tail sweep done');
    return { checked, listCalls };
  }

  private async runPage(
    pageSize: number,
    seen: OrderDoc['_id'][],
    heartbeat: () => Promise<unknown>,
  ): Promise<{ candidates: number; checked: number; listCalls: number }> {
    const { models, clock, tracker } = this.opts;
    const now = new Date(clock.now());
    const horizon = new Date(now.getTime() + this.opts.coalesceMs);
    // Orders this run already handled are skipped (a recheck may land within the horizon again).
    const candidates = await models.Order.find({
      phase: 'long',
      nextCheckAt: { $lte: horizon },
      ...tracker.pollLease.freeFilter(now),
      ...(seen.length > 0 ? { _id: { $nin: seen } } : {}),
    })
      .sort({ nextCheckAt: 1 })
      .limit(pageSize)
      .lean<OrderDoc[]>();
    seen.push(...candidates.map((o) => o._id));

    const toClaim: OrderDoc['_id'][] = [];
    const listGroups = new Set<string>();
    for (const [key, group] of groupByAccountAndKind(candidates)) {
      const due = group.filter((o) => o.nextCheckAt !== null && o.nextCheckAt.getTime() <= now.getTime());
      if (due.length === 0) continue;
      const useList = group.length >= this.opts.listThreshold;
      if (useList) listGroups.add(key);
      toClaim.push(...(useList ? group : due).map((o) => o._id));
    }
    if (toClaim.length === 0) return { candidates: candidates.length, checked: 0, listCalls: 0 };

    const batch = await tracker.pollLease.claimMany({ phase: 'long', nextCheckAt: { $ne: null, $lte: horizon } }, { ids: toClaim });
    const alive = batch.keepAlive();
    let checked = 0;
    let listCalls = 0;
    try {
      const byKey = new Map<string, Claim<OrderDoc>[]>();
      for (const claim of batch.claims) {
        const key = groupKey(claim.doc);
        byKey.set(key, [...(byKey.get(key) ?? []), claim]);
      }
      for (const [key, claims] of byKey) {
        let remaining = claims;
        const results: Result[] = [];
        if (listGroups.has(key)) {
          const listed = await this.reconcileByList(claims);
          listCalls += listed.calls;
          results.push(...listed.found);
          remaining = listed.uncovered;
        }
        await this.checkEach(remaining, results, (done) => this.write(batch, done));
        await this.write(batch, results.splice(0));
        checked += claims.length;
        await heartbeat();
      }
    } finally {
      alive.stop();
    }
    return { candidates: candidates.length, checked, listCalls };
  }

  /** Writes the machine's transition for every result in one bulkWrite, then what must follow each. */
  private async write(batch: ClaimBatch<OrderDoc>, results: Result[]): Promise<void> {
    if (results.length > 0) await this.opts.tracker.commitChecks(results, batch);
  }

  /** Asks the provider about each order (a few at a time); results are written every `writeEvery`. */
  private async checkEach(claims: Claim<OrderDoc>[], results: Result[], flush: (done: Result[]) => Promise<void>): Promise<void> {
    const queue = [...claims];
    const writeEvery = this.opts.writeEvery ?? 100;
    const worker = async () => {
      for (let claim = queue.shift(); claim; claim = queue.shift()) {
        results.push({ claim, event: await this.opts.tracker.probe(claim.doc) });
        if (results.length >= writeEvery) await flush(results.splice(0));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.concurrency ?? 4, queue.length) }, worker));
  }

  /**
   * List pages for the account's orders created between the oldest and newest due order
   * (list-reconciliation.ts); after a failed page, whatever is not covered is checked one by one.
   */
  private async reconcileByList(claims: Claim<OrderDoc>[]): Promise<{ calls: number; found: Result[]; uncovered: Claim<OrderDoc>[] }> {
    const orders = claims.map((c) => c.doc);
    const source = this.opts.sources(orders[0]!.accountId);
    if (!source) return { calls: 0, found: [], uncovered: claims };
    const created = orders.map((o) => orderCreatedAt(o).getTime());
    const window = { from: new Date(Math.min(...created)), to: new Date(Math.max(...created) + 1_000) };
    return reconcileByList(source, orders[0]!.kind as OrderKind, claims, window, this.opts.log);
  }
}

function groupKey(order: OrderDoc): string {
  return `${order.accountId}\u0000${order.kind ?? ''}`;
}

function groupByAccountAndKind(orders: OrderDoc[]): Map<string, OrderDoc[]> {
  const groups = new Map<string, OrderDoc[]>();
  for (const order of orders) {
    if (!order.kind) continue;
    const key = groupKey(order);
    groups.set(key, [...(groups.get(key) ?? []), order]);
  }
  return groups;
}
