import { randomBytes } from 'node:crypto';
import mongoose, { Schema, type Connection } from 'mongoose';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { buildIndexes } from '../../src/db/indexes.js';

/**
 * Start-up builds every model's indexes and fails when one cannot be built, and a later try builds it
 * again: mongoose keeps a failed build's promise, so without forgetting it a retry would fail the same
 * way and a unique index (what keeps two processes from recording the same thing twice) would be
 * missing. A duplicate stands in for the server aborting the build (as "deadlock detected" does when
 * replicas start together).
 */
let db: Connection;
beforeEach(async () => {
  db = await mongoose.createConnection(inject('mongoUri'), { dbName: `flexy_indexes_${randomBytes(6).toString('hex')}` }).asPromise();
});
afterEach(async () => {
  await db.dropDatabase().catch(() => undefined);
  await db.close();
});

describe('building indexes at start-up', () => {
  it('fails while a unique index cannot be built, and builds it on the next try', async () => {
    await db.collection('invites').insertMany([{ code: 'same' }, { code: 'same' }]);
    const Invite = db.model('Invite', new Schema({ code: String }, { collection: 'invites' }).index({ code: 1 }, { unique: true }));
    await expect(buildIndexes(db)).rejects.toThrow();

    await db.collection('invites').deleteOne({ code: 'same' });
    await buildIndexes(db);
    const indexes = await db.collection('invites').indexes();
    expect(indexes.find((i) => i.key.code === 1)?.unique).toBe(true);
    // The index now refuses a second document with the same code.
    await expect(Invite.create({ code: 'same' })).rejects.toMatchObject({ code: 11000 });
  });
});
