import { describe, expect, it } from 'vitest';
import type { BotProcess } from '../support/bot-process.js';
import { useBotProcesses } from '../support/bot-processes.js';
import { RESELLER, STAFF, sleep } from '../support/harness.js';
import { textMessageUpdate } from '../support/updates.js';

/**
 * Several real bot processes (node src/main.ts) on one database, as an operator runs them: two
 * polling processes started by mistake, webhook replicas behind one URL, and a graceful stop with an
 * update in flight.
 */

// 0.1: the polling lease lasts 30 s x 0.1 = 3 s.
const TIME_SCALE = 0.1;
const WORKER_LINE = /another process is polling Telegram \(owner [^)]+\); running as a worker/;

const bots = useBotProcesses({ dbPrefix: 'flexy_inst', timeScale: TIME_SCALE, defaults: { allowedUserIds: [RESELLER, STAFF] } });

function count(output: string, pattern: RegExp): number {
  return output.split('\n').filter((l) => pattern.test(l)).length;
}

describe('several bot processes on one database', () => {
  it('two processes in polling mode: exactly one polls, the other says so once and works; after kill -9 of the poller the other polls and answers', async () => {
    const first = bots.start();
    await first.waitForLog(/bot started \(long polling\)/);
    const second = bots.start();
    await second.waitForLog(WORKER_LINE);

    // Several lease lifetimes (3 s each) later: nobody exited, nobody else polls, one line only.
    await sleep(8_000);
    expect(count(second.output, WORKER_LINE)).toBe(1);
    expect(count(second.output, /bot started \(long polling\)/)).toBe(0);
    expect(count(first.output, WORKER_LINE)).toBe(0);
    expect(bots.telegram.calls.filter((c) => c.method === 'getUpdates' && c.errorCode === 409)).toHaveLength(0);
    bots.telegram.pushUpdate(textMessageUpdate({ chatId: RESELLER, fromId: RESELLER, text: '/help' }));
    await bots.telegram.waitFor(() => bots.telegram.messages(RESELLER).length === 1, { what: 'the /help reply from the poller' });

    expect(await first.kill9()).toEqual({ code: null, signal: 'SIGKILL' });
    await second.waitForLog(/takes over polling/, 15_000);
    await second.waitForLog(/bot started \(long polling\)/);

    const { topupId } = bots.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref: 'after-kill' });
    bots.emulator.setStatus(topupId, 'PENDING');
    bots.telegram.pushUpdate(textMessageUpdate({ chatId: STAFF, fromId: STAFF, text: '/status after-kill' }));
    await bots.telegram.waitFor(() => bots.telegram.lastMessage(STAFF)?.text.includes(topupId), {
      what: 'the /status answer from the new poller',
    });
    expect(await second.stop(15_000), second.output).toEqual({ code: 0, signal: null });
  }, 90_000);

  it('BOT_MODE=worker takes no updates; a polling process beside it does', async () => {
    const worker = bots.start({ env: { BOT_MODE: 'worker' } });
    await worker.waitForLog(/running as a worker \(BOT_MODE=worker\)/);
    bots.telegram.pushUpdate(textMessageUpdate({ chatId: RESELLER, fromId: RESELLER, text: '/help' }));
    await sleep(2_000);
    expect(bots.telegram.callCount('getUpdates')).toBe(0);
    expect(bots.telegram.messages(RESELLER)).toHaveLength(0);

    const poller = bots.start();
    await poller.waitForLog(/bot started \(long polling\)/);
    await bots.telegram.waitFor(() => bots.telegram.messages(RESELLER).length === 1, { what: 'the /help reply from the poller' });
    expect(count(worker.output, WORKER_LINE)).toBe(0);
    for (const p of [worker, poller]) expect(await p.stop(15_000), p.output).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('SIGTERM while an update is in flight: its reply arrives before the process exits', async () => {
    const bot = bots.start();
    await bot.waitForLog(/bot started \(long polling\)/);
    const held = bots.telegram.hold('sendMessage', { chatId: RESELLER });
    bots.telegram.pushUpdate(textMessageUpdate({ chatId: RESELLER, fromId: RESELLER, text: '/help' }));
    await held.arrived;

    let exited = false;
    const stopping = bot.stop(20_000).then((exit) => {
      exited = true;
      return exit;
    });
    await bot.waitForLog(/shutting down/);
    await sleep(1_000);
    expect(exited).toBe(false); // waiting for the update in flight

    held.release();
    expect(await stopping, bot.output).toEqual({ code: 0, signal: null });
    const replies = bots.telegram.messages(RESELLER);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toContain('/status');
  }, 60_000);

  it('two processes in webhook mode: both take updates, and a long-tail resolution is announced once per chat', async () => {
    const secret = 'hook-secret_2';
    const longTail = {
      RECHECK_UNKNOWN_ERROR_EVERY: '20s', // x 0.1 = every 2 s
      RECHECK_SWEEP_EVERY: '5s', // x 0.1 = every 0.5 s
    };
    // Telegram's front fails the first registrations: the replicas retry instead of exiting.
    bots.telegram.failNext('setWebhook', { code: 502 }, { times: 2 });
    // Each listens on a free port it picks (PORT 0) and logs: a port drawn at random may already be
    // taken on a machine where other tests' servers and connections hold ports.
    const replicas = [0, 1].map(() =>
      bots.start({
        env: { BOT_MODE: 'webhook', WEBHOOK_URL: 'https://bot.example.test', WEBHOOK_SECRET: secret, PORT: '0', ...longTail },
      }),
    );
    await Promise.all(replicas.map((r) => r.waitForLog(/bot started \(webhook\)/)));
    const ports = await Promise.all(replicas.map((r) => r.httpPort()));
    expect(bots.telegram.calls.filter((c) => c.method === 'setWebhook' && !c.ok)).toHaveLength(2);

    const post = (port: number, text: string, chatId: number) =>
      fetch(`http://127.0.0.1:${port}/telegram`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
        body: JSON.stringify(textMessageUpdate({ chatId, fromId: chatId, text })),
      });

    const { topupId } = bots.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0600000003', amount: 500, ref: 'two-hooks' });
    bots.emulator.setStatus(topupId, 'UNKNOWN_ERROR');
    expect((await post(ports[0]!, '/status two-hooks', RESELLER)).status).toBe(200);
    expect((await post(ports[1]!, '/status two-hooks', STAFF)).status).toBe(200);
    for (const chat of [RESELLER, STAFF]) {
      await bots.telegram
        .waitFor(() => bots.telegram.lastMessage(chat)?.text.includes('⚠️'), { what: `the verifying status in chat ${chat}` })
        .catch(withWarnings(replicas));
    }
    // Both replicas recheck in the long tail (the sweep is shared through Agenda and the order leases).
    await bots.telegram.waitFor(() => bots.emulator.callCount(/check-id/) >= 3, { what: 'a few long-tail rechecks', timeoutMs: 20_000 });

    bots.emulator.setStatus(topupId, 'FULFILLED');
    for (const chat of [RESELLER, STAFF]) {
      await bots.telegram
        .waitFor(() => bots.telegram.messages(chat).length >= 2, { what: `the announcement in chat ${chat}`, timeoutMs: 20_000 })
        .catch(withWarnings(replicas));
    }
    // A duplicate could only come from work whose claim expired: wait until no lease on the order or
    // its watchers is still running, then a few more recheck rounds.
    await waitUntilNoLeaseHeld(20_000);
    await sleep(3 * 2_000);
    for (const chat of [RESELLER, STAFF]) {
      const messages = bots.telegram.messages(chat);
      expect(messages, `chat ${chat}`).toHaveLength(2);
      expect(messages[1]!.text).toContain('✅');
    }
    for (const r of replicas) expect(await r.stop(15_000), r.output).toEqual({ code: 0, signal: null });
  }, 90_000);
});

/** Rethrows a failed wait with what the processes logged at warn level or above (why the work stalled). */
function withWarnings(processes: BotProcess[]): (err: Error) => never {
  return (err) => {
    const lines = processes.flatMap((p, i) =>
      p.output
        .split('\n')
        .filter((l) => /"level":(40|50|60)/.test(l))
        .map((l) => `#${i} ${l.slice(0, 600)}`),
    );
    throw new Error(`${err.message}\n--- warnings of the processes ---\n${lines.join('\n') || '(none)'}`);
  };
}

/** Waits until every `…LeaseUntil` date on orders and watchers is unset or in the past. */
async function waitUntilNoLeaseHeld(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const docs = [...(await bots.db.collection('orders').find().toArray()), ...(await bots.db.collection('watchers').find().toArray())];
    const now = Date.now();
    const held = docs.some((d) => Object.entries(d).some(([k, v]) => /LeaseUntil$/.test(k) && v instanceof Date && v.getTime() > now));
    if (!held) return;
    if (Date.now() >= deadline) throw new Error('a lease on the order or its watchers stayed held');
    await sleep(50);
  }
}
