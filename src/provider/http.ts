import { ProviderError, type ProviderErrorKind } from './errors.js';
import { parseErrorEnvelope, parseSuccessEnvelope } from './schemas.js';

/**
 * HTTP transport of the OneClickDz client: one attempt = one fetch with its own timeout; failures
 * become typed ProviderErrors; idempotent GETs are retried with capped, jittered backoff.
 * The API key only ever goes into the X-Access-Token header, and is scrubbed from every message.
 */

export type RequestOutcome = number | 'network' | 'timeout';
export interface RequestInfo {
  method: string;
  /** Path without the query string, e.g. /v3/mobile/check-ref/abc%2B1. */
  path: string;
  status: RequestOutcome;
  ms: number;
}

/** How long the provider blocks an IP after 5 bad keys (documented: 15 minutes). */
export const IP_BLOCK_MS = 15 * 60_000;

/**
 * Remembers a provider IP block so nobody calls the API (and extends the ban) until it expires.
 * The ban is per IP, not per key: share one guard between all clients of a process.
 */
export class IpBlockGuard {
  private blockedUntil = 0;

  /** `onBlock` hears every new or longer block (the key guard persists it for other processes). */
  constructor(private readonly onBlock?: (until: number) => void) {}

  block(until: number): void {
    if (until <= this.blockedUntil) return;
    this.blockedUntil = until;
    this.onBlock?.(until);
  }

  /** Adopts a block learnt elsewhere (another process, a restart) without announcing it again. */
  adopt(until: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, until);
  }

  /** Milliseconds left on the block at `now`, 0 when not blocked. */
  remainingMs(now: number): number {
    return Math.max(0, this.blockedUntil - now);
  }
}

/**
 * Decides, per HTTP attempt, whether the key may be used now, and hears how each attempt ended.
 * The key guard (src/accounts/key-guard.ts) implements it: a rejected key is not sent again.
 */
export interface CallGate {
  /**
   * Resolves when the attempt may go out, or throws a ProviderError (`key_suspended`) so nothing is
   * sent. The attempt then reports how it ended, exactly once, through the returned function:
   * undefined on success, else the typed error (a 401 included).
   */
  admit(): Promise<(error: ProviderError | undefined) => void>;
}

export interface HttpTransportOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  random: () => number;
  ipBlock: IpBlockGuard;
  gate?: CallGate | undefined;
  onRequest?: ((info: RequestInfo) => void) | undefined;
}

type Method = 'GET' | 'POST';
export type DataParser<T> = (data: Record<string, unknown>, meta: Record<string, unknown> | undefined) => T;

const CODE_KINDS: Readonly<Record<string, ProviderErrorKind>> = {
  NOT_FOUND: 'not_found',
  MISSING_ACCESS_TOKEN: 'unauthorized',
  INVALID_ACCESS_TOKEN: 'unauthorized',
  ERR_AUTH: 'unauthorized',
  IP_BLOCKED: 'ip_blocked',
  IP_NOT_ALLOWED: 'ip_blocked',
  INSUFFICIENT_BALANCE: 'insufficient_balance',
  NO_BALANCE: 'insufficient_balance',
  DUPLICATED_REF: 'duplicated_ref',
  ERR_VALIDATION: 'validation',
  ERR_PHONE: 'validation',
  ERR_STOCK: 'out_of_stock',
  RATE_LIMIT_EXCEEDED: 'rate_limited',
};

/** Documented codes decide first (MISSING_ACCESS_TOKEN comes as 400 or 401); then the HTTP status. */
export function errorKindFor(httpStatus: number, code: string | undefined): ProviderErrorKind {
  const byCode = code === undefined ? undefined : CODE_KINDS[code.toUpperCase()];
  if (byCode) return byCode;
  if (httpStatus === 401) return 'unauthorized';
  if (httpStatus === 403) return 'forbidden';
  if (httpStatus === 404) return 'not_found';
  if (httpStatus === 408) return 'timeout';
  if (httpStatus === 429) return 'rate_limited';
  if (httpStatus >= 500) return 'server';
  return 'validation'; // 400 and any other client error: repeating it will not help
}

