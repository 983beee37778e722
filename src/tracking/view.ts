import type { ProviderOrder } from '../provider/types.js';

/**
 * How the bot classifies a provider status. `verifying` is mobile UNKNOWN_ERROR (never a failure),
 * `queued` is internet QUEUED (scheduled within 12-48 h, not a failure), `unknown` is any status value
 * the provider documents nowhere (kept, shown verbatim, and polled like a non-final state).
 */
export type StatusClass = 'pending' | 'processing' | 'fulfilled' | 'refunded' | 'verifying' | 'queued' | 'unknown';

/** Where an order is in the bot's tracking life cycle. */
export type TrackingPhase =
  | 'fast' // polled every few seconds right after a /status
  | 'long' // rechecked by background jobs (UNKNOWN_ERROR, QUEUED, or still processing after 5 min)
  | 'final' // FULFILLED or REFUNDED: never polled again
  | 'expired'; // long-tail window closed without a resolution: tracking stopped

/** Everything a renderer needs to draw one order's status message. Free of Telegram and MongoDB. */
export interface OrderView {
  order: ProviderOrder;
  statusClass: StatusClass;
  phase: TrackingPhase;
  /** When the bot started tracking; elapsed time uses `order.created_at` when present, else this. */
  trackingSince: Date;
  lastCheckedAt?: Date | undefined;
  /** Next scheduled check (long tail). */
  nextCheckAt?: Date | undefined;
  /** The last check failed for a transient reason (provider outage): the shown state may be stale. */
  providerTrouble?: boolean | undefined;
  /**
   * No usable provider for the order's account (the key was rejected and is suspended, or the IP is
   * paused): checks wait until the key guard says it is usable again. Shown instead of an outage.
   */
  providerParked?: boolean | undefined;
}
