import { describe, expect, it } from 'vitest';
import { fastPhaseLengthMs, listRoundDelay, nextFastCheckDelay, nextFastDelay } from '../../src/tracking/fast-schedule.js';

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

describe('status-following fast schedule (mobile PENDING every 5 s; HANDLING 3 s, then 2 s until 8 s, then 3 s)', () => {
  const mobile = (statusClass: 'pending' | 'processing' | 'unknown', elapsedMs: number, inStatusMs: number, timeScale = 1) =>
    nextFastCheckDelay({ kind: 'mobile', statusClass, elapsedMs, inStatusMs }, timeScale);

  it('checks a queued (PENDING) mobile order every 5 s, less often than the guide', () => {
    expect(mobile('pending', 0, 0)).toBe(5 * S);
    expect(mobile('pending', 10 * S, 10 * S)).toBe(5 * S);
  });

  it('checks a HANDLING mobile order 3 s after it was first seen, then every 2 s until 8 s into HANDLING, then every 3 s', () => {
    expect(mobile('processing', 6 * S, 0)).toBe(3 * S);
    expect(mobile('processing', 7 * S, 1 * S)).toBe(2 * S);
    expect(mobile('processing', 9 * S, 3 * S)).toBe(2 * S);
    expect(mobile('processing', 13 * S, 7 * S)).toBe(2 * S);
    expect(mobile('processing', 14 * S, 8 * S)).toBe(3 * S);
  });

  it('falls back to the guide schedule once 30 s have passed, and for internet orders or unknown statuses', () => {
    expect(mobile('pending', 30 * S, 30 * S)).toBe(5 * S);
    expect(mobile('processing', 65 * S, 20 * S)).toBe(10 * S);
    expect(mobile('unknown', 0, 0)).toBe(3 * S);
    expect(nextFastCheckDelay({ kind: 'internet', statusClass: 'processing', elapsedMs: 0, inStatusMs: 0 }, 1)).toBe(3 * S);
    expect(nextFastCheckDelay({ kind: undefined, statusClass: undefined, elapsedMs: 0, inStatusMs: 0 }, 1)).toBe(3 * S);
  });

  it('ends the fast phase at 5 min like the guide schedule, the last check on the boundary', () => {
    expect(mobile('processing', 298 * S, 100 * S)).toBe(2 * S);
    expect(mobile('pending', 300 * S, 300 * S)).toBeNull();
  });

  it('multiplies every delay by TIME_SCALE', () => {
    expect(mobile('pending', 0, 0, 0.01)).toBeCloseTo(50);
    expect(mobile('processing', 60, 0, 0.01)).toBeCloseTo(30);
    expect(mobile('processing', 100, 40, 0.01)).toBeCloseTo(20);
    expect(mobile('pending', 3_000, 3_000, 0.01)).toBeNull();
  });

  it('makes fewer checks than the guide, and sees the result no later, for an order queued 12 s then handled 5 s', () => {
    // PENDING from 0 to 12 s, HANDLING from 12 s to 17 s, then final: count checks until the final one is seen.
    const statusAt = (t: number) => (t < 12 * S ? 'pending' : t < 17 * S ? 'processing' : 'final');
    const count = (next: (t: number, seenSince: number) => number | null) => {
      let t = 0;
      let checks = 0;
      let seen = '';
      let since = 0;
      for (;;) {
        checks++;
        const status = statusAt(t);
        if (status !== seen) [seen, since] = [status, t];
        if (status === 'final') return { checks, seenAt: t };
        const delay = next(t, since);
        if (delay === null) return { checks, seenAt: Infinity };
        t += delay;
      }
    };
    const following = count((t, since) => mobile(statusAt(t) as 'pending' | 'processing', t, t - since));
    const guide = count((t) => nextFastDelay(t, 1));
    expect(following.checks).toBeLessThan(guide.checks);
    expect(following.seenAt).toBeLessThanOrEqual(guide.seenAt);
  });
});

describe('listRoundDelay: one list page for several fast-phase orders', () => {
  it('never waits longer than the most urgent order wants', () => {
    expect(listRoundDelay([5 * S, 5 * S, 2 * S], 1)).toBe(2 * S);
  });

  it('comes sooner while the rounds cost at most half the calls the orders would make alone', () => {
    // Three orders every 5 s would make 0.6 calls/s alone: a round every 3.33 s makes 0.3.
    expect(listRoundDelay([5 * S, 5 * S, 5 * S], 1)).toBeCloseTo(10_000 / 3);
    // Ten: a round every 1 s would still be half, but rounds are at least 1.5 s apart (scaled).
    expect(
      listRoundDelay(
        Array.from({ length: 10 }, () => 5 * S),
        1,
      ),
    ).toBe(1_500);
    expect(
      listRoundDelay(
        Array.from({ length: 10 }, () => 50),
        0.01,
      ),
    ).toBe(15);
  });

  it('has nothing to schedule without orders', () => {
    expect(listRoundDelay([], 1)).toBeNull();
  });
});
