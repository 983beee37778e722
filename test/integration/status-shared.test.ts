import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
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

  it("a chat whose lookup finds the order another chat's lookup just opened gets its status, though nothing changed", async () => {
    // Staff asks by ref, the reseller by id: two lookups. The staff's answer is held until the
    // reseller's lookup has become the order, so the staff's lookup joins an order that already shows
    // this status; its check changes nothing, and the staff's message must still be brought up to date.
    const { topupId } = sendMobile('two-lookups');
    h.emulator.setStatus(topupId, 'UNKNOWN_ERROR');
    const held = h.emulator.hold(/check-ref\/two-lookups$/);
    await h.send('/status two-lookups', { userId: STAFF });
    await h.telegram.waitFor(() => held.held === 1 || undefined, { what: "the staff's lookup at the provider" });
    await h.send(`/status ${topupId}`);
    await h.waitForMessage(RESELLER, (m) => m.text.includes('⚠️'), 'the verifying status (reseller)');

    held.release();
    const staffMessage = await h.waitForMessage(STAFF, (m) => m.text.includes('⚠️'), 'the verifying status (staff)');
    await h.waitUntilDelivered(); // nothing owed and no delivery under way: a second message would be out by now
    expect(h.telegram.messages(STAFF)).toHaveLength(1);
    expect(staffMessage.text).toContain(topupId);
    expect(await h.app.models.Order.countDocuments()).toBe(1);
  });

  it('a chat that joins a lookup in the instant it is merged into an order another chat found follows that order', async () => {
    // The reseller asks by id (held at the provider); the staff asks by ref and opens a second lookup.
    // Between the staff's lookup being opened and its watcher being written, the reseller's lookup
    // becomes the order and the staff's lookup is merged into it and deleted: the watcher written
    // then belongs to a lookup that is gone, and must follow the order instead.
    const { topupId } = sendMobile('merge-race');
    h.emulator.setStatus(topupId, 'UNKNOWN_ERROR');
    const heldById = h.emulator.hold(/check-id\//);
    await h.send(`/status ${topupId}`);
    await h.telegram.waitFor(() => heldById.held === 1 || undefined, { what: "the reseller's lookup at the provider" });

    // Pause the staff's watch right after its lookup is opened (its first watcher read).
    const Watcher = h.app.models.Watcher;
    const realFindOne = Watcher.findOne.bind(Watcher);
    let reached!: () => void;
    const staffReached = new Promise<void>((resolve) => (reached = resolve));
    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    let paused = false;
    const spy = vi.spyOn(Watcher, 'findOne').mockImplementation(((filter: Record<string, unknown>, ...rest: unknown[]) => {
      if (paused || filter.chatId !== STAFF) return realFindOne(filter, ...(rest as []));
      paused = true;
      reached();
      return { lean: async () => (await resumed, realFindOne(filter).lean()) };
    }) as unknown as typeof Watcher.findOne);
    try {
      const staffAsks = h.send('/status merge-race', { userId: STAFF });
      await staffReached;
      heldById.release();
      await h.waitForMessage(RESELLER, (m) => m.text.includes('⚠️'), 'the verifying status (reseller)');
      // The staff's lookup found the order and was merged into it: gone before its watcher is written.
      for (let i = 0; (await h.app.models.Order.exists({ providerId: 'lookup:ref:merge-race' })) !== null; i++) {
        if (i > 1_500) throw new Error("the staff's lookup was never merged");
        await sleep(10);
      }
      resume();
      await staffAsks;
    } finally {
      resume();
      spy.mockRestore();
    }
    const staffMessage = await h.waitForMessage(STAFF, (m) => m.text.includes('⚠️'), 'the verifying status (staff)');
    await h.waitUntilDelivered();
    expect(staffMessage.text).toContain(topupId);
    expect(h.telegram.messages(STAFF)).toHaveLength(1);
    expect(await h.app.models.Order.countDocuments()).toBe(1);
    expect(await h.app.models.Watcher.countDocuments({ chatId: STAFF, orderId: (await h.order({ providerId: topupId }))!._id })).toBe(1);
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
