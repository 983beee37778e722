import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OneClickClient, type OneClickClientOptions, type RequestInfo } from '../../src/provider/client.js';
import { ProviderError, type ProviderErrorKind } from '../../src/provider/errors.js';

/**
 * A scripted stand-in for api.oneclickdz.com on 127.0.0.1: each test queues one handler per expected
 * request; the last handler repeats. Every request is recorded as it arrived on the wire.
 */
type Handler = (req: IncomingMessage, res: ServerResponse) => void;
interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

const API_KEY = 'ea27b376-9f5c-4b09-883f-1b96cd7b541c';
let server: Server;
let baseUrl: string;
let script: Handler[] = [];
let seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const handler = script.length > 1 ? script.shift() : script[0];
    if (!handler) {
      res.writeHead(599).end();
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  script = [];
  seen = [];
  sleeps = [];
  requests = [];
  clock = Date.parse('2025-10-29T00:00:00Z');
});

function json(status: number, body: unknown, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };
}
function text(status: number, body: string): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'text/html' }).end(body);
  };
}
function errorBody(code: string, message: string, details?: Record<string, unknown>) {
  return { success: false, error: { code, message, ...(details ? { details } : {}) }, requestId: `req_${code}` };
}
const ok = (data: unknown) => ({ success: true, data, meta: { timestamp: '2025-10-29T00:36:15.606Z' }, requestId: 'req_ok' });

const fulfilledMobile = {
  _id: '6901616fe9e88196b4eb64b0',
  ref: 'order-12345',
  status: 'FULFILLED',
  plan_code: 'PREPAID_DJEZZY',
  MSSIDN: '0778037340',
  topup_amount: 500,
  balance_amount: 490,
  created_at: '2025-10-29T00:35:59.378Z',
};

let sleeps: number[] = [];
let requests: RequestInfo[] = [];
let clock = 0;

function client(overrides: Partial<OneClickClientOptions> = {}): OneClickClient {
  return new OneClickClient({
    baseUrl,
    apiKey: API_KEY,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    now: () => clock,
    random: () => 0.5,
    onRequest: (info) => requests.push(info),
    ...overrides,
  });
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof ProviderError) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

describe('requests on the wire', () => {
  it('sends the key as X-Access-Token (never Authorization) and parses the order', async () => {
    script = [json(200, ok(fulfilledMobile))];
    const order = await client().checkMobileById('6901616fe9e88196b4eb64b0');
    expect(order).toMatchObject({ kind: 'mobile', id: '6901616fe9e88196b4eb64b0', status: 'FULFILLED', balance_amount: 490 });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.method).toBe('GET');
    expect(seen[0]?.url).toBe('/v3/mobile/check-id/6901616fe9e88196b4eb64b0');
    expect(seen[0]?.headers['x-access-token']).toBe(API_KEY);
    expect(seen[0]?.headers.authorization).toBeUndefined();
  });

  it('URL-encodes refs containing + and / so the provider sees the exact ref', async () => {
    script = [json(200, ok({ ...fulfilledMobile, ref: 'API-+213665983439-test/1' }))];
    const order = await client().checkMobileByRef('API-+213665983439-test/1');
    expect(seen[0]?.url).toBe('/v3/mobile/check-ref/API-%2B213665983439-test%2F1');
    expect(order.ref).toBe('API-+213665983439-test/1');
  });

  it('calls the internet check endpoints and keeps the card code as text', async () => {
    const card = { _id: 'i1', ref: 'net+1', status: 'FULFILLED', type: 'ADSL', card_code: 123456789012, num_trans: 'AT-1' };
    script = [json(200, { success: true, data: card })];
    const byRef = await client().checkInternetByRef('net+1');
    expect(seen[0]?.url).toBe('/v3/internet/check-ref/net%2B1');
    expect(byRef).toMatchObject({ kind: 'internet', card_code: '123456789012', num_trans: 'AT-1' });
    await client().checkInternetById('i1');
    expect(seen[1]?.url).toBe('/v3/internet/check-id/i1');
  });

  it('accepts envelopes without meta/requestId and keeps unknown fields and statuses', async () => {
    script = [json(200, { success: true, data: { ...fulfilledMobile, status: 'on_hold', brand_new: [1, 2] }, extra: true })];
    const order = await client().checkMobileById('x');
    expect(order.status).toBe('ON_HOLD');
    expect(order.raw.brand_new).toEqual([1, 2]);
  });

  it('maps the legacy SUCCESS/FAILED statuses', async () => {
    script = [json(200, ok({ ...fulfilledMobile, status: 'SUCCESS' })), json(200, ok({ ...fulfilledMobile, status: 'FAILED' }))];
    expect((await client().checkMobileById('a')).status).toBe('FULFILLED');
    expect((await client().checkMobileById('b')).status).toBe('REFUNDED');
  });

  it('validates the key and reads the balance', async () => {
    script = [
      json(200, {
        success: true,
        data: {
          username: '+213665983439',
          apiKey: { key: API_KEY, isEnabled: true, type: 'SANDBOX', allowedips: [], scope: 'READ-WRITE' },
        },
      }),
      json(200, ok({ balance: 1326.13 })),
    ];
    const c = client();
    expect(await c.validate()).toEqual({ username: '+213665983439', type: 'SANDBOX', scope: 'READ-WRITE', isEnabled: true });
    expect(await c.balance()).toBe(1326.13);
    expect(seen.map((s) => s.url)).toEqual(['/v3/validate', '/v3/account/balance']);
  });
});

