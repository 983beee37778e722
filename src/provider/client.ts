import { HttpTransport, IpBlockGuard, type CallGate, type RequestInfo } from './http.js';
import {
  parseAccountKeyInfo,
  parseBalance,
  parseInternetOrder,
  parseListPage,
  parseMobileOrder,
  parseMobilePlans,
  parseSendMobileRequest,
  parseSendMobileResult,
} from './schemas.js';
import type {
  AccountKeyInfo,
  InternetOrder,
  ListPage,
  ListQuery,
  MobileOrder,
  MobilePlans,
  SendMobileRequest,
  SendMobileResult,
} from './types.js';

export { IpBlockGuard, IP_BLOCK_MS, type CallGate, type RequestInfo } from './http.js';

export interface OneClickClientOptions {
  /** e.g. https://api.oneclickdz.com (a trailing slash is tolerated); paths live under /v3/. */
  baseUrl: string;
  /** Sent as X-Access-Token only; never logged, scrubbed from error messages. */
  apiKey: string;
  /** Per HTTP attempt (headers and body), default `DEFAULT_TIMEOUT_MS`. */
  timeoutMs?: number;
  /** GETs only. Defaults: 3 attempts in total, 500 ms base, 8 000 ms cap. */
  retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Clock for the IP-block window and Retry-After dates; default Date.now. */
  now?: () => number;
  /** Jitter source in [0, 1); default Math.random. */
  random?: () => number;
  /** The provider blocks the IP, not the key: pass one shared guard to all clients of a process. */
  ipBlock?: IpBlockGuard;
  /** Admits or refuses each attempt with this key (the key guard); default: every attempt goes out. */
  gate?: CallGate;
  /** Metrics hook, called once per HTTP attempt. The path never includes a query string or the key. */
  onRequest?: (info: RequestInfo) => void;
}

/** Per HTTP attempt, when the caller sets none. */
export const DEFAULT_TIMEOUT_MS = 15_000;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Client of the OneClickDz Flexy API v3: key check, balance, plans, order lookups, lists, and the
 * mobile send (the only write, never retried).
 */
export class OneClickClient {
  private readonly http: HttpTransport;

  constructor(opts: OneClickClientOptions) {
    const attempts = opts.retry?.attempts ?? 3;
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isInteger(attempts) || attempts < 1) throw new Error('OneClickClient: retry.attempts must be an integer >= 1');
    if (!(timeoutMs > 0)) throw new Error('OneClickClient: timeoutMs must be > 0');
    this.http = new HttpTransport({
      baseUrl: opts.baseUrl.replace(/\/+$/, ''),
      apiKey: opts.apiKey,
      timeoutMs,
      attempts,
      baseDelayMs: opts.retry?.baseDelayMs ?? 500,
      maxDelayMs: opts.retry?.maxDelayMs ?? 8_000,
      fetch: opts.fetch ?? globalThis.fetch,
      sleep: opts.sleep ?? defaultSleep,
      now: opts.now ?? Date.now,
      random: opts.random ?? Math.random,
      ipBlock: opts.ipBlock ?? new IpBlockGuard(),
      gate: opts.gate,
      onRequest: opts.onRequest,
    });
  }

  /** GET /v3/validate: which account and environment (SANDBOX | PRODUCTION) the key belongs to. */
  async validate(): Promise<AccountKeyInfo> {
    return this.http.request('GET', '/v3/validate', undefined, parseAccountKeyInfo);
  }

  /** GET /v3/account/balance, in DZD. */
  async balance(): Promise<number> {
    return this.http.request('GET', '/v3/account/balance', undefined, parseBalance);
  }

  /** GET /v3/mobile/plans. Plans rarely change: cache them (the docs say sync daily). */
  async plans(): Promise<MobilePlans> {
    return this.http.request('GET', '/v3/mobile/plans', undefined, parseMobilePlans);
  }

  /**
   * POST /v3/mobile/send: the order is accepted, not completed. Sent exactly ONCE: on timeout,
   * network, 5xx or 429 the order may or may not exist and a resend can charge twice, so the caller
   * checks by ref (`checkMobileByRef`) before deciding anything. The body is validated locally first
   * (`validation` with `details.field`, no request made). Provider refusals: `duplicated_ref`,
   * `insufficient_balance` (`details.required`/`available`), `validation` (`details.field`),
   * `forbidden` (READ-ONLY key).
   */
  async sendMobile(body: SendMobileRequest): Promise<SendMobileResult> {
    const valid = parseSendMobileRequest(body);
    return this.http.request('POST', '/v3/mobile/send', undefined, (data) => parseSendMobileResult(data, valid.ref), { ...valid });
  }

  async checkMobileById(id: string): Promise<MobileOrder> {
    return this.http.request('GET', `/v3/mobile/check-id/${segment(id)}`, undefined, parseMobileOrder);
  }

  /** Generated refs contain '+', which must travel as %2B. */
  async checkMobileByRef(ref: string): Promise<MobileOrder> {
    return this.http.request('GET', `/v3/mobile/check-ref/${segment(ref)}`, undefined, parseMobileOrder);
  }

  async checkInternetById(id: string): Promise<InternetOrder> {
    return this.http.request('GET', `/v3/internet/check-id/${segment(id)}`, undefined, parseInternetOrder);
  }

  async checkInternetByRef(ref: string): Promise<InternetOrder> {
    return this.http.request('GET', `/v3/internet/check-ref/${segment(ref)}`, undefined, parseInternetOrder);
  }

  /** GET /v3/mobile/list (newest first). */
  async listMobile(q: ListQuery = {}): Promise<ListPage<MobileOrder>> {
    return this.http.request('GET', '/v3/mobile/list', listParams(q), (data, meta) => parseListPage(data, meta, parseMobileOrder, q));
  }

  /** GET /v3/internet/list (`data.items` or `data.topups`). */
  async listInternet(q: ListQuery = {}): Promise<ListPage<InternetOrder>> {
    return this.http.request('GET', '/v3/internet/list', listParams(q), (data, meta) => parseListPage(data, meta, parseInternetOrder, q));
  }
}

function segment(value: string): string {
  if (value === '') throw new Error('OneClickClient: empty id/ref');
  return encodeURIComponent(value);
}

/** Invalid queries are programmer errors (plain Error), not provider failures. */
function listParams(q: ListQuery): URLSearchParams {
  const params = new URLSearchParams();
  if (q.page !== undefined) {
    if (!Number.isInteger(q.page) || q.page < 1) throw new Error('OneClickClient: page must be an integer >= 1');
    params.set('page', String(q.page));
  }
  if (q.pageSize !== undefined) {
    if (!Number.isInteger(q.pageSize) || q.pageSize < 1 || q.pageSize > 100) {
      throw new Error('OneClickClient: pageSize must be an integer in 1..100');
    }
    params.set('pageSize', String(q.pageSize));
  }
  if ((q.from === undefined) !== (q.to === undefined)) {
    throw new Error('OneClickClient: from and to must be given together');
  }
  if (q.from !== undefined && q.to !== undefined) {
    params.set('from', q.from);
    params.set('to', q.to);
  }
  return params;
}
