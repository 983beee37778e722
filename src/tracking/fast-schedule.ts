import type { OrderKind } from '../provider/types.js';
import type { StatusClass } from './view.js';

/**
 * Fast-phase polling after a /status. The guide's adaptive steps (every 3 s for the first 30 s, every
 * 5 s until 1 min, every 10 s until 5 min) bound the phase and serve orders whose status says nothing
 * more; `nextFastCheckDelay` follows the status within them. Every delay is multiplied by TIME_SCALE.
 */
export interface FastStep {
  /** The step applies while elapsed time (unscaled) is below this. */
  untilMs: number;
  everyMs: number;
}

export const DEFAULT_FAST_SCHEDULE: readonly FastStep[] = [
  { untilMs: 30_000, everyMs: 3_000 },
  { untilMs: 60_000, everyMs: 5_000 },
  { untilMs: 300_000, everyMs: 10_000 },
];

/**
 * Delay before the next fast check, or `null` when the fast phase is over (the order then goes to the
 * long tail). `elapsedMs` is real time since the fast phase started; the schedule is scaled, not time.
 */
export function nextFastDelay(elapsedMs: number, timeScale: number, schedule: readonly FastStep[] = DEFAULT_FAST_SCHEDULE): number | null {
  const unscaled = elapsedMs / timeScale;
  for (const step of schedule) {
    if (unscaled < step.untilMs) {
      // Never schedule past the end of the fast phase: the last check lands on its boundary.
      const delay = Math.min(step.everyMs, lastBoundary(schedule) - unscaled);
      return Math.max(delay, 0) * timeScale;
    }
  }
  return null;
}

export function fastPhaseLengthMs(timeScale: number, schedule: readonly FastStep[] = DEFAULT_FAST_SCHEDULE): number {
  return lastBoundary(schedule) * timeScale;
}

function lastBoundary(schedule: readonly FastStep[]): number {
  return schedule[schedule.length - 1]?.untilMs ?? 0;
}

/** What the fast phase knows about an order when it schedules its next check. */
export interface FastCheckContext {
  kind: OrderKind | undefined;
  /** What the last answer said (undefined before any answer). */
  statusClass: StatusClass | undefined;
  /** Real ms since the fast phase started. */
  elapsedMs: number;
  /** Real ms since the current status was first seen (0 on the check that first saw it). */
  inStatusMs: number;
}

/**
 * Status-following timings, production ms, from the provider's mobile status table (PENDING "queued
 * for processing" 2-15 s, HANDLING "being processed" 3-8 s). A PENDING order waits in a queue for a
 * time nobody can predict: checking it often buys little. A HANDLING order is 3-8 s from its result:
 * that is when checks pay off.
 */
export const STATUS_TIMINGS = {
  /** Mobile PENDING: every 5 s. */
  pendingEveryMs: 5_000,
  /** Mobile HANDLING: first check 3 s after HANDLING was first seen (its documented minimum)... */
  handlingFirstMs: 3_000,
  /** ...then every 2 s while HANDLING is within its documented 8 s... */
  handlingEveryMs: 2_000,
  handlingUntilMs: 8_000,
  /** ...then every 3 s, like the guide's first 30 s. */
  lateEveryMs: 3_000,
  /** Past this (elapsed), the order is late for any documented timing: the guide's 5 s / 10 s steps. */
  followStatusUntilMs: 30_000,
} as const;

/**
 * Delay before the next fast check following what the order's status says, or `null` when the fast
 * phase is over (same 5-minute end as `nextFastDelay`). Internet orders (HANDLING 3-45 s, no
 * PENDING) and unknown statuses keep the guide's schedule. The order machine schedules every
 * fast-phase check with it (order-machine.ts `schedule`). Alone, a trade rather than a free win:
 * against the documented timings (simulated) it makes ~20 % fewer calls than the 3/5/10 s schedule
 * for a somewhat later median; list rounds (fast-list.ts, `listRoundDelay`) are what beat both.
 */
export function nextFastCheckDelay(ctx: FastCheckContext, timeScale: number): number | null {
  const guide = nextFastDelay(ctx.elapsedMs, timeScale);
  if (guide === null) return null;
  const elapsed = ctx.elapsedMs / timeScale;
  if (ctx.kind !== 'mobile' || elapsed >= STATUS_TIMINGS.followStatusUntilMs) return guide;
  const inStatus = ctx.inStatusMs / timeScale;
  let delay: number;
  if (ctx.statusClass === 'pending') delay = STATUS_TIMINGS.pendingEveryMs;
  else if (ctx.statusClass === 'processing') {
    if (inStatus < STATUS_TIMINGS.handlingFirstMs) delay = STATUS_TIMINGS.handlingFirstMs - inStatus;
    else if (inStatus < STATUS_TIMINGS.handlingUntilMs) delay = STATUS_TIMINGS.handlingEveryMs;
    else delay = STATUS_TIMINGS.lateEveryMs;
  } else return guide;
  // The phase still ends on its boundary.
  return Math.min(delay, fastPhaseLengthMs(1) - elapsed) * timeScale;
}

/**
 * One list page answers for every fast-phase order of an account and kind (fast-list.ts), so a round
 * costs one call whatever the number of orders. `minEveryMs`: the closest two rounds may be
 * (production ms). `costShare`: a round may come sooner than its most urgent member asks only while
 * the rounds cost at most this share of the calls the members' own schedules would make.
 */
export const LIST_ROUND = { minEveryMs: 1_500, costShare: 0.5 } as const;

/**
 * Delay (real ms) before the next list round of orders whose own schedules (`nextFastCheckDelay`,
 * real ms) ask for `memberDelaysMs`: never later than the most urgent member wants, and sooner (down
 * to `minEveryMs`, scaled) while the members together would make at least twice the calls on their
 * own. Null with no member. Three orders every 5 s alone: a round every 3.3 s; ten: every 1.5 s.
 */
export function listRoundDelay(memberDelaysMs: readonly number[], timeScale: number): number | null {
  if (memberDelaysMs.length === 0) return null;
  const mostUrgent = Math.min(...memberDelaysMs);
  // Checks per ms the members would make on their own schedules.
  const ownRate = memberDelaysMs.reduce((sum, d) => sum + 1 / Math.max(d, 1), 0);
  const affordable = 1 / (LIST_ROUND.costShare * ownRate);
  return Math.min(mostUrgent, Math.max(LIST_ROUND.minEveryMs * timeScale, affordable));
}