describe('lists', () => {
  const pagination = { page: 2, pageSize: 50, totalPages: 3, totalResults: 120 };

  it('lists mobile orders from data.items and sends the query', async () => {
    script = [json(200, ok({ items: [fulfilledMobile], pagination }))];
    const page = await client().listMobile({ page: 2, pageSize: 50, from: '2025-10-01T00:00:00Z', to: '2025-10-31T23:59:59Z' });
    expect(page.items.map((o) => o.id)).toEqual([fulfilledMobile._id]);
    expect(page).toMatchObject(pagination);
    const url = new URL(seen[0]?.url ?? '', baseUrl);
    expect(url.pathname).toBe('/v3/mobile/list');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      page: '2',
      pageSize: '50',
      from: '2025-10-01T00:00:00Z',
      to: '2025-10-31T23:59:59Z',
    });
  });

  it('lists internet orders from data.topups', async () => {
    script = [json(200, ok({ topups: [{ _id: 'i1', status: 'QUEUED', type: '4G' }], pagination }))];
    const page = await client().listInternet();
    expect(seen[0]?.url).toBe('/v3/internet/list');
    expect(page.items).toMatchObject([{ kind: 'internet', id: 'i1', status: 'QUEUED', type: '4G' }]);
  });

  it('refuses from without to before any request', async () => {
    await expect(client().listMobile({ from: '2025-10-01T00:00:00Z' })).rejects.toThrow(/together/);
    await expect(client().listInternet({ to: '2025-10-01T00:00:00Z' })).rejects.not.toBeInstanceOf(ProviderError);
    expect(seen).toHaveLength(0);
  });
});

