/**
 * Wall time plus a skew the test moves forward (real time still flows). A `Clock` (src/shared/clock.ts)
 * for the apps, and the emulator's `now`, when they should share it.
 */
export interface SkewedClock {
  now: () => number;
  advance: (ms: number) => void;
}

export function skewedClock(): SkewedClock {
  let skew = 0;
  return { now: () => Date.now() + skew, advance: (ms) => void (skew += ms) };
}
