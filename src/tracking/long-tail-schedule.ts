import type { LongTailReason } from './models.js';

/**
 * When orders that did not settle in the fast phase are checked again. Every duration here is real
 * time at TIME_SCALE=1 and is multiplied by TIME_SCALE.
 *
 * Defaults and the targets they meet (the provider's guides recheck once a day):
 * - verifying (mobile UNKNOWN_ERROR): checked every 58 min for 72 h, so a resolution reaches the chat
 *   within the hour (interval + the 1 min sweep period < 60 min). That is ~50 calls in 48 h for an order
 *   checked alone: the latency promise wins over the ~40-call budget; orders due together share list calls.
 * - queued (internet QUEUED): every 115 min for 7 days: within 2 h (~25 calls in 48 h).
 * - timeout (still PENDING/HANDLING after 5 min): first recheck after 8 min (within 15 min with the
 *   sweep period and margin), then each wait 1.5x the previous one up to 2 h, for 24 h (~17 checks).
 * Jitter only ever shortens a wait (never breaks the latency targets) and spreads rechecks so a restart
 * or a busy hour does not fire them all at once.
 */
export interface LongTailPolicy {
  verifying: { everyMs: number; forMs: number };
  queued: { everyMs: number; forMs: number };
  timeout: { firstMs: number; factor: number; maxMs: number; forMs: number };
  /** Fraction (0..0.5) by which a wait may be shortened at random. */
  jitter: number;
}

const MIN = 60_000;
const HOUR = 60 * MIN;

export const DEFAULT_LONG_TAIL_POLICY: LongTailPolicy = {
  verifying: { everyMs: 58 * MIN, forMs: 72 * HOUR },
  queued: { everyMs: 115 * MIN, forMs: 7 * 24 * HOUR },
  timeout: { firstMs: 8 * MIN, factor: 1.5, maxMs: 2 * HOUR, forMs: 24 * HOUR },
  jitter: 0.03,
};

export function longTailWindowMs(policy: LongTailPolicy, reason: LongTailReason, timeScale: number): number {
  return policy[reason].forMs * timeScale;
}

/**
 * Wait before the next long-tail check. `checksSoFar` counts long-tail checks already made for this
 * reason (drives the timeout back-off). `random` is injectable for tests.
 */
export function nextLongTailDelay(
  policy: LongTailPolicy,
  reason: LongTailReason,
  checksSoFar: number,
  timeScale: number,
  random: () => number = Math.random,
): number {
  let base: number;
  if (reason === 'timeout') {
    const t = policy.timeout;
    base = Math.min(t.firstMs * t.factor ** checksSoFar, t.maxMs);
  } else {
    base = policy[reason].everyMs;
  }
  const shortened = base * (1 - policy.jitter * random());
  return Math.max(1, Math.round(shortened * timeScale));
}