/** `Retry-After` as delay-seconds or an HTTP date, in ms from `now`; undefined when absent/invalid. */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

function errorName(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'name' in e && typeof e.name === 'string' ? e.name : undefined;
}

function isTimeout(e: unknown): boolean {
  const name = errorName(e);
  return name === 'TimeoutError' || name === 'AbortError';
}

/** ECONNREFUSED, ECONNRESET, ENOTFOUND, UND_ERR_SOCKET... from undici's `cause`. */
function networkCode(e: unknown): string | undefined {
  const cause = typeof e === 'object' && e !== null && 'cause' in e ? e.cause : undefined;
  for (const candidate of [cause, e]) {
    if (typeof candidate === 'object' && candidate !== null && 'code' in candidate && typeof candidate.code === 'string') {
      return candidate.code;
    }
  }
  return undefined;
}

export class HttpTransport {
  constructor(private readonly o: HttpTransportOptions) {}

  /**
   * Sends one request (GETs retried per the retry policy) and hands `data`/`meta` to `parse`.
   * `body` is sent as JSON; a POST is attempted exactly once, whatever the failure.
   */
  async request<T>(
    method: Method,
    path: string,
    query: URLSearchParams | undefined,
    parse: DataParser<T>,
    body?: Record<string, unknown>,
  ): Promise<T> {
    const attempts = method === 'GET' ? this.o.attempts : 1; // never re-send a write
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(method, path, query, parse, body);
      } catch (e) {
        if (!(e instanceof ProviderError) || !e.retryable || attempt >= attempts) throw e;
        const delay = this.retryDelay(e, attempt);
        if (delay === undefined) throw e;
        await this.o.sleep(delay);
      }
    }
  }

  private retryDelay(e: ProviderError, attempt: number): number | undefined {
    if (e.kind === 'rate_limited' && e.retryAfterMs !== undefined) {
      // Longer than we are willing to hold a caller: let it reschedule instead.
      return e.retryAfterMs > this.o.maxDelayMs ? undefined : e.retryAfterMs;
    }
    const ceiling = Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** (attempt - 1));
    return Math.floor(this.o.random() * ceiling); // full jitter
  }

  private async attempt<T>(
    method: Method,
    path: string,
    query: URLSearchParams | undefined,
    parse: DataParser<T>,
    body: Record<string, unknown> | undefined,
  ): Promise<T> {
    const gate = this.o.gate;
    if (!gate) return this.exchange(method, path, query, parse, body);
    const settle = await gate.admit(); // may wait (an unverified key goes one call at a time) or refuse
    try {
      const result = await this.exchange(method, path, query, parse, body);
      settle(undefined);
      return result;
    } catch (e) {
      // A non-ProviderError here is our own bug after an HTTP answer: the key itself was accepted.
      settle(e instanceof ProviderError ? e : undefined);
      throw e;
    }
  }

  /** One fetch, unless the provider has blocked this IP (then nothing is sent until the block ends). */
  private async exchange<T>(
    method: Method,
    path: string,
    query: URLSearchParams | undefined,
    parse: DataParser<T>,
    body: Record<string, unknown> | undefined,
  ): Promise<T> {
    const blockedMs = this.o.ipBlock.remainingMs(this.o.now());
    if (blockedMs > 0) {
      throw new ProviderError(
        'ip_blocked',
        `OneClickDz ${method} ${path}: IP blocked by the provider, not calling it for another ${Math.ceil(blockedMs / 1000)} s`,
        { code: 'IP_BLOCKED', retryAfterMs: blockedMs },
      );
    }

    const qs = query?.toString() ?? '';
    const url = `${this.o.baseUrl}${path}${qs === '' ? '' : `?${qs}`}`;
    const started = performance.now();
    let status: number | undefined;
    let headers: Headers;
    let text: string;
    try {
      const requestHeaders: Record<string, string> = { 'X-Access-Token': this.o.apiKey, Accept: 'application/json' };
      if (body !== undefined) requestHeaders['Content-Type'] = 'application/json';
      const res = await this.o.fetch(url, {
        method,
        headers: requestHeaders,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
      status = res.status;
      headers = res.headers;
      text = await res.text(); // the timeout signal also covers a body that stalls
    } catch (e) {
      const outcome = isTimeout(e) ? 'timeout' : 'network';
      this.report(method, path, outcome, started);
      const what =
        outcome === 'timeout'
          ? `no complete answer within ${this.o.timeoutMs} ms`
          : `network error (${networkCode(e) ?? errorName(e) ?? 'unknown'})`;
      throw new ProviderError(outcome, this.scrub(`OneClickDz ${method} ${path}: ${what}`), {
        httpStatus: status,
        cause: e,
      });
    }
    this.report(method, path, status, started);
    return this.interpret(method, path, status, headers, text, parse);
  }

  private interpret<T>(method: Method, path: string, status: number, headers: Headers, text: string, parse: DataParser<T>): T {
    const where = `OneClickDz ${method} ${path}`;
    let body: unknown;
    let isJson = false;
    try {
      body = JSON.parse(text);
      isJson = true;
    } catch {
      // handled below: 2xx -> malformed, otherwise mapped by HTTP status
    }

    if (status >= 200 && status < 300) {
      if (!isJson) {
        throw new ProviderError('malformed', `${where}: response body is not JSON (HTTP ${status})`, { httpStatus: status });
      }
      let requestId: string | undefined;
      try {
        const envelope = parseSuccessEnvelope(body);
        requestId = envelope.requestId;
        return parse(envelope.data, envelope.meta);
      } catch (e) {
        if (!(e instanceof ProviderError)) throw e;
        throw new ProviderError(e.kind, this.scrub(`${where}: ${e.message.replace(/^OneClickDz: /, '')}`), {
          httpStatus: status,
          code: e.code,
          requestId: e.requestId ?? requestId,
          cause: e,
        });
      }
    }

    const envelope = isJson ? parseErrorEnvelope(body) : undefined;
    const code = envelope?.error.code;
    const kind = errorKindFor(status, code);
    let retryAfterMs = kind === 'rate_limited' ? parseRetryAfter(headers.get('retry-after'), this.o.now()) : undefined;
    if (kind === 'ip_blocked' && code?.toUpperCase() === 'IP_BLOCKED') {
      this.o.ipBlock.block(this.o.now() + IP_BLOCK_MS);
      retryAfterMs = IP_BLOCK_MS;
    }
    const providerMessage = envelope?.error.message ?? bareMessage(body);
    const message = `${where}: ${code ?? `HTTP ${status}`} (HTTP ${status})${providerMessage ? `: ${providerMessage.slice(0, 300)}` : ''}`;
    return this.fail(kind, message, {
      httpStatus: status,
      code,
      details: envelope?.error.details,
      requestId: envelope?.requestId,
      retryAfterMs,
    });
  }

  private fail(
    kind: ProviderErrorKind,
    message: string,
    extra: {
      httpStatus: number;
      code: string | undefined;
      details: Record<string, unknown> | undefined;
      requestId: string | undefined;
      retryAfterMs: number | undefined;
    },
  ): never {
    throw new ProviderError(kind, this.scrub(message), { ...extra, details: this.scrubDetails(extra.details) });
  }

  private report(method: string, path: string, status: RequestOutcome, started: number): void {
    if (!this.o.onRequest) return;
    try {
      this.o.onRequest({ method, path, status, ms: Math.round(performance.now() - started) });
    } catch {
      // A broken metrics hook must not fail the request.
    }
  }

  /** A provider could echo the key back (e.g. in an invalid-token message): never pass it on. */
  private scrub(text: string): string {
    return this.o.apiKey === '' ? text : text.split(this.o.apiKey).join('[redacted]');
  }

  private scrubDetails(details: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
    if (details === undefined || this.o.apiKey === '') return details;
    const json = JSON.stringify(details);
    return json.includes(this.o.apiKey) ? (JSON.parse(this.scrub(json)) as Record<string, unknown>) : details;
  }
}

/** Unknown routes answer a bare `{message, error, statusCode}` (NestJS style). */
function bareMessage(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const message = (body as Record<string, unknown>).message;
  return typeof message === 'string' ? message : undefined;
}
