import { randomBytes } from 'node:crypto';
import mongoose, { Schema, type Connection, type Model, type Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { LeasedDueLoop } from '../../src/tracking/leased-due-loop.js';
import { Lease, newOwnerId } from '../../src/tracking/leases.js';
import { silentLogger } from '../../src/shared/logger.js';
import { sleep } from '../support/harness.js';

/** A job document as any collection guarded by a lease looks: some state, plus the lease's fields. */
interface JobDoc {
  _id: Types.ObjectId;
  state: string;
  workLeaseUntil?: Date | null;
}

let connection: Connection;
let Job: Model<JobDoc>;
let t = Date.parse('2026-01-01T00:00:00Z');
const clock = { now: () => t };

beforeAll(async () => {
  connection = await mongoose
    .createConnection(inject('mongoUri'), { dbName: `flexy_test_leases_${randomBytes(4).toString('hex')}` })
    .asPromise();
  // Only the expiry is declared: a collection needs no schema change to carry a lease (strict: false).
  Job = connection.model<JobDoc>('Job', new Schema<JobDoc>({ state: String, workLeaseUntil: Date }, { collection: 'jobs' }));
});
afterAll(async () => {
  await connection.dropDatabase();
  await connection.close();
});

function workers() {
  const a = new Lease(Job, 'workLease', { owner: newOwnerId('a'), clock, leaseMs: 1_000 });
  const b = new Lease(Job, 'workLease', { owner: newOwnerId('b'), clock, leaseMs: 1_000 });
  return { a, b };
}

describe('leases: owned claims whose writes apply only while still owned', () => {
  it('lets one worker at a time hold a document; the holder and expiry are recorded', async () => {
    const { a, b } = workers();
    const job = await Job.create({ state: 'new' });
    const claim = await a.claimOne({ _id: job._id });
    expect(claim).not.toBeNull();
    expect(await b.claimOne({ _id: job._id })).toBeNull();
    expect(await b.heldUntil({ _id: job._id })).toEqual(new Date(t + 1_000));
    const raw = await Job.collection.findOne({ _id: job._id });
    expect(raw?.workLeaseOwner).toBe(a.owner);
    expect(raw?.workLeaseToken).toBe(claim!.token);
    expect(await claim!.release({ $set: { state: 'done' } })).toBe(true);
    expect((await Job.findById(job._id).lean())?.state).toBe('done');
    expect(await b.claimOne({ _id: job._id })).not.toBeNull(); // free again
  });

  it('a worker whose claim expired and was taken over writes nothing, and its renewal says stop', async () => {
    const { a, b } = workers();
    const job = await Job.create({ state: 'new' });
    const late = (await a.claimOne({ _id: job._id }))!;
    t += 1_500; // a's claim expires mid-work (a hung call, a long GC)
    const current = (await b.claimOne({ _id: job._id }))!;
    expect(current).not.toBeNull();

    expect(await late.write({ $set: { state: 'late write' } })).toBe(false);
    expect(await late.release({ $set: { state: 'late release' } })).toBe(false);
    expect(await late.renew()).toBe(false);
    expect(late.lost).toBe(true);
    expect((await Job.findById(job._id).lean())?.state).toBe('new');

    expect(await current.release({ $set: { state: 'b did it' } })).toBe(true);
    expect((await Job.findById(job._id).lean())?.state).toBe('b did it');
  });

  it('the same worker re-claiming after its claim expired cannot write with the old claim', async () => {
    const { a } = workers();
    const job = await Job.create({ state: 'new' });
    const old = (await a.claimOne({ _id: job._id }))!;
    t += 1_500;
    const fresh = (await a.claimOne({ _id: job._id }))!;
    expect(await old.write({ $set: { state: 'old' } })).toBe(false);
    expect(await fresh.write({ $set: { state: 'fresh' } })).toBe(true);
  });

  it('keepAlive renews while work runs and aborts its signal once the claim is lost', async () => {
    const real = { now: () => Date.now() };
    const a = new Lease(Job, 'workLease', { owner: newOwnerId('a'), clock: real, leaseMs: 300 });
    const job = await Job.create({ state: 'new' });
    const claim = (await a.claimOne({ _id: job._id }))!;
    const alive = claim.keepAlive();
    await sleep(700); // more than two leases: renewals kept it
    expect(alive.lost).toBe(false);
    expect(await new Lease(Job, 'workLease', { owner: 'b', clock: real, leaseMs: 300 }).claimOne({ _id: job._id })).toBeNull();
    // Someone forcibly takes it (as after an expiry): the next renewal notices.
    await Job.collection.updateOne({ _id: job._id }, { $set: { workLeaseOwner: 'intruder', workLeaseToken: 'x' } });
    await new Promise<void>((resolve) => alive.signal.addEventListener('abort', () => resolve()));
    alive.stop();
    expect(claim.lost).toBe(true);
  });

  it('claims many documents in one batch, renews and releases them in bulk, skipping those taken over', async () => {
    const { a, b } = workers();
    const docs = await Job.insertMany(Array.from({ length: 5 }, (_, i) => ({ state: `s${i}` })));
    const batch = await a.claimMany({ state: { $ne: 'x' } }, { ids: docs.map((d) => d._id) });
    expect(batch.claims).toHaveLength(5);
    expect((await b.claimMany({}, { ids: docs.map((d) => d._id) })).claims).toHaveLength(0);
    t += 1_500;
    const stolen = (await b.claimOne({ _id: docs[0]!._id }))!;
    expect(stolen).not.toBeNull();
    expect(await batch.renew()).toBe(4);
    const applied = await batch.releaseAll(docs.map((d) => ({ id: d._id, update: { $set: { state: 'swept' } } })));
    expect(applied).toBe(4);
    const states = (await Job.find({ _id: { $in: docs.map((d) => d._id) } }).lean()).map((d) => d.state).sort();
    expect(states).toEqual(['s0', 'swept', 'swept', 'swept', 'swept']);
  });

  it('honours a lease written before owners existed (expiry only) until it expires', async () => {
    const { a } = workers();
    const job = await Job.create({ state: 'old shape', workLeaseUntil: new Date(t + 500) });
    expect(await a.claimOne({ _id: job._id })).toBeNull();
    t += 600;
    expect(await a.claimOne({ _id: job._id })).not.toBeNull();
  });
});

/** Due work whose processing throws midway (a transient database error) is not left for a whole lease. */
describe('a leased due loop whose work throws', () => {
  interface DueJobDoc {
    _id: Types.ObjectId;
    dueAt: Date | null;
    runs: number;
  }

  it('takes the work up again 5 s later, not after its 60 s lease', async () => {
    const DueJob = connection.model<DueJobDoc>(
      'DueJob',
      new Schema<DueJobDoc>({ dueAt: Date, runs: Number }, { collection: 'due_jobs', strict: false }),
    );
    let now = Date.parse('2026-01-01T00:00:00Z');
    const manual = { now: () => now };
    const job = await DueJob.create({ dueAt: new Date(now), runs: 0 });
    let attempts = 0;
    const loop = new LeasedDueLoop<DueJobDoc>({
      name: 'test-retry',
      lease: new Lease(DueJob, 'workLease', { owner: newOwnerId('w'), clock: manual, leaseMs: 60_000 }),
      dueField: 'dueAt',
      process: async (claim) => {
        attempts += 1;
        if (attempts === 1) throw new Error('WriteConflict (a transient database error)');
        await claim.release({ $set: { dueAt: null }, $inc: { runs: 1 } });
      },
      concurrency: 1,
      idleMs: 50,
      clock: manual,
      log: silentLogger(),
    });
    loop.start();
    try {
      for (let i = 0; i < 750 && attempts < 1; i++) await sleep(20);
      expect(attempts).toBe(1);
      // Within the retry delay nobody takes it up again.
      now += 4_000;
      loop.kick();
      await sleep(300);
      expect(attempts).toBe(1);
      // Past 5 s the claim has expired (not at the full 60 s lease): the work runs again and finishes.
      now += 2_000;
      loop.kick();
      for (let i = 0; i < 750 && (await DueJob.findById(job._id).lean())?.runs !== 1; i++) await sleep(20);
      expect(await DueJob.findById(job._id).lean()).toMatchObject({ runs: 1, dueAt: null });
      expect(attempts).toBe(2);
    } finally {
      await loop.stop();
    }
  });
});
