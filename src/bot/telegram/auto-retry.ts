import { autoRetry } from '@grammyjs/auto-retry';
import type { Api, Transformer } from 'grammy';

/**
 * Bounded auto-retry. The plugin's defaults are unbounded (Infinity attempts and delay, network errors
 * retried in an inner loop with backoff growing to one hour), which would let one send block an update
 * handler (and time out a webhook) or a background job (and outlive its lock) for an hour. Instead:
 * - 429 with retry_after <= 5 s is waited out here, at most 3 times: short per-chat bursts are common
 *   and cheap to absorb in place.
 * - A longer 429 is thrown to the caller (Messenger turns it into `rate_limited` with retryAfterMs),
 *   which reschedules the work instead of holding a handler or a job open.
 * - Network errors and 5xx are thrown at once (`transient`): the plugin's 5xx backoff (3 s, 6 s, 12 s)
 *   would hold an interactive path for ~20 s; the caller's scheduler retries them later.
 */
export const AUTO_RETRY_OPTIONS = {
  maxRetryAttempts: 3,
  maxDelaySeconds: 5,
  rethrowHttpErrors: true,
  rethrowInternalServerErrors: true,
} as const;

/** The transformer, for APIs built outside `bot.api` (conversations v2 build their own `Api`). */
export function createAutoRetry(): Transformer {
  return autoRetry(AUTO_RETRY_OPTIONS);
}

export function installAutoRetry(api: Api): void {
  api.config.use(createAutoRetry());
}
