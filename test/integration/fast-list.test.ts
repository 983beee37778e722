import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../support/oneclick-emulator.js';
import { Harness, RESELLER, STAFF, sleep } from '../support/harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

/** Waits until the (async) MongoDB probe holds. */
async function untilDb(probe: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const NUMBERS = ['0778037340', '0665983439', '0556121212', '0770000004'];

/** Four mobile orders of the one account, frozen at PENDING; the reseller follows all, staff the first two. */
async function fourOrdersInFastPhase(): Promise<Array<{ topupId: string; ref: string }>> {
  const orders = NUMBERS.map((MSSIDN, i) => {
    const ref = `batch-${i + 1}`;
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN, amount: 500, ref });
    h.emulator.setStatus(topupId, 'PENDING');
    return { topupId, ref };
  });
  for (const o of orders) await h.send(`/status ${o.ref}`);
  await h.send(`/status ${orders[0]!.ref}`, { userId: STAFF });
  await h.send(`/status ${orders[1]!.topupId}`, { userId: STAFF });
  await untilDb(
    async () => (await h.app.models.Order.countDocuments({ phase: 'fast', status: 'PENDING' })) === 4,
    'four orders in the fast phase',
  );
  await h.telegram.waitFor(() => (h.telegram.messages(RESELLER).length === 4 && h.telegram.messages(STAFF).length === 2) || undefined, {
    what: 'every status message sent',
  });
  return orders;
}

const isList = (r: RecordedRequest) => r.path === '/v3/mobile/list';
const isCheck = (r: RecordedRequest) => /^\/v3\/mobile\/check-(id|ref)\//.test(r.path);

/** Resolves once `n` more list calls than now were made; returns the time the last one arrived. */
async function listCallsAfter(since: number, n: number, what: string): Promise<number> {
  return h.telegram.waitFor(
    () => {
      const lists = h.emulator.requests.filter((r) => isList(r) && r.at > since);
      return lists.length >= n ? lists[n - 1]!.at : undefined;
    },
    { what, timeoutMs: 10_000 },
  );
}

/** How many versions of each of the chat's messages showed the fulfilled marker. */
function finalVersionsPerMessage(chatId: number): number[] {
  return h.telegram.messages(chatId).map((m) => m.history.filter((html) => html.includes('✅')).length);
}

describe('fast-phase orders of one account share list pages', () => {
  beforeEach(async () => {
    // TIME_SCALE 0.1: a 30 s fast phase (the six status messages and their final edits, paced at one a
    // second per chat, fit well inside it), PENDING checked every 500 ms, list rounds at least 150 ms apart.
    h = await Harness.start({ timeScale: 0.1 });
  });

  it('asks one list page per round for all of them instead of a check per order, and each chat sees each final state once', async () => {
    const orders = await fourOrdersInFastPhase();

    // Two rounds after all four are tracked, the four share one round; from there on, count calls.
    const aligned = await listCallsAfter(Date.now(), 2, 'two list rounds');
    const until = await listCallsAfter(aligned, 5, 'five more list rounds');
    const window = h.emulator.requests.filter((r) => r.at > aligned && r.at <= until);
    expect(window.filter(isList)).toHaveLength(5);
    // One check per order per round would be 20 checks here.
    expect(window.filter(isCheck)).toEqual([]);
    for (const list of window.filter(isList)) {
      expect(list.status).toBe(200);
      expect(list.query).toMatchObject({ page: '1', pageSize: '100' });
      expect(Date.parse(list.query.from!)).toBeLessThan(Date.parse(list.query.to!));
    }

    for (const o of orders) h.emulator.setStatus(o.topupId, 'FULFILLED');
    for (const chat of [RESELLER, STAFF]) {
      await h.telegram.waitFor(() => finalVersionsPerMessage(chat).every((n) => n >= 1) || undefined, {
        what: `every final state in ${chat}`,
      });
    }
    expect(await h.app.models.Order.countDocuments({ phase: 'final' })).toBe(4);
    // Past a poll and a delivery lease (2 s each): a round or delivery that ran twice would show by now.
    await sleep(2_500);
    expect(finalVersionsPerMessage(RESELLER)).toEqual([1, 1, 1, 1]);
    expect(finalVersionsPerMessage(STAFF)).toEqual([1, 1]);
    // The final state is an edit of each status message, not a second message.
    expect(h.telegram.callCount('sendMessage', RESELLER)).toBe(4);
    expect(h.telegram.callCount('sendMessage', STAFF)).toBe(2);

    // Every provider call is accounted to the orders (a list page as a share of each it answered).
    const accounted = (await h.app.models.Order.find({}).lean()).reduce((sum, o) => sum + o.providerCalls, 0);
    expect(accounted).toBeCloseTo(h.emulator.requests.filter((r) => isList(r) || isCheck(r)).length, 6);
    expect(h.badRequests()).toEqual([]);
  });

  it('a failing list page costs one call per round, not one per order, and nothing is lost when it recovers', async () => {
    const orders = await fourOrdersInFastPhase();
    await listCallsAfter(Date.now(), 2, 'two list rounds');

    const failingSince = Date.now();
    h.emulator.injectFault({ kind: 500, path: /^\/v3\/mobile\/list$/, times: 1_000 });
    await untilDb(
      async () => (await h.app.models.Order.countDocuments({ providerTrouble: true })) === 4,
      'provider trouble on every order',
    );
    const failed = await listCallsAfter(failingSince, 6, 'failed list rounds');
    expect(h.emulator.requests.filter((r) => r.at > failingSince && r.at <= failed && isCheck(r))).toEqual([]);

    h.emulator.clearFaults();
    for (const o of orders) h.emulator.setStatus(o.topupId, 'FULFILLED');
    for (const chat of [RESELLER, STAFF]) {
      await h.telegram.waitFor(() => finalVersionsPerMessage(chat).every((n) => n >= 1) || undefined, {
        what: `every final state in ${chat}`,
      });
    }
    await sleep(2_500);
    expect(finalVersionsPerMessage(RESELLER)).toEqual([1, 1, 1, 1]);
    expect(finalVersionsPerMessage(STAFF)).toEqual([1, 1]);
    expect(await h.app.models.Order.countDocuments({ phase: 'final', providerTrouble: false })).toBe(4);
  });
});

