/**
 * An in-process fake of the OneClickDz Flexy API v3 (sandbox behaviour), over plain node:http.
 * Tests, the benchmark and demos point the bot's ONECLICK_API_URL at it. It follows
 * /work/shared/docs/oneclickdz-api.md: same paths, envelopes, error codes and sandbox timeline.
 *
 * Test numbers (the first three are documented sandbox numbers, the ADSL ones are emulator-only):
 *   mobile 0600000001  PENDING 5 s -> HANDLING until 15 s -> REFUNDED, refund_message "wrong number", balance_amount 0
 *   mobile 0600000002  same lead-in -> REFUNDED with refund_message + suggested_offers [FACTURE_DJEZZY, <amount>]
 *   mobile 0600000003  same lead-in -> UNKNOWN_ERROR with refund_message; stays there until setStatus/scheduleStatus
 *   mobile GETMENU_*   same lead-in -> REFUNDED, balance_amount 0, an offer list in suggested_offers
 *   any other mobile   same lead-in -> FULFILLED, balance_amount = amount * plan cost
 *   ADSL   099999991   HANDLING 10 s -> QUEUED (stays there until scripted)
 *   ADSL   099999992   HANDLING 10 s -> REFUNDED
 *   any other internet HANDLING 10 s -> FULFILLED with card_code, num_trans, date_traitement
 * Every duration is multiplied by `timeScale`. Statuses are computed from the clock on each read.
 *
 * Several accounts (`addAccount`): one key each, with its own username, environment, scope, balance,
 * enabled flag and IP allow-list. Orders belong to the account whose key created them; another
 * account's key gets 404 NOT_FOUND for them (check-id and check-ref) and never sees them in lists, as
 * the provider does. The constructor's options describe the first (default) account, which the seeding
 * helpers use unless told otherwise. A disabled key validates (200, `isEnabled: false`) and gets
 * 403 API_DISABLED elsewhere; a key whose allow-list does not hold the caller's IP gets 403
 * IP_NOT_ALLOWED everywhere (`/v3/validate` included). Invalid keys count towards the one IP block
 * whatever account they were meant for.
 *
 * Choices where the docs are silent: refs are unique per product (mobile / internet) and account; the
 * operator/prefix match is not enforced (the real sandbox skips it too); a REFUNDED order gives its
 * charge back to the balance; ERR_PHONE and ERR_STOCK answer 400; the IP block lasts 15 min of the
 * emulator clock (not scaled); unknown routes answer 404 before any auth check, like the gateway.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const EMULATOR_TEST_NUMBERS = {
  mobileWrongNumber: '0600000001',
  mobilePlanMismatch: '0600000002',
  mobileUnknownError: '0600000003',
  adslQueued: '099999991',
  adslRefunded: '099999992',
} as const;

export const SANDBOX_MESSAGES = {
  wrongNumber: 'رقم الهاتف خاطئ، يرجى التأكد مع العميل',
  planMismatch: 'هذا العرض غير متوافق مع هذا الرقم جرب فاتورة',
  unknownError:
    'هذه العملية حالتها غير معروفة، يرجى التأكد مع عميلك، ولن نتحمل أي مسؤولية عن أي خسائر. إذا فشلت العملية بالفعل، فلا تقلق، سيتم استرداد أموالك خلال 24 ساعة',
  getMenu: 'اختر أحد العروض المتاحة لهذا الرقم',
  /** Used when a test scripts REFUNDED on an order that has no scenario message of its own. */
  genericRefund: 'الرصيد المطلوب غير متوفر لهذا الرقم',
} as const;

/** Sandbox timeline before `timeScale`, in ms from creation. */
export const SANDBOX_TIMELINE_MS = { mobilePendingUntil: 5_000, mobileHandlingUntil: 15_000, internetHandlingUntil: 10_000 } as const;

const IP_BLOCK_MS = 15 * 60_000;
const MAX_AUTH_FAILURES = 5;
const DEFAULT_COST = 0.98;
const INTERNET_VALUES = [500, 1000, 2000, 5000] as const;
const OUT_OF_STOCK_VALUES: ReadonlySet<number> = new Set([5000]);
const MOBILE_NUMBER = /^0[567][0-9]{8}$/;
const ADSL_NUMBER = /^0[0-9]{8}$/;
const LTE_NUMBER = /^213[0-9]{9}$/;

export interface EmulatorOptions extends Omit<EmulatorAccountOptions, 'apiKey'> {
  apiKey?: string;
  timeScale?: number;
  now?: () => number;
}

/** One provider account of the emulator and its key (the dashboard's settings for that key). */
export interface EmulatorAccountOptions {
  apiKey: string;
  /** The account's username (a phone number); identifies the account in the seeding helpers. */
  username?: string;
  keyType?: 'SANDBOX' | 'PRODUCTION';
  keyScope?: 'READ-WRITE' | 'READ-ONLY';
  balance?: number;
  /** false: the key is switched off in the dashboard (validate says so, every other call gets 403 API_DISABLED). */
  enabled?: boolean;
  /** The key's IP allow-list (`[]`: any IP). The emulator's clients call from 127.0.0.1. */
  allowedIps?: string[];
}

interface EmulatorAccount {
  apiKey: string;
  username: string;
  keyType: 'SANDBOX' | 'PRODUCTION';
  keyScope: 'READ-WRITE' | 'READ-ONLY';
  initialBalance: number;
  enabled: boolean;
  allowedIps: string[];
  refs: { mobile: Map<string, string>; internet: Map<string, string> };
}

/** Which account a seeding helper acts for: its username (default: the first account). */
export interface AccountSelector {
  account?: string;
}

export interface Fault {
  kind: 500 | 503 | 429 | 'timeout' | 'malformed' | 'reset' | 'html';
  path?: RegExp;
  times?: number;
  retryAfterSeconds?: number;
  /**
   * When true the request is first handled for real (a send creates its order and debits the
   * balance), then the fault replaces the answer: the "did my send go through?" case. Default false.
   */
  processed?: boolean;
}

/** Requests held by `hold()`: answered only when released. */
export interface HeldCalls {
  readonly held: number;
  release(): void;
}

interface Hold {
  path: RegExp;
  remaining: number;
  waiting: Array<() => void>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number | 'timeout' | 'reset';
  /** The error envelope's code (INVALID_ACCESS_TOKEN, IP_BLOCKED...), when the answer had one. */
  code?: string;
  at: number;
}

