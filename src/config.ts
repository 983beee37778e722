import { z } from 'zod';
import { parseDuration } from './shared/duration.js';
import { DEFAULT_LONG_TAIL_POLICY, type LongTailPolicy } from './tracking/long-tail-schedule.js';
import { DEFAULT_OFFER_POLICY } from './resend/offer-machine.js';
import { ENCRYPTION_KEY_HINT, parseEncryptionKey } from './accounts/key-vault.js';

/** Locales that ship in `locales/`. Arabic is the default and the reference locale. */
export const SUPPORTED_LOCALES = ['ar', 'fr', 'en'] as const;
export type Locale = (typeof SUPPORTED_LOCALES)[number];

/**
 * How this process takes Telegram updates: `polling` (long polling; one process of a deployment
 * polls, see process/polling-leadership.ts), `webhook` (Telegram posts them; every replica serves
 * them) or `worker` (none: background work only, beside a poller or webhook replicas).
 */
export const BOT_MODES = ['polling', 'webhook', 'worker'] as const;
export type BotMode = (typeof BOT_MODES)[number];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Who may link a OneClickDz key: `open` anyone (a valid key proves the account), `closed` only ALLOWED_USER_IDS. */
export const ONBOARDING_MODES = ['open', 'closed'] as const;
export type OnboardingMode = (typeof ONBOARDING_MODES)[number];

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

/** A 32-byte master key (the message never echoes the value). */
const encryptionKey = optionalString.refine((v) => v === undefined || parseEncryptionKey(v) !== undefined, {
  message: `must be ${ENCRYPTION_KEY_HINT}`,
});

const url = (fallback: string) =>
  z
    .string()
    .trim()
    .default(fallback)
    .transform((v) => (v === '' ? fallback : v))
    .pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }))
    .transform((v) => v.replace(/\/+$/, ''));

/** A duration like `55m`, `72h`, `7d` (unscaled: TIME_SCALE applies on top). */
const duration = (fallbackMs: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return fallbackMs;
      const ms = parseDuration(raw);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: 'must be a duration like 90s, 15m, 2h or 7d' });
        return z.NEVER;
      }
      return ms;
    });

const userIdList = z
  .string()
  .default('')
  .transform((raw, ctx) => {
    const ids: number[] = [];
    for (const part of raw
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      if (!/^\d{1,15}$/.test(part)) {
        ctx.addIssue({ code: 'custom', message: `"${part}" is not a Telegram user id (digits only)` });
        continue;
      }
      ids.push(Number(part));
    }
    return ids;
  });

