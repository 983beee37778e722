import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { PollingLeadership } from '../../src/process/polling-leadership.js';
import { startPolling, type PollingSession } from '../../src/process/polling.js';
import { systemClock, type Clock } from '../../src/shared/clock.js';
import type { Logger } from '../../src/shared/logger.js';
import { Harness, RESELLER, STAFF, sleep } from '../support/harness.js';
import { textMessageUpdate } from '../support/updates.js';

/**
 * Long polling as production runs it (src/process/polling.ts: @grammyjs/runner + the per-chat
 * sequentialize installed first in createBot) against the fake Telegram's getUpdates, and the
 * polling lease that lets exactly one process of a deployment poll.
 */

let h: Harness | undefined;
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  await h?.close();
  h = undefined;
});

/** A logger whose JSON lines are kept for assertions. */
function memoryLogger(): { log: Logger; lines: () => Array<{ msg: string; level: number }> } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      out.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines: () => out.map((l) => JSON.parse(l) as { msg: string; level: number }) };
}

function poll(app: App, log: Logger): PollingSession {
  const session = startPolling(app.bot, log);
  cleanups.push(() => session.stop());
  return session;
}

function userSays(chatId: number, text: string): void {
  h!.telegram.pushUpdate(textMessageUpdate({ chatId, fromId: chatId, text }));
}

describe('long polling', () => {
  it("handles chats concurrently: a chat whose reply is held does not delay another chat's /status, and keeps its own order", async () => {
    h = await Harness.start({ defaultLocale: 'en' });
    const t = h.app.translatorFor('en');
    poll(h.app, h.log);

    // The reseller's /help reply is held by Telegram: that update's handler cannot finish.
    const held = h.telegram.hold('sendMessage', { chatId: RESELLER });
    userSays(RESELLER, '/help');
    await held.arrived;
    userSays(RESELLER, '/pending');

    // Another chat is not affected: its /status is handled and its status message arrives.
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref: 'order-conc' });
    h.emulator.setStatus(topupId, 'PENDING');
    userSays(STAFF, '/status order-conc');
    await h.waitForMessage(STAFF, (m) => m.text.includes(topupId), "the other chat's status message");

    // The reseller's second update waits for the first: nothing more was sent to that chat.
    expect(h.telegram.callCount('sendMessage', RESELLER)).toBe(1);
    expect(h.telegram.messages(RESELLER)).toHaveLength(0);

    held.release();
    await h.telegram.waitFor(() => h!.telegram.messages(RESELLER).length === 2, { what: 'both replies in the held chat' });
    const [first, second] = h.telegram.messages(RESELLER);
    expect(first!.html).toBe(t('help'));
    expect(second!.text).toBe(t('pending-empty'));
  });

  it('a graceful stop finishes the updates it already fetched before it returns', async () => {
    h = await Harness.start({ defaultLocale: 'en' });
    const session = startPolling(h.app.bot, h.log);
    const held = h.telegram.hold('sendMessage', { chatId: RESELLER });
    userSays(RESELLER, '/help');
    await held.arrived;

    let stopped = false;
    const stopping = session.stop().then(() => (stopped = true));
    await sleep(300);
    expect(stopped).toBe(false); // still waiting for the held reply
    held.release();
    await stopping;
    expect(h.telegram.messages(RESELLER)).toHaveLength(1);
    expect((await session.ended).kind).toBe('stopped');

    // The handled update was confirmed: a next poller does not get it again.
    const next = startPolling(h.app.bot, h.log);
    cleanups.push(() => next.stop());
    userSays(RESELLER, '/pending');
    await h.telegram.waitFor(() => h!.telegram.messages(RESELLER).length === 2, { what: 'the /pending reply' });
    await sleep(300);
    expect(h.telegram.messages(RESELLER)).toHaveLength(2);
  });
});

