import type { OrderDoc } from './models.js';
import type { OrderView } from './view.js';

/** A lookup still resolving what the user typed, or one that ended without an order. */
export interface LookupView {
  query: string;
  outcome: 'searching' | 'not_found' | 'provider_down' | 'unauthorized';
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
