/**
 * The delivery loop: claims orders whose `deliverAt` is due (with a lease) and asks the bot's
 * `OrderDelivery` port to bring their watchers' messages up to date. The debt is cleared only if the
 * order did not change meanwhile (version guard), so no update is ever lost between two deliveries.
 */
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { DueLoop } from './due-loop.js';
import type { OrderDoc, TrackingModels, WatcherDoc } from './models.js';
import { claimDue, nextDue } from './order-store.js';

/** Brings watchers' messages up to date with an order. Implemented by the bot layer (Telegram). */
export interface OrderDelivery {
  /** Returns a time (ms) to try again when something could not be delivered yet (rate limit, 429). */
  deliver(order: OrderDoc, watchers: WatcherDoc[]): Promise<{ retryAt?: number | undefined }>;
}

export interface DeliveryLoopOptions {
  models: TrackingModels;
  delivery: OrderDelivery;
  leaseMs: number;
  concurrency: number;
  idleMs: number;
  clock: Clock;
  log: Logger;
  /** Wakes the tracker's loops: the order changed while it was delivered and is owed another delivery. */
  kick: () => void;
}

export function createDeliveryLoop(opts: DeliveryLoopOptions): DueLoop<OrderDoc> {
  const now = () => new Date(opts.clock.now());
  return new DueLoop<OrderDoc>({
    name: 'delivery',
    claim: () => claimDue(opts.models, 'deliverAt', { now: now(), leaseMs: opts.leaseMs }),
    process: (order) => deliverClaimed(opts, order),
    nextDueAt: () => nextDue(opts.models, {}, 'deliverAt', now()),
    concurrency: opts.concurrency,
    idleMs: opts.idleMs,
    clock: opts.clock,
    log: opts.log,
  });
}

async function deliverClaimed(opts: DeliveryLoopOptions, order: OrderDoc): Promise<void> {
  const { Order, Watcher } = opts.models;
  let retryAt: number | undefined;
  try {
    const watchers = await Watcher.find({ orderId: order._id }).lean<WatcherDoc[]>();
    ({ retryAt } = await opts.delivery.deliver(order, watchers));
  } catch (err) {
    opts.log.error({ err, orderId: order._id.toString() }, 'delivery failed; will retry');
    retryAt = opts.clock.now() + 5_000;
  }
  if (retryAt !== undefined) {
    await Order.updateOne({ _id: order._id }, { $set: { deliverAt: new Date(retryAt), deliveryLeaseUntil: null } });
    return;
  }
  // Only clear the debt if nothing changed while we were delivering; otherwise deliver again.
  const cleared = await Order.updateOne(
    { _id: order._id, version: order.version },
    { $set: { deliverAt: null, deliveryLeaseUntil: null } },
  );
  if (cleared.matchedCount === 0) {
    await Order.updateOne({ _id: order._id }, { $set: { deliveryLeaseUntil: null } });
    opts.kick();
  }
}
