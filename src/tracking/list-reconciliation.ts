/**
 * List reconciliation: date-filtered list pages (`/v3/mobile/list`, `/v3/internet/list`, 100 per
 * page) answer for many claimed orders of one account and kind at once. Used by the long-tail sweep
 * (rechecks due together) and by the fast phase's list rounds (fast-list.ts). Whatever the pages do
 * not cover is for the caller to check one by one.
 */
import { ProviderError } from '../provider/errors.js';
import type { ListPage, OrderKind, ProviderOrder } from '../provider/types.js';
import type { Logger } from '../shared/logger.js';
import type { Claim } from './leases.js';
import type { OrderDoc } from './models.js';
import type { OrderEvent } from './order-machine.js';
import type { OrderSource } from './order-source.js';

/** The provider's largest page. */
export const LIST_PAGE_SIZE = 100;

/** A claimed order and what its check found, as an order-machine event. */
export interface CheckResult {
  claim: Claim<OrderDoc>;
  event: OrderEvent;
}

export interface ListReconciliation {
  /** List pages answered (each one provider call; a failed call is not counted here, see `error`). */
  calls: number;
  /** Orders a page showed, each with its share of the calls (`checked` events). */
  found: CheckResult[];
  /** Orders no page showed (or all of them when the list failed). */
  uncovered: Claim<OrderDoc>[];
  /** Why the pages stopped early, when a call failed. */
  error?: unknown;
}

/**
 * Pages through the account's `kind` orders created within `window` (newest first). Stops as soon as
 * every claimed order was seen, and gives up (leaving the rest uncovered) when the pages left would
 * cost more calls than checking the orders left one by one. Every claim must be of one account and
 * kind. Never throws: a failed call ends the pages and is returned as `error`.
 */
export async function reconcileByList(
  source: OrderSource,
  kind: OrderKind,
  claims: Claim<OrderDoc>[],
  window: { from: Date; to: Date },
  log: Logger,
): Promise<ListReconciliation> {
  const byId = new Map(claims.map((c) => [c.doc.providerId, c]));
  const found = new Map<string, ProviderOrder>();
  let calls = 0;
  let error: unknown;
  try {
    for (let page = 1; ; page++) {
      const query = { page, pageSize: LIST_PAGE_SIZE, from: window.from.toISOString(), to: window.to.toISOString() };
      const result: ListPage<ProviderOrder> = kind === 'mobile' ? await source.listMobile(query) : await source.listInternet(query);
      calls += 1;
      for (const item of result.items) if (byId.has(item.id)) found.set(item.id, item);
      if (found.size === byId.size || page >= result.totalPages) break;
      // Each page costs one call; once the pages left exceed the orders left, checks are cheaper.
      if (result.totalPages - page > byId.size - found.size) break;
    }
  } catch (err) {
    error = err;
    log.warn({ kind: err instanceof ProviderError ? err.kind : 'unexpected' }, 'list reconciliation failed');
  }
  const share = found.size > 0 ? calls / found.size : 0;
  const results: CheckResult[] = [...found].map(([id, fresh]) => ({
    claim: byId.get(id)!,
    event: { type: 'checked', fresh, calls: share },
  }));
  const uncovered = claims.filter((c) => !found.has(c.doc.providerId));
  log.debug({ kind, orders: claims.length, covered: found.size, calls }, 'list reconciliation');
  return { calls, found: results, uncovered, ...(error !== undefined ? { error } : {}) };
}
