import { describe, expect, it } from 'vitest';
import { callNeedsAttempt } from '../../src/accounts/key-guard.js';

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
