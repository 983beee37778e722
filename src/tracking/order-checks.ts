/**
 * Applying provider answers to a known order: one check (`checkOrder`), storing a fresh answer and
 * deciding the next step (`applyFresh`), and keeping the last known status through a failed check.
 * Shared by the fast-poll loop, lookups that resolve, and the long-tail sweep.
 */
import { ProviderError } from '../provider/errors.js';
import type { ProviderOrder } from '../provider/types.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { Claim } from './leases.js';
import type { OrderDoc, TrackingModels, WatcherDoc } from './models.js';
import { checkById, type OrderSourceFor } from './order-source.js';
import type { WatchRequest } from './requests.js';
import { afterCheck, type SchedulingPolicy } from './transitions.js';

/** In the fast phase an unchanged order is re-rendered at most this often (scaled): elapsed time. */
const FAST_REFRESH_MS = 30_000;

export interface OrderChecksOptions {
  models: TrackingModels;
  sources: OrderSourceFor;
  clock: Clock;
  /** Scheduling (and its TIME_SCALE) of every check. */
  policy: SchedulingPolicy;
  log: Logger;
  /** Wakes the tracker's loops: a delivery became due. */
  kick: () => void;
  /** The tracker's `watch`: a chat follows an order the provider linked to this one. */
  watch: (req: WatchRequest) => Promise<unknown>;
}

export class OrderChecks {
  constructor(private readonly opts: OrderChecksOptions) {}

  private now(): Date {
    return new Date(this.opts.clock.now());
  }

  /**
   * One provider check of a known order; used by the fast loop and by the long-tail jobs. `claim` is
   * the order's poll lease; every write below is conditioned on still holding it.
   */
  async checkOrder(claim: Claim<OrderDoc>): Promise<void> {
    const order = claim.doc;
    const source = this.opts.sources(order.accountId);
    if (!source || !order.kind) return this.releasePoll(claim);
    const alive = claim.keepAlive();
    let fresh: ProviderOrder;
    try {
      fresh = await checkById(source, order.kind, order.providerId);
    } catch (err) {
      alive.stop();
      return this.recordCheckFailure(claim, err, 1);
    }
    alive.stop();
    await this.applyFresh(claim, fresh, 1);
  }

  /** Stores a fresh provider answer and decides the next step; a delivery follows every check. */
  async applyFresh(claim: Claim<OrderDoc>, fresh: ProviderOrder, calls: number): Promise<void> {
    const order = claim.doc;
    const now = this.now();
    const outcome = afterCheck(order, fresh, now, this.opts.policy);
    // Watchers are only re-rendered when something they see may have changed: a new status, phase or
    // payload, the end of an outage, every long-tail check ("last checked"), and in the fast phase at
    // most every REFRESH (elapsed time). An unchanged 3-second check costs one MongoDB write, no more.
    const visible =
      outcome.statusChanged ||
      outcome.phase !== order.phase ||
      order.providerTrouble ||
      outcome.phase !== 'fast' ||
      JSON.stringify(fresh.raw) !== JSON.stringify(order.payload?.raw) ||
      now.getTime() - (order.refreshedAt?.getTime() ?? 0) >= FAST_REFRESH_MS * this.opts.policy.timeScale;
    const update: Record<string, unknown> = {
      $set: {
        kind: fresh.kind,
        ref: fresh.ref || order.ref,
        payload: fresh,
        status: outcome.status,
        statusClass: outcome.statusClass,
        phase: outcome.phase,
        nextCheckAt: outcome.nextCheckAt,
        longTail: outcome.longTail,
        lastCheckedAt: now,
        providerTrouble: false,
        consecutiveFailures: 0,
        ...(visible ? { deliverAt: now, refreshedAt: now } : {}),
      },
      $inc: { version: visible ? 1 : 0, providerCalls: calls },
      ...(outcome.statusChanged ? { $push: { history: { status: outcome.status, at: now } } } : {}),
    };
    if (!(await claim.release(update))) return this.lostClaim(order);
    await this.followLinkedOrders(order, fresh);
    if (outcome.statusChanged) {
      this.opts.log.info(
        { orderId: order._id.toString(), kind: fresh.kind, from: order.status ?? null, to: fresh.status, phase: outcome.phase },
        'order status changed',
      );
    }
    this.opts.log.debug({ orderId: order._id.toString(), status: fresh.status, next: outcome.nextCheckAt }, 'order checked');
    if (visible) this.opts.kick();
  }

