/**
 * The delivery loop: claims orders whose `deliverAt` is due (the `deliveryLease`, renewed while the
 * delivery runs) and asks the bot's `OrderDelivery` port to bring their watchers' messages up to date.
 * The debt is cleared (or put off to the delivery's retry time) only if the order did not change
 * meanwhile (version guard) and the claim is still ours, so no update is ever lost or delayed between
 * two deliveries and a worker that lost its claim writes nothing.
 */
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { DueLoop, RETRY_AFTER_FAILURE_MS } from './due-loop.js';
import type { OrderDoc, TrackingModels, WatcherDoc } from './models.js';
import type { Claim, Lease } from './leases.js';
import { claimDue, nextDue } from './order-store.js';

/** Brings watchers' messages up to date with an order. Implemented by the bot layer (Telegram). */
export interface OrderDelivery {
  /** Returns a time (ms) to try again when something could not be delivered yet (rate limit, 429). */
  deliver(order: OrderDoc, watchers: WatcherDoc[]): Promise<{ retryAt?: number | undefined }>;
}

export interface DeliveryLoopOptions {
  models: TrackingModels;
  delivery: OrderDelivery;
  /** The `deliveryLease` on orders. */
  lease: Lease<OrderDoc>;
  concurrency: number;
  idleMs: number;
  clock: Clock;
  log: Logger;
  /** Wakes the tracker's loops: the order changed while it was delivered and is owed another delivery. */
  kick: () => void;
}

export function createDeliveryLoop(opts: DeliveryLoopOptions): DueLoop<Claim<OrderDoc>> {
  return new DueLoop<Claim<OrderDoc>>({
    name: 'delivery',
    claim: () => claimDue(opts.lease, 'deliverAt'),
    process: (claim) => deliverClaimed(opts, claim),
    nextDueAt: () => nextDue(opts.lease, {}, 'deliverAt'),
    concurrency: opts.concurrency,
    idleMs: opts.idleMs,
    clock: opts.clock,
    log: opts.log,
  });
}

async function deliverClaimed(opts: DeliveryLoopOptions, claim: Claim<OrderDoc>): Promise<void> {
  const order = claim.doc;
  let retryAt: number | undefined;
  const alive = claim.keepAlive();
  try {
    const watchers = await opts.models.Watcher.find({ orderId: order._id }).lean<WatcherDoc[]>();
    ({ retryAt } = await opts.delivery.deliver(order, watchers));
  } catch (err) {
    opts.log.error({ err, orderId: order._id.toString() }, 'delivery failed; will retry');
    retryAt = opts.clock.now() + RETRY_AFTER_FAILURE_MS;
  } finally {
    alive.stop();
  }
  // Only clear the debt, or put it off to `retryAt`, if nothing changed while we were delivering: a
  // change written meanwhile set `deliverAt` to now, and must not wait for this delivery's retry (a
  // lookup that answered while its first message was waiting, another chat's 429): deliver again.
  const owed = retryAt === undefined ? null : new Date(retryAt);
  if (await claim.release({ $set: { deliverAt: owed } }, { version: order.version })) return;
  if (!(await claim.release())) return lostClaim(opts, order);
  opts.kick();
}

/** Another worker took the order over (our claim expired mid-delivery): its state wins, ours is dropped. */
function lostClaim(opts: DeliveryLoopOptions, order: OrderDoc): void {
  opts.log.warn({ orderId: order._id.toString() }, 'delivery claim lost mid-work; wrote nothing');
}