/** Thrown by the seeding helpers (sendMobile/sendInternet) when the API would have refused the order. */
export class EmulatorRequestError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(`${code}: ${message}`);
    this.name = 'EmulatorRequestError';
  }
}

// ---------------------------------------------------------------- plans

interface PlanBase {
  code: string;
  name: string;
  operator: string;
  cost?: number;
  isEnabled: boolean;
}
interface DynamicPlan extends PlanBase {
  min_amount: number;
  max_amount: number;
}
interface FixedPlan extends PlanBase {
  amount: number;
}

const DYNAMIC_PLANS: readonly DynamicPlan[] = [
  {
    code: 'PREPAID_DJEZZY',
    name: '📱 PREPAID | عادي',
    operator: 'Djezzy',
    cost: 0.98,
    isEnabled: true,
    min_amount: 100,
    max_amount: 10000,
  },
  {
    code: 'PREPAID_MOBILIS',
    name: '📱 PREPAID | عادي',
    operator: 'Mobilis',
    cost: 0.98,
    isEnabled: true,
    min_amount: 50,
    max_amount: 10000,
  },
  {
    code: 'PREPAID_OOREDOO',
    name: '📱 PREPAID | عادي',
    operator: 'Ooredoo',
    cost: 0.98,
    isEnabled: true,
    min_amount: 50,
    max_amount: 10000,
  },
  {
    code: 'FACTURE_DJEZZY',
    name: '📋 FACTURE | فاتورة',
    operator: 'Djezzy',
    cost: 0.99,
    isEnabled: true,
    min_amount: 100,
    max_amount: 50000,
  },
  // Kept disabled on purpose: a realistic "temporarily unavailable" plan for validation tests.
  {
    code: 'FACTURE_OOREDOO',
    name: '📋 FACTURE | فاتورة',
    operator: 'Ooredoo',
    cost: 0.99,
    isEnabled: false,
    min_amount: 100,
    max_amount: 50000,
  },
  // The docs show GROS_MOBILIS without a cost: the default cost applies.
  { code: 'GROS_MOBILIS', name: '📱 GROS MOBILIS | جملة', operator: 'GMobilis', isEnabled: true, min_amount: 5000, max_amount: 300000 },
  { code: 'GETMENU_Mobilis', name: 'Mobilis GetMenu', operator: 'Mobilis', cost: 0.98, isEnabled: true, min_amount: 50, max_amount: 5000 },
  { code: 'GETMENU_Djezzy', name: 'Djezzy GetMenu', operator: 'Djezzy', cost: 0.98, isEnabled: true, min_amount: 50, max_amount: 5000 },
  { code: 'GETMENU_Ooredoo', name: 'Ooredoo GetMenu', operator: 'Ooredoo', cost: 0.98, isEnabled: true, min_amount: 50, max_amount: 5000 },
];

const FIXED_PLANS: readonly FixedPlan[] = [
  { code: 'PIXX_500', name: 'Pixx 500 DA', operator: 'Pixx', cost: 0.97, isEnabled: true, amount: 500 },
  { code: 'PIXX_1000', name: 'Pixx 1000 DA', operator: 'Pixx', cost: 0.97, isEnabled: true, amount: 1000 },
  { code: 'MIX500_MOBILIS', name: '🎁 MIX 500 | ميكس', operator: 'Mobilis', cost: 0.98, isEnabled: true, amount: 500 },
  { code: 'MIX1000_MOBILIS', name: '🎁 MIX 1000 | ميكس', operator: 'Mobilis', cost: 0.98, isEnabled: true, amount: 1000 },
  { code: 'MIX1000_DJEZZY', name: '🎁 MIX 1000 | ميكس', operator: 'Djezzy', cost: 0.98, isEnabled: true, amount: 1000 },
  { code: 'MIX2000_DJEZZY', name: '🎁 MIX 2000 | ميكس', operator: 'Djezzy', cost: 0.98, isEnabled: true, amount: 2000 },
  { code: 'MIX500_OOREDOO', name: '🎁 MIX 500 | ميكس', operator: 'Ooredoo', cost: 0.98, isEnabled: true, amount: 500 },
  { code: 'MIX1000_OOREDOO', name: '🎁 MIX 1000 | ميكس', operator: 'Ooredoo', cost: 0.98, isEnabled: true, amount: 1000 },
];

interface SuggestedOffer {
  typename: string;
  plan_code: string;
  amount: number;
}

/** What a GETMENU order reports back per operator (the line's acceptable offers), each one sendable as is. */
function getMenuOffers(planCode: string, amount: number): SuggestedOffer[] {
  return menuFor(planCode, amount).map((offer) => {
    const plan = DYNAMIC_PLANS.find((p) => p.code === offer.plan_code);
    const fitted = plan ? Math.min(plan.max_amount, Math.max(plan.min_amount, offer.amount)) : offer.amount;
    return { ...offer, amount: fitted };
  });
}

function menuFor(planCode: string, amount: number): SuggestedOffer[] {
  const operator = planCode.slice('GETMENU_'.length).toLowerCase();
  if (operator === 'djezzy') {
    return [
      { typename: '📱 PREPAID | عادي', plan_code: 'PREPAID_DJEZZY', amount },
      { typename: '📋 FACTURE | فاتورة', plan_code: 'FACTURE_DJEZZY', amount },
      { typename: '🎁 MIX 1000 | ميكس 1000', plan_code: 'MIX1000_DJEZZY', amount: 1000 },
      { typename: '🎁 MIX 2000 | ميكس 2000', plan_code: 'MIX2000_DJEZZY', amount: 2000 },
    ];
  }
  if (operator === 'ooredoo') {
    return [
      { typename: '📱 PREPAID | عادي', plan_code: 'PREPAID_OOREDOO', amount },
      { typename: '🎁 MIX 500 | ميكس 500', plan_code: 'MIX500_OOREDOO', amount: 500 },
      { typename: '🎁 MIX 1000 | ميكس 1000', plan_code: 'MIX1000_OOREDOO', amount: 1000 },
      { typename: '📋 FACTURE | فاتورة', plan_code: 'FACTURE_DJEZZY', amount },
    ];
  }
  return [
    { typename: '📱 PREPAID | عادي', plan_code: 'PREPAID_MOBILIS', amount },
    { typename: '🎁 MIX 500 | ميكس 500', plan_code: 'MIX500_MOBILIS', amount: 500 },
    { typename: '🎁 MIX 1000 | ميكس 1000', plan_code: 'MIX1000_MOBILIS', amount: 1000 },
    { typename: '🎮 PIXX 500 | بيكس 500', plan_code: 'PIXX_500', amount: 500 },
    { typename: '🎮 PIXX 1000 | بيكس 1000', plan_code: 'PIXX_1000', amount: 1000 },
  ];
}

