import type { OrderKind } from '../src/provider/types.js';

/**
 * The order mix both contenders face, generated from a seed so the two runs (and two bench runs with
 * the same flags) see the same orders, the same /status requests and the same timings.
 * Every time here is production time (ms as if TIME_SCALE were 1); runners multiply by TIME_SCALE.
 */

export type Category = 'mobile' | 'refunded' | 'unknown_error' | 'internet' | 'internet_queued' | 'already_final';

export const CATEGORY_LABELS: Record<Category, string> = {
  mobile: 'ordinary mobile (-> FULFILLED)',
  refunded: 'mobile 0600000001 (-> REFUNDED)',
  unknown_error: 'mobile 0600000003 (-> UNKNOWN_ERROR)',
  internet: 'internet ADSL (-> FULFILLED)',
  internet_queued: 'internet 099999991 (-> QUEUED)',
  already_final: 'already final (FULFILLED before /status)',
};

export const CATEGORY_ORDER: readonly Category[] = ['mobile', 'refunded', 'unknown_error', 'internet', 'internet_queued', 'already_final'];

export interface PlannedRequest {
  /** Unique per request: every /status comes from its own private chat (chat id = user id). */
  chatId: number;
  orderIndex: number;
  /** Production ms from the start of the measured run. */
  atMs: number;
  by: 'ref' | 'id';
}

export interface PlannedOrder {
  index: number;
  category: Category;
  kind: OrderKind;
  ref: string;
  /** Mobile number or ADSL line. */
  number: string;
  /** Production ms from the start of the measured run; already-final orders exist before the run. */
  createAtMs: number;
  requests: PlannedRequest[];
}

export interface Plan {
  seed: number;
  orders: PlannedOrder[];
  /** All requests, sorted by time. */
  requests: PlannedRequest[];
  /** Production ms over which new orders arrive. */
  spreadMs: number;
}

export interface PlanOptions {
  orders: number;
  seed: number;
  /** Production seconds over which the orders arrive (default: 2 new orders per second). */
  spreadSeconds?: number;
}

/** Share of each category; ordinary mobile orders take the rest. */
const SHARES = { already_final: 0.1, refunded: 0.1, unknown_error: 0.05, internet: 0.06 } as const;
/** One order in three is watched from a second chat too. */
const SECOND_WATCHER_EVERY = 3;
/** One request in five names the order by its 24-hex id instead of its ref. */
const BY_ID_SHARE = 0.2;
const FIRST_CHAT_ID = 100_001;

export function buildPlan(opts: PlanOptions): Plan {
  const n = opts.orders;
  const random = mulberry32(opts.seed);
  const count = (share: number) => Math.min(n, Math.round(n * share));
  const alreadyFinal = count(SHARES.already_final);
  const refunded = Math.min(n - alreadyFinal, count(SHARES.refunded));
  const unknown = Math.min(n - alreadyFinal - refunded, count(SHARES.unknown_error));
  const internetAll = Math.min(n - alreadyFinal - refunded - unknown, count(SHARES.internet));
  const queued = Math.floor(internetAll / 3);
  const categories: Category[] = [
    ...repeat<Category>('already_final', alreadyFinal),
    ...repeat<Category>('refunded', refunded),
    ...repeat<Category>('unknown_error', unknown),
    ...repeat<Category>('internet', internetAll - queued),
    ...repeat<Category>('internet_queued', queued),
  ];
  while (categories.length < n) categories.push('mobile');
  shuffle(categories, random);

  const spreadMs = (opts.spreadSeconds ?? n / 2) * 1000;
  const gapMs = n > 1 ? spreadMs / n : 0;
  const between = (lo: number, hi: number) => Math.round(lo + random() * (hi - lo));
  let nextChatId = FIRST_CHAT_ID;
  const orders: PlannedOrder[] = categories.map((category, index) => {
    const kind: OrderKind = category === 'internet' || category === 'internet_queued' ? 'internet' : 'mobile';
    const createAtMs = Math.round(index * gapMs);
    // The reseller sends the order, then asks the bot about it a moment later.
    const firstAt = createAtMs + between(500, 4_000);
    const times = [firstAt];
    if (index % SECOND_WATCHER_EVERY === 0) times.push(firstAt + between(1_000, 8_000));
    const requests = times.map<PlannedRequest>((atMs) => ({
      chatId: nextChatId++,
      orderIndex: index,
      atMs,
      by: random() < BY_ID_SHARE ? 'id' : 'ref',
    }));
    return {
      index,
      category,
      kind,
      ref: `bench-${String(index + 1).padStart(4, '0')}`,
      number: numberFor(category, random),
      createAtMs,
      requests,
    };
  });
  const requests = orders.flatMap((o) => o.requests).sort((a, b) => a.atMs - b.atMs || a.chatId - b.chatId);
  return { seed: opts.seed, orders, requests, spreadMs };
}

function numberFor(category: Category, random: () => number): string {
  const digits = (k: number) => Array.from({ length: k }, () => Math.floor(random() * 10)).join('');
  switch (category) {
    case 'refunded':
      return '0600000001';
    case 'unknown_error':
      return '0600000003';
    case 'internet_queued':
      return '099999991';
    case 'internet':
      return `02${digits(7)}`;
    case 'mobile':
    case 'already_final':
      return `0${['5', '6', '7'][Math.floor(random() * 3)]}${String(1 + Math.floor(random() * 9))}${digits(7)}`;
  }
}

/** Provider statuses an order goes through after it is created, in production ms from creation. */
export interface TimelineStep {
  afterMs: number;
  status: string;
}

/** The emulator's sandbox timeline (PENDING 5 s, HANDLING until 15 s; internet HANDLING 10 s). */
export function timelineOf(category: Category): { initial: string; steps: TimelineStep[] } {
  switch (category) {
    case 'mobile':
      return {
        initial: 'PENDING',
        steps: [
          { afterMs: 5_000, status: 'HANDLING' },
          { afterMs: 15_000, status: 'FULFILLED' },
        ],
      };
    case 'refunded':
      return {
        initial: 'PENDING',
        steps: [
          { afterMs: 5_000, status: 'HANDLING' },
          { afterMs: 15_000, status: 'REFUNDED' },
        ],
      };
    case 'unknown_error':
      return {
        initial: 'PENDING',
        steps: [
          { afterMs: 5_000, status: 'HANDLING' },
          { afterMs: 15_000, status: 'UNKNOWN_ERROR' },
        ],
      };
    case 'internet':
      return { initial: 'HANDLING', steps: [{ afterMs: 10_000, status: 'FULFILLED' }] };
    case 'internet_queued':
      return { initial: 'HANDLING', steps: [{ afterMs: 10_000, status: 'QUEUED' }] };
    case 'already_final':
      return { initial: 'FULFILLED', steps: [] };
  }
}

export function finalStatusOf(category: Category): string {
  const { initial, steps } = timelineOf(category);
  return steps[steps.length - 1]?.status ?? initial;
}

function repeat<T>(value: T, times: number): T[] {
  return Array.from({ length: Math.max(0, times) }, () => value);
}

function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
}

/** Small seeded PRNG: the mix must be reproducible, not secure. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