describe('error mapping', () => {
  it('maps 404 NOT_FOUND to not_found with its requestId, without retrying', async () => {
    script = [json(404, errorBody('NOT_FOUND', "Top-up with reference 'order-12345' not found"))];
    const e = await failure(client().checkMobileByRef('order-12345'));
    expect(e).toMatchObject({ kind: 'not_found', httpStatus: 404, code: 'NOT_FOUND', requestId: 'req_NOT_FOUND' });
    expect(e.retryable).toBe(false);
    expect(seen).toHaveLength(1);
  });

  it('maps 401 INVALID_ACCESS_TOKEN to unauthorized and keeps attemptsLeft', async () => {
    script = [json(401, errorBody('INVALID_ACCESS_TOKEN', 'The provided access token is invalid', { attemptsLeft: 3 }))];
    const e = await failure(client().validate());
    expect(e).toMatchObject({ kind: 'unauthorized', details: { attemptsLeft: 3 } });
    expect(seen).toHaveLength(1);
  });

  it('maps MISSING_ACCESS_TOKEN sent with 400 to unauthorized', async () => {
    script = [json(400, errorBody('MISSING_ACCESS_TOKEN', 'Access token is required'))];
    expect((await failure(client().validate())).kind).toBe('unauthorized');
  });

  it.each<[number, string, ProviderErrorKind]>([
    [403, 'DUPLICATED_REF', 'duplicated_ref'],
    [403, 'INSUFFICIENT_BALANCE', 'insufficient_balance'],
    [403, 'NO_BALANCE', 'insufficient_balance'],
    [403, 'IP_NOT_ALLOWED', 'ip_blocked'],
    [403, 'ERR_AUTH', 'unauthorized'],
    [403, 'API_DISABLED', 'forbidden'],
    [400, 'ERR_VALIDATION', 'validation'],
    [400, 'ERR_PHONE', 'validation'],
    [400, 'SOMETHING_NEW', 'validation'],
    [400, 'ERR_STOCK', 'out_of_stock'],
  ])('maps %i %s to %s without retrying', async (status, code, kind) => {
    script = [json(status, errorBody(code, 'msg', { field: 'MSSIDN', value: '778037340' }))];
    const e = await failure(client().checkMobileById('x'));
    expect(e).toMatchObject({ kind, code, httpStatus: status, requestId: `req_${code}`, details: { field: 'MSSIDN' } });
    expect(seen).toHaveLength(1);
  });

  it('remembers IP_BLOCKED and fails fast for 15 minutes without calling the provider', async () => {
    script = [json(403, errorBody('IP_BLOCKED', 'Your IP has been temporarily blocked')), json(200, ok(fulfilledMobile))];
    const c = client();
    expect((await failure(c.checkMobileById('x'))).kind).toBe('ip_blocked');
    expect(seen).toHaveLength(1);

    clock += 14 * 60_000;
    const fast = await failure(c.checkMobileById('x'));
    expect(fast.kind).toBe('ip_blocked');
    expect(fast.retryAfterMs).toBe(60_000);
    expect(seen).toHaveLength(1);

    clock += 60_001;
    expect((await c.checkMobileById('x')).status).toBe('FULFILLED');
    expect(seen).toHaveLength(2);
  });

  it('does not start a 15-minute block for IP_NOT_ALLOWED (a whitelist, not a ban)', async () => {
    script = [json(403, errorBody('IP_NOT_ALLOWED', 'not whitelisted')), json(200, ok(fulfilledMobile))];
    const c = client();
    await failure(c.checkMobileById('x'));
    await c.checkMobileById('x');
    expect(seen).toHaveLength(2);
  });

  it('maps a non-JSON error page by its HTTP status', async () => {
    script = [text(404, '<html>Not Found</html>')];
    expect((await failure(client({ retry: { attempts: 1 } }).checkMobileById('x'))).kind).toBe('not_found');
    script = [text(502, '<html>Bad Gateway</html>')];
    expect((await failure(client({ retry: { attempts: 1 } }).checkMobileById('x'))).kind).toBe('server');
  });

  it('maps a non-JSON 2xx body to malformed', async () => {
    script = [text(200, '<html>maintenance</html>')];
    const e = await failure(client({ retry: { attempts: 1 } }).checkMobileById('x'));
    expect(e.kind).toBe('malformed');
  });

  it.each([
    ['success:false', errorBody('NOT_FOUND', 'x')],
    ['a bare gateway body', { message: 'Cannot GET /v3/x', error: 'Not Found', statusCode: 404 }],
    ['an order without _id', ok({ status: 'PENDING' })],
  ])('maps a 2xx with %s to malformed', async (_label, body) => {
    script = [json(200, body)];
    const e = await failure(client({ retry: { attempts: 1 } }).checkMobileById('x'));
    expect(e).toMatchObject({ kind: 'malformed', httpStatus: 200 });
  });

  it('keeps the requestId of a 2xx whose data is malformed', async () => {
    script = [json(200, ok({ status: 'PENDING' }))];
    const e = await failure(client({ retry: { attempts: 1 } }).checkMobileById('x'));
    expect(e.requestId).toBe('req_ok');
  });

  it('maps a destroyed socket to network', async () => {
    script = [(req) => req.socket.destroy()];
    const e = await failure(client({ retry: { attempts: 1 } }).checkMobileById('x'));
    expect(e.kind).toBe('network');
    expect(requests.map((r) => r.status)).toEqual(['network']);
  });

  it('maps a connection refused to network', async () => {
    const e = await failure(client({ baseUrl: 'http://127.0.0.1:1', retry: { attempts: 1 } }).balance());
    expect(e.kind).toBe('network');
  });

  it('maps a server that never answers to timeout', async () => {
    script = [() => undefined];
    const e = await failure(client({ timeoutMs: 100, retry: { attempts: 1 } }).checkMobileById('x'));
    expect(e.kind).toBe('timeout');
    expect(requests.map((r) => r.status)).toEqual(['timeout']);
  });

  it('maps a body that stalls after the headers to timeout', async () => {
    script = [(_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).write('{"success":')];
    const e = await failure(client({ timeoutMs: 100, retry: { attempts: 1 } }).checkMobileById('x'));
    expect(e.kind).toBe('timeout');
  });
});