// ---------------------------------------------------------------- orders

type MobileOutcome = 'fulfill' | 'wrong-number' | 'plan-mismatch' | 'unknown-error' | 'getmenu';
type InternetOutcome = 'fulfill' | 'queued' | 'refund';

interface ScriptedStatus {
  at: number;
  seq: number;
  status: string;
  extra: Record<string, unknown>;
}

interface StoredBase {
  id: string;
  /** The username of the account whose key created it. */
  account: string;
  ref: string;
  createdAt: number;
  seq: number;
  /** What the order took from the balance (given back if it ends REFUNDED). */
  charge: number;
  scripted: ScriptedStatus[];
}
interface StoredMobile extends StoredBase {
  kind: 'mobile';
  planCode: string;
  mssidn: string;
  amount: number;
  outcome: MobileOutcome;
}
interface StoredInternet extends StoredBase {
  kind: 'internet';
  type: 'ADSL' | '4G';
  number: string;
  value: number;
  outcome: InternetOutcome;
  cardCode: string;
  numTransSeq: number;
}
type StoredOrder = StoredMobile | StoredInternet;

// ---------------------------------------------------------------- HTTP plumbing

interface Reply {
  status: number;
  /** JSON body; ignored when `raw` is set. */
  json?: unknown;
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: Reply };

interface RequestContext {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  bodyError: string | undefined;
  ip: string;
  token: string | undefined;
}

interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  handle: (ctx: RequestContext, params: string[], account: EmulatorAccount) => Reply;
}

