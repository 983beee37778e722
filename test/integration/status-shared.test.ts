import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { textMessageUpdate } from '../support/updates.js';
import { Harness, RESELLER, STAFF, sleep } from '../support/harness.js';

let h: Harness;
beforeEach(async () => {
  // A 15 s fast phase (TIME_SCALE 0.05): on a loaded machine a frozen order still never drifts into the
  // long tail, whose resolution would rightly come as a second message.
  h = await Harness.start({ timeScale: 0.05 });
});
afterEach(async () => {
  await h.close();
});

function sendMobile(ref: string, mssidn = '0778037340') {
  return h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: mssidn, amount: 500, ref });
}

/** How many versions of the chat's messages showed the final marker: each final state once per message. */
function finalVersions(chatId: number, marker = '✅'): number {
  return h.telegram
    .messages(chatId)
    .flatMap((m) => m.history)
    .filter((html) => html.includes(marker)).length;
}

describe('an order in a final state is answered from MongoDB', () => {
  it('makes zero provider calls for a second /status, by ref or by id, from the same or another chat', async () => {
    const { topupId } = sendMobile('final-1');
    await h.send('/status final-1');
    const first = await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status');
    expect((await h.order({ providerId: topupId }))?.phase).toBe('final');

    h.emulator.resetCounters();
    await h.send('/status final-1');
    const again = await h.waitForMessage(RESELLER, (m) => m.message_id !== first.message_id, 'a second status message');
    expect(again.html).toBe(first.html);

    await h.send(`/status ${topupId}`, { userId: STAFF });
    const other = await h.waitForMessage(STAFF, (m) => m.text.includes('✅'), 'fulfilled status in the other chat');
    expect(other.html).toBe(first.html);

    await sleep(300); // nothing is left to poll
    expect(h.emulator.callCount()).toBe(0);
  });

  it('answers a REFUNDED order from MongoDB with its refund message, zero provider calls', async () => {
    sendMobile('final-2', '0600000001');
    await h.send('/status final-2');
    const first = await h.waitForMessage(RESELLER, (m) => m.text.includes('❌'), 'refunded status');

    h.emulator.resetCounters();
    await h.send('/status final-2', { userId: STAFF });
    const other = await h.waitForMessage(STAFF, (m) => m.text.includes('❌'), 'refunded status in the other chat');
    expect(other.html).toBe(first.html);
    expect(h.emulator.callCount()).toBe(0);
  });
});

describe('several chats on one order', () => {
  it('share one polling loop, and every chat gets the final state once', async () => {
    const { topupId } = sendMobile('shared-1');
    h.emulator.setStatus(topupId, 'PENDING');
    await h.send('/status shared-1');
    await h.send('/status shared-1', { userId: STAFF });
    await h.waitForMessage(RESELLER, (m) => m.text.includes('⏳'), 'pending status (reseller)');
    await h.waitForMessage(STAFF, (m) => m.text.includes('⏳'), 'pending status (staff)');

    // Let both watch a good number of checks.
    await h.telegram.waitFor(() => h.emulator.callCount(/check-id/) >= 8 || undefined, { what: '8 checks' });
    h.emulator.setStatus(topupId, 'FULFILLED');
    await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status (reseller)');
    await h.waitForMessage(STAFF, (m) => m.text.includes('✅'), 'fulfilled status (staff)');
    await sleep(300);

    const orders = await h.app.models.Order.find({}).lean();
    expect(orders).toHaveLength(1);
    const order = orders[0]!;
    expect(await h.app.models.Watcher.countDocuments({ orderId: order._id })).toBe(2);
    // Every provider call is accounted to the one order: no second loop polls behind its back.
    expect(h.emulator.callCount()).toBe(order.providerCalls);
    // And the calls follow one fast schedule (at most a check every 3 s x 0.05 = 150 ms), not two.
    const checks = h.emulator.requests.filter((r) => r.path.includes('/check-id/'));
    const span = checks[checks.length - 1]!.at - checks[0]!.at;
    expect(checks.length - 1).toBeLessThanOrEqual(Math.ceil(span / 150) + 1);

    for (const chat of [RESELLER, STAFF]) {
      expect(h.telegram.messages(chat)).toHaveLength(1);
      expect(finalVersions(chat)).toBe(1);
    }
    expect(h.badRequests()).toEqual([]);
  });

  it('shares the lookup when two chats ask for the same unknown ref at once', async () => {
    sendMobile('shared-2');
    await Promise.all([h.send('/status shared-2'), h.send('/status shared-2', { userId: STAFF })]);
    await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status (reseller)');
    await h.waitForMessage(STAFF, (m) => m.text.includes('✅'), 'fulfilled status (staff)');
    expect(h.emulator.callCount(/check-ref/)).toBe(1);
    expect(await h.app.models.Order.countDocuments()).toBe(1);
  });
});

describe('a redelivered update', () => {
  it('creates one status message when Telegram delivers the same /status twice', async () => {
    const { topupId } = sendMobile('dup-1');
    h.emulator.setStatus(topupId, 'PENDING');
    const update = textMessageUpdate({ chatId: RESELLER, fromId: RESELLER, text: '/status dup-1' });
    await h.handle(update);
    await h.waitForMessage(RESELLER, (m) => m.text.includes('⏳'), 'pending status');
    await h.handle(update);
    h.emulator.setStatus(topupId, 'FULFILLED');
    await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status');
    await sleep(300);
    expect(h.telegram.messages(RESELLER)).toHaveLength(1);
    expect(h.telegram.callCount('sendMessage', RESELLER)).toBe(1);
    expect(finalVersions(RESELLER)).toBe(1);
  });

  it('creates one status message when both deliveries arrive before the bot answered', async () => {
    sendMobile('dup-2');
    const update = textMessageUpdate({ chatId: RESELLER, fromId: RESELLER, text: '/status dup-2' });
    await Promise.all([h.handle(update), h.handle(update)]);
    await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status');
    await sleep(300);
    expect(h.telegram.messages(RESELLER)).toHaveLength(1);
  });
});
