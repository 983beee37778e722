import { describe, expect, it } from 'vitest';
import { trackingModels } from '../../src/tracking/models.js';
import { useBotProcesses } from '../support/bot-processes.js';
import { RESELLER, TEST_API_KEY, sleep } from '../support/harness.js';
import { textMessageUpdate } from '../support/updates.js';

/**
 * The real bot as an OS process: a true kill -9 in the middle of fast polling, start-up config
 * errors, and a graceful SIGTERM. The in-process equivalents live in the Harness-based tests.
 */

// 0.2: a fast check every 600 ms, so the restarted process picks the order up quickly.
const TIME_SCALE = 0.2;

const bots = useBotProcesses({ dbPrefix: 'flexy_proc', timeScale: TIME_SCALE, defaults: { allowedUserIds: [RESELLER] } });

/**
 * Waits for a moment when the process holds no lease on the order and owes no delivery, with the
 * next check comfortably ahead: a kill then leaves nothing locked, as almost every real crash does
 * (a check holds its lease only for the few ms of a provider call). A kill during a call is covered
 * in-process (Harness.crashAndRestart with a short lease); in production that lease lasts 60 s.
 */
async function waitForQuietMoment(providerId: string): Promise<void> {
  const { Order } = trackingModels(bots.db);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const order = await Order.findOne({ providerId }).lean();
    const quiet =
      order &&
      order.pollLeaseUntil == null &&
      order.deliveryLeaseUntil == null &&
      order.deliverAt == null &&
      order.nextCheckAt != null &&
      order.nextCheckAt.getTime() - Date.now() > 250;
    if (quiet) return;
    await sleep(15);
  }
  throw new Error('the order never reached a moment without leases or pending deliveries');
}

