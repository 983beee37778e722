import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { KeyAttemptBudget } from '../../src/accounts/key-attempt-budget.js';
import { KeyGuard, describeKeyState } from '../../src/accounts/key-guard.js';
import { IpBlockGuard } from '../../src/provider/client.js';
import { KEY_ATTEMPT_WAIT, ProviderError } from '../../src/provider/errors.js';
import { silentLogger } from '../../src/shared/logger.js';

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

  it('a reservation left pending by a dead process stops meaning "soon" after 60 s: it leaves the window like a failure, and is never dropped', async () => {
    const dead = new KeyAttemptBudget(db);
    const budget = new KeyAttemptBudget(db);
    // A process reserved an attempt for its start-up validation and was killed before the answer.
    if (!(await dead.reserve(T0)).ok) throw new Error('expected a reservation');
    await budget.recordFailure(T0 + MINUTE, 4);
    await budget.recordFailure(T0 + 2 * MINUTE, 3);
    // 5 minutes later nothing is in flight: the next attempt frees up when the stale one leaves the window.
    expect(await budget.reserve(T0 + 5 * MINUTE)).toEqual({ ok: false, freeAt: T0 + 15 * MINUTE });
    expect((await budget.snapshot(T0 + 5 * MINUTE)).freeAt).toBe(T0 + 15 * MINUTE);
    // Linking's share (two of three) frees up only when the stale one and the first failure are gone.
    expect((await budget.snapshot(T0 + 5 * MINUTE, 'check')).freeAt).toBe(T0 + 16 * MINUTE);
    // It still counts (it may have failed at the provider) until then.
    expect((await budget.reserve(T0 + 15 * MINUTE - 1)).ok).toBe(false);
    expect((await budget.reserve(T0 + 15 * MINUTE)).ok).toBe(true);
  });

  it('a key that must prove itself, while a dead process\'s stale reservation and two failures fill the budget, is refused at once until the stale one leaves the window (not "in 1 s", not after a 5 s wait)', async () => {
    const now = T0 + 5 * MINUTE;
    const budget = new KeyAttemptBudget(db);
    if (!(await new KeyAttemptBudget(db).reserve(T0)).ok) throw new Error('expected a reservation'); // killed mid-call
    await budget.recordFailure(T0 + MINUTE, 4);
    await budget.recordFailure(T0 + 2 * MINUTE, 3);
    const guard = new KeyGuard({ connection: db, budget, ipBlock: new IpBlockGuard(), clock: { now: () => now }, log: silentLogger() }, [
      { accountId: 'env', apiKey: 'k', validate: () => Promise.reject(new Error('not called')) },
    ]);
    const reserve = vi.spyOn(budget, 'reserve');
    const refusal = await guard
      .gateFor('env')
      .admit()
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(refusal).toBeInstanceOf(ProviderError);
    expect(refusal).toMatchObject({ kind: 'key_suspended', code: KEY_ATTEMPT_WAIT, retryAfterMs: 10 * MINUTE });
    // One try at reserving (3 MongoDB operations), not a loop of them every ~100 ms for 5 s.
    expect(reserve).toHaveBeenCalledTimes(1);
  });

  it('/readyz (keyStates) shows a key that must re-prove itself while no attempt is free as waiting (KEY_ATTEMPT_WAIT) until the attempt frees up, not ok', async () => {
    let now = T0;
    const budget = new KeyAttemptBudget(db);
    const guard = new KeyGuard(
      { connection: db, budget, ipBlock: new IpBlockGuard(), clock: { now: () => now }, log: silentLogger(), tickMs: 60_000 },
      [],
    );
    await guard.addKey({ accountId: 'a', apiKey: 'k', validate: () => Promise.reject(new Error('not called')) }, { validatedNow: true });
    await budget.recordFailure(T0 + MINUTE, 4); // other keys' 401s, after this key's proof
    await budget.recordFailure(T0 + 2 * MINUTE, undefined);
    await budget.recordFailure(T0 + 3 * MINUTE, undefined);
    now = T0 + 5 * MINUTE;
    await guard.start(); // reads the budget, as every tick does
    try {
      expect(guard.keyStates()).toEqual([
        { accountId: 'a', state: 'waiting', reason: KEY_ATTEMPT_WAIT, until: new Date(T0 + 16 * MINUTE).toISOString() },
      ]);
      expect(describeKeyState(guard.keyStates()[0]!)).toBe(`waiting (KEY_ATTEMPT_WAIT) until ${new Date(T0 + 16 * MINUTE).toISOString()}`);
    } finally {
      await guard.stop();
    }
  });

  it('a young reservation (within 60 s) is still in flight: the answer is "look again in 1 s"', async () => {
    const budget = new KeyAttemptBudget(db);
    await budget.recordFailure(T0, 4);
    await budget.recordFailure(T0 + 1_000, 3);
    if (!(await budget.reserve(T0 + MINUTE)).ok) throw new Error('expected a reservation');
    expect(await budget.reserve(T0 + 2 * MINUTE - 1)).toEqual({ ok: false, freeAt: T0 + 2 * MINUTE - 1 + 1_000 });
    expect(await budget.reserve(T0 + 2 * MINUTE)).toEqual({ ok: false, freeAt: T0 + 15 * MINUTE });
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
