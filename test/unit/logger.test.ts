import { describe, expect, it } from 'vitest';
import { addLogSecret, createLogger, uriPassword } from '../../src/shared/logger.js';

const BOT_TOKEN = '7000000001:AAFakeTelegramTokenForTests_0123456789';
const API_KEY = 'ea27b376-9f5c-4b09-883f-1b96cd7b541c';
const WEBHOOK_SECRET = 'hook-secret_0123456789';
const METRICS_TOKEN = 'scrape-token-0123456789abcdef';
const MONGODB_URI = 'mongodb://flexy:p%40ss-w0rd-42@db.example.org:27017/flexybot?authSource=admin';

function capture(secrets: Array<string | undefined>) {
  const out: string[] = [];
  const log = createLogger('info', secrets, { write: (s: string) => void out.push(s) });
  return { log, out };
}

describe('createLogger', () => {
  it('writes one JSON line per event', () => {
    const { log, out } = capture([]);
    log.child({ updateId: 42 }).info({ orderRef: 'order-1' }, 'update handled');
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0]!)).toMatchObject({ level: 30, updateId: 42, orderRef: 'order-1', msg: 'update handled' });
  });

  it('masks a secret registered at run time (a linked key) in the root and in children made before and after', () => {
    const { log, out } = capture([]);
    const early = log.child({ module: 'bot' });
    const linked = '0b6f1a2e-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
    addLogSecret(early, linked);
    log.info(`root ${linked}`);
    early.info({ err: new Error(`child ${linked}`) }, 'failed');
    log.child({ key: linked }).info('late child');
    expect(out).toHaveLength(3);
    expect(out.join('')).not.toContain(linked);
  });

  it('masks every registered secret and MongoDB credentials wherever they appear', () => {
    const { log, out } = capture([BOT_TOKEN, API_KEY, WEBHOOK_SECRET, METRICS_TOKEN, ...uriPassword(MONGODB_URI)]);
    log.info(`calling https://api.telegram.org/bot${BOT_TOKEN}/sendMessage`);
    log.warn({ headers: { 'x-access-token': API_KEY, authorization: `Bearer ${METRICS_TOKEN}` } }, 'request');
    log.error({ err: new Error(`provider said: invalid token ${API_KEY}`) }, 'failed');
    log.info({ uri: MONGODB_URI }, 'connecting');
    log.child({ mongo: MONGODB_URI, secretToken: WEBHOOK_SECRET }).info('child bindings');
    log.info({ nested: { deeper: [`x-telegram-bot-api-secret-token: ${WEBHOOK_SECRET}`] } }, 'nested');
    log.error({ err: new Error('Authentication failed for p@ss-w0rd-42') }, 'driver error quoting the decoded password');
    log.info({ other: 'mongodb+srv://admin:hunter2@cluster0.example.net/db' }, 'an unregistered URI');

    const all = out.join('');
    for (const secret of [BOT_TOKEN, API_KEY, WEBHOOK_SECRET, METRICS_TOKEN, 'p%40ss-w0rd-42', 'p@ss-w0rd-42', 'hunter2']) {
      expect(all).not.toContain(secret);
    }
    expect(out).toHaveLength(8);
    expect(all).toContain('mongodb://[secret]@db.example.org:27017/flexybot');
    expect(all).toContain('mongodb+srv://[secret]@cluster0.example.net/db');
    expect(all).toContain('/bot[secret]/sendMessage');
  });

  it('does not mask short registered values (they would mangle ordinary words)', () => {
    const { log, out } = capture(['abc']);
    log.info('abcdef');
    expect(JSON.parse(out[0]!)).toMatchObject({ msg: 'abcdef' });
  });
});
