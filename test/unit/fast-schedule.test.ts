import { describe, expect, it } from 'vitest';
import { fastPhaseLengthMs, nextFastDelay } from '../../src/tracking/fast-schedule.js';

const S = 1000;

/** Elapsed times (ms) of every check the schedule makes, starting with one at 0. */
function checkTimes(timeScale: number): number[] {
  const times = [0];
  for (;;) {
    const last = times[times.length - 1]!;
    const delay = nextFastDelay(last, timeScale);
    if (delay === null) return times;
    times.push(last + delay);
  }
}

describe('fast-phase schedule (every 3 s to 30 s, 5 s to 1 min, 10 s to 5 min)', () => {
  it.each([
    [0, 3 * S],
    [27 * S, 3 * S],
    [29_999, 3 * S],
    [30 * S, 5 * S],
    [59_999, 5 * S],
    [60 * S, 10 * S],
    [290 * S, 10 * S],
  ])('after %i ms waits %i ms', (elapsed, delay) => {
    expect(nextFastDelay(elapsed, 1)).toBe(delay);
  });

  it('lands the last check exactly on the 5-minute boundary, then ends', () => {
    expect(nextFastDelay(295 * S, 1)).toBe(5 * S);
    expect(nextFastDelay(299_999, 1)).toBe(1);
    expect(nextFastDelay(300 * S, 1)).toBeNull();
    expect(nextFastDelay(3_600 * S, 1)).toBeNull();
  });

  it('checks 10 + 6 + 24 times after the first one, the last at 5 min', () => {
    const times = checkTimes(1);
    expect(times.filter((t) => t > 0 && t <= 30 * S)).toHaveLength(10);
    expect(times.filter((t) => t > 30 * S && t <= 60 * S)).toHaveLength(6);
    expect(times.filter((t) => t > 60 * S)).toHaveLength(24);
    expect(times[times.length - 1]).toBe(300 * S);
  });

  it('multiplies every delay by TIME_SCALE (0.01: 30 ms, 50 ms, 100 ms, over after 3 s)', () => {
    expect(nextFastDelay(0, 0.01)).toBeCloseTo(30);
    expect(nextFastDelay(299, 0.01)).toBeCloseTo(30);
    expect(nextFastDelay(300, 0.01)).toBeCloseTo(50);
    expect(nextFastDelay(600, 0.01)).toBeCloseTo(100);
    expect(nextFastDelay(3_000, 0.01)).toBeNull();
    expect(fastPhaseLengthMs(0.01)).toBeCloseTo(3_000);
    expect(fastPhaseLengthMs(1)).toBe(300 * S);
  });

  it('makes the same number of checks at any TIME_SCALE', () => {
    expect(checkTimes(0.01)).toHaveLength(checkTimes(1).length);
    expect(checkTimes(2)).toHaveLength(checkTimes(1).length);
  });
});
