import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import type { CommandStartedEvent } from 'mongodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { OneClickClient } from '../../src/provider/client.js';
import { systemClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { LongTailSweep } from '../../src/tracking/long-tail-sweep.js';
import { trackingModels, type TrackingModels } from '../../src/tracking/models.js';
import { OrderTracker } from '../../src/tracking/tracker.js';
import { OneClickEmulator } from '../support/oneclick-emulator.js';

/**
 * The long-tail sweep's MongoDB cost grows with pages, not with orders: it claims a page of due
 * orders with one updateMany and one find, and writes their results with one bulkWrite, instead of a
 * round trip per order. Commands are counted with the driver's command monitoring on a dedicated
 * connection that only the sweep uses. Two sweeps at once still check every order exactly once.
 */
const KEY = 'sandbox-key-for-sweep-tests-0123';
const HOUR = 3_600_000;
let emulator: OneClickEmulator;
let connection: Connection;
let models: TrackingModels;
const commands: string[] = [];

beforeAll(async () => {
  emulator = new OneClickEmulator({ apiKey: KEY });
  await emulator.start();
  connection = await mongoose
    .createConnection(inject('mongoUri'), { dbName: `flexy_test_sweep_${randomBytes(4).toString('hex')}`, monitorCommands: true })
    .asPromise();
  connection.getClient().on('commandStarted', (e: CommandStartedEvent) => {
    if ((e.command as Record<string, unknown>)[e.commandName] === 'orders') commands.push(e.commandName);
  });
  models = trackingModels(connection);
  await models.Order.init();
});
afterAll(async () => {
  await connection.dropDatabase();
  await connection.close();
  await emulator.close();
});
beforeEach(async () => {
  await models.Order.deleteMany({});
  emulator.resetCounters();
});

function sweepWith(opts: { pageSize: number; listThreshold?: number }) {
  const client = new OneClickClient({
    baseUrl: emulator.url,
    apiKey: KEY,
    timeoutMs: 5_000,
    retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 100 },
  });
  const sources = () => client;
  const log = silentLogger();
  const tracker = new OrderTracker({ models, sources, clock: systemClock, timeScale: 1, log });
  return new LongTailSweep({
    models,
    tracker,
    sources,
    clock: systemClock,
    log,
    listThreshold: opts.listThreshold ?? 1_000_000,
    pageSize: opts.pageSize,
    coalesceMs: 0,
    concurrency: 8,
  });
}

/** N orders in the long tail (UNKNOWN_ERROR), all due; every third one has meanwhile been FULFILLED. */
async function seedDue(n: number): Promise<string[]> {
  const now = Date.now();
  const ids: string[] = [];
  const docs = [];
  for (let i = 0; i < n; i++) {
    const { topupId } = emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref: `sweep-${i}-${now}` });
    emulator.setStatus(topupId, i % 3 === 0 ? 'FULFILLED' : 'UNKNOWN_ERROR');
    ids.push(topupId);
    const seen = emulator.getOrder(topupId)!;
    docs.push({
      // As last seen by the bot: still UNKNOWN_ERROR, with the provider's creation time.
      payload: { kind: 'mobile', id: topupId, ref: `sweep-${i}-${now}`, status: 'UNKNOWN_ERROR', created_at: seen.created_at, raw: {} },
      accountId: 'env',
      providerId: topupId,
      kind: 'mobile',
      ref: `sweep-${i}-${now}`,
      phase: 'long',
      status: 'UNKNOWN_ERROR',
      statusClass: 'verifying',
      history: [],
      trackingSince: new Date(now - HOUR),
      nextCheckAt: new Date(now - 1_000 - i),
      longTail: { reason: 'verifying', since: new Date(now - HOUR), until: new Date(now + 48 * HOUR), checks: 0 },
    });
  }
  await models.Order.insertMany(docs);
  return ids;
}

async function sweepCommands(n: number, pageSize: number): Promise<{ commands: number; checked: number }> {
  await models.Order.deleteMany({});
  await seedDue(n);
  commands.length = 0;
  const { checked } = await sweepWith({ pageSize }).run();
  return { commands: commands.length, checked };
}

describe('the long-tail sweep in bulk', () => {
  it('uses a number of MongoDB commands that grows with pages, not with orders', async () => {
    const pageSize = 25;
    const small = await sweepCommands(10, pageSize); // 1 page
    const large = await sweepCommands(60, pageSize); // 3 pages
    expect(small.checked).toBe(10);
    expect(large.checked).toBe(60);
    // Per page: read candidates, claim (updateMany + find), one bulkWrite; the last page ends the run.
    const perPage = 5;
    expect(small.commands).toBeLessThanOrEqual(perPage * 1);
    expect(large.commands).toBeLessThanOrEqual(perPage * 3);
    expect(large.commands).toBeLessThan(60); // the per-order sweep needed 2+ commands per order

    // Results were written: resolved orders are final and owe their chats a delivery; the others
    // were rescheduled within the hour; each was checked exactly once.
    const orders = await models.Order.find({}).lean();
    expect(orders.filter((o) => o.phase === 'final')).toHaveLength(20);
    for (const o of orders.filter((o) => o.phase === 'final')) expect(o.deliverAt).not.toBeNull();
    for (const o of orders.filter((o) => o.phase === 'long')) {
      expect(o.nextCheckAt!.getTime()).toBeGreaterThan(Date.now());
      expect(o.nextCheckAt!.getTime()).toBeLessThanOrEqual(Date.now() + HOUR);
    }
    expect(orders.every((o) => o.providerCalls === 1 && o.pollLeaseOwner === null)).toBe(true);
  });

  it('also in bulk when list pages answer for the orders', async () => {
    await seedDue(60);
    commands.length = 0;
    const { checked, listCalls } = await sweepWith({ pageSize: 100, listThreshold: 5 }).run();
    expect(checked).toBe(60);
    expect(listCalls).toBeGreaterThan(0);
    expect(emulator.callCount(/check-id/)).toBe(0);
    expect(commands.length).toBeLessThanOrEqual(5);
    expect(await models.Order.countDocuments({ phase: 'final' })).toBe(20);
  });

  it('two sweeps running at once check every order exactly once', async () => {
    await seedDue(60);
    const [a, b] = await Promise.all([sweepWith({ pageSize: 20 }).run(), sweepWith({ pageSize: 20 }).run()]);
    expect(a.checked + b.checked).toBe(60);
    expect(emulator.callCount(/check-id/)).toBe(60);
    const orders = await models.Order.find({}).lean();
    expect(orders.every((o) => o.providerCalls === 1)).toBe(true);
    expect(orders.filter((o) => o.phase === 'final')).toHaveLength(20);
  });
});
