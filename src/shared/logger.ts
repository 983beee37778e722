import pino from 'pino';

export type Logger = pino.Logger;

/** Where a logger keeps the function that registers more secrets (child loggers inherit it). */
const ADD_SECRET = Symbol('flexybot.addLogSecret');

/**
 * Masks `secret` in every later line of `log`, its parent and their children: for secrets learnt at
 * run time (a linked account's provider key once decrypted). No-op on loggers not made by createLogger.
 */
export function addLogSecret(log: Logger, secret: string): void {
  const add = (log as unknown as Record<symbol, ((s: string) => void) | undefined>)[ADD_SECRET];
  add?.(secret);
}

/** `scheme://user:password@host`: the user-info part of any URL in a log line (a MongoDB URI above all). */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]*@/gi;

/** Registered secrets shorter than this are not masked by value (they would mangle ordinary words). */
const MIN_SECRET_LENGTH = 8;

/**
 * Structured logs, one JSON line per event, to stdout. Secrets are removed three ways: known fields
 * (tokens, keys, credential headers) are redacted by path; every string that contains a registered
 * secret (bot token, API key, webhook secret, metrics token, MongoDB password) is masked wherever it
 * is, in messages, fields, errors and child-logger bindings (the finished line is checked last); and the credentials of any URL
 * (`mongodb://user:password@host`) are masked even when nobody registered them.
 */
export function createLogger(level: string, secrets: Array<string | undefined> = [], destination?: pino.DestinationStream): Logger {
  let masked: string[] = [];
  const register = (more: Array<string | undefined>) => {
    masked = [...new Set([...masked, ...more.filter((s): s is string => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH)])]
      // Longest first: a secret that contains another is masked whole.
      .sort((a, b) => b.length - a.length);
  };
  register(secrets);
  const scrubText = (text: string): string =>
    masked.reduce((acc, secret) => acc.split(secret).join('[secret]'), text).replace(URL_CREDENTIALS, '$1[secret]@');
  const scrub = (value: unknown, depth = 0): unknown => {
    if (depth > 6) return value;
    if (typeof value === 'string') return scrubText(value);
    if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
    if (value instanceof Error) {
      // Same prototype, so pino's error serializer still names the class (ProviderError...).
      const copy = Object.create(Object.getPrototypeOf(value) as object) as Record<string, unknown>;
      for (const [k, v] of Object.entries(value)) copy[k] = scrub(v, depth + 1);
      Object.defineProperty(copy, 'message', { value: scrub(value.message, depth + 1), enumerable: false });
      Object.defineProperty(copy, 'stack', { value: scrub(value.stack, depth + 1), enumerable: false });
      if (value.cause !== undefined) Object.defineProperty(copy, 'cause', { value: scrub(value.cause, depth + 1), enumerable: false });
      return copy;
    }
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, depth + 1)]));
    }
    return value;
  };
  const logger = pino(
    {
      level,
      redact: {
        paths: [
          'token',
          'apiKey',
          'botToken',
          'secret',
          '*.token',
          '*.apiKey',
          '*.secret',
          'headers["x-access-token"]',
          'headers["x-telegram-bot-api-secret-token"]',
          'headers.authorization',
          '*.headers["x-access-token"]',
          '*.headers["x-telegram-bot-api-secret-token"]',
          '*.headers.authorization',
        ],
        censor: '[secret]',
      },
      formatters: {
        log: (obj) => scrub(obj) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => scrub(a)) as Parameters<typeof method>);
        },
        // The finished line, child-logger bindings included (pino serializes those without formatters).
        streamWrite: scrubText,
      },
    },
    destination,
  );
  // Children are created from the root by prototype, so they find it too.
  Object.defineProperty(logger, ADD_SECRET, { value: (secret: string) => register([secret]), enumerable: false });
  return logger;
}

/**
 * The password of a connection string (as written and URL-decoded), to register as a secret: a driver
 * error may quote it without the `user:password@` shape the generic mask looks for.
 */
export function uriPassword(uri: string | undefined): string[] {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/@:]*:([^/@]*)@/i.exec(uri ?? '');
  if (!match?.[1]) return [];
  let decoded = match[1];
  try {
    decoded = decodeURIComponent(match[1]);
  } catch {
    // a malformed escape: the raw form is masked anyway
  }
  return [match[1], decoded];
}

/** A logger that drops everything, for tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