function errorCode(reply: Reply): string | undefined {
  const error = isPlainObject(reply.json) && isPlainObject(reply.json.error) ? reply.json.error : undefined;
  return typeof error?.code === 'string' ? error.code : undefined;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export class OneClickEmulator {
  private readonly timeScale: number;
  private readonly now: () => number;
  /** Every account, by username; the first one is the default of the seeding helpers. */
  private readonly accounts = new Map<string, EmulatorAccount>();
  private readonly defaultAccount: EmulatorAccount;

  private readonly orders = new Map<string, StoredOrder>();
  private readonly faults: Array<Fault & { remaining: number }> = [];
  private readonly authByIp = new Map<string, { failures: number[]; blockedUntil: number }>();
  private readonly recorded: RecordedRequest[] = [];
  private readonly heldResponses = new Set<ServerResponse>();
  private readonly holds: Hold[] = [];
  private readonly routes: Route[];
  private readonly idRandom = randomBytes(5).toString('hex');
  private idCounter = randomInt(0, 0xffffff);
  private seq = 0;
  private server: Server | undefined;
  private baseUrl: string | undefined;

  constructor(opts: EmulatorOptions = {}) {
    this.timeScale = opts.timeScale ?? 1;
    if (!(this.timeScale > 0)) throw new Error('timeScale must be greater than 0');
    this.now = opts.now ?? Date.now;
    const { timeScale: _t, now: _n, ...account } = opts;
    this.defaultAccount = this.addAccountInternal({ ...account, apiKey: opts.apiKey ?? 'sandbox-key' });
    this.routes = this.buildRoutes();
  }

  /** Another provider account with its own key; returns its username (the seeding helpers' `account`). */
  addAccount(opts: EmulatorAccountOptions): string {
    return this.addAccountInternal(opts).username;
  }

  private addAccountInternal(opts: EmulatorAccountOptions): EmulatorAccount {
    const username = opts.username ?? (this.accounts.size === 0 ? '+213665983439' : `+2136${String(this.accounts.size).padStart(8, '0')}`);
    if (this.accounts.has(username)) throw new Error(`emulator: account ${username} exists`);
    if ([...this.accounts.values()].some((a) => a.apiKey === opts.apiKey)) throw new Error('emulator: that key belongs to another account');
    const account: EmulatorAccount = {
      apiKey: opts.apiKey,
      username,
      keyType: opts.keyType ?? 'SANDBOX',
      keyScope: opts.keyScope ?? 'READ-WRITE',
      initialBalance: opts.balance ?? 100_000,
      enabled: opts.enabled ?? true,
      allowedIps: [...(opts.allowedIps ?? [])],
      refs: { mobile: new Map(), internet: new Map() },
    };
    this.accounts.set(username, account);
    return account;
  }

  /** The account a seeding helper or setting acts for (default: the first one). */
  private accountFor(username: string | undefined): EmulatorAccount {
    if (username === undefined) return this.defaultAccount;
    const account = this.accounts.get(username);
    if (!account) throw new Error(`emulator: no account ${username}`);
    return account;
  }

  // ------------------------------------------------------------ lifecycle

  /** Listens on 127.0.0.1 (or `host`) and resolves the base URL, e.g. http://127.0.0.1:12345. */
  start(port = 0, host = '127.0.0.1'): Promise<string> {
    if (this.server) return Promise.reject(new Error('emulator already started'));
    const server = createServer((req, res) => {
      this.onRequest(req, res).catch((err: unknown) => {
        // A bug in the emulator must show up in the test, not hang it.
        if (!res.headersSent) this.send(res, { status: 500, raw: String(err), contentType: 'text/plain' });
        else res.destroy();
      });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const { port: actual } = server.address() as AddressInfo;
        const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
        this.baseUrl = `http://${shownHost}:${actual}`;
        resolve(this.baseUrl);
      });
    });
  }

  /** Stops listening and ends every connection, including sockets held by 'timeout' faults. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const res of this.heldResponses) res.socket?.destroy();
    this.heldResponses.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  get url(): string {
    if (!this.baseUrl) throw new Error('emulator not started: call start() first');
    return this.baseUrl;
  }

  // ------------------------------------------------------------ seeding and scripting

  /** Same effect as POST /v3/mobile/send (minus the key-scope check). Throws EmulatorRequestError on refusal. */
  sendMobile(
    body: { plan_code: string; MSSIDN: string; amount?: number; ref?: string },
    opts: AccountSelector = {},
  ): { topupId: string; topupRef: string } {
    return unwrap(this.createMobile(this.accountFor(opts.account), body));
  }

  /** Same effect as POST /v3/internet/send (minus the key-scope check). Throws EmulatorRequestError on refusal. */
  sendInternet(
    body: { type: 'ADSL' | '4G'; number: string; value: number; ref?: string },
    opts: AccountSelector = {},
  ): { topupId: string; topupRef: string } {
    return unwrap(this.createInternet(this.accountFor(opts.account), body));
  }

  /** Freezes the order at `status` from now on (the automatic timeline stops), merging `extra` into its view. */
  setStatus(id: string, status: string, extra: Record<string, unknown> = {}): void {
    this.script(id, this.now(), status, extra);
  }

  /** Like setStatus, but takes effect `afterMs * timeScale` from now; the timeline runs until then. */
  scheduleStatus(id: string, afterMs: number, status: string, extra: Record<string, unknown> = {}): void {
    this.script(id, this.now() + afterMs * this.timeScale, status, extra);
  }

  /** The id of the mobile order the account has under `ref` (as check-ref finds it), if any. */
  mobileIdOfRef(ref: string, opts: AccountSelector = {}): string | undefined {
    return this.accountFor(opts.account).refs.mobile.get(ref);
  }

  /** The provider's current view of an order, as check-id would return it in `data`. */
  getOrder(id: string): Record<string, unknown> | undefined {
    const order = this.orders.get(id);
    return order ? this.view(order) : undefined;
  }

  /** The default account's balance (the initial balance minus every order that is not REFUNDED). */
  get balance(): number {
    return this.currentBalance(this.defaultAccount);
  }

  /** An account's balance, by username. */
  balanceOf(account: string): number {
    return this.currentBalance(this.accountFor(account));
  }

  /**
   * The account owner changed keys in the dashboard: from now on only `key` is accepted, and the old
   * one gets 401 INVALID_ACCESS_TOKEN (counted towards the IP block like any invalid key).
   */
  setApiKey(key: string, opts: AccountSelector = {}): void {
    this.accountFor(opts.account).apiKey = key;
  }

  /** Switches an account's key on or off in the dashboard. */
  setKeyEnabled(enabled: boolean, opts: AccountSelector = {}): void {
    this.accountFor(opts.account).enabled = enabled;
  }

  /** Sets an account key's IP allow-list (`[]`: any IP); a caller not on it gets 403 IP_NOT_ALLOWED. */
  setAllowedIps(ips: string[], opts: AccountSelector = {}): void {
    this.accountFor(opts.account).allowedIps = [...ips];
  }

  /** When the IP (any client of this emulator) is blocked until, in emulator time; 0 when it is not. */
  ipBlockedUntil(): number {
    return Math.max(0, ...[...this.authByIp.values()].map((s) => s.blockedUntil));
  }

  injectFault(f: Fault): void {
    this.faults.push({ ...f, remaining: f.times ?? 1 });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /**
   * Holds the next `times` requests whose path matches: each is handled when it arrives (its answer is
   * the provider's state at that moment) but the answer is only sent when `release()` is called, like
   * a provider call that hangs and then returns a stale answer. `held` counts requests waiting now.
   */
  hold(path: RegExp, times = 1): HeldCalls {
    const hold: Hold = { path, remaining: times, waiting: [] };
    this.holds.push(hold);
    return {
      get held() {
        return hold.waiting.length;
      },
      release: () => {
        hold.remaining = 0;
        for (const answer of hold.waiting.splice(0)) answer();
      },
    };
  }

  /** Releases every hold (their waiting requests are answered) and holds nothing more. */
  releaseHolds(): void {
    for (const hold of this.holds.splice(0)) {
      hold.remaining = 0;
      for (const answer of hold.waiting.splice(0)) answer();
    }
  }

  // ------------------------------------------------------------ observation

  get requests(): RecordedRequest[] {
    return this.recorded;
  }

  callCount(filter?: RegExp): number {
    if (!filter) return this.recorded.length;
    return this.recorded.filter((r) => matches(filter, r.path)).length;
  }

  resetCounters(): void {
    this.recorded.length = 0;
  }

  // ------------------------------------------------------------ request pipeline

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parsed = new URL(req.url ?? '/', 'http://emulator.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = parsed.pathname;
    const query = Object.fromEntries(parsed.searchParams);
    const record = (status: RecordedRequest['status'], code?: string) =>
      this.recorded.push({ method, path, query, status, ...(code === undefined ? {} : { code }), at: this.now() });

    const rawBody = await readBody(req);
    const fault = this.takeFault(path);
    if (fault && !fault.processed) return this.applyFault(fault, req, res, record);

    let body: unknown;
    let bodyError: string | undefined;
    if (rawBody.length > 0) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        bodyError = 'Body is not valid JSON';
      }
    }
    const tokenHeader = req.headers['x-access-token'];
    const token = (Array.isArray(tokenHeader) ? tokenHeader[0] : tokenHeader)?.trim() || undefined;
    const reply = this.dispatch({ method, path, query, body, bodyError, ip: req.socket.remoteAddress ?? 'unknown', token });

    if (fault) return this.applyFault(fault, req, res, record);
    record(reply.status, errorCode(reply));
    const hold = this.holds.find((h) => h.remaining > 0 && matches(h.path, path));
    if (hold) {
      hold.remaining -= 1;
      this.heldResponses.add(res);
      await new Promise<void>((resolve) => hold.waiting.push(resolve));
      this.heldResponses.delete(res);
      if (res.destroyed) return;
    }
    this.send(res, reply);
  }

  private takeFault(path: string): Fault | undefined {
    const index = this.faults.findIndex((f) => !f.path || matches(f.path, path));
    if (index < 0) return undefined;
    const fault = this.faults[index]!;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.splice(index, 1);
    return fault;
  }

  private applyFault(fault: Fault, req: IncomingMessage, res: ServerResponse, record: (s: RecordedRequest['status']) => void): void {
    switch (fault.kind) {
      case 'timeout':
        record('timeout');
        // Never answer; the client's own timeout (or close()) ends the socket.
        this.heldResponses.add(res);
        res.on('close', () => this.heldResponses.delete(res));
        return;
      case 'reset':
        record('reset');
        req.socket.destroy();
        return;
      case 'malformed':
        record(200);
        this.send(res, { status: 200, raw: '{"success":true,"data":{"_id":"6901616fe9e8', contentType: 'application/json; charset=utf-8' });
        return;
      case 'html':
        record(502);
        this.send(res, {
          status: 502,
          contentType: 'text/html; charset=utf-8',
          raw: '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n',
        });
        return;
      case 429: {
        record(429);
        const reply = this.fail(
          429,
          'RATE_LIMIT_EXCEEDED',
          'Too many requests, please try again later',
          fault.retryAfterSeconds === undefined ? undefined : { retryAfter: fault.retryAfterSeconds },
        );
        if (fault.retryAfterSeconds !== undefined) reply.headers = { 'Retry-After': String(fault.retryAfterSeconds) };
        this.send(res, reply);
        return;
      }
      case 500:
        record(500);
        this.send(res, this.fail(500, 'INTERNAL_SERVER_ERROR', 'An unexpected error occurred'));
        return;
      case 503:
        record(503);
        this.send(res, this.fail(503, 'SERVICE_UNAVAILABLE', 'Service temporarily unavailable, please try again later'));
        return;
    }
  }

  private send(res: ServerResponse, reply: Reply): void {
    const text = reply.raw ?? JSON.stringify(reply.json);
    res.writeHead(reply.status, {
      'Content-Type': reply.contentType ?? 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      ...reply.headers,
    });
    res.end(text);
  }

  private dispatch(ctx: RequestContext): Reply {
    const path = ctx.path.length > 1 ? ctx.path.replace(/\/+$/, '') : ctx.path;
    for (const route of this.routes) {
      if (route.method !== ctx.method) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      const auth = this.authenticate(ctx);
      if (!auth.ok) return auth.error;
      const account = auth.value;
      if (account.allowedIps.length > 0 && !account.allowedIps.includes(normalizeIp(ctx.ip))) {
        return this.fail(403, 'IP_NOT_ALLOWED', 'Your IP address is not allowed to use this API key', { ip: normalizeIp(ctx.ip) });
      }
      if (!account.enabled && path !== '/v3/validate') return this.fail(403, 'API_DISABLED', 'This API key is disabled');
      return route.handle(ctx, m.slice(1), account);
    }
    // The gateway's own 404: no success/error envelope.
    return { status: 404, json: { message: `Cannot ${ctx.method} ${ctx.path}`, error: 'Not Found', statusCode: 404 } };
  }

  private authenticate(ctx: RequestContext): Outcome<EmulatorAccount> {
    const now = this.now();
    const state = this.authByIp.get(ctx.ip) ?? { failures: [], blockedUntil: 0 };
    this.authByIp.set(ctx.ip, state);
    if (state.blockedUntil > now) {
      return { ok: false, error: this.fail(403, 'IP_BLOCKED', 'Your IP has been temporarily blocked due to too many invalid attempts') };
    }
    if (!ctx.token) return { ok: false, error: this.fail(401, 'MISSING_ACCESS_TOKEN', 'Access token is required') };
    const account = [...this.accounts.values()].find((a) => a.apiKey === ctx.token);
    if (account) return { ok: true, value: account };
    state.failures = state.failures.filter((t) => now - t < IP_BLOCK_MS);
    state.failures.push(now);
    const attemptsLeft = Math.max(0, MAX_AUTH_FAILURES - state.failures.length);
    if (attemptsLeft === 0) {
      state.blockedUntil = now + IP_BLOCK_MS;
      state.failures = [];
    }
    return { ok: false, error: this.fail(401, 'INVALID_ACCESS_TOKEN', 'The provided access token is invalid', { attemptsLeft }) };
  }

  private buildRoutes(): Route[] {
    const kinds = ['mobile', 'internet'] as const;
    const routes: Route[] = [
      {
        method: 'GET',
        pattern: /^\/v3\/ping$/,
        handle: () => this.ok({ api: 'ok', operators: { mobilis: 'up', ooredoo: 'up', djezzy: 'up', mobilisFixedPlans: 'up' } }),
      },
      {
        method: 'GET',
        pattern: /^\/v3\/validate$/,
        // The provider echoes the key itself: the bot must never store or log this answer as is.
        handle: (_ctx, _p, a) =>
          this.ok({
            username: a.username,
            apiKey: { key: a.apiKey, isEnabled: a.enabled, type: a.keyType, allowedips: [...a.allowedIps], scope: a.keyScope },
          }),
      },
      { method: 'GET', pattern: /^\/v3\/account\/balance$/, handle: (_ctx, _p, a) => this.ok({ balance: this.currentBalance(a) }) },
      { method: 'GET', pattern: /^\/v3\/mobile\/plans$/, handle: () => this.ok({ dynamicPlans: DYNAMIC_PLANS, fixedPlans: FIXED_PLANS }) },
      { method: 'POST', pattern: /^\/v3\/mobile\/send$/, handle: (ctx, _p, a) => this.httpSend(ctx, a, (b) => this.createMobile(a, b)) },
      {
        method: 'POST',
        pattern: /^\/v3\/internet\/send$/,
        handle: (ctx, _p, a) => this.httpSend(ctx, a, (b) => this.createInternet(a, b)),
      },
      { method: 'GET', pattern: /^\/v3\/internet\/products$/, handle: (ctx) => this.internetProducts(ctx) },
      { method: 'GET', pattern: /^\/v3\/internet\/check-number$/, handle: (ctx) => this.internetCheckNumber(ctx) },
    ];
    for (const kind of kinds) {
      routes.push(
        {
          method: 'GET',
          pattern: new RegExp(`^/v3/${kind}/check-id/([^/]+)$`),
          handle: (_ctx, [id], a) => this.checkId(a, kind, safeDecode(id!)),
        },
        // `.+` so an encoded `/` (or an unencoded one) in a ref still reaches the lookup.
        {
          method: 'GET',
          pattern: new RegExp(`^/v3/${kind}/check-ref/(.+)$`),
          handle: (_ctx, [ref], a) => this.checkRef(a, kind, safeDecode(ref!)),
        },
        { method: 'GET', pattern: new RegExp(`^/v3/${kind}/list$`), handle: (ctx, _p, a) => this.list(a, kind, ctx.query) },
      );
    }
    return routes;
  }

  // ------------------------------------------------------------ handlers

  private httpSend(
    ctx: RequestContext,
    account: EmulatorAccount,
    create: (body: unknown) => Outcome<{ topupId: string; topupRef: string }>,
  ): Reply {
    if (account.keyScope === 'READ-ONLY') {
      return this.fail(403, 'FORBIDDEN', 'This API key is read-only and cannot create orders');
    }
    if (ctx.bodyError) return this.fail(400, 'ERR_VALIDATION', ctx.bodyError);
    const result = create(ctx.body ?? {});
    return result.ok ? this.ok(result.value) : result.error;
  }

  private createMobile(account: EmulatorAccount, body: unknown): Outcome<{ topupId: string; topupRef: string }> {
    if (!isPlainObject(body)) return this.invalid('body must be object', 'body', body);
    const { plan_code: planCode, MSSIDN: mssidn, amount, ref } = body;
    if (planCode === undefined) return this.invalid("body must have required property 'plan_code'", 'plan_code', undefined);
    if (mssidn === undefined) return this.invalid("body must have required property 'MSSIDN'", 'MSSIDN', undefined);
    if (typeof planCode !== 'string') return this.invalid('body/plan_code must be string', 'plan_code', planCode);
    if (typeof mssidn !== 'string') return this.invalid('body/MSSIDN must be string', 'MSSIDN', mssidn);
    if (!MOBILE_NUMBER.test(mssidn)) return this.invalid('body/MSSIDN must match pattern "^0[567][0-9]{8}$"', 'MSSIDN', mssidn);
    const refCheck = this.checkRefField(ref);
    if (refCheck) return refCheck;

    const dynamic = DYNAMIC_PLANS.find((p) => p.code === planCode);
    const fixed = FIXED_PLANS.find((p) => p.code === planCode);
    const plan = dynamic ?? fixed;
    if (!plan) return this.invalid(`Plan '${planCode}' does not exist`, 'plan_code', planCode);
    if (!plan.isEnabled) return this.invalid(`Plan '${planCode}' is currently disabled`, 'plan_code', planCode);

    let topupAmount: number;
    if (dynamic) {
      if (amount === undefined) return this.invalid('amount is required for dynamic plans', 'amount', undefined);
      if (typeof amount !== 'number' || !Number.isInteger(amount)) return this.invalid('body/amount must be integer', 'amount', amount);
      if (amount < dynamic.min_amount || amount > dynamic.max_amount) {
        return this.invalid(`amount must be between ${dynamic.min_amount} and ${dynamic.max_amount}`, 'amount', amount, {
          min: dynamic.min_amount,
          max: dynamic.max_amount,
        });
      }
      topupAmount = amount;
    } else {
      topupAmount = (plan as FixedPlan).amount; // `amount` is ignored on fixed plans
    }

    const charge = round2(topupAmount * (plan.cost ?? DEFAULT_COST));
    const admitted = this.admit(account, 'mobile', ref as string | undefined, charge);
    if (!admitted.ok) return admitted;

    const outcome: MobileOutcome =
      mssidn === EMULATOR_TEST_NUMBERS.mobileWrongNumber
        ? 'wrong-number'
        : mssidn === EMULATOR_TEST_NUMBERS.mobilePlanMismatch
          ? 'plan-mismatch'
          : mssidn === EMULATOR_TEST_NUMBERS.mobileUnknownError
            ? 'unknown-error'
            : planCode.startsWith('GETMENU_')
              ? 'getmenu'
              : 'fulfill';
    const order: StoredMobile = {
      kind: 'mobile',
      ...this.newBase(account, admitted.value, charge),
      planCode,
      mssidn,
      amount: topupAmount,
      outcome,
    };
    return this.store(order);
  }

  private createInternet(account: EmulatorAccount, body: unknown): Outcome<{ topupId: string; topupRef: string }> {
    if (!isPlainObject(body)) return this.invalid('body must be object', 'body', body);
    const { type, number, value, ref } = body;
    if (type !== 'ADSL' && type !== '4G')
      return this.invalid('body/type must be equal to one of the allowed values (ADSL, 4G)', 'type', type);
    if (number === undefined) return this.invalid("body must have required property 'number'", 'number', undefined);
    if (typeof number !== 'string') return this.invalid('body/number must be string', 'number', number);
    const phone = this.checkInternetNumber(type, number);
    if (phone) return { ok: false, error: phone };
    if (value === undefined) return this.invalid("body must have required property 'value'", 'value', undefined);
    if (typeof value !== 'number' || !(INTERNET_VALUES as readonly number[]).includes(value)) {
      return this.invalid(`body/value must be one of ${INTERNET_VALUES.join(', ')}`, 'value', value);
    }
    if (OUT_OF_STOCK_VALUES.has(value)) {
      return { ok: false, error: this.fail(400, 'ERR_STOCK', `Card value ${value} is out of stock for ${type}`, { type, value }) };
    }
    const refCheck = this.checkRefField(ref);
    if (refCheck) return refCheck;

    const charge = round2(value * DEFAULT_COST);
    const admitted = this.admit(account, 'internet', ref as string | undefined, charge);
    if (!admitted.ok) return admitted;

    const outcome: InternetOutcome =
      type === 'ADSL' && number === EMULATOR_TEST_NUMBERS.adslQueued
        ? 'queued'
        : type === 'ADSL' && number === EMULATOR_TEST_NUMBERS.adslRefunded
          ? 'refund'
          : 'fulfill';
    const base = this.newBase(account, admitted.value, charge);
    const order: StoredInternet = {
      kind: 'internet',
      ...base,
      type,
      number,
      value,
      outcome,
      cardCode: Array.from({ length: 12 }, () => randomInt(0, 10)).join(''),
      numTransSeq: 10_000 + base.seq,
    };
    return this.store(order);
  }

  private checkRefField(ref: unknown): Outcome<never> | undefined {
    if (ref === undefined) return undefined;
    if (typeof ref !== 'string') return this.invalid('body/ref must be string', 'ref', ref);
    if (ref.length < 1 || ref.length > 100) return this.invalid('body/ref must be 1 to 100 characters long', 'ref', ref);
    return undefined;
  }

  /** Duplicate ref and balance checks shared by both sends; resolves the ref to use. */
  private admit(account: EmulatorAccount, kind: 'mobile' | 'internet', ref: string | undefined, charge: number): Outcome<string> {
    if (ref !== undefined && account.refs[kind].has(ref)) {
      return { ok: false, error: this.fail(403, 'DUPLICATED_REF', 'This reference ID is already in use', { ref }) };
    }
    const available = this.currentBalance(account);
    if (charge > available) {
      return {
        ok: false,
        error: this.fail(403, 'INSUFFICIENT_BALANCE', 'Your balance is insufficient for this operation', { required: charge, available }),
      };
    }
    if (ref !== undefined) return { ok: true, value: ref };
    const env = account.keyType === 'SANDBOX' ? '-test' : '';
    const product = kind === 'internet' ? '-internet' : '';
    return { ok: true, value: `API-${account.username}${env}${product}-${this.now()}-${this.seq + 1}` };
  }

  private newBase(account: EmulatorAccount, ref: string, charge: number): StoredBase {
    this.seq += 1;
    return { id: this.newId(), account: account.username, ref, createdAt: this.now(), seq: this.seq, charge, scripted: [] };
  }

  private store(order: StoredOrder): Outcome<{ topupId: string; topupRef: string }> {
    this.orders.set(order.id, order);
    this.accountFor(order.account).refs[order.kind].set(order.ref, order.id);
    return { ok: true, value: { topupId: order.id, topupRef: order.ref } };
  }

  /** Another account's order answers 404 like an unknown one: the provider does not tell them apart. */
  private checkId(account: EmulatorAccount, kind: 'mobile' | 'internet', id: string): Reply {
    const order = this.orders.get(id);
    if (!order || order.kind !== kind || order.account !== account.username)
      return this.fail(404, 'NOT_FOUND', `Top-up with id '${id}' not found`);
    return this.ok(this.view(order));
  }

  private checkRef(account: EmulatorAccount, kind: 'mobile' | 'internet', ref: string): Reply {
    const id = account.refs[kind].get(ref);
    const order = id === undefined ? undefined : this.orders.get(id);
    if (!order) return this.fail(404, 'NOT_FOUND', `Top-up with reference '${ref}' not found`);
    return this.ok(this.view(order));
  }

  private list(account: EmulatorAccount, kind: 'mobile' | 'internet', query: Record<string, string>): Reply {
    const page = parseIntParam(query.page, 1);
    if (page === undefined || page < 1)
      return this.fail(400, 'ERR_VALIDATION', 'querystring/page must be >= 1', { field: 'page', value: query.page });
    const pageSize = parseIntParam(query.pageSize, 20);
    if (pageSize === undefined || pageSize < 1 || pageSize > 100) {
      return this.fail(400, 'ERR_VALIDATION', 'querystring/pageSize must be between 1 and 100', {
        field: 'pageSize',
        value: query.pageSize,
      });
    }
    const { from, to } = query;
    if ((from === undefined) !== (to === undefined)) {
      const field = from === undefined ? 'from' : 'to';
      return this.fail(400, 'ERR_VALIDATION', 'from and to must be provided together', { field, value: undefined });
    }
    let range: [number, number] | undefined;
    if (from !== undefined && to !== undefined) {
      const fromMs = Date.parse(from);
      const toMs = Date.parse(to);
      if (Number.isNaN(fromMs))
        return this.fail(400, 'ERR_VALIDATION', 'querystring/from must be an ISO 8601 date', { field: 'from', value: from });
      if (Number.isNaN(toMs))
        return this.fail(400, 'ERR_VALIDATION', 'querystring/to must be an ISO 8601 date', { field: 'to', value: to });
      range = [fromMs, toMs];
    }
    const all = [...this.orders.values()]
      .filter((o) => o.kind === kind && o.account === account.username && (!range || (o.createdAt >= range[0] && o.createdAt <= range[1])))
      .sort((a, b) => b.createdAt - a.createdAt || b.seq - a.seq);
    const items = all.slice((page - 1) * pageSize, page * pageSize).map((o) => this.view(o));
    return this.ok({
      items,
      pagination: { page, pageSize, totalPages: Math.ceil(all.length / pageSize), totalResults: all.length },
    });
  }

  private internetProducts(ctx: RequestContext): Reply {
    const type = ctx.query.type;
    if (type !== 'ADSL' && type !== '4G')
      return this.fail(400, 'ERR_VALIDATION', 'querystring/type must be ADSL or 4G', { field: 'type', value: type });
    const products = INTERNET_VALUES.map((value) => ({
      value,
      cost: round2(value * DEFAULT_COST),
      available: !OUT_OF_STOCK_VALUES.has(value),
    }));
    return this.ok({ type, products }, { type });
  }

  private internetCheckNumber(ctx: RequestContext): Reply {
    const { type, number } = ctx.query;
    if (type !== 'ADSL' && type !== '4G')
      return this.fail(400, 'ERR_VALIDATION', 'querystring/type must be ADSL or 4G', { field: 'type', value: type });
    const phone = this.checkInternetNumber(type, number ?? '');
    if (phone) return phone;
    return this.ok(type === 'ADSL' ? { ncli: '11022*****', offre: "FTTc-b_10M'", type: 'ADSL' } : { ncli: '11034*****', type: '4GLTE' });
  }

  private checkInternetNumber(type: 'ADSL' | '4G', number: string): Reply | undefined {
    const pattern = type === 'ADSL' ? ADSL_NUMBER : LTE_NUMBER;
    if (pattern.test(number)) return undefined;
    return this.fail(400, 'ERR_PHONE', `Invalid phone number for ${type} service`, {
      number,
      type,
      reason: 'Number does not match required format',
    });
  }

  // ------------------------------------------------------------ lazy status

  private script(id: string, at: number, status: string, extra: Record<string, unknown>): void {
    const order = this.orders.get(id);
    if (!order) throw new Error(`emulator: no order with id ${id}`);
    this.seq += 1;
    order.scripted.push({ at, seq: this.seq, status, extra: { ...extra } });
    order.scripted.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  /** Status right now, when it began, and the scripted extra fields that apply. */
  private currentState(order: StoredOrder): { status: string; since: number; extra: Record<string, unknown> } {
    const now = this.now();
    const applied = order.scripted.filter((s) => s.at <= now);
    const last = applied[applied.length - 1];
    if (last) {
      const extra = applied.reduce<Record<string, unknown>>((merged, s) => ({ ...merged, ...s.extra }), {});
      return { status: last.status, since: last.at, extra };
    }

    const elapsed = now - order.createdAt;
    if (order.kind === 'mobile') {
      const pendingUntil = SANDBOX_TIMELINE_MS.mobilePendingUntil * this.timeScale;
      const handlingUntil = SANDBOX_TIMELINE_MS.mobileHandlingUntil * this.timeScale;
      if (elapsed < pendingUntil) return { status: 'PENDING', since: order.createdAt, extra: {} };
      if (elapsed < handlingUntil) return { status: 'HANDLING', since: order.createdAt + pendingUntil, extra: {} };
      const status = order.outcome === 'fulfill' ? 'FULFILLED' : order.outcome === 'unknown-error' ? 'UNKNOWN_ERROR' : 'REFUNDED';
      return { status, since: order.createdAt + handlingUntil, extra: {} };
    }
    const handlingUntil = SANDBOX_TIMELINE_MS.internetHandlingUntil * this.timeScale;
    if (elapsed < handlingUntil) return { status: 'HANDLING', since: order.createdAt, extra: {} };
    const status = order.outcome === 'fulfill' ? 'FULFILLED' : order.outcome === 'queued' ? 'QUEUED' : 'REFUNDED';
    return { status, since: order.createdAt + handlingUntil, extra: {} };
  }

  private view(order: StoredOrder): Record<string, unknown> {
    const { status, since, extra } = this.currentState(order);
    const data: Record<string, unknown> =
      order.kind === 'mobile' ? this.mobileFields(order, status) : this.internetFields(order, status, since);
    // Scripted extras win; an explicit `undefined` removes a field.
    for (const [key, value] of Object.entries(extra)) {
      if (value === undefined) delete data[key];
      else data[key] = value;
    }
    return data;
  }

  private mobileFields(order: StoredMobile, status: string): Record<string, unknown> {
    const data: Record<string, unknown> = {
      _id: order.id,
      ref: order.ref,
      status,
      plan_code: order.planCode,
      MSSIDN: order.mssidn,
      topup_amount: order.amount,
      balance_amount: status === 'REFUNDED' ? 0 : order.charge,
      created_at: new Date(order.createdAt).toISOString(),
    };
    if (status === 'UNKNOWN_ERROR') data.refund_message = SANDBOX_MESSAGES.unknownError;
    if (status === 'REFUNDED') {
      if (order.outcome === 'wrong-number') data.refund_message = SANDBOX_MESSAGES.wrongNumber;
      else if (order.outcome === 'plan-mismatch') {
        data.refund_message = SANDBOX_MESSAGES.planMismatch;
        data.suggested_offers = [{ typename: '📋 FACTURE | فاتورة', plan_code: 'FACTURE_DJEZZY', amount: order.amount }];
      } else if (order.outcome === 'getmenu') {
        data.refund_message = SANDBOX_MESSAGES.getMenu;
        data.suggested_offers = getMenuOffers(order.planCode, order.amount);
      } else data.refund_message = SANDBOX_MESSAGES.genericRefund;
    }
    return data;
  }

  private internetFields(order: StoredInternet, status: string, since: number): Record<string, unknown> {
    const data: Record<string, unknown> = {
      _id: order.id,
      ref: order.ref,
      status,
      type: order.type,
      number: order.number,
      topup_amount: order.value,
      created_at: new Date(order.createdAt).toISOString(),
    };
    if (status === 'FULFILLED') {
      const doneAt = new Date(since);
      data.card_code = order.cardCode;
      data.num_trans = `AT-${doneAt.getUTCFullYear()}-${order.numTransSeq}`;
      data.date_traitement = doneAt.toISOString();
    }
    return data;
  }

  private currentBalance(account: EmulatorAccount): number {
    let spent = 0;
    for (const order of this.orders.values()) {
      if (order.account === account.username && this.currentState(order).status !== 'REFUNDED') spent += order.charge;
    }
    return round2(account.initialBalance - spent);
  }

  // ------------------------------------------------------------ envelopes

  private ok(data: unknown, metaExtra: Record<string, unknown> = {}): Reply {
    return {
      status: 200,
      json: { success: true, data, meta: { timestamp: new Date(this.now()).toISOString(), ...metaExtra }, requestId: this.requestId() },
    };
  }

  private fail(status: number, code: string, message: string, details?: Record<string, unknown>): Reply {
    const error: Record<string, unknown> = { code, message };
    if (details) error.details = details;
    return { status, json: { success: false, error, requestId: this.requestId() } };
  }

  private invalid(message: string, field: string, value: unknown, more: Record<string, unknown> = {}): Outcome<never> {
    return { ok: false, error: this.fail(400, 'ERR_VALIDATION', message, { field, value, ...more }) };
  }

  private requestId(): string {
    return `req_${Math.floor(this.now() / 1000)}_${randomBytes(4).toString('hex').slice(0, 6)}`;
  }

  /** 24 lowercase hex chars shaped like a MongoDB ObjectId (seconds, random, counter). */
  private newId(): string {
    this.idCounter = (this.idCounter + 1) & 0xffffff;
    const seconds = (Math.floor(this.now() / 1000) >>> 0).toString(16).padStart(8, '0');
    return `${seconds}${this.idRandom}${this.idCounter.toString(16).padStart(6, '0')}`;
  }
}

// ---------------------------------------------------------------- helpers

function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  const body = outcome.error.json as { error: { code: string; message: string; details?: Record<string, unknown> } };
  throw new EmulatorRequestError(outcome.error.status, body.error.code, body.error.message, body.error.details);
}

/** RegExp#test with a global or sticky flag keeps state between calls; reset it so a filter is reusable. */
function matches(re: RegExp, text: string): boolean {
  re.lastIndex = 0;
  return re.test(text);
}

/** `::ffff:127.0.0.1` (an IPv4 caller on a dual-stack socket) compares as `127.0.0.1`. */
function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice('::ffff:'.length) : ip;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function parseIntParam(raw: string | undefined, fallback: number): number | undefined {
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw.trim())) return undefined;
  return Number(raw);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 1_000_000) {
        req.destroy();
        reject(new Error('request body too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
