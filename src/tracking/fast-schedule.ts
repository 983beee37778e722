/**
 * Fast-phase polling after a /status, after the provider's adaptive-polling guide: every 3 s for the
 * first 30 s, every 5 s until 1 min, every 10 s until 5 min. Every delay is multiplied by TIME_SCALE.
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
