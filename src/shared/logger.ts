import pino from 'pino';

export type Logger = pino.Logger;

/**
 * Structured logs to stdout. Secrets are removed twice: known fields are redacted by path, and every
 * string that equals or contains a registered secret (bot token, API keys) is masked wherever it is.
 */
export function createLogger(level: string, secrets: Array<string | undefined> = []): Logger {
  const masked = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 8);
  const scrub = (value: unknown, depth = 0): unknown => {
    if (masked.length === 0 || depth > 6) return value;
    if (typeof value === 'string') {
      return masked.reduce((acc, secret) => acc.split(secret).join('[secret]'), value);
    }
    if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
    if (value instanceof Error) {
      return { type: value.name, message: scrub(value.message, depth + 1), stack: scrub(value.stack, depth + 1) };
    }
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, depth + 1)]));
    }
    return value;
  };
  return pino({
    level,
    redact: { paths: ['token', 'apiKey', 'botToken', '*.token', '*.apiKey', 'headers["x-access-token"]'], censor: '[secret]' },
    formatters: { log: (obj) => scrub(obj) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => scrub(a)) as Parameters<typeof method>);
      },
    },
  });
}

/** A logger that drops everything, for tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
