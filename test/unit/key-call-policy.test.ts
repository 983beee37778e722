import { describe, expect, it } from 'vitest';
import { callNeedsAttempt, revalidationDelay } from '../../src/accounts/key-guard.js';

/** Must a call with a key reserve an attempt of the key-attempt budget first? */
describe('callNeedsAttempt', () => {
  const T = 1_000_000;

  it('a valid key calls freely while the window holds no failure, however old its last proof', () => {
    expect(callNeedsAttempt({ state: 'valid', provenAt: 0 }, 0)).toBe(false);
    expect(callNeedsAttempt({ state: 'valid', provenAt: T - 3_600_000 }, 0)).toBe(false);
  });

  it('a valid key proven before the newest failure must re-prove itself with a reserved attempt', () => {
    expect(callNeedsAttempt({ state: 'valid', provenAt: T - 1 }, T)).toBe(true);
  });

  it('a valid key proven since the newest failure (or at the same instant) calls freely', () => {
    expect(callNeedsAttempt({ state: 'valid', provenAt: T + 1 }, T)).toBe(false);
    expect(callNeedsAttempt({ state: 'valid', provenAt: T }, T)).toBe(false);
  });

  it('an unverified key always reserves, failure or not', () => {
    expect(callNeedsAttempt({ state: 'unverified', provenAt: 0 }, 0)).toBe(true);
    expect(callNeedsAttempt({ state: 'unverified', provenAt: T + 1 }, T)).toBe(true);
  });
});

/** When a rejected key is validated again. */
describe('revalidationDelay', () => {
  const backoff = { firstMs: 60_000, maxMs: 30 * 60_000 };
  const delays = (accountId: string, unauthorized: boolean) =>
    [1, 2, 3, 6, 7, 12, 20].map((failures) => revalidationDelay({ accountId, unauthorized, failures }, backoff) / 60_000);

  it("the deployment's own key is checked after 1, 2, 4… minutes, then every 30 minutes", () => {
    expect(delays('env', true)).toEqual([1, 2, 4, 30, 30, 30, 30]);
  });

  it('a linked key answered 401 keeps doubling up to once a day, so abandoned keys stop eating the linking share', () => {
    expect(delays('acc-1', true)).toEqual([1, 2, 4, 32, 64, 1440, 1440]);
  });

  it('a linked key refused for another reason (disabled, IP allow-list: no failed attempt) keeps the 30-minute cap', () => {
    expect(delays('acc-1', false)).toEqual([1, 2, 4, 30, 30, 30, 30]);
  });
});
