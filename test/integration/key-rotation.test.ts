import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { buildIndexes } from '../../src/db/indexes.js';
import { AccountStore } from '../../src/accounts/account-store.js';
import { KeyVault } from '../../src/accounts/key-vault.js';

const OLD = Buffer.alloc(32, 1).toString('base64');
const NEW = Buffer.alloc(32, 2).toString('hex');
const KEYS = ['0b6f1a2e-3c4d-4e5f-8a9b-0c1d2e3f4a5b', '9d8c7b6a-5f4e-4d3c-9b2a-1f0e9d8c7b6a'];

/** `npm run keys:rotate` as the operator runs it (the compiled script, here through tsx). */
function runRotate(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/keys-rotate.ts'], {
      env: { PATH: process.env.PATH ?? '', BOT_TOKEN: '7000000001:AAFakeTelegramTokenForTests_0123456789', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('npm run keys:rotate', () => {
  const dbName = `flexy_test_${randomBytes(6).toString('hex')}`;
  let connection: Connection;
  let store: AccountStore;
  const uri = () => `${inject('mongoUri').replace(/\/+$/, '')}/${dbName}`;

  beforeAll(async () => {
    connection = await mongoose.createConnection(inject('mongoUri'), { dbName }).asPromise();
    store = new AccountStore(connection);
    await buildIndexes(connection);
    const old = new KeyVault(OLD);
    for (const [i, key] of KEYS.entries()) {
      const linked = await store.link(
        1000 + i,
        key,
        { username: `+21377000000${i}`, environment: 'SANDBOX', scope: 'READ-WRITE' },
        old,
        new Date(),
      );
      expect(linked.ok).toBe(true);
    }
  });
  afterAll(async () => {
    await connection.dropDatabase().catch(() => undefined);
    await connection.close();
  });

  it('re-encrypts every stored key from OLD_ENCRYPTION_KEY to ENCRYPTION_KEY, and a second run changes nothing', async () => {
    const first = await runRotate({ MONGODB_URI: uri(), OLD_ENCRYPTION_KEY: OLD, ENCRYPTION_KEY: NEW });
    expect(first.out).toContain('keys:rotate: 2 re-encrypted, 0 already under ENCRYPTION_KEY, 0 unreadable');
    expect(first.code).toBe(0);
    const docs = await store.Account.find().lean();
    const fresh = new KeyVault(NEW);
    expect(docs.map((d) => fresh.open(d.sealedKey!)).sort()).toEqual([...KEYS].sort());
    for (const d of docs) expect(new KeyVault(OLD).opens(d.sealedKey!)).toBe(false);

    const again = await runRotate({ MONGODB_URI: uri(), OLD_ENCRYPTION_KEY: OLD, ENCRYPTION_KEY: NEW });
    expect(again.out).toContain('keys:rotate: 0 re-encrypted, 2 already under ENCRYPTION_KEY, 0 unreadable');
    expect(again.code).toBe(0);
    const after = await store.Account.find().lean();
    expect(after.map((d) => d.sealedKey).sort()).toEqual(docs.map((d) => d.sealedKey).sort()); // untouched
    // Neither run printed a key or a master key.
    for (const secret of [...KEYS, OLD, NEW]) expect(first.out + again.out).not.toContain(secret);
  });

  it('without OLD_ENCRYPTION_KEY it refuses with a config error and touches nothing', async () => {
    const before = await store.Account.find().lean();
    const res = await runRotate({ MONGODB_URI: uri(), ENCRYPTION_KEY: NEW });
    expect(res.code).toBe(2);
    expect(res.out).toContain('config error: keys:rotate needs OLD_ENCRYPTION_KEY');
    expect((await store.Account.find().lean()).map((d) => d.sealedKey)).toEqual(before.map((d) => d.sealedKey));
  });
});