  /**
   * `follow_orderid` / `retry_orderid` are undocumented: we read them as links to related orders, log
   * what the provider sends, and have every chat watching this order follow the linked one too (its own
   * status message, replying to this one). Only a newly seen link does this, not every poll.
   */
  private async followLinkedOrders(order: OrderDoc, fresh: ProviderOrder): Promise<void> {
    if (fresh.kind !== 'mobile') return;
    const before = order.payload?.kind === 'mobile' ? order.payload : undefined;
    for (const field of ['follow_orderid', 'retry_orderid'] as const) {
      const linked = fresh[field]?.trim();
      if (!linked || linked === before?.[field]) continue;
      this.opts.log.info({ orderId: order._id.toString(), field, linked }, 'provider linked another order');
      if (!/^[0-9a-f]{24}$/i.test(linked)) continue;
      const watchers = await this.opts.models.Watcher.find({ orderId: order._id, muted: false }).lean<WatcherDoc[]>();
      for (const w of watchers) {
        await this.opts.watch({
          accountId: order.accountId,
          chatId: w.chatId,
          locale: w.locale,
          query: { by: 'id', value: linked.toLowerCase() },
          requestKey: `link:${order._id.toString()}:${field}`,
          // Before the chat's status message exists (a lookup resolved first), reply to the request it answers.
          replyTo: w.messageId ?? w.replyTo,
        });
      }
    }
  }

  /**
   * A check that failed keeps the last known status (never reads as a failure of the order), flags
   * provider trouble for the watchers, and tries again on the same schedule.
   */
  private async recordCheckFailure(claim: Claim<OrderDoc>, err: unknown, calls: number): Promise<void> {
    const order = claim.doc;
    const now = this.now();
    const kind = err instanceof ProviderError ? err.kind : 'unexpected';
    this.opts.log.warn({ orderId: order._id.toString(), kind, code: (err as ProviderError).code }, 'order check failed');
    // Reschedule as if the status had not changed.
    const outcome = order.payload
      ? afterCheck(order, order.payload, now, this.opts.policy)
      : { phase: order.phase, nextCheckAt: new Date(now.getTime() + 5_000 * this.opts.policy.timeScale), longTail: order.longTail };
    const troubleChanged = !order.providerTrouble;
    const written = await claim.release({
      $set: {
        phase: outcome.phase,
        nextCheckAt: honourRetryAfter(outcome.nextCheckAt, err, now),
        longTail: outcome.longTail,
        providerTrouble: true,
        ...(troubleChanged || outcome.phase !== order.phase ? { deliverAt: now } : {}),
      },
      $inc: { consecutiveFailures: 1, providerCalls: calls, version: 1 },
    });
    if (!written) return this.lostClaim(order);
    this.opts.kick();
  }

  private async releasePoll(claim: Claim<OrderDoc>): Promise<void> {
    await claim.release();
  }

  /** Our poll claim expired mid-check and another worker took the order: its result wins, ours is dropped. */
  private lostClaim(order: OrderDoc): void {
    this.opts.log.warn({ orderId: order._id.toString() }, 'poll claim lost mid-check; wrote nothing');
  }
}

/**
 * A provider that asked us to wait (429 Retry-After longer than the client will sleep, an IP block) is
 * not called again before then. That wait is the provider's rule, so TIME_SCALE does not shorten it.
 */
export function honourRetryAfter(next: Date | null, err: unknown, now: Date): Date | null {
  const waitMs = err instanceof ProviderError ? err.retryAfterMs : undefined;
  if (next === null || waitMs === undefined) return next;
  return new Date(Math.max(next.getTime(), now.getTime() + waitMs));
}
