import type { OrderKind } from '../src/provider/types.js';
import { mulberry32 } from './mix.js';

/**
 * The long-tail order mix: orders that do not settle in the fast phase, with the time the provider
 * resolves each one. Generated from a seed so both contenders (and two runs with the same flags) see
 * the same orders at the same times. Every time here is provider time (ms as if TIME_SCALE were 1).
 */

export type LongTailCategory = 'unknown_error' | 'queued' | 'timeout';

export const LONG_TAIL_CATEGORIES: readonly LongTailCategory[] = ['unknown_error', 'queued', 'timeout'];

export const LONG_TAIL_LABELS: Record<LongTailCategory, string> = {
  unknown_error: 'mobile UNKNOWN_ERROR',
  queued: 'internet QUEUED',
  timeout: 'still processing after 5 min',
};

const MIN = 60_000;
const HOUR = 60 * MIN;

/** Each order's calls are counted over its first 48 h (the budget window). */
export const LONG_TAIL_WINDOW_MS = 48 * HOUR;
/** New orders arrive over the first hours, in bursts (a reseller sends several top-ups at once). */
export const LONG_TAIL_ARRIVAL_MS = 3 * HOUR;
/** After the last order's window, time for the slowest promise (QUEUED: 2 h) to be kept. */
export const LONG_TAIL_SETTLE_MS = 2 * HOUR;

/** Shares of the mix; timeouts take the rest. */
const SHARES = { unknown_error: 0.4, queued: 0.3 } as const;
/** Resolution windows (provider time after creation), as the provider documents them. */
const RESOLVES = {
  unknown_error: { fromMs: 1 * HOUR, toMs: 24 * HOUR },
  queued: { fromMs: 12 * HOUR, toMs: 48 * HOUR },
  timeout: { fromMs: 10 * MIN, toMs: 6 * HOUR },
} as const;
/** UNKNOWN_ERROR orders support has not settled within the 48 h window. */
const UNKNOWN_ERROR_NEVER_SHARE = 0.15;
/** One order in four is also asked about from a second chat. */
const SECOND_CHAT_EVERY = 4;
const FIRST_CHAT_ID = 300_001;

export interface LongTailRequest {
  chatId: number;
  /** Provider ms from the start of the run. */
  atMs: number;
}

export interface LongTailOrder {
  index: number;
  category: LongTailCategory;
  kind: OrderKind;
  ref: string;
  /** Mobile number or ADSL line. */
  number: string;
  /** Provider ms from the start of the run. */
  createAtMs: number;
  /** Provider ms after creation at which the provider reports the final status; null: not within the window. */
  resolveAfterMs: number | null;
  resolveTo: 'FULFILLED' | 'REFUNDED';
  /** /status requests, each from its own private chat; the first comes right after creation. */
  requests: LongTailRequest[];
}

export interface LongTailPlan {
  seed: number;
  orders: LongTailOrder[];
  /** Provider ms from the start until the run ends: last arrival + 48 h window + settle time. */
  durationMs: number;
}

export function buildLongTailPlan(opts: { orders: number; seed: number }): LongTailPlan {
  const n = opts.orders;
  // A different stream from the fast-phase mix with the same seed.
  const random = mulberry32(opts.seed * 7919 + 17);
  const between = (lo: number, hi: number) => Math.round(lo + random() * (hi - lo));
  const unknown = Math.round(n * SHARES.unknown_error);
  const queued = Math.min(n - unknown, Math.round(n * SHARES.queued));
  const categories: LongTailCategory[] = [
    ...Array.from({ length: unknown }, () => 'unknown_error' as const),
    ...Array.from({ length: queued }, () => 'queued' as const),
  ];
  while (categories.length < n) categories.push('timeout');
  for (let i = categories.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [categories[i], categories[j]] = [categories[j] as LongTailCategory, categories[i] as LongTailCategory];
  }

  // Bursts of 1-6 orders a few minutes apart at random times over the arrival period, so several
  // orders of the (single) account fall due together now and then.
  const arrivals: number[] = [];
  while (arrivals.length < n) {
    const burstAt = between(0, LONG_TAIL_ARRIVAL_MS);
    const size = 1 + Math.floor(random() * 6);
    for (let k = 0; k < size && arrivals.length < n; k++) arrivals.push(Math.min(LONG_TAIL_ARRIVAL_MS, burstAt + between(0, 3 * MIN)));
  }
  arrivals.sort((a, b) => a - b);

  let nextChatId = FIRST_CHAT_ID;
  let timeouts = 0;
  const orders = categories.map<LongTailOrder>((category, index) => {
    const kind: OrderKind = category === 'queued' || (category === 'timeout' && timeouts++ % 3 === 2) ? 'internet' : 'mobile';
    const createAtMs = arrivals[index] ?? 0;
    const window = RESOLVES[category];
    const never = category === 'unknown_error' && random() < UNKNOWN_ERROR_NEVER_SHARE;
    const resolveAfterMs = never ? null : between(window.fromMs, window.toMs);
    const resolveTo = category === 'queued' || random() < 0.75 ? 'FULFILLED' : 'REFUNDED';
    // The reseller sends the order, then asks the bot about it a moment later.
    const firstAt = createAtMs + between(500, 4_000);
    const times = index % SECOND_CHAT_EVERY === 0 ? [firstAt, firstAt + between(10_000, 60_000)] : [firstAt];
    return {
      index,
      category,
      kind,
      ref: `tail-${String(index + 1).padStart(4, '0')}`,
      number: numberFor(category, kind, random),
      createAtMs,
      resolveAfterMs,
      resolveTo,
      requests: times.map((atMs) => ({ chatId: nextChatId++, atMs })),
    };
  });
  const lastArrival = Math.max(0, ...orders.map((o) => o.createAtMs));
  return { seed: opts.seed, orders, durationMs: lastArrival + LONG_TAIL_WINDOW_MS + LONG_TAIL_SETTLE_MS };
}

function numberFor(category: LongTailCategory, kind: OrderKind, random: () => number): string {
  const digits = (k: number) => Array.from({ length: k }, () => Math.floor(random() * 10)).join('');
  if (category === 'unknown_error') return '0600000003';
  if (category === 'queued') return '099999991';
  return kind === 'internet'
    ? `02${digits(7)}`
    : `0${['5', '6', '7'][Math.floor(random() * 3)]}${String(1 + Math.floor(random() * 9))}${digits(7)}`;
}