describe('the polling lease', () => {
  const LEASE_MS = 1_500;

  function leadership(app: App, owner: string, log: Logger, conflictBackoffMs = 10_000, clock: Clock = systemClock): PollingLeadership {
    const l = new PollingLeadership({
      connection: h!.db,
      owner,
      clock,
      leaseMs: LEASE_MS,
      poll: () => startPolling(app.bot, log),
      log,
      conflictBackoffMs,
    });
    cleanups.push(() => l.stop());
    return l;
  }

  it('lets exactly one of two polling processes poll; the other says so once, works as a worker and takes over when it stops', async () => {
    h = await Harness.start({ defaultLocale: 'en' });
    const first = h.app;
    const second = await h.boot();
    const one = memoryLogger();
    const two = memoryLogger();
    const leader = leadership(first, 'process-one', one.log);
    const follower = leadership(second, 'process-two', two.log);
    await leader.start();
    await follower.start();
    expect(leader.isLeader).toBe(true);
    expect(follower.isLeader).toBe(false);

    userSays(RESELLER, '/help');
    await h.waitForMessage(RESELLER, () => true, 'the /help reply');
    // Several lease lifetimes later: still one poller, one worker line, no 409 from Telegram.
    await sleep(LEASE_MS * 3);
    expect(leader.isLeader).toBe(true);
    expect(follower.isLeader).toBe(false);
    const workerLines = two
      .lines()
      .filter((l) => /another process is polling Telegram \(owner process-one\); running as a worker/.test(l.msg));
    expect(workerLines).toHaveLength(1);
    expect(one.lines().filter((l) => /another process is polling/.test(l.msg))).toHaveLength(0);
    expect(h.telegram.calls.filter((c) => c.method === 'getUpdates' && c.errorCode === 409)).toHaveLength(0);

    // The poller stops (released lease): the worker starts polling and answers.
    await leader.stop();
    await h.telegram.waitFor(() => follower.isLeader, { what: 'the worker taking over polling' });
    userSays(RESELLER, '/pending');
    await h.telegram.waitFor(() => h!.telegram.messages(RESELLER).length === 2, { what: 'the /pending reply from the new poller' });
  });

  it('a poller whose lease ran out and was taken over (a long pause) stops polling: one poller again, updates answered once', async () => {
    h = await Harness.start({ defaultLocale: 'en' });
    const first = h.app;
    const second = await h.boot();
    const one = memoryLogger();
    const two = memoryLogger();
    // Process one's renewals land too late (as after a GC pause or a frozen VM): its clock lags a
    // minute, so every expiry it writes is already past for process two.
    const lagging = { now: () => Date.now() - 60_000 };
    const a = leadership(first, 'process-one', one.log, 10_000, lagging);
    await a.start();
    expect(a.isLeader).toBe(true);
    const b = leadership(second, 'process-two', two.log);
    await b.start();
    await h.telegram.waitFor(() => b.isLeader && !a.isLeader, { what: 'process two polling, process one a worker' });
    expect(one.lines().some((l) => /lost the polling lease/.test(l.msg))).toBe(true);

    userSays(RESELLER, '/help');
    await h.waitForMessage(RESELLER, () => true, 'the /help reply');
    await sleep(LEASE_MS);
    expect(h.telegram.messages(RESELLER)).toHaveLength(1);
    expect(b.isLeader && !a.isLeader).toBe(true);
  });

  it('treats 409 Conflict from a poller outside the database as "someone else polls": logs it once, pauses, and polls again', async () => {
    h = await Harness.start({ defaultLocale: 'en' });
    const mem = memoryLogger();
    const l = leadership(h.app, 'process-one', mem.log, 300);
    await l.start();
    await h.telegram.waitFor(() => h!.telegram.callCount('getUpdates') > 0, { what: 'a first getUpdates' });
    await sleep(100);

    // Another bot instance with the same token (not in this database) long-polls: Telegram ends ours with 409.
    // (Its own poll may end with 409 in turn when ours resumes: that is Telegram's rule, not ours.)
    await fetch(`${h.telegram.apiRoot}/bot${h.telegram.token}/getUpdates?timeout=1`);
    await h.telegram.waitFor(() => mem.lines().some((x) => /409 Conflict/.test(x.msg)), { what: 'the conflict log line' });

    // Not fatal: it polls again after the pause and answers.
    userSays(RESELLER, '/help');
    await h.waitForMessage(RESELLER, () => true, 'the /help reply after the conflict');
    expect(l.isLeader).toBe(true);
    expect(mem.lines().filter((x) => /409 Conflict/.test(x.msg))).toHaveLength(1);
  });
});
