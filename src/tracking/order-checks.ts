/**
 * Applying provider answers to a known order: one check (`checkOrder`) = ask the provider (`probe`,
 * which turns the answer or the failure into an order-machine event) then write the machine's
 * transition under the order's poll claim (`commit`). Shared by the fast-poll loop, lookups that
 * resolve, and the long-tail sweep (which probes many orders and writes their transitions in bulk).
 */
import { ProviderError, isKeyAttemptWait } from '../provider/errors.js';
import type { ProviderOrder } from '../provider/types.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { Claim, ClaimBatch, Lease } from './leases.js';
import type { CheckResult } from './list-reconciliation.js';
import type { OrderDoc, TrackingModels, WatcherDoc } from './models.js';
import { toUpdate, transition, type MachinePolicy, type OrderEvent, type Transition } from './order-machine.js';
import { checkById, type OrderSourceFor } from './order-source.js';
import { syncWatchersClosedAt } from './retention.js';
import type { WatchRequest } from './requests.js';

/**
 * Provider errors that mean "this account cannot be served now" rather than "this call failed": the
 * key was rejected, the IP is blocked, the key guard suspended the key. Orders are parked, not spun.
 * A key held back only until a key attempt frees up (KEY_ATTEMPT_WAIT) was not rejected: that check
 * simply could not be made, and is retried at its `retryAfterMs`.
 */
const NO_USABLE_PROVIDER: ReadonlySet<string> = new Set(['unauthorized', 'forbidden', 'ip_blocked', 'key_suspended']);

export function meansNoUsableProvider(err: unknown): boolean {
  return err instanceof ProviderError && NO_USABLE_PROVIDER.has(err.kind) && !isKeyAttemptWait(err);
}

export interface OrderChecksOptions {
  models: TrackingModels;
  sources: OrderSourceFor;
  clock: Clock;
  /** The order machine's policy (schedules, TIME_SCALE, park time). */
  policy: MachinePolicy;
  log: Logger;
  /** Wakes the tracker's loops: a delivery became due. */
  kick: () => void;
  /** The tracker's `watch`: a chat follows an order the provider linked to this one. */
  watch: (req: WatchRequest) => Promise<unknown>;
}

