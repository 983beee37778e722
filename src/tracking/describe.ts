import type { ProviderOrder } from '../provider/types.js';
import type { LookupOutcome, OrderDoc } from './models.js';
import type { OrderView } from './view.js';

/** The provider's creation time of an order, when it sent a parseable one. */
export function providerCreatedAt(order: ProviderOrder | undefined): Date | undefined {
  const date = order?.created_at ? new Date(order.created_at) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

/** When a tracked order was created: the provider's time, else when we first stored it. */
export function orderCreatedAt(order: OrderDoc): Date {
  return providerCreatedAt(order.payload) ?? order.createdAt;
}

/** A lookup still resolving what the user typed, or one that ended without an order. */
export interface LookupView {
  query: string;
  outcome: LookupOutcome;
  providerTrouble: boolean;
}

export type TrackedView = { type: 'order'; view: OrderView } | { type: 'lookup'; view: LookupView };

/** What watchers of this document should see, derived only from stored state (stable across restarts). */
export function describeOrder(order: OrderDoc): TrackedView {
  const { phase } = order;
  if (phase === 'lookup' || phase === 'unresolved' || !order.payload || !order.statusClass) {
    return {
      type: 'lookup',
      view: {
        query: order.query?.value ?? order.ref ?? order.providerId,
        outcome: order.lookupOutcome ?? 'searching',
        providerTrouble: order.providerTrouble,
      },
    };
  }
  return {
    type: 'order',
    view: {
      order: order.payload,
      statusClass: order.statusClass,
      phase,
      trackingSince: order.trackingSince,
      lastCheckedAt: order.lastCheckedAt,
      nextCheckAt: order.nextCheckAt ?? undefined,
      providerTrouble: order.providerTrouble,
      providerParked: order.parkedUntil != null,
    },
  };
}

/**
 * The moment a view is drawn "as of": the last check (or the start of tracking). Rendering from stored
 * time, not the wall clock, keeps the text identical until something really changed, so a restart or
 * a second delivery pass never edits a message for nothing.
 */
export function viewTime(order: OrderDoc): Date {
  return order.lastCheckedAt ?? order.trackingSince;
}
