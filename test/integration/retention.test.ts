import { Types } from 'mongoose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness, RESELLER } from '../support/harness.js';

/**
 * Data retention: orders closed for more than RETENTION_DAYS go with their watchers, through TTL
 * indexes on `closedAt` that start-up (app.prepare) sets to the configured period.
 */
let h: Harness;
beforeEach(async () => {
  h = await Harness.start({ env: { RETENTION_DAYS: '90' } });
});
afterEach(async () => {
  await h.close();
});

const DAY_S = 86_400;

async function ttlSeconds(collection: 'orders' | 'watchers'): Promise<number | undefined> {
  const indexes = await h.db.collection(collection).indexes();
  return indexes.find((i) => Object.keys(i.key).length === 1 && i.key.closedAt === 1)?.expireAfterSeconds;
}

describe('retention', () => {
  it('start-up sets the TTL indexes to RETENTION_DAYS, and a restart with another value changes them', async () => {
    expect(await ttlSeconds('orders')).toBe(90 * DAY_S);
    expect(await ttlSeconds('watchers')).toBe(90 * DAY_S);

    h.config = { ...h.config, retentionDays: 30 };
    await h.crashAndRestart();
    expect(await ttlSeconds('orders')).toBe(30 * DAY_S);
    expect(await ttlSeconds('watchers')).toBe(30 * DAY_S);
    // Only one TTL index per collection: the old one was changed, not duplicated.
    const ordersTtl = (await h.db.collection('orders').indexes()).filter((i) => i.expireAfterSeconds !== undefined);
    expect(ordersTtl).toHaveLength(1);
  });

  it('gives closed orders written by an earlier version (no closedAt) one at start-up, on the order and its watchers', async () => {
    const updatedAt = new Date('2026-01-15T10:00:00Z');
    const orderId = new Types.ObjectId();
    const openId = new Types.ObjectId();
    // The shape the previous version wrote: no closedAt anywhere.
    await h.db.collection('orders').insertMany([
      {
        _id: orderId,
        accountId: 'env',
        providerId: new Types.ObjectId().toHexString(),
        phase: 'final',
        status: 'FULFILLED',
        history: [],
        trackingSince: updatedAt,
        nextCheckAt: null,
        pollLeaseUntil: null,
        deliveryLeaseUntil: null,
        createdAt: updatedAt,
        updatedAt,
      },
      {
        _id: openId,
        accountId: 'env',
        providerId: new Types.ObjectId().toHexString(),
        phase: 'long',
        status: 'UNKNOWN_ERROR',
        history: [],
        trackingSince: updatedAt,
        nextCheckAt: new Date(Date.now() + 3_600_000),
        pollLeaseUntil: null,
        deliveryLeaseUntil: null,
        createdAt: updatedAt,
        updatedAt,
      },
    ]);
    await h.db.collection('watchers').insertMany([
      { orderId, accountId: 'env', chatId: RESELLER, locale: 'ar', messageId: 7, muted: false, createdAt: updatedAt },
      { orderId: openId, accountId: 'env', chatId: RESELLER, locale: 'ar', messageId: 8, muted: false, createdAt: updatedAt },
    ]);

    await h.crashAndRestart();
    const closed = await h.db.collection('orders').findOne({ _id: orderId });
    expect(closed?.closedAt).toEqual(updatedAt);
    expect(closed?.updatedAt).toEqual(updatedAt); // the migration is not an update of the order
    expect((await h.db.collection('watchers').findOne({ orderId }))?.closedAt).toEqual(updatedAt);
    // Orders still tracked are not closed.
    expect((await h.db.collection('orders').findOne({ _id: openId }))?.closedAt ?? null).toBeNull();
    expect((await h.db.collection('watchers').findOne({ orderId: openId }))?.closedAt ?? null).toBeNull();
  });

  it('an order that becomes final gets closedAt, and so do its watchers; asking again keeps it from now', async () => {
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref: 'ret-1' });
    await h.send('/status ret-1');
    await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status');
    const order = (await h.order({ providerId: topupId }))!;
    expect(order.phase).toBe('final');
    expect(order.closedAt).toBeInstanceOf(Date);
    const watcher = await h.app.models.Watcher.findOne({ orderId: order._id }).lean();
    expect(watcher?.closedAt).toEqual(order.closedAt);

    await h.send('/status ret-1');
    const again = (await h.order({ providerId: topupId }))!;
    expect(again.closedAt!.getTime()).toBeGreaterThan(order.closedAt!.getTime());
    expect((await h.app.models.Watcher.findOne({ orderId: order._id }).lean())?.closedAt).toEqual(again.closedAt);
  });
});
