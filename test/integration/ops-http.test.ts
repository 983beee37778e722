import http from 'node:http';
import mongoose, { type Connection } from 'mongoose';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { Update } from 'grammy/types';
import { Readiness } from '../../src/ops/health.js';
import { startHttpServer, type HttpServer } from '../../src/ops/http-server.js';
import { Metrics } from '../../src/ops/metrics.js';
import { createWebhookHandler, type UpdateHandler } from '../../src/ops/webhook.js';
import { createLogger, silentLogger } from '../../src/shared/logger.js';
import { Harness, RESELLER, STRANGER, TEST_API_KEY, sleep } from '../support/harness.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { textMessageUpdate } from '../support/updates.js';

/**
 * The ops listener in-process (port 0): the webhook as Telegram and as an attacker would use it,
 * /healthz, /readyz against a MongoDB that goes away, and /metrics. The real process is covered in
 * process-restart.test.ts.
 */

const SECRET = 'hook-secret_0123456789';
const METRICS_TOKEN = 'scrape-token-0123456789abcdef';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** Log lines written by a real createLogger, parsed. */
function capturedLogger(secrets: string[] = []) {
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const log = createLogger('debug', secrets, {
    write: (s: string) => {
      raw.push(s);
      lines.push(JSON.parse(s) as Record<string, unknown>);
    },
  });
  return { log, lines, raw };
}

interface Started {
  h: Harness;
  server: HttpServer;
  metrics: Metrics;
  base: string;
  logs: ReturnType<typeof capturedLogger>;
}

/** A whole bot (Harness) with metrics, served by the ops listener in webhook mode. */
async function startWebhookBot(opts: { metricsToken?: string; bot?: UpdateHandler; ackTimeoutMs?: number } = {}): Promise<Started> {
  const metrics = new Metrics();
  const h = await Harness.start({ app: { metrics } });
  cleanups.push(() => h.close());
  const logs = capturedLogger([SECRET, TEST_API_KEY, h.telegram.token]);
  const server = await startHttpServer({
    port: 0,
    log: logs.log,
    metrics,
    metricsToken: opts.metricsToken,
    readiness: new Readiness({ database: () => h.db, backgroundRunning: () => true }),
  });
  cleanups.push(() => server.close());
  server.attachWebhook(
    createWebhookHandler({
      bot: opts.bot ?? h.app.bot,
      secret: SECRET,
      log: logs.log,
      count: metrics.countWebhookRequest,
      ...(opts.ackTimeoutMs !== undefined ? { ackTimeoutMs: opts.ackTimeoutMs } : {}),
    }),
  );
  return { h, server, metrics, base: `http://127.0.0.1:${server.port}`, logs };
}

function post(base: string, body: string, secret?: string): Promise<Response> {
  return fetch(`${base}/telegram`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret !== undefined ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
    body,
  });
}

/** Feeds an update the way Telegram does: the user's message exists first, then the POST. */
function postUpdate(s: Started, update: Update, secret = SECRET): Promise<Response> {
  s.h.telegram.recordIncoming(update);
  return post(s.base, JSON.stringify(update), secret);
}

/**
 * Streams a body in 64 KB chunks without a Content-Length and without ending it, until the server
 * answers; returns the status and how many bytes had been sent by then.
 */
function streamUntilAnswered(port: number, maxBytes: number): Promise<{ status: number; sentBytes: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = http.request({
      port,
      host: '127.0.0.1',
      method: 'POST',
      path: '/telegram',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET, 'transfer-encoding': 'chunked' },
    });
    req.on('response', (res) => {
      answered = true;
      res.resume();
      resolve({ status: res.statusCode ?? 0, sentBytes: sent });
    });
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const pump = () => {
      while (!answered && sent < maxBytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    req.write('{"update_id":1,"pad":"');
    pump();
  });
}

