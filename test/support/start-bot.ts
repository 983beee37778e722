import { onTestFinished } from 'vitest';
import { Harness, type HarnessOptions } from './harness.js';

/**
 * The start-up shapes integration tests share. Each starts a whole bot on the fakes and a fresh
 * database (Harness.start) for the test that is running, and closes it when that test ends, passed or
 * failed. Call them in the test or in a beforeEach; a test that needs other options calls one again
 * (closing the first bot itself when it must not keep running alongside).
 */

/** A bot for this test, closed when the test ends. */
export async function startBot(opts: HarnessOptions = {}): Promise<Harness> {
  const h = await Harness.start(opts);
  onTestFinished(() => h.close());
  return h;
}

/** A bot for this test whose deployment account already has `group` as its staff group (its owner linked it). */
export async function startBotWithStaffGroup(group: number, opts: HarnessOptions = {}): Promise<Harness> {
  const h = await startBot(opts);
  await h.linkGroup(group);
  return h;
}

/**
 * A bot for this test whose provider client waits 30 s and tries once: a call the emulator holds
 * (`h.emulator.hold`) stays held for the whole test, until the test releases it or ends.
 */
export function startBotWithPatientProvider(opts: HarnessOptions = {}): Promise<Harness> {
  return startBot({ ...opts, app: { provider: { timeoutMs: 30_000, retry: { attempts: 1 } }, ...opts.app } });
}

/**
 * Compressed recheck schedules for TIME_SCALE 0.01: UNKNOWN_ERROR every 20 s x 0.01 = 200 ms, QUEUED
 * every 30 s -> 300 ms, the first recheck of a timed-out order after 10 s -> 100 ms, the Agenda sweep
 * every 5 s -> 50 ms.
 */
export const LONG_TAIL_ENV: Readonly<Record<string, string>> = {
  RECHECK_UNKNOWN_ERROR_EVERY: '20s',
  RECHECK_UNKNOWN_ERROR_FOR: '72h',
  RECHECK_QUEUED_EVERY: '30s',
  RECHECK_TIMEOUT_FIRST: '10s',
  RECHECK_SWEEP_EVERY: '5s',
};

/** A bot for this test with the LONG_TAIL_ENV schedules (`opts.env` may change some of them). */
export function startLongTailBot(opts: HarnessOptions = {}): Promise<Harness> {
  return startBot({ ...opts, env: { ...LONG_TAIL_ENV, ...opts.env } });
}

/**
 * For a test that keeps an order unsettled for a while: a 15 s fast phase (TIME_SCALE 0.05) keeps it
 * out of the long tail even on a loaded machine (a long-tail resolution rightly comes as a new message).
 */
export const LONG_FAST_PHASE: HarnessOptions = { timeScale: 0.05 };
