import { Types } from 'mongoose';
import { afterEach, describe, expect, it } from 'vitest';
import type { OrderDoc } from '../../src/tracking/models.js';
import { Harness, RESELLER, sleep } from '../support/harness.js';

/**
 * Orders that cannot be checked still end, and cost almost nothing while they wait: an order whose
 * account has no usable provider is parked (not re-claimed in a loop), and an order whose every check
 * fails follows the fast schedule into the long tail instead of being polled every 5 s forever.
 * TIME_SCALE 0.01: the fast phase lasts 3 s, a park 3 s, the first timeout recheck comes after 4.8 s.
 */
let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** Orders claimed (a findAndModify on `orders` that took a document) since the counter was cleared. */
function orderClaims(): number {
  return h.mongoCommands.filter((c) => c.name === 'findAndModify' && c.collection === 'orders' && c.matched === 1).length;
}

/** Polls the order document until `probe` accepts it. */
async function waitForOrder(providerId: string, probe: (o: OrderDoc) => boolean, what: string, timeoutMs = 15_000): Promise<OrderDoc> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const o = await h.order({ providerId });
    if (o && probe(o)) return o;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function waitForPhase(providerId: string, phase: string): Promise<OrderDoc> {
  return waitForOrder(providerId, (o) => o.phase === phase, `order in phase ${phase}`);
}

describe('an order whose account has no usable provider', () => {
  it('is parked for minutes (scaled), not re-claimed in a loop, and still reaches the long tail', async () => {
    // The bot restarted without ONECLICK_API_KEY while an order was in the fast phase.
    h = await Harness.start({ apiKey: null, timeScale: 0.01 });
    const providerId = new Types.ObjectId().toHexString();
    const now = new Date();
    await h.app.models.Order.create({
      accountId: 'env',
      providerId,
      kind: 'mobile',
      ref: 'parked-1',
      phase: 'fast',
      status: 'HANDLING',
      statusClass: 'processing',
      history: [],
      trackingSince: now,
      nextCheckAt: now,
    });
    h.mongoCommands.length = 0;
    h.app.tracker.kick();

    const parked = await waitForOrder(providerId, (o) => !!o.parkedUntil, 'the order parked');
    expect(parked.phase).toBe('fast');
    expect(parked.providerTrouble).toBe(true);
    expect(parked.nextCheckAt!.getTime() - Date.now()).toBeGreaterThan(1_500); // 5 min x 0.01, minus what passed
    await sleep(1_500); // a spinning loop claims it hundreds of times in this interval
    expect(orderClaims()).toBeLessThanOrEqual(3); // one check claim, one delivery of "provider trouble"

    // Parked past the end of the fast phase, it enters the long tail (timeout) like any order.
    const long = await waitForPhase(providerId, 'long');
    expect(long.longTail?.reason).toBe('timeout');
    expect(long.parkedUntil).not.toBeNull();
    expect(orderClaims()).toBeLessThanOrEqual(6);
  });

  it('is made due at once by resumeAccount when the provider becomes usable again', async () => {
    h = await Harness.start({ apiKey: null, timeScale: 0.01 });
    const providerId = new Types.ObjectId().toHexString();
    const parkedUntil = new Date(Date.now() + 60_000);
    await h.app.models.Order.create({
      accountId: 'env',
      providerId,
      kind: 'mobile',
      ref: 'parked-2',
      phase: 'long',
      status: 'HANDLING',
      history: [],
      trackingSince: new Date(),
      nextCheckAt: parkedUntil,
      parkedUntil,
      providerTrouble: true,
      longTail: { reason: 'timeout', since: new Date(), until: new Date(Date.now() + 3_600_000), checks: 0 },
    });
    expect(await h.app.tracker.resumeAccount('other-account')).toBe(0);
    expect(await h.app.tracker.resumeAccount('env')).toBe(1);
    const resumed = await h.order({ providerId });
    expect(resumed?.parkedUntil).toBeNull();
    expect(resumed!.nextCheckAt!.getTime()).toBeLessThanOrEqual(Date.now());
  });
});

describe('a re-sent order whose every check fails', () => {
  it('follows the fast schedule into the long tail (timeout) instead of being polled every 5 s forever', async () => {
    h = await Harness.start({ timeScale: 0.01 });
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref: 'resent-1' });
    h.emulator.injectFault({ kind: 503, path: /check-id/, times: 1_000_000 });
    await h.send('/start');
    const confirmation = h.telegram.lastMessage(RESELLER)!;
    await h.app.tracker.trackSent({
      accountId: 'env',
      kind: 'mobile',
      providerId: topupId,
      ref: 'resent-1',
      chatId: RESELLER,
      locale: 'ar',
      messageId: confirmation.message_id,
    });

    const long = await waitForPhase(topupId, 'long');
    expect(long.longTail?.reason).toBe('timeout');
    expect(long.providerTrouble).toBe(true);
    expect(long.status).toBeUndefined(); // never checked successfully: no status invented

    // In the long tail the next check waits 8 min x 0.01 = 4.8 s; the old loop checked every 50 ms.
    const calls = h.emulator.callCount(/check-id/);
    await sleep(1_500);
    expect(h.emulator.callCount(/check-id/) - calls).toBeLessThanOrEqual(2);
    expect((await h.order({ providerId: topupId }))?.phase).toBe('long');
  });
});