const envSchema = z
  .object({
    BOT_TOKEN: z
      .string({ error: 'is required (get one from @BotFather)' })
      .trim()
      .regex(/^\d+:[A-Za-z0-9_-]{20,}$/, 'does not look like a bot token (expected <digits>:<secret>)'),
    TELEGRAM_API_ROOT: url('https://api.telegram.org'),
    ONECLICK_API_URL: url('https://api.oneclickdz.com'),
    ONECLICK_API_KEY: optionalString,
    ALLOWED_USER_IDS: userIdList,
    ENCRYPTION_KEY: encryptionKey,
    OLD_ENCRYPTION_KEY: encryptionKey,
    ONBOARDING: z
      .string()
      .trim()
      .toLowerCase()
      .default('closed')
      .pipe(z.enum(ONBOARDING_MODES, { error: `must be one of ${ONBOARDING_MODES.join(', ')}` })),
    MONGODB_URI: optionalString.pipe(
      z
        .string()
        .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
        .optional(),
    ),
    DEFAULT_LOCALE: z
      .string()
      .trim()
      .default('ar')
      .pipe(z.enum(SUPPORTED_LOCALES, { error: `must be one of ${SUPPORTED_LOCALES.join(', ')}` })),
    TIME_SCALE: z
      .string()
      .trim()
      .default('1')
      .transform(Number)
      .pipe(z.number({ error: 'must be a number' }).positive('must be greater than 0').max(1000, 'must be at most 1000')),
    LOG_LEVEL: z
      .string()
      .trim()
      .toLowerCase()
      .default('info')
      .pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` })),
    RECHECK_UNKNOWN_ERROR_EVERY: duration(DEFAULT_LONG_TAIL_POLICY.verifying.everyMs),
    RECHECK_UNKNOWN_ERROR_FOR: duration(DEFAULT_LONG_TAIL_POLICY.verifying.forMs),
    RECHECK_QUEUED_EVERY: duration(DEFAULT_LONG_TAIL_POLICY.queued.everyMs),
    RECHECK_QUEUED_FOR: duration(DEFAULT_LONG_TAIL_POLICY.queued.forMs),
    RECHECK_TIMEOUT_FIRST: duration(DEFAULT_LONG_TAIL_POLICY.timeout.firstMs),
    RECHECK_TIMEOUT_MAX: duration(DEFAULT_LONG_TAIL_POLICY.timeout.maxMs),
    RECHECK_TIMEOUT_FOR: duration(DEFAULT_LONG_TAIL_POLICY.timeout.forMs),
    RECHECK_SWEEP_EVERY: duration(60_000),
    UNCONFIRMED_CHECK_FOR: duration(DEFAULT_OFFER_POLICY.unconfirmedCheckForMs),
    RETENTION_DAYS: z
      .string()
      .trim()
      .default('90')
      .transform(Number)
      .pipe(z.number({ error: 'must be a whole number of days' }).int('must be a whole number of days').min(1).max(3650)),
    RECHECK_LIST_THRESHOLD: z
      .string()
      .trim()
      .default('5')
      .transform(Number)
      .pipe(z.number({ error: 'must be a whole number' }).int().min(2).max(1000)),
    BOT_MODE: z
      .string()
      .trim()
      .toLowerCase()
      .default('polling')
      .pipe(z.enum(BOT_MODES, { error: `must be one of ${BOT_MODES.join(', ')}` })),
    WEBHOOK_URL: optionalString.pipe(z.url({ protocol: /^https$/, error: 'must be an https URL' }).optional()),
    // Telegram's rule for setWebhook's secret_token: 1-256 characters of A-Z, a-z, 0-9, _ and -.
    WEBHOOK_SECRET: optionalString.pipe(
      z
        .string()
        .max(256, 'must be at most 256 characters')
        .regex(/^[A-Za-z0-9_-]+$/, 'may only contain A-Z, a-z, 0-9, _ and -')
        .optional(),
    ),
    METRICS_TOKEN: optionalString.pipe(
      z
        .string()
        .min(16, 'must be at least 16 characters')
        .max(256, 'must be at most 256 characters')
        .regex(/^[\x21-\x7e]+$/, 'may only contain printable ASCII without spaces')
        .optional(),
    ),
    PORT: z
      .string()
      .trim()
      .default('8080')
      .transform(Number)
      .pipe(z.number({ error: 'must be a port number' }).int().min(0).max(65535)), // 0: any free port (tests)
  })
  .superRefine((env, ctx) => {
    if (env.BOT_MODE === 'webhook' && !env.WEBHOOK_URL) {
      ctx.addIssue({ code: 'custom', path: ['WEBHOOK_URL'], message: 'is required when BOT_MODE=webhook' });
    }
    if (env.BOT_MODE === 'webhook' && !env.WEBHOOK_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['WEBHOOK_SECRET'],
        message:
          'is required when BOT_MODE=webhook (1-256 characters of A-Z, a-z, 0-9, _ and -): without it anyone can post forged updates',
      });
    }
  });

export type Env = z.infer<typeof envSchema>;

export interface Config {
  botToken: string;
  telegramApiRoot: string;
  oneclickApiUrl: string;
  oneclickApiKey: string | undefined;
  allowedUserIds: ReadonlySet<number>;
  /** Master key of the key vault (accounts/key-vault.ts); unset: no key can be linked (the env account still works). */
  encryptionKey: string | undefined;
  /** The previous master key, read only by `npm run keys:rotate`. */
  oldEncryptionKey: string | undefined;
  onboarding: OnboardingMode;
  mongodbUri: string | undefined;
  defaultLocale: Locale;
  timeScale: number;
  logLevel: (typeof LOG_LEVELS)[number];
  mode: BotMode;
  /**
   * Lifetime of the polling lease (30 s x TIME_SCALE, at least 2 s): how long a killed poller leaves
   * updates untaken before a worker of the same deployment takes over.
   */
  pollingLeaseMs: number;
  longTail: {
    policy: LongTailPolicy;
    /** How often the Agenda sweep looks for due long-tail orders (unscaled). */
    sweepEveryMs: number;
    /** Due orders of one account and kind from which the list endpoints replace per-order checks. */
    listThreshold: number;
  };
  /** Webhook mode: Telegram posts to `<url>/telegram` with `secret` (both required in that mode). */
  webhook: { url: string | undefined; secret: string | undefined };
  /** The HTTP listener of every mode (ops/http-server.ts). */
  http: { port: number; metricsToken: string | undefined };
  /**
   * Orders closed (final, expired, unresolved) for longer than this are deleted with their watchers by
   * TTL indexes (never scaled by TIME_SCALE: a retention period is the operator's policy).
   */
  retentionDays: number;
  offers: {
    /** How long a send without a clear answer is checked by ref before "not created" may be said (unscaled). */
    unconfirmedCheckForMs: number;
  };
}

/** Thrown with one human-readable line per invalid variable; never carries a value. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once at start-up. Messages name the variable, never echo its value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // A variable set to nothing (`TIME_SCALE=` in .env, or docker-compose's `${TIME_SCALE}` when unset)
  // means unset: its default applies, and a blank BOT_TOKEN reads as missing.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = issue.path.length > 0 ? issue.path.join('.') : 'environment';
      return `${name} ${issue.message}`;
    });
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  return {
    botToken: e.BOT_TOKEN,
    telegramApiRoot: e.TELEGRAM_API_ROOT,
    oneclickApiUrl: e.ONECLICK_API_URL,
    oneclickApiKey: e.ONECLICK_API_KEY,
    allowedUserIds: new Set(e.ALLOWED_USER_IDS),
    encryptionKey: e.ENCRYPTION_KEY,
    oldEncryptionKey: e.OLD_ENCRYPTION_KEY,
    onboarding: e.ONBOARDING,
    mongodbUri: e.MONGODB_URI,
    defaultLocale: e.DEFAULT_LOCALE,
    timeScale: e.TIME_SCALE,
    logLevel: e.LOG_LEVEL,
    mode: e.BOT_MODE,
    pollingLeaseMs: Math.max(2_000, Math.round(30_000 * e.TIME_SCALE)),
    longTail: {
      policy: {
        verifying: { everyMs: e.RECHECK_UNKNOWN_ERROR_EVERY, forMs: e.RECHECK_UNKNOWN_ERROR_FOR },
        queued: { everyMs: e.RECHECK_QUEUED_EVERY, forMs: e.RECHECK_QUEUED_FOR },
        timeout: {
          firstMs: e.RECHECK_TIMEOUT_FIRST,
          factor: DEFAULT_LONG_TAIL_POLICY.timeout.factor,
          maxMs: e.RECHECK_TIMEOUT_MAX,
          forMs: e.RECHECK_TIMEOUT_FOR,
        },
        jitter: DEFAULT_LONG_TAIL_POLICY.jitter,
      },
      sweepEveryMs: e.RECHECK_SWEEP_EVERY,
      listThreshold: e.RECHECK_LIST_THRESHOLD,
    },
    webhook: { url: e.WEBHOOK_URL, secret: e.WEBHOOK_SECRET },
    http: { port: e.PORT, metricsToken: e.METRICS_TOKEN },
    retentionDays: e.RETENTION_DAYS,
    offers: { unconfirmedCheckForMs: e.UNCONFIRMED_CHECK_FOR },
  };
}