describe('the bot as a process', () => {
  it('resumes polling after kill -9 and edits the same status message to the final state, once', async () => {
    const { topupId } = bots.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref: 'order-kill9' });
    bots.emulator.setStatus(topupId, 'PENDING');

    const first = bots.start();
    bots.telegram.pushUpdate(textMessageUpdate({ chatId: RESELLER, fromId: RESELLER, text: '/status order-kill9' }));
    const pending = await bots.telegram.waitFor(
      () => {
        const m = bots.telegram.lastMessage(RESELLER);
        return m && m.text.includes('⏳') && m.text.includes(topupId) ? m : undefined;
      },
      { timeoutMs: 20_000, what: 'the pending status message' },
    );
    await waitForQuietMoment(topupId);
    expect(await first.kill9()).toEqual({ code: null, signal: 'SIGKILL' });

    bots.emulator.setStatus(topupId, 'FULFILLED');
    const second = bots.start();
    const final = await bots.telegram.waitFor(
      () => {
        const m = bots.telegram.message(RESELLER, pending.message_id);
        return m?.text.includes('✅') ? m : undefined;
      },
      { timeoutMs: 20_000, what: 'the status message edited to fulfilled' },
    );
    expect(final.text).toContain('0778037340');

    // A clean stop finishes in-flight work, so nothing can still arrive after these counts.
    expect(await second.stop(), second.output).toEqual({ code: 0, signal: null });
    const messages = bots.telegram.messages(RESELLER);
    expect(messages.map((m) => m.message_id)).toEqual([pending.message_id]);
    expect(messages[0]!.history.filter((html) => html.includes('✅'))).toHaveLength(1);
    for (const p of [first, second]) {
      expect(p.output).not.toContain(bots.telegram.token);
      expect(p.output).not.toContain(TEST_API_KEY);
    }
  }, 60_000);

  it('stops at once with one clear line per configuration problem and never prints the token', async () => {
    const secretToken = 'not-a-token-Zq8Jx3Vv9Lm2Pp7Rr4Tt';
    const empty = bots.startWithEnv({});
    const bad = bots.startWithEnv({ BOT_TOKEN: secretToken, TIME_SCALE: 'fast', ALLOWED_USER_IDS: '111111,@boss' });
    const [emptyExit, badExit] = await Promise.all([empty.waitForExit(), bad.waitForExit()]);

    expect(emptyExit.code).toBe(1);
    expect(empty.stderr).toMatch(/^config error: BOT_TOKEN .+$/m);
    expect(
      empty.stderr
        .trim()
        .split('\n')
        .every((l) => l.startsWith('config error: ')),
    ).toBe(true);

    expect(badExit.code).toBe(1);
    const lines = bad.stderr.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.find((l) => l.startsWith('config error: BOT_TOKEN '))).toBeDefined();
    expect(lines.find((l) => l.startsWith('config error: TIME_SCALE '))).toBeDefined();
    expect(lines.find((l) => l.startsWith('config error: ALLOWED_USER_IDS '))).toContain('@boss');

    for (const p of [empty, bad]) {
      expect(p.output).not.toMatch(/^\s+at /m); // no stack trace
      expect(p.stdout).toBe('');
    }
    expect(bad.output).not.toContain(secretToken);
  }, 30_000);

  it('exits 0 on SIGTERM, both during start-up and while long polling', async () => {
    const starting = bots.start();
    await starting.waitForLog(/connected to MongoDB/);
    expect(await starting.stop(10_000), starting.output).toEqual({ code: 0, signal: null });
    expect(starting.stdout).toMatch(/"msg":"bye"/);

    const polling = bots.start();
    await polling.waitForLog(/bot started \(long polling\)/);
    await bots.telegram.waitFor(() => bots.telegram.callCount('getUpdates') > 0, { timeoutMs: 10_000, what: 'a getUpdates long poll' });
    // Polling mode serves the ops endpoints too (no webhook route).
    const base = `http://127.0.0.1:${await polling.httpPort()}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${base}/readyz`)).json()).toMatchObject({ status: 'ready', mongodb: 'up', background: 'running' });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^flexybot_telegram_requests_total\{method="getMe",outcome="ok"\} 1$/m);
    expect(metrics).toMatch(/^process_resident_memory_bytes \d+/m);
    expect((await fetch(`${base}/telegram`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect(await polling.stop(10_000), polling.output).toEqual({ code: 0, signal: null });
    expect(polling.stdout).toMatch(/"msg":"bye"/);
  }, 30_000);

  it('webhook mode: registers the webhook, survives garbage and forged updates, answers real ones once', async () => {
    const bot = bots.start({
      env: { BOT_MODE: 'webhook', WEBHOOK_URL: 'https://bot.example.test', WEBHOOK_SECRET: 'hook-secret_1' },
    });
    const port = await bot.httpPort();
    await bot.waitForLog(/bot started \(webhook\)/);
    const hook = bots.telegram.calls.find((c) => c.method === 'setWebhook');
    expect(hook?.params).toMatchObject({ url: 'https://bot.example.test/telegram', secret_token: 'hook-secret_1' });

    const post = (body: string, secret?: string) =>
      fetch(`http://127.0.0.1:${port}/telegram`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
        body,
      });
    const help = textMessageUpdate({ chatId: RESELLER, fromId: RESELLER, text: '/help' });
    // Forged (wrong or no secret), not JSON, JSON that is no update, 2 MB: each refused, none fatal.
    expect((await post(JSON.stringify(help), 'wrong')).status).toBe(401);
    expect((await post(JSON.stringify(help))).status).toBe(401);
    expect((await post('{"update_id": 1, "message": ', 'hook-secret_1')).status).toBe(400);
    expect((await post('[1,2,3]', 'hook-secret_1')).status).toBe(400);
    expect((await post(`{"update_id":5,"pad":"${'x'.repeat(2 * 1024 * 1024)}"}`, 'hook-secret_1')).status).toBe(413);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    expect(bots.telegram.messages(RESELLER)).toHaveLength(0);

    // Telegram delivers the same update twice (e.g. it missed our first 200): one answer.
    expect((await post(JSON.stringify(help), 'hook-secret_1')).status).toBe(200);
    expect((await post(JSON.stringify(help), 'hook-secret_1')).status).toBe(200);
    await bots.telegram.waitFor(() => bots.telegram.lastMessage(RESELLER), { what: 'the /help answer' });
    const language = textMessageUpdate({ chatId: RESELLER, fromId: RESELLER, text: '/language' });
    expect((await post(JSON.stringify(language), 'hook-secret_1')).status).toBe(200);
    await bots.telegram.waitFor(() => bots.telegram.messages(RESELLER).length >= 2 || undefined, { what: 'the /language answer' });
    expect(bots.telegram.messages(RESELLER)).toHaveLength(2); // /help once, /language once
    expect(await bot.stop(10_000), bot.output).toEqual({ code: 0, signal: null });
    expect(bot.output).not.toContain('hook-secret_1');
    expect(bot.output).not.toContain(bots.telegram.token);
  }, 30_000);
});