describe('webhook (POST /telegram)', () => {
  it('refuses garbage, oversized and forged requests, stays up, then handles a real update', async () => {
    const s = await startWebhookBot();
    const forged = textMessageUpdate({ chatId: RESELLER, fromId: RESELLER, text: '/help' });

    expect((await post(s.base, JSON.stringify(forged))).status).toBe(401); // an allowed user's update, no secret
    expect((await post(s.base, JSON.stringify(forged), 'hook-secret_0123456788')).status).toBe(401);
    expect((await post(s.base, JSON.stringify(forged), '')).status).toBe(401);
    expect((await post(s.base, 'this is not json', SECRET)).status).toBe(400);
    expect((await post(s.base, '{"update_id":', SECRET)).status).toBe(400);
    expect((await post(s.base, '{"message":{"text":"/help"}}', SECRET)).status).toBe(400); // no update_id
    expect((await post(s.base, '"a string"', SECRET)).status).toBe(400);
    // 2 MB announced with Content-Length: refused from the header.
    expect((await post(s.base, `{"update_id":7,"pad":"${'x'.repeat(2 * 1024 * 1024)}"}`, SECRET)).status).toBe(413);
    // Streamed without a length: refused once 1 MB has arrived, while the client is still sending.
    const streamed = await streamUntilAnswered(s.server.port, 8 * 1024 * 1024);
    expect(streamed.status).toBe(413);
    expect(streamed.sentBytes).toBeLessThan(8 * 1024 * 1024);

    // Other paths and methods answer sanely; nothing was sent to anyone.
    expect((await fetch(`${s.base}/telegram`)).status).toBe(405);
    expect((await fetch(`${s.base}/nope`)).status).toBe(404);
    expect((await fetch(`${s.base}/healthz`, { method: 'DELETE' })).status).toBe(405);
    expect((await fetch(`${s.base}/__proto__`)).status).toBe(404);
    expect(s.h.telegram.callCount('sendMessage')).toBe(0);

    const real = textMessageUpdate({ chatId: RESELLER, fromId: RESELLER, text: '/help' });
    expect((await postUpdate(s, real)).status).toBe(200);
    await s.h.waitForMessage(RESELLER, () => true, 'the /help answer');
    expect(s.h.telegram.messages(RESELLER)).toHaveLength(1);
    expect((await fetch(`${s.base}/healthz`)).status).toBe(200);
    expect(s.logs.raw.join('')).not.toContain(SECRET);

    // Shutting down: new updates get 503 (Telegram or the proxy tries again elsewhere).
    await s.server.detachWebhook();
    expect((await postUpdate(s, textMessageUpdate({ chatId: RESELLER, fromId: RESELLER, text: '/help' }))).status).toBe(503);
    expect(s.h.telegram.messages(RESELLER)).toHaveLength(1);
  });

  it('handles a redelivered update_id once, even when both deliveries arrive together', async () => {
    const s = await startWebhookBot();
    const help = textMessageUpdate({ chatId: RESELLER, fromId: RESELLER, text: '/help' });
    const [a, b] = await Promise.all([postUpdate(s, help), postUpdate(s, help)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect((await postUpdate(s, help)).status).toBe(200); // a late redelivery
    await s.h.waitForMessage(RESELLER, () => true, 'the /help answer');
    // A later update proves the pipeline is idle: anything the duplicates caused would be out by then.
    const language = textMessageUpdate({ chatId: RESELLER, fromId: RESELLER, text: '/language' });
    expect((await postUpdate(s, language)).status).toBe(200);
    await s.h.telegram.waitFor(() => s.h.telegram.messages(RESELLER).length >= 2 || undefined, { what: 'the /language answer' });
    await s.h.waitUntilDelivered();
    expect(s.h.telegram.messages(RESELLER)).toHaveLength(2);
  });

  it('logs a handler that throws, still answers 200, and keeps serving', async () => {
    let calls = 0;
    const throwing: UpdateHandler = {
      handleUpdate: () => {
        calls++;
        return Promise.reject(new Error('handler exploded'));
      },
    };
    const s = await startWebhookBot({ bot: throwing });
    const update = textMessageUpdate({ chatId: RESELLER, fromId: RESELLER, text: '/help' });
    expect((await post(s.base, JSON.stringify(update), SECRET)).status).toBe(200);
    expect(calls).toBe(1);
    const line = s.logs.lines.find((l) => l.msg === 'webhook update handling failed');
    expect(line).toMatchObject({ level: 50, updateId: update.update_id });
    expect(JSON.stringify(line)).toContain('handler exploded');
    expect((await fetch(`${s.base}/healthz`)).status).toBe(200);
    expect(
      (await post(s.base, JSON.stringify(textMessageUpdate({ chatId: RESELLER, fromId: RESELLER, text: '/help' })), SECRET)).status,
    ).toBe(200);
    expect(calls).toBe(2);
  });

  it('acknowledges an update whose handler hangs once the safety timeout passes, and lets it finish', async () => {
    let finish!: () => void;
    const hanging: UpdateHandler = { handleUpdate: () => new Promise<void>((resolve) => (finish = resolve)) };
    const s = await startWebhookBot({ bot: hanging, ackTimeoutMs: 200 });
    const update = textMessageUpdate({ chatId: RESELLER, fromId: RESELLER, text: '/help' });
    expect((await post(s.base, JSON.stringify(update), SECRET)).status).toBe(200);
    expect(s.logs.lines.find((l) => l.msg === 'update handler still running: acknowledged to avoid a redelivery')).toMatchObject({
      updateId: update.update_id,
    });
    finish();
    await s.h.telegram.waitFor(() => s.logs.lines.find((l) => l.msg === 'slow update handler finished'), { what: 'the late finish line' });
  });

  it('refuses a stranger through the webhook exactly as in polling mode (the secret proves Telegram, not the user)', async () => {
    const s = await startWebhookBot();
    const update = textMessageUpdate({ chatId: STRANGER, fromId: STRANGER, text: '/status order-1' });
    expect((await postUpdate(s, update)).status).toBe(200);
    const refusal = await s.h.waitForMessage(STRANGER, () => true, 'the refusal');
    expect(refusal.text).toContain(String(STRANGER));
    expect(s.h.emulator.requests.filter((r) => r.path.includes('/check-'))).toEqual([]);
  });
});

describe('/healthz and /readyz', () => {
  it('readiness turns 503 when MongoDB goes away and 200 when it comes back; liveness stays 200', async () => {
    const { proxy, uriThroughProxy } = TcpProxy.forMongoUri(inject('mongoUri'));
    const port = await proxy.start();
    cleanups.push(() => proxy.close());
    const connection: Connection = await mongoose
      .createConnection(uriThroughProxy(port), { dbName: 'flexy_ops_readyz', serverSelectionTimeoutMS: 1_000, heartbeatFrequencyMS: 500 })
      .asPromise();
    cleanups.push(() => connection.close(true));
    let running = true;
    const server = await startHttpServer({
      port: 0,
      log: silentLogger(),
      metrics: new Metrics({ defaultMetrics: false }),
      readiness: new Readiness({
        database: () => connection,
        backgroundRunning: () => running,
        keyStates: () => ({ env: 'rejected by the provider' }),
      }),
    });
    cleanups.push(() => server.close());
    const base = `http://127.0.0.1:${server.port}`;
    const readyz = async () => {
      const res = await fetch(`${base}/readyz`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const waitForReadyz = async (status: number) => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const r = await readyz();
        if (r.status === status) return r;
        if (Date.now() > deadline) throw new Error(`/readyz never answered ${status}: ${JSON.stringify(r)}`);
        await sleep(100);
      }
    };

    // A rejected key is reported, but does not make the replica unready.
    expect(await readyz()).toEqual({
      status: 200,
      body: { status: 'ready', mongodb: 'up', background: 'running', keys: { env: 'rejected by the provider' } },
    });

    proxy.cutOff();
    const down = await waitForReadyz(503);
    expect(down.body).toMatchObject({ status: 'not ready', mongodb: 'down', background: 'running' });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    proxy.restore();
    expect((await waitForReadyz(200)).body).toMatchObject({ mongodb: 'up' });

    running = false; // shutting down: out of rotation at once
    expect((await readyz()).body).toMatchObject({ status: 'not ready', background: 'stopped' });

    const head = await fetch(`${base}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});

describe('/metrics', () => {
  it('counts provider and Telegram calls of a /status, 429s included, and requires the bearer token when set', async () => {
    const s = await startWebhookBot({ metricsToken: METRICS_TOKEN });
    s.h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref: 'order-metrics' });
    s.h.telegram.failNext('sendMessage', { code: 429, retryAfter: 1 }, { chatId: RESELLER });
    expect((await postUpdate(s, textMessageUpdate({ chatId: RESELLER, fromId: RESELLER, text: '/status order-metrics' }))).status).toBe(
      200,
    );
    await s.h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'the fulfilled status');
    await s.h.waitUntilDelivered();

    expect((await fetch(`${s.base}/metrics`)).status).toBe(401);
    expect((await fetch(`${s.base}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789abcd' } })).status).toBe(401);
    expect((await fetch(`${s.base}/metrics`, { headers: { authorization: METRICS_TOKEN } })).status).toBe(401); // not a bearer header
    const res = await fetch(`${s.base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    const value = (series: string): number => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? 0 : Number(line.slice(series.length + 1));
    };

    expect(value('flexybot_provider_requests_total{endpoint="/v3/mobile/check-ref/:ref",outcome="200"}')).toBeGreaterThanOrEqual(1);
    expect(
      value('flexybot_provider_request_duration_seconds_count{endpoint="/v3/mobile/check-ref/:ref",outcome="200"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(value('flexybot_telegram_requests_total{method="sendMessage",outcome="ok"}')).toBeGreaterThanOrEqual(1);
    expect(value('flexybot_telegram_requests_total{method="sendMessage",outcome="429"}')).toBe(1);
    expect(value('flexybot_telegram_rate_limited_total{method="sendMessage"}')).toBe(1);
    expect(value('flexybot_orders{phase="final"}')).toBe(1);
    expect(value('flexybot_orders{phase="fast"}')).toBe(0);
    expect(value('flexybot_oldest_overdue_recheck_seconds')).toBe(0);
    expect(value('flexybot_webhook_requests_total{outcome="ok"}')).toBe(1);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    // No order, chat or ref in any label.
    expect(text).not.toContain('order-metrics');
    expect(text).not.toContain(String(RESELLER));
  });
});