describe('retries', () => {
  it('waits Retry-After seconds after a 429, then succeeds', async () => {
    script = [json(429, errorBody('RATE_LIMIT_EXCEEDED', 'slow down'), { 'retry-after': '2' }), json(200, ok(fulfilledMobile))];
    const order = await client().checkMobileById('x');
    expect(order.status).toBe('FULFILLED');
    expect(sleeps).toEqual([2000]);
    expect(seen).toHaveLength(2);
  });

  it('understands Retry-After as an HTTP date', async () => {
    const at = new Date(clock + 3000).toUTCString();
    script = [json(429, {}, { 'retry-after': at }), json(200, ok(fulfilledMobile))];
    await client().checkMobileById('x');
    expect(sleeps).toEqual([3000]);
  });

  it('gives up at once when Retry-After exceeds the delay cap, so the caller can reschedule', async () => {
    script = [json(429, errorBody('RATE_LIMIT_EXCEEDED', 'slow down'), { 'retry-after': '3600' }), json(200, ok(fulfilledMobile))];
    const e = await failure(client().checkMobileById('x'));
    expect(e).toMatchObject({ kind: 'rate_limited', retryAfterMs: 3_600_000 });
    expect(seen).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('retries a 500 with jittered backoff, then succeeds', async () => {
    script = [json(500, errorBody('INTERNAL', 'oops')), json(200, ok(fulfilledMobile))];
    expect((await client().checkMobileById('x')).status).toBe('FULFILLED');
    expect(seen).toHaveLength(2);
    expect(sleeps).toEqual([250]); // random 0.5 x base 500
  });

  it('stops after exactly `attempts` requests when the provider stays down', async () => {
    script = [text(503, 'Service Unavailable')];
    const e = await failure(client({ retry: { attempts: 4, baseDelayMs: 1000, maxDelayMs: 3000 } }).balance());
    expect(e).toMatchObject({ kind: 'server', httpStatus: 503 });
    expect(seen).toHaveLength(4);
    expect(sleeps).toEqual([500, 1000, 1500]); // half of 1000, 2000, min(4000, cap 3000)
  });

  it('uses 3 attempts by default and retries malformed bodies too', async () => {
    script = [text(200, 'not json')];
    expect((await failure(client().checkMobileById('x'))).kind).toBe('malformed');
    expect(seen).toHaveLength(3);
  });
});

describe('secrets and metrics', () => {
  it('never exposes the key in error messages, details or metrics', async () => {
    const errors: ProviderError[] = [];
    const c = client({ timeoutMs: 100, retry: { attempts: 1 } });
    // A provider that echoes the key back must not leak it through us.
    script = [json(401, errorBody('INVALID_ACCESS_TOKEN', `token ${API_KEY} is invalid`, { token: API_KEY, attemptsLeft: 2 }))];
    errors.push(await failure(c.validate()));
    script = [json(200, { success: true, data: { username: 1n.toString(), apiKey: { key: API_KEY } } })];
    errors.push(await failure(c.validate()));
    script = [(req) => req.socket.destroy()];
    errors.push(await failure(c.balance()));
    script = [() => undefined];
    errors.push(await failure(c.balance()));

    expect(errors.map((e) => e.kind)).toEqual(['unauthorized', 'malformed', 'network', 'timeout']);
    for (const e of errors) {
      expect(e.message).not.toContain(API_KEY);
      expect(String(e.stack)).not.toContain(API_KEY);
      expect(JSON.stringify(e.details ?? {})).not.toContain(API_KEY);
    }
    expect(errors[0]?.details).toMatchObject({ attemptsLeft: 2 });
    expect(JSON.stringify(requests)).not.toContain(API_KEY);
  });

  it('reports each attempt to onRequest with the path but not the query', async () => {
    script = [json(500, {}), json(200, ok({ items: [] }))];
    await client().listMobile({ page: 1, pageSize: 20 });
    expect(requests.map(({ method, path, status }) => ({ method, path, status }))).toEqual([
      { method: 'GET', path: '/v3/mobile/list', status: 500 },
      { method: 'GET', path: '/v3/mobile/list', status: 200 },
    ]);
    expect(requests.every((r) => r.ms >= 0)).toBe(true);
  });
});

describe('call gate (the key guard plugs in here)', () => {
  it('a GET answered 401 goes out once, even with retries allowed, and the gate hears the 401', async () => {
    script = [json(401, errorBody('INVALID_ACCESS_TOKEN', 'The provided access token is invalid', { attemptsLeft: 4 }))];
    const ended: Array<ProviderError | undefined> = [];
    const gated = client({ retry: { attempts: 5 }, gate: { admit: () => Promise.resolve((err) => void ended.push(err)) } });
    expect((await failure(gated.checkMobileById('6901616fe9e88196b4eb64b0'))).kind).toBe('unauthorized');
    expect(seen).toHaveLength(1);
    expect(ended.map((e) => e?.kind)).toEqual(['unauthorized']);
  });

  it('a refused admission sends nothing, and every retried attempt is admitted and reported on its own', async () => {
    const refused = client({
      gate: { admit: () => Promise.reject(new ProviderError('key_suspended', 'suspended', { retryAfterMs: 60_000 })) },
    });
    expect(await failure(refused.balance())).toMatchObject({ kind: 'key_suspended', retryAfterMs: 60_000 });
    expect(seen).toHaveLength(0);

    script = [json(503, errorBody('SERVICE_UNAVAILABLE', 'down')), json(200, ok({ balance: 12 }))];
    const ended: Array<string> = [];
    const gated = client({ retry: { attempts: 2 }, gate: { admit: () => Promise.resolve((err) => void ended.push(err?.kind ?? 'ok')) } });
    expect(await gated.balance()).toBe(12);
    expect(ended).toEqual(['server', 'ok']);
  });
});
