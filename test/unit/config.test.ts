import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const TOKEN = '7000000001:AAFakeTelegramTokenForTests_0123456789';
const VALID = { BOT_TOKEN: TOKEN };

/** The problems loadConfig reports for `env` (fails the test when it does not throw ConfigError). */
function problemsOf(env: Record<string, string>): { problems: string[]; message: string } {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return { problems: (err as ConfigError).problems, message: (err as ConfigError).message };
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('needs only BOT_TOKEN and applies the documented defaults', () => {
    const config = loadConfig(VALID);
    expect(config).toMatchObject({
      botToken: TOKEN,
      telegramApiRoot: 'https://api.telegram.org',
      oneclickApiUrl: 'https://api.oneclickdz.com',
      oneclickApiKey: undefined,
      mongodbUri: undefined,
      defaultLocale: 'ar',
      timeScale: 1,
      logLevel: 'info',
    });
    expect([...config.allowedUserIds]).toEqual([]);
  });

  it('reads every documented variable', () => {
    const config = loadConfig({
      ...VALID,
      TELEGRAM_API_ROOT: 'http://127.0.0.1:8081/',
      ONECLICK_API_URL: 'http://127.0.0.1:9000',
      ONECLICK_API_KEY: 'key-123',
      ALLOWED_USER_IDS: ' 111111, 222222 ,',
      MONGODB_URI: 'mongodb://127.0.0.1:27017/flexy',
      DEFAULT_LOCALE: 'fr',
      TIME_SCALE: '0.01',
      LOG_LEVEL: 'DEBUG',
    });
    expect(config).toMatchObject({
      telegramApiRoot: 'http://127.0.0.1:8081',
      oneclickApiUrl: 'http://127.0.0.1:9000',
      oneclickApiKey: 'key-123',
      mongodbUri: 'mongodb://127.0.0.1:27017/flexy',
      defaultLocale: 'fr',
      timeScale: 0.01,
      logLevel: 'debug',
    });
    expect([...config.allowedUserIds]).toEqual([111111, 222222]);
  });

  it('treats a variable set to nothing (as docker-compose passes unset ones) as unset', () => {
    const config = loadConfig({ ...VALID, TIME_SCALE: '', DEFAULT_LOCALE: '', LOG_LEVEL: ' ', ONECLICK_API_KEY: '', MONGODB_URI: '' });
    expect(config).toMatchObject({ timeScale: 1, defaultLocale: 'ar', logLevel: 'info', oneclickApiKey: undefined, mongodbUri: undefined });
  });

  it('says BOT_TOKEN is required when it is missing or blank', () => {
    expect(problemsOf({}).problems).toEqual([expect.stringMatching(/^BOT_TOKEN is required/)]);
    expect(problemsOf({ BOT_TOKEN: '   ' }).problems).toEqual([expect.stringMatching(/^BOT_TOKEN is required/)]);
  });

  it.each([
    ['TIME_SCALE', 'fast', /^TIME_SCALE must be a number/],
    ['TIME_SCALE', '0', /^TIME_SCALE must be greater than 0/],
    ['TIME_SCALE', '-1', /^TIME_SCALE must be greater than 0/],
    ['DEFAULT_LOCALE', 'de', /^DEFAULT_LOCALE must be one of ar, fr, en/],
    ['LOG_LEVEL', 'loud', /^LOG_LEVEL must be one of/],
    ['ALLOWED_USER_IDS', '111111,@bob', /^ALLOWED_USER_IDS "@bob" is not a Telegram user id/],
    ['TELEGRAM_API_ROOT', 'ftp://example.org', /^TELEGRAM_API_ROOT must be an http\(s\) URL/],
    ['ONECLICK_API_URL', 'not a url', /^ONECLICK_API_URL must be an http\(s\) URL/],
  ])('rejects %s=%s with one clear line naming the variable', (name, value, line) => {
    expect(problemsOf({ ...VALID, [name]: value }).problems).toEqual([expect.stringMatching(line)]);
  });

  it('reports every problem at once, one line each', () => {
    const { problems, message } = problemsOf({ TIME_SCALE: 'x', DEFAULT_LOCALE: 'de', MONGODB_URI: 'localhost:27017' });
    expect(problems).toHaveLength(4);
    expect(problems.map((p) => p.split(' ')[0]).sort()).toEqual(['BOT_TOKEN', 'DEFAULT_LOCALE', 'MONGODB_URI', 'TIME_SCALE']);
    for (const p of problems) expect(p).not.toContain('\n');
    expect(message.split('\n')).toHaveLength(5); // a heading, then one line per problem
    expect(message).not.toMatch(/\bat \S+:\d+/); // no stack trace in what the operator reads
  });

  it('never echoes a secret value in a problem', () => {
    const secrets = {
      BOT_TOKEN: 'AAH-not-really-a-token-secret-0123456789',
      MONGODB_URI: 'postgres://admin:hunter2-secret@db.example.org/flexy',
      WEBHOOK_SECRET: 'my secret with spaces!',
      ONECLICK_API_KEY: 'ea27b376-9f5c-4b09-883f-1b96cd7b541c',
      TIME_SCALE: 'nope',
    };
    const { problems, message } = problemsOf(secrets);
    expect(problems.length).toBeGreaterThanOrEqual(3);
    for (const value of [secrets.BOT_TOKEN, 'hunter2', secrets.WEBHOOK_SECRET, secrets.ONECLICK_API_KEY]) {
      expect(message).not.toContain(value);
      for (const p of problems) expect(p).not.toContain(value);
    }
  });

  it('needs WEBHOOK_URL and WEBHOOK_SECRET in webhook mode', () => {
    expect(problemsOf({ ...VALID, BOT_MODE: 'webhook' }).problems.sort()).toEqual([
      expect.stringMatching(/^WEBHOOK_SECRET is required when BOT_MODE=webhook/),
      expect.stringMatching(/^WEBHOOK_URL is required/),
    ]);
    const hook = { ...VALID, BOT_MODE: 'webhook', WEBHOOK_URL: 'https://bot.example.org' };
    expect(problemsOf(hook).problems).toEqual([expect.stringMatching(/^WEBHOOK_SECRET is required when BOT_MODE=webhook/)]);
    expect(loadConfig({ ...hook, WEBHOOK_SECRET: 'A-z_09' }).webhook).toEqual({ url: 'https://bot.example.org', secret: 'A-z_09' });
  });

  it.each([
    ['has a character Telegram refuses', 'secret!'],
    ['is longer than 256 characters', 'a'.repeat(257)],
  ])('rejects a WEBHOOK_SECRET that %s', (_what, secret) => {
    const { problems } = problemsOf({ ...VALID, BOT_MODE: 'webhook', WEBHOOK_URL: 'https://bot.example.org', WEBHOOK_SECRET: secret });
    expect(problems).toEqual([expect.stringMatching(/^WEBHOOK_SECRET (may only contain|must be at most 256)/)]);
    expect(problems[0]).not.toContain(secret);
  });

  it('takes BOT_MODE polling (default), webhook or worker; the polling lease follows TIME_SCALE with a floor', () => {
    expect(loadConfig(VALID)).toMatchObject({ mode: 'polling', pollingLeaseMs: 30_000 });
    expect(loadConfig({ ...VALID, BOT_MODE: 'Worker' }).mode).toBe('worker');
    expect(loadConfig({ ...VALID, TIME_SCALE: '0.1' }).pollingLeaseMs).toBe(3_000);
    expect(loadConfig({ ...VALID, TIME_SCALE: '0.001' }).pollingLeaseMs).toBe(2_000);
    expect(problemsOf({ ...VALID, BOT_MODE: 'leader' }).problems).toEqual(['BOT_MODE must be one of polling, webhook, worker']);
  });

  it('serves HTTP on PORT (default 8080) in every mode, with an optional METRICS_TOKEN', () => {
    expect(loadConfig(VALID).http).toEqual({ port: 8080, metricsToken: undefined });
    expect(loadConfig({ ...VALID, PORT: '9100', METRICS_TOKEN: 'scrape-token-0123456789' }).http).toEqual({
      port: 9100,
      metricsToken: 'scrape-token-0123456789',
    });
    expect(problemsOf({ ...VALID, PORT: '-1' }).problems).toEqual([expect.stringMatching(/^PORT /)]);
    expect(problemsOf({ ...VALID, METRICS_TOKEN: 'short' }).problems).toEqual([
      expect.stringMatching(/^METRICS_TOKEN must be at least 16/),
    ]);
  });

  it('keeps closed orders RETENTION_DAYS days (default 90), whole days from 1', () => {
    expect(loadConfig(VALID).retentionDays).toBe(90);
    expect(loadConfig({ ...VALID, RETENTION_DAYS: '30', TIME_SCALE: '0.01' }).retentionDays).toBe(30); // never scaled
    for (const bad of ['0', '1.5', 'ninety', '4000']) {
      expect(problemsOf({ ...VALID, RETENTION_DAYS: bad }).problems).toEqual([expect.stringMatching(/^RETENTION_DAYS /)]);
    }
  });

  it('takes ENCRYPTION_KEY as 32 bytes in base64 or 64 hex, never echoing a bad one, and ONBOARDING open or closed (default closed)', () => {
    const base64 = Buffer.alloc(32, 7).toString('base64');
    const hex = Buffer.alloc(32, 9).toString('hex');
    expect(loadConfig(VALID)).toMatchObject({ encryptionKey: undefined, oldEncryptionKey: undefined, onboarding: 'closed' });
    expect(loadConfig({ ...VALID, ENCRYPTION_KEY: base64, OLD_ENCRYPTION_KEY: hex, ONBOARDING: 'OPEN' })).toMatchObject({
      encryptionKey: base64,
      oldEncryptionKey: hex,
      onboarding: 'open',
    });
    const short = Buffer.alloc(16, 1).toString('base64');
    for (const bad of [short, 'not a key at all', hex.slice(2)]) {
      const { problems, message } = problemsOf({ ...VALID, ENCRYPTION_KEY: bad });
      expect(problems).toEqual([expect.stringMatching(/^ENCRYPTION_KEY must be 32 bytes, base64 \(openssl rand -base64 32\)/)]);
      expect(message).not.toContain(bad);
    }
    expect(problemsOf({ ...VALID, ONBOARDING: 'maybe' }).problems).toEqual([
      expect.stringMatching(/^ONBOARDING must be one of open, closed/),
    ]);
  });
});
