/**
 * Fast-phase list rounds. While several fast-phase orders of one account and kind are in flight, one
 * list page (`/v3/<kind>/list`, created from the oldest of them minus a minute to now) answers for
 * all of them, instead of one check per order: the fast-poll loop claims the first due order as
 * usual, and `claimMates` claims the account's other fast-phase orders of that kind with it (one
 * `Lease.claimMany`). `checkTogether` asks the page, checks the orders it missed one by one by id,
 * and writes every result through the order machine in one bulkWrite, with one shared cadence
 * (`shareListRound`): the round comes when its most urgent order wants a check, and the whole group
 * comes along, so newly found orders join it at the next round.
 */
import type { OrderKind } from '../provider/types.js';
import { orderCreatedAt } from './describe.js';
import type { Claim, ClaimBatch } from './leases.js';
import { LIST_PAGE_SIZE, reconcileByList, type CheckResult } from './list-reconciliation.js';
import type { OrderDoc } from './models.js';
import type { PollWorkOptions } from './order-checks.js';
import { shareListRound } from './order-machine.js';

/** From this many fast-phase orders of one account and kind, a list page replaces per-order checks. */
export const DEFAULT_FAST_LIST_THRESHOLD = 3;

/** The list window starts this long before the oldest order's creation (clock skew, rounding). */
const WINDOW_SLACK_MS = 60_000;

export interface FastListOptions extends PollWorkOptions {
  /** See DEFAULT_FAST_LIST_THRESHOLD; below 2 turns list rounds off. */
  threshold: number;
}

export class FastListRounds {
  constructor(private readonly opts: FastListOptions) {}

  /**
   * `first` was just claimed for a fast check. When it and the account's other free fast-phase orders
   * of its kind make at least `threshold`, claims those others too (due or not: the page answers for
   * them at no extra cost, and they take the round's cadence). Orders parked for want of a provider
   * join only once due. Undefined: check `first` alone.
   */
  async claimMates(first: Claim<OrderDoc>): Promise<ClaimBatch<OrderDoc> | undefined> {
    const order = first.doc;
    if (order.phase !== 'fast' || !order.kind || this.opts.threshold < 2) return undefined;
    const lease = this.opts.pollLease;
    const now = lease.now();
    const group = { phase: 'fast' as const, accountId: order.accountId, kind: order.kind, nextCheckAt: { $ne: null } };
    const candidates = await this.opts.models.Order.find({
      ...group,
      _id: { $ne: order._id },
      $and: [lease.freeFilter(now), { $or: [{ parkedUntil: null }, { nextCheckAt: { $lte: now } }] }],
    })
      .select({ _id: 1 })
      .sort({ nextCheckAt: 1 })
      .limit(LIST_PAGE_SIZE - 1)
      .lean<Array<Pick<OrderDoc, '_id'>>>();
    if (candidates.length + 1 < this.opts.threshold) return undefined;
    const mates = await lease.claimMany(group, { ids: candidates.map((c) => c._id) });
    // Others took some meanwhile: a page for two orders still costs less than two checks.
    return mates.claims.length > 0 ? mates : undefined;
  }

  /** One list round for `first` and its `mates` (all of one account and kind), written under their claims. */
  async checkTogether(first: Claim<OrderDoc>, mates: ClaimBatch<OrderDoc>): Promise<void> {
    const claims = [first, ...mates.claims];
    const aliveFirst = first.keepAlive();
    const aliveMates = mates.keepAlive();
    let results: CheckResult[];
    try {
      results = await this.ask(claims);
    } finally {
      aliveFirst.stop();
      aliveMates.stop();
    }
    const now = new Date(this.opts.clock.now());
    await this.opts.checks.commitAll(results, mates, (planned) => shareListRound(planned, now, this.opts.policy));
  }

  /** The page's answer for each order it shows; a check by id for each it misses. Never throws. */
  private async ask(claims: Claim<OrderDoc>[]): Promise<CheckResult[]> {
    const { checks, log } = this.opts;
    const orders = claims.map((c) => c.doc);
    const source = this.opts.sources(orders[0]!.accountId);
    if (!source) return claims.map((claim) => ({ claim, event: { type: 'parked', calls: 0 } }));
    const now = this.opts.clock.now();
    const created = orders.map((o) => orderCreatedAt(o).getTime());
    const window = { from: new Date(Math.min(...created) - WINDOW_SLACK_MS), to: new Date(Math.max(now, ...created)) };
    const listed = await reconcileByList(source, orders[0]!.kind as OrderKind, claims, window, log);
    const results = [...listed.found];
    if (listed.error !== undefined) {
      // The provider failed the page: checks by id now would most likely fail too. Every order not
      // answered records the failure (the failed call shared), on the schedule a failed check follows.
      const share = 1 / listed.uncovered.length;
      for (const claim of listed.uncovered) results.push({ claim, event: checks.failureEvent(claim.doc, listed.error, share, true) });
      return results;
    }
    for (const claim of listed.uncovered) results.push({ claim, event: await checks.probe(claim.doc) });
    return results;
  }
}
