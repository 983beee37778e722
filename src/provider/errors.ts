/**
 * Typed failures of the OneClickDz client. Callers branch on `kind`, never on messages.
 * `retryable` says whether repeating the same idempotent GET may succeed.
 */
export type ProviderErrorKind =
  | 'not_found' // 404 NOT_FOUND
  | 'unauthorized' // MISSING_ACCESS_TOKEN / INVALID_ACCESS_TOKEN / ERR_AUTH
  | 'ip_blocked' // 403 IP_BLOCKED (5 bad keys -> 15 min), IP_NOT_ALLOWED
  | 'forbidden' // other 403s: API_DISABLED, READ-ONLY scope, unknown 403 codes
  | 'insufficient_balance' // 403 INSUFFICIENT_BALANCE / NO_BALANCE
  | 'duplicated_ref' // 403 DUPLICATED_REF
  | 'validation' // 400 ERR_VALIDATION / ERR_PHONE / other 400s
  | 'out_of_stock' // ERR_STOCK
  | 'rate_limited' // 429
  | 'server' // 5xx
  | 'network' // connection refused/reset, DNS
  | 'timeout' // no answer within the per-request timeout
  | 'malformed' // body is not JSON or does not match the schema
  // Not called at all (no network): the provider rejected this account's key and the key guard
  // (src/accounts/) suspended it; `retryAfterMs` is the time until the key is revalidated. With the
  // code KEY_ATTEMPT_WAIT the key was not rejected: it must prove itself again (another key failed
  // since) and no key attempt is free before `retryAfterMs`; nothing is wrong with the account. With
  // the code KEY_UNLINKED the account's owner unlinked the key while the call waited.
  | 'key_suspended';

/** `key_suspended` code: the key waits for a free key attempt to prove itself again; it was not rejected. */
export const KEY_ATTEMPT_WAIT = 'KEY_ATTEMPT_WAIT';
/** `key_suspended` code: the account's owner unlinked its key (a call was waiting meanwhile); the provider never judged it. */
export const KEY_UNLINKED = 'KEY_UNLINKED';

const RETRYABLE: ReadonlySet<ProviderErrorKind> = new Set(['rate_limited', 'server', 'network', 'timeout', 'malformed']);

export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  /** HTTP status, when there was a response. */
  readonly httpStatus: number | undefined;
  /** Provider error code (`error.code`), when the body had one. */
  readonly code: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly requestId: string | undefined;
  /** How long to wait before asking again, in ms: `Retry-After` on a 429, an IP block, a suspended key. */
  readonly retryAfterMs: number | undefined;

  constructor(
    kind: ProviderErrorKind,
    message: string,
    extra: {
      httpStatus?: number | undefined;
      code?: string | undefined;
      details?: Record<string, unknown> | undefined;
      requestId?: string | undefined;
      retryAfterMs?: number | undefined;
      cause?: unknown;
    } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'ProviderError';
    this.kind = kind;
    this.httpStatus = extra.httpStatus;
    this.code = extra.code;
    this.details = extra.details;
    this.requestId = extra.requestId;
    this.retryAfterMs = extra.retryAfterMs;
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.kind);
  }
}

export function isProviderError(e: unknown, kind?: ProviderErrorKind): e is ProviderError {
  return e instanceof ProviderError && (kind === undefined || e.kind === kind);
}

/** The key guard held the call back only until a key attempt frees up: retry later, the key is fine as far as anyone knows. */
export function isKeyAttemptWait(e: unknown): e is ProviderError {
  return e instanceof ProviderError && e.kind === 'key_suspended' && e.code === KEY_ATTEMPT_WAIT;
}

/** The account has no key any more (its owner unlinked it): nothing was sent, and the provider did not reject anything. */
export function isKeyUnlinked(e: unknown): e is ProviderError {
  return e instanceof ProviderError && e.kind === 'key_suspended' && e.code === KEY_UNLINKED;
}