/** What the fast-poll loop's other workers (lookups.ts, fast-list.ts) are built from. */
export interface PollWorkOptions {
  models: TrackingModels;
  sources: OrderSourceFor;
  checks: OrderChecks;
  /** The poll lease: every order they write is claimed with it first. */
  pollLease: Lease<OrderDoc>;
  clock: Clock;
  /** The order machine's policy (schedules, back-off, TIME_SCALE). */
  policy: MachinePolicy;
  log: Logger;
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
    const alive = claim.keepAlive();
    let event: OrderEvent;
    try {
      event = await this.probe(claim.doc);
    } finally {
      alive.stop();
    }
    await this.commit(claim, event);
  }

  /** Asks the provider about one order; the answer (or why there is none) as a machine event. Never throws. */
  async probe(order: OrderDoc): Promise<OrderEvent> {
    const source = this.opts.sources(order.accountId);
    if (!source || !order.kind) return { type: 'parked', calls: 0 };
    try {
      return { type: 'checked', fresh: await checkById(source, order.kind, order.providerId), calls: 1 };
    } catch (err) {
      return this.failureEvent(order, err, 1);
    }
  }

  /** A failed provider call as a machine event (logged here unless `quiet`: the caller logged it once for many orders). */
  failureEvent(order: OrderDoc, err: unknown, calls: number, quiet = false): OrderEvent {
    const kind = err instanceof ProviderError ? err.kind : 'unexpected';
    const retryAfterMs = err instanceof ProviderError ? err.retryAfterMs : undefined;
    if (!quiet) this.opts.log.warn({ orderId: order._id.toString(), kind, code: (err as ProviderError).code }, 'order check failed');
    return meansNoUsableProvider(err) ? { type: 'parked', retryAfterMs, calls } : { type: 'check_failed', retryAfterMs, calls };
  }

  /** The transition an event makes on a claimed order (pure; `commit` or the sweep's bulk write applies it). */
  plan(order: OrderDoc, event: OrderEvent): Transition {
    return transition(order, event, this.now(), this.opts.policy);
  }

  /** Writes the event's transition under the claim (freeing it), then what must follow. */
  async commit(claim: Claim<OrderDoc>, event: OrderEvent): Promise<void> {
    const t = this.plan(claim.doc, event);
    if (!(await claim.release(toUpdate(t)))) return this.lostClaim(claim.doc, event);
    await this.afterWrite(claim.doc, event, t);
  }

  /**
   * Writes the machine's transition for each result, then what must follow each: results claimed in
   * `batch` with one bulkWrite (every operation conditioned on the batch's claim), any other under its
   * own claim. `share` may adjust the planned transitions together (a list round's one cadence).
   * Returns how many writes applied; a result whose claim was lost writes nothing. (A lost one of
   * `batch` does not even get its share of the calls counted, unlike a single claim's: bulkWrite
   * reports how many operations matched, not which.)
   */
  async commitAll(
    results: CheckResult[],
    batch: ClaimBatch<OrderDoc> | undefined,
    share: (planned: Transition[]) => Transition[] = (planned) => planned,
  ): Promise<number> {
    if (results.length === 0) return 0;
    const transitions = share(results.map((r) => this.plan(r.claim.doc, r.event)));
    const planned = results.map((r, i) => ({ ...r, t: transitions[i]! }));
    const inBatch = planned.filter((p) => batch !== undefined && p.claim.token === batch.token);
    let applied = batch ? await batch.releaseAll(inBatch.map((p) => ({ id: p.claim.id, update: toUpdate(p.t) }))) : 0;
    if (applied < inBatch.length) {
      this.opts.log.warn({ written: applied, results: inBatch.length }, 'claims lost mid-check; their results were dropped');
    }
    for (const p of planned) {
      if (batch !== undefined && p.claim.token === batch.token) await this.afterWrite(p.claim.doc, p.event, p.t);
      else if (await p.claim.release(toUpdate(p.t))) {
        applied += 1;
        await this.afterWrite(p.claim.doc, p.event, p.t);
      } else await this.lostClaim(p.claim.doc, p.event);
    }
    return applied;
  }

  /** Stores a fresh provider answer and decides the next step; a delivery follows every visible change. */
  applyFresh(claim: Claim<OrderDoc>, fresh: ProviderOrder, calls: number): Promise<void> {
    return this.commit(claim, { type: 'checked', fresh, calls });
  }

  /** What follows a written transition: linked orders, logs, waking the delivery loop. */
  async afterWrite(order: OrderDoc, event: OrderEvent, t: Transition): Promise<void> {
    await syncWatchersClosedAt(this.opts.models, order._id, t);
    if (event.type === 'checked') {
      await this.followLinkedOrders(order, event.fresh);
      if (t.statusChanged) {
        this.opts.log.info(
          { orderId: order._id.toString(), kind: event.fresh.kind, from: order.status ?? null, to: event.fresh.status, phase: t.phase },
          'order status changed',
        );
      }
    }
    if (event.type === 'parked' && !order.providerTrouble) {
      this.opts.log.warn({ orderId: order._id.toString(), until: t.set.nextCheckAt }, 'no usable provider; order parked');
    }
    if (t.deliver) this.opts.kick();
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
   * Our poll claim expired mid-check and another worker took the order: its result wins, ours is
   * dropped. Only the provider calls we made are still counted (an increment of a counter, which
   * cannot undo the new holder's state): the call budget must see every call.
   */
  async lostClaim(order: OrderDoc, event: OrderEvent): Promise<void> {
    this.opts.log.warn({ orderId: order._id.toString() }, 'poll claim lost mid-check; its result was dropped');
    const calls = 'calls' in event ? event.calls : 0;
    if (calls > 0) await this.opts.models.Order.updateOne({ _id: order._id }, { $inc: { providerCalls: calls } });
  }
}
