import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { KeyAttemptBudget } from '../../src/accounts/key-attempt-budget.js';

/** The key-attempt budget on the real MongoDB: what several processes share. */

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 28, 3, 0, 0);

let db: Connection;
beforeEach(async () => {
  db = await mongoose.createConnection(inject('mongoUri'), { dbName: `flexy_budget_${randomBytes(6).toString('hex')}` }).asPromise();
});
afterEach(async () => {
  await db.dropDatabase().catch(() => undefined);
  await db.close();
});

describe('key-attempt budget', () => {
  it('20 processes reserving at once get 3 attempts between them, and are told when the next one frees up', async () => {
    const budgets = Array.from({ length: 20 }, () => new KeyAttemptBudget(db));
    const results = await Promise.all(budgets.map((b) => b.reserve(T0)));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    // The three are still in flight: they will be given back or fail within a call's time, so look again soon.
    for (const r of results) if (!r.ok) expect(r.freeAt).toBe(T0 + 1_000);
    for (const r of results) if (r.ok) await budgets[0]!.confirmFailure(r.token, T0, 4);
    expect(await budgets[5]!.reserve(T0 + MINUTE)).toEqual({ ok: false, freeAt: T0 + 15 * MINUTE });
  });

  it('linking (check) may take an attempt only while one stays free for re-proving valid keys', async () => {
    const budget = new KeyAttemptBudget(db);
    const a = await budget.reserve(T0, 'check');
    const b = await budget.reserve(T0, 'check');
    if (!a.ok || !b.ok) throw new Error('expected two reservations');
    await budget.confirmFailure(a.token, T0, 4);
    await budget.confirmFailure(b.token, T0 + MINUTE, 3);
    // A third link attempt is refused until the first failure leaves the window...
    expect(await budget.reserve(T0 + 2 * MINUTE, 'check')).toEqual({ ok: false, freeAt: T0 + 15 * MINUTE });
    // ...but a valid key re-proving itself still gets the last attempt.
    const c = await budget.reserve(T0 + 2 * MINUTE, 'reprove');
    expect(c.ok).toBe(true);
  });

  it('the newest failure in the window: confirmed or recorded failures, never a pending reservation; other processes learn it at their next snapshot', async () => {
    const here = new KeyAttemptBudget(db);
    const there = new KeyAttemptBudget(db);
    expect(here.newestFailureAt(T0)).toBe(0);
    const r = await here.reserve(T0);
    if (!r.ok) throw new Error('expected a reservation');
    expect((await there.snapshot(T0 + 1_000)).newestFailureAt).toBe(0); // pending: not a failure
    await here.confirmFailure(r.token, T0 + 2_000, 4);
    expect(here.newestFailureAt(T0 + 2_000)).toBe(T0 + 2_000); // at once in the process that saw it
    expect(there.newestFailureAt(T0 + 2_000)).toBe(0); // the other one has not looked yet
    await here.recordFailure(T0 + 5_000, 3);
    expect((await there.snapshot(T0 + 6_000)).newestFailureAt).toBe(T0 + 5_000);
    expect(there.newestFailureAt(T0 + 6_000)).toBe(T0 + 5_000);
    // Once it leaves the window, the window holds no failure.
    expect(there.newestFailureAt(T0 + 5_000 + 15 * MINUTE)).toBe(0);
  });

  it('a released reservation (the key was accepted, or no answer) gives the attempt back; a failure keeps it for 15 minutes', async () => {
    const budget = new KeyAttemptBudget(db);
    const a = await budget.reserve(T0);
    const b = await budget.reserve(T0 + MINUTE);
    const c = await budget.reserve(T0 + 2 * MINUTE);
    if (!a.ok || !b.ok || !c.ok) throw new Error('expected three reservations');
    await budget.confirmFailure(a.token, T0 + 10_000, 4); // dated at the provider's answer
    await budget.release(b.token);
    await budget.confirmFailure(c.token, T0 + 2 * MINUTE, 3);
    expect((await budget.snapshot(T0 + 3 * MINUTE)).attempts).toBe(2);

    const d = await budget.reserve(T0 + 3 * MINUTE); // the released one
    if (!d.ok) throw new Error('expected the released attempt');
    // d is still in flight: it may be given back within a call's time, so look again soon.
    expect(await budget.reserve(T0 + 3 * MINUTE)).toEqual({ ok: false, freeAt: T0 + 3 * MINUTE + 1_000 });
    await budget.confirmFailure(d.token, T0 + 3 * MINUTE, 3);
    const refused = await budget.reserve(T0 + 4 * MINUTE);
    expect(refused).toEqual({ ok: false, freeAt: T0 + 10_000 + 15 * MINUTE }); // when the oldest failure leaves the window
    expect((await budget.reserve(T0 + 10_000 + 15 * MINUTE)).ok).toBe(true);
  });

  it("a 401 nobody reserved counts too, and the provider's attemptsLeft of 2 or fewer stops attempts for 15 minutes", async () => {
    const budget = new KeyAttemptBudget(db);
    await budget.recordFailure(T0, 2); // someone else on the IP had already spent two
    const refused = await budget.reserve(T0 + MINUTE);
    expect(refused).toEqual({ ok: false, freeAt: T0 + 15 * MINUTE });
    expect((await budget.reserve(T0 + 15 * MINUTE)).ok).toBe(true);
  });

  it('an IP block is shared: no attempt before it ends', async () => {
    const budget = new KeyAttemptBudget(db);
    await budget.blockIp(T0 + 15 * MINUTE);
    expect(await new KeyAttemptBudget(db).snapshot(T0)).toMatchObject({ blockedUntil: T0 + 15 * MINUTE, freeAt: T0 + 15 * MINUTE });
    expect((await budget.reserve(T0 + MINUTE)).ok).toBe(false);
    expect((await budget.reserve(T0 + 15 * MINUTE)).ok).toBe(true);
  });
});