describe('a list round whose claims expire mid-call', () => {
  const LEASE_MS = 1_000;
  beforeEach(async () => {
    h = await Harness.start({
      timeScale: 0.1,
      app: {
        tracker: { idleMs: 100, pollLeaseMs: LEASE_MS, deliveryLeaseMs: LEASE_MS, lookupGiveUpMs: 1_000_000 },
        // A's held list call must hang, not time out and be retried by the client.
        provider: { timeoutMs: 30_000, retry: { attempts: 1, baseDelayMs: 20, maxDelayMs: 200 } },
      },
    });
  });

  it('the late worker writes nothing: its stale page does not put the orders back, and no message is doubled', async () => {
    const orders = await fourOrdersInFastPhase();
    await listCallsAfter(Date.now(), 2, 'two list rounds');

    // Worker A's next page hangs; its answer (all PENDING) is fixed when the request arrives.
    const held = h.emulator.hold(/^\/v3\/mobile\/list$/);
    await h.telegram.waitFor(() => held.held === 1 || undefined, { what: "A's list page to hang" });
    for (const o of orders) h.emulator.setStatus(o.topupId, 'FULFILLED');

    // Worker B: to its clock A's claims have long expired. It takes the orders over and finishes them.
    await h.boot({ clock: { now: () => Date.now() + 5 * LEASE_MS } });
    for (const chat of [RESELLER, STAFF]) {
      await h.telegram.waitFor(() => finalVersionsPerMessage(chat).every((n) => n >= 1) || undefined, {
        what: `every final state in ${chat} (worker B)`,
      });
    }
    const finished = await h.app.models.Order.find({}).sort({ ref: 1 }).lean();
    expect(finished.map((o) => o.phase)).toEqual(['final', 'final', 'final', 'final']);

    // A's page returns its stale PENDING now. Had A's writes applied, the orders would be back in the
    // fast phase and the messages would go back to ⏳, then show ✅ a second time.
    held.release();
    await sleep(3 * LEASE_MS);
    const after = await h.app.models.Order.find({}).sort({ ref: 1 }).lean();
    expect(after.map((o) => [o.phase, o.status, o.version])).toEqual(finished.map((o) => ['final', 'FULFILLED', o.version]));
    for (const o of after) expect(o.history.filter((c) => c.status === 'FULFILLED')).toHaveLength(1);
    expect(finalVersionsPerMessage(RESELLER)).toEqual([1, 1, 1, 1]);
    expect(finalVersionsPerMessage(STAFF)).toEqual([1, 1]);
    expect(h.telegram.callCount('sendMessage', RESELLER)).toBe(4);
    expect(h.telegram.callCount('sendMessage', STAFF)).toBe(2);
    for (const chat of [RESELLER, STAFF]) {
      for (const m of h.telegram.messages(chat)) expect(m.text).toContain('✅');
    }
    expect(h.badRequests()).toEqual([]);
  });
});
