import { isProviderError } from '../provider/errors.js';
import type { InternetOrder, ListPage, ListQuery, MobileOrder, OrderKind, ProviderOrder } from '../provider/types.js';
import type { OrderQuery } from './order-query.js';

/** The part of the provider client the tracking domain needs (kept narrow so fakes stay small). */
export interface OrderSource {
  checkMobileById(id: string): Promise<MobileOrder>;
  checkMobileByRef(ref: string): Promise<MobileOrder>;
  checkInternetById(id: string): Promise<InternetOrder>;
  checkInternetByRef(ref: string): Promise<InternetOrder>;
  /** Date-filtered pages of the account's orders (newest first): one call answers for up to 100 orders. */
  listMobile(query: ListQuery): Promise<ListPage<MobileOrder>>;
  listInternet(query: ListQuery): Promise<ListPage<InternetOrder>>;
}

/** Which provider account serves an account id; undefined when none is configured. */
export type OrderSourceFor = (accountId: string) => OrderSource | undefined;

export interface FoundOrder {
  order: ProviderOrder;
  /** Provider calls spent finding it (404s included). */
  calls: number;
}

/**
 * Resolves what a user typed: an id is looked up as mobile, then internet; a ref likewise.
 * Only NOT_FOUND moves on to the next kind: an outage must never read as "not found".
 */
export async function findByQuery(source: OrderSource, query: OrderQuery): Promise<FoundOrder | { order: null; calls: number }> {
  const attempts: Array<() => Promise<ProviderOrder>> =
    query.by === 'id'
      ? [() => source.checkMobileById(query.value), () => source.checkInternetById(query.value)]
      : [() => source.checkMobileByRef(query.value), () => source.checkInternetByRef(query.value)];
  let calls = 0;
  for (const attempt of attempts) {
    calls += 1;
    try {
      return { order: await attempt(), calls };
    } catch (err) {
      if (!isProviderError(err, 'not_found')) throw err;
    }
  }
  return { order: null, calls };
}

export function checkById(source: OrderSource, kind: OrderKind, id: string): Promise<ProviderOrder> {
  return kind === 'mobile' ? source.checkMobileById(id) : source.checkInternetById(id);
}
