import { afterEach, describe, expect, it } from 'vitest';
import { EmulatorRequestError, OneClickEmulator, SANDBOX_MESSAGES, type EmulatorOptions } from '../support/oneclick-emulator.js';

const KEY = 'test-key';
const START = Date.parse('2026-11-20T10:00:00.000Z');
// timeScale 0.01: mobile PENDING until 50 ms, HANDLING until 150 ms; internet HANDLING until 100 ms.
const SCALE = 0.01;

// The emulator's JSON answers, as far as these tests read them.
interface SentJson {
  topupId: string;
  topupRef: string;
}
interface TopupJson {
  _id: string;
  ref: string;
  status: string;
  type?: string;
  card_code?: string;
  num_trans?: string;
  date_traitement?: string;
  suggested_offers?: Array<{ typename: string; plan_code: string; amount: number }>;
}
interface ListJson {
  items: TopupJson[];
  pagination: { page: number; pageSize: number; totalPages: number; totalResults: number };
}
/** The envelope: `data` on success (typed by route), `error` on failure. */
interface Answer<D> {
  success: boolean;
  requestId: string;
  data: D;
  error: { code: string; message: string; details: { field?: string; value?: unknown; attemptsLeft?: number } };
}
/** What `data` holds for a path, by route. */
type DataOf<P extends string> = P extends `${string}/send`
  ? SentJson
  : P extends `${string}/check-${string}`
    ? TopupJson
    : P extends `${string}/list${string}`
      ? ListJson
      : P extends `${string}/balance`
        ? { balance: number }
        : P extends `${string}/validate`
          ? { username: string; apiKey: unknown }
          : P extends `${string}/plans`
            ? { dynamicPlans: unknown[]; fixedPlans: unknown[] }
            : P extends `${string}/products${string}`
              ? { products: unknown[] }
              : unknown;

type ApiInit = RequestInit & { json?: unknown; key?: string | null };

interface Env {
  emu: OneClickEmulator;
  advance: (ms: number) => void;
  setClock: (ms: number) => void;
  api: (path: string, init?: ApiInit) => Promise<Response>;
  json: <P extends string>(path: P, init?: ApiInit) => Promise<{ status: number; body: Answer<DataOf<P>> }>;
}

const running: OneClickEmulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

async function setup(opts: EmulatorOptions = {}): Promise<Env> {
  let clock = START;
  const emu = new OneClickEmulator({ apiKey: KEY, timeScale: SCALE, now: () => clock, ...opts });
  running.push(emu);
  const base = await emu.start();
  const api: Env['api'] = (path, init = {}) => {
    const { json, key, ...rest } = init;
    const headers: Record<string, string> = { ...(rest.headers as Record<string, string> | undefined) };
    if (key !== null) headers['X-Access-Token'] = key ?? KEY;
    if (json !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(`${base}${path}`, {
      ...rest,
      method: rest.method ?? (json === undefined ? 'GET' : 'POST'),
      headers,
      body: json === undefined ? undefined : JSON.stringify(json),
    });
  };
  return {
    emu,
    advance: (ms) => {
      clock += ms;
    },
    setClock: (ms) => {
      clock = ms;
    },
    api,
    json: async <P extends string>(path: P, init?: ApiInit) => {
      const res = await api(path, init);
      return { status: res.status, body: (await res.json()) as Answer<DataOf<P>> };
    },
  };
}

describe('mobile sandbox timeline', () => {
  it('goes PENDING -> HANDLING -> FULFILLED on the scaled clock and charges amount * cost', async () => {
    const { json, advance } = await setup();
    const sent = await json('/v3/mobile/send', { json: { plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500 } });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ success: true, meta: { timestamp: '2026-11-20T10:00:00.000Z' } });
    expect(sent.body.requestId).toEqual(expect.any(String));
    const { topupId, topupRef } = sent.body.data;
    expect(topupId).toMatch(/^[0-9a-f]{24}$/);
    expect(topupRef).toMatch(/^API-\+213665983439-test-\d+-\d+$/);

    const status = async () => (await json(`/v3/mobile/check-id/${topupId}`)).body.data;
    expect(await status()).toMatchObject({
      _id: topupId,
      ref: topupRef,
      status: 'PENDING',
      plan_code: 'PREPAID_DJEZZY',
      MSSIDN: '0778037340',
      topup_amount: 500,
      created_at: '2026-11-20T10:00:00.000Z',
    });
    advance(49);
    expect((await status()).status).toBe('PENDING');
    advance(1);
    expect((await status()).status).toBe('HANDLING');
    advance(99);
    expect((await status()).status).toBe('HANDLING');
    advance(1);
    const done = await status();
    expect(done).toMatchObject({ status: 'FULFILLED', balance_amount: 490 });
    expect(done).not.toHaveProperty('refund_message');

    // The generated ref contains '+': check-ref must decode it.
    const byRef = await json(`/v3/mobile/check-ref/${encodeURIComponent(topupRef)}`);
    expect(byRef.body.data).toEqual(done);
  });

  it('refunds 0600000001 with the wrong-number message after the lead-in', async () => {
    const { json, advance } = await setup();
    const { body } = await json('/v3/mobile/send', {
      json: { plan_code: 'PREPAID_MOBILIS', MSSIDN: '0600000001', amount: 1000, ref: 'r-1' },
    });
    advance(60);
    expect((await json('/v3/mobile/check-ref/r-1')).body.data.status).toBe('HANDLING');
    advance(100);
    const data = (await json(`/v3/mobile/check-id/${body.data.topupId}`)).body.data;
    expect(data).toMatchObject({ status: 'REFUNDED', balance_amount: 0, refund_message: SANDBOX_MESSAGES.wrongNumber });
    expect(data).not.toHaveProperty('suggested_offers');
  });

  it('refunds 0600000002 with a FACTURE suggestion for the same amount', async () => {
    const { json, advance } = await setup();
    await json('/v3/mobile/send', { json: { plan_code: 'PREPAID_DJEZZY', MSSIDN: '0600000002', amount: 700, ref: 'r-2' } });
    advance(150);
    expect((await json('/v3/mobile/check-ref/r-2')).body.data).toMatchObject({
      status: 'REFUNDED',
      refund_message: 'هذا العرض غير متوافق مع هذا الرقم جرب فاتورة',
      suggested_offers: [{ typename: '📋 FACTURE | فاتورة', plan_code: 'FACTURE_DJEZZY', amount: 700 }],
    });
  });

  it('keeps 0600000003 in UNKNOWN_ERROR until a scripted resolution takes effect', async () => {
    const { json, advance, emu } = await setup();
    const { body } = await json('/v3/mobile/send', { json: { plan_code: 'PREPAID_DJEZZY', MSSIDN: '0600000003', amount: 500 } });
    const id = body.data.topupId;
    advance(24 * 3600_000);
    expect((await json(`/v3/mobile/check-id/${id}`)).body.data).toMatchObject({
      status: 'UNKNOWN_ERROR',
      refund_message: SANDBOX_MESSAGES.unknownError,
    });
    emu.scheduleStatus(id, 1000, 'REFUNDED'); // 10 ms at this scale
    advance(9);
    expect(emu.getOrder(id)?.status).toBe('UNKNOWN_ERROR');
    advance(1);
    expect((await json(`/v3/mobile/check-id/${id}`)).body.data).toMatchObject({ status: 'REFUNDED', balance_amount: 0 });
  });

  it('setStatus freezes an order and merges the extra fields', async () => {
    const { emu, advance, json } = await setup();
    const { topupId } = emu.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500 });
    emu.setStatus(topupId, 'HANDLING', { follow_orderid: '0123456789abcdef01234567' });
    advance(3600_000);
    expect((await json(`/v3/mobile/check-id/${topupId}`)).body.data).toMatchObject({
      status: 'HANDLING',
      follow_orderid: '0123456789abcdef01234567',
    });
  });

  it('answers a GETMENU order with a refund carrying the offers the line accepts', async () => {
    const { json, advance } = await setup();
    for (const [plan_code, MSSIDN] of [
      ['GETMENU_Mobilis', '0661234567'],
      ['GETMENU_Djezzy', '0771234567'],
      ['GETMENU_Ooredoo', '0551234567'],
    ]) {
      const { body } = await json('/v3/mobile/send', { json: { plan_code, MSSIDN, amount: 50 } });
      advance(150);
      const data = (await json(`/v3/mobile/check-id/${body.data.topupId}`)).body.data;
      expect(data).toMatchObject({ status: 'REFUNDED', balance_amount: 0, refund_message: SANDBOX_MESSAGES.getMenu });
      const offers = data.suggested_offers ?? [];
      expect(offers.length).toBeGreaterThanOrEqual(4);
      expect(offers.length).toBeLessThanOrEqual(12);
      // Every suggestion must be sendable as is: the bot resends plan_code + amount verbatim.
      for (const offer of offers) {
        expect(offer.typename).toEqual(expect.any(String));
        const resend = await json('/v3/mobile/send', { json: { plan_code: offer.plan_code, MSSIDN, amount: offer.amount } });
        expect(resend.status, JSON.stringify(offer)).toBe(200);
      }
    }
  });
});

describe('internet sandbox timeline', () => {
  it('goes HANDLING -> FULFILLED with a card code, transaction number and processing date', async () => {
    const { json, advance } = await setup();
    const sent = await json('/v3/internet/send', { json: { type: 'ADSL', number: '036362608', value: 1000, ref: 'net-1' } });
    expect(sent.status).toBe(200);
    const id = sent.body.data.topupId;
    advance(99);
    expect((await json(`/v3/internet/check-id/${id}`)).body.data).toMatchObject({
      status: 'HANDLING',
      type: 'ADSL',
      number: '036362608',
      topup_amount: 1000,
    });
    advance(1);
    const data = (await json('/v3/internet/check-ref/net-1')).body.data;
    expect(data.status).toBe('FULFILLED');
    expect(data.card_code).toMatch(/^\d{12}$/);
    expect(data.num_trans).toMatch(/^AT-2026-\d+$/);
    expect(data.date_traitement).toBe('2026-11-20T10:00:00.100Z');
  });

  it('queues 099999991 for good and refunds 099999992; 4G numbers need 213 + 9 digits', async () => {
    const { json, advance } = await setup();
    await json('/v3/internet/send', { json: { type: 'ADSL', number: '099999991', value: 500, ref: 'q' } });
    await json('/v3/internet/send', { json: { type: 'ADSL', number: '099999992', value: 500, ref: 'r' } });
    const lte = await json('/v3/internet/send', { json: { type: '4G', number: '213472731602', value: 2000 } });
    expect(lte.status).toBe(200);
    expect(lte.body.data.topupRef).toContain('-internet-');
    advance(48 * 3600_000);
    expect((await json('/v3/internet/check-ref/q')).body.data.status).toBe('QUEUED');
    expect((await json('/v3/internet/check-ref/r')).body.data.status).toBe('REFUNDED');
  });

  it('keeps mobile and internet ids apart and says which ref or id was not found', async () => {
    const { json, emu } = await setup();
    const mobile = emu.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref: 'm-1' });
    const onInternet = await json(`/v3/internet/check-id/${mobile.topupId}`);
    expect(onInternet.status).toBe(404);
    expect(onInternet.body).toMatchObject({
      success: false,
      error: { code: 'NOT_FOUND', message: `Top-up with id '${mobile.topupId}' not found` },
    });
    const missingRef = await json('/v3/mobile/check-ref/order%2012345');
    expect(missingRef.status).toBe(404);
    expect(missingRef.body.error.message).toBe("Top-up with reference 'order 12345' not found");
    expect((await json('/v3/internet/check-ref/m-1')).status).toBe(404);
  });
});

describe('send validation', () => {
  it('rejects bad mobile bodies with ERR_VALIDATION naming the field', async () => {
    const { json } = await setup();
    const cases: Array<[unknown, string, unknown]> = [
      [{ MSSIDN: '0778037340', amount: 500 }, 'plan_code', undefined],
      [{ plan_code: 'PREPAID_DJEZZY', amount: 500 }, 'MSSIDN', undefined],
      [{ plan_code: 'PREPAID_DJEZZY', MSSIDN: '778037340', amount: 500 }, 'MSSIDN', '778037340'],
      [{ plan_code: 'PREPAID_DJEZZY', MSSIDN: 778037340, amount: 500 }, 'MSSIDN', 778037340],
      [{ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340' }, 'amount', undefined],
      [{ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 99 }, 'amount', 99],
      [{ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500.5 }, 'amount', 500.5],
      [{ plan_code: 'NOPE', MSSIDN: '0778037340', amount: 500 }, 'plan_code', 'NOPE'],
      [{ plan_code: 'FACTURE_OOREDOO', MSSIDN: '0558037340', amount: 500 }, 'plan_code', 'FACTURE_OOREDOO'],
    ];
    for (const [body, field, value] of cases) {
      const res = await json('/v3/mobile/send', { json: body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('ERR_VALIDATION');
      expect(res.body.error.details.field).toBe(field);
      expect(res.body.error.details.value).toEqual(value);
    }
    const pattern = await json('/v3/mobile/send', { json: { plan_code: 'PREPAID_DJEZZY', MSSIDN: '+213778037340', amount: 500 } });
    expect(pattern.body.error.message).toBe('body/MSSIDN must match pattern "^0[567][0-9]{8}$"');
  });

  it('ignores amount on a fixed plan and charges the plan price', async () => {
    const { json, advance } = await setup({ balance: 1000 });
    const { body } = await json('/v3/mobile/send', { json: { plan_code: 'PIXX_500', MSSIDN: '0661234567', amount: 3 } });
    advance(150);
    expect((await json(`/v3/mobile/check-id/${body.data.topupId}`)).body.data).toMatchObject({ topup_amount: 500, balance_amount: 485 });
    expect((await json('/v3/account/balance')).body.data.balance).toBe(515);
  });

  it('answers DUPLICATED_REF for a reused ref without creating a second order', async () => {
    const { json } = await setup();
    const first = await json('/v3/mobile/send', { json: { plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref: 'same' } });
    expect(first.status).toBe(200);
    const again = await json('/v3/mobile/send', { json: { plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref: 'same' } });
    expect(again.status).toBe(403);
    expect(again.body.error.code).toBe('DUPLICATED_REF');
    expect((await json('/v3/mobile/list')).body.data.pagination.totalResults).toBe(1);
    expect((await json('/v3/account/balance')).body.data.balance).toBe(100000 - 490);

    const net = { type: 'ADSL', number: '036362608', value: 500, ref: 'net-same' };
    expect((await json('/v3/internet/send', { json: net })).status).toBe(200);
    expect((await json('/v3/internet/send', { json: net })).body.error.code).toBe('DUPLICATED_REF');
  });

  it('refuses sends with a READ-ONLY key but still answers reads', async () => {
    const { json } = await setup({ keyScope: 'READ-ONLY' });
    const res = await json('/v3/mobile/send', { json: { plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500 } });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
    expect(res.body.error.message).toMatch(/read-only/i);
    expect((await json('/v3/validate')).body.data.apiKey).toMatchObject({ scope: 'READ-ONLY', type: 'SANDBOX', isEnabled: true });
  });

  it('checks internet type, number, value and stock', async () => {
    const { json } = await setup();
    const badType = await json('/v3/internet/send', { json: { type: 'FIBRE', number: '036362608', value: 500 } });
    expect(badType.body.error).toMatchObject({ code: 'ERR_VALIDATION', details: { field: 'type' } });
    const badAdsl = await json('/v3/internet/send', { json: { type: 'ADSL', number: '36362608', value: 500 } });
    expect(badAdsl.status).toBe(400);
    expect(badAdsl.body.error).toMatchObject({ code: 'ERR_PHONE', details: { number: '36362608', type: 'ADSL' } });
    const adslOn4g = await json('/v3/internet/send', { json: { type: '4G', number: '036362608', value: 500 } });
    expect(adslOn4g.body.error.code).toBe('ERR_PHONE');
    const badValue = await json('/v3/internet/send', { json: { type: 'ADSL', number: '036362608', value: 700 } });
    expect(badValue.body.error).toMatchObject({ code: 'ERR_VALIDATION', details: { field: 'value', value: 700 } });
    const stock = await json('/v3/internet/send', { json: { type: 'ADSL', number: '036362608', value: 5000 } });
    expect(stock.body.error.code).toBe('ERR_STOCK');
    const products = await json('/v3/internet/products?type=ADSL');
    expect(products.body.data.products).toContainEqual({ value: 5000, cost: 4900, available: false });
  });

  it('seeding helpers throw the error the API would have answered', async () => {
    const { emu } = await setup();
    emu.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref: 'seed' });
    expect(() => emu.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref: 'seed' })).toThrow(
      EmulatorRequestError,
    );
    expect(() => emu.sendInternet({ type: '4G', number: '0555', value: 500 })).toThrow(/ERR_PHONE/);
  });
});

describe('balance', () => {
  it('debits each order, refuses one it cannot cover, and gives refunds back', async () => {
    const { json, advance } = await setup({ balance: 1500 });
    const ok = await json('/v3/mobile/send', { json: { plan_code: 'PREPAID_DJEZZY', MSSIDN: '0600000001', amount: 1000 } });
    expect(ok.status).toBe(200);
    expect((await json('/v3/account/balance')).body.data.balance).toBe(520);

    const tooMuch = await json('/v3/mobile/send', { json: { plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 1000 } });
    expect(tooMuch.status).toBe(403);
    expect(tooMuch.body.error).toMatchObject({
      code: 'INSUFFICIENT_BALANCE',
      message: 'Your balance is insufficient for this operation',
      details: { required: 980, available: 520 },
    });
    const netTooMuch = await json('/v3/internet/send', { json: { type: 'ADSL', number: '036362608', value: 1000 } });
    expect(netTooMuch.body.error.code).toBe('INSUFFICIENT_BALANCE');

    advance(150); // 0600000001 is refunded now
    expect((await json('/v3/account/balance')).body.data.balance).toBe(1500);
    expect((await json('/v3/mobile/send', { json: { plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 1000 } })).status).toBe(200);
  });
});

describe('lists', () => {
  it('pages newest first and filters on created_at, bounds inclusive', async () => {
    const { json, emu, setClock } = await setup();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      setClock(START + i * 60_000);
      ids.push(emu.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 100 + i, ref: `o-${i}` }).topupId);
    }
    emu.sendInternet({ type: 'ADSL', number: '036362608', value: 500 });

    const page1 = (await json('/v3/mobile/list?page=1&pageSize=2')).body.data;
    expect(page1.items.map((o) => o.ref)).toEqual(['o-4', 'o-3']);
    expect(page1.pagination).toEqual({ page: 1, pageSize: 2, totalPages: 3, totalResults: 5 });
    const page3 = (await json('/v3/mobile/list?page=3&pageSize=2')).body.data;
    expect(page3.items.map((o) => o._id)).toEqual([ids[0]]);

    const from = new Date(START + 60_000).toISOString();
    const to = new Date(START + 3 * 60_000).toISOString();
    const filtered = (await json(`/v3/mobile/list?from=${from}&to=${to}`)).body.data;
    expect(filtered.items.map((o) => o.ref)).toEqual(['o-3', 'o-2', 'o-1']);
    expect(filtered.pagination).toMatchObject({ page: 1, pageSize: 20, totalResults: 3 });

    const internet = (await json('/v3/internet/list')).body.data;
    expect(internet.items).toHaveLength(1);
    expect(internet.items[0]?.type).toBe('ADSL');
  });

  it('rejects a page size outside 1..100 and a lone from or to', async () => {
    const { json } = await setup();
    for (const query of [
      'pageSize=0',
      'pageSize=101',
      'page=0',
      'page=abc',
      'from=2026-11-01T00:00:00Z',
      'to=2026-11-01T00:00:00Z',
      'from=x&to=y',
    ]) {
      const res = await json(`/v3/mobile/list?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe('ERR_VALIDATION');
    }
    expect((await json('/v3/internet/list?pageSize=100')).status).toBe(200);
  });
});

describe('auth and routing', () => {
  it('answers a missing key with 401 MISSING_ACCESS_TOKEN', async () => {
    const { json } = await setup();
    const res = await json('/v3/account/balance', { key: null });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ success: false, error: { code: 'MISSING_ACCESS_TOKEN' } });
  });

  it('counts down attemptsLeft on wrong keys, then blocks the IP for 15 minutes even for the right key', async () => {
    const { json, advance } = await setup();
    const left: Array<number | undefined> = [];
    for (let i = 0; i < 5; i++) {
      const res = await json('/v3/validate', { key: 'wrong' });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('INVALID_ACCESS_TOKEN');
      left.push(res.body.error.details.attemptsLeft);
    }
    expect(left).toEqual([4, 3, 2, 1, 0]);
    const blocked = await json('/v3/validate');
    expect(blocked.status).toBe(403);
    expect(blocked.body.error.code).toBe('IP_BLOCKED');
    advance(15 * 60_000 - 1);
    expect((await json('/v3/validate')).status).toBe(403);
    advance(1);
    const back = await json('/v3/validate');
    expect(back.status).toBe(200);
    expect(back.body.data.username).toBe('+213665983439');
  });

  it('after setApiKey only the new key is accepted; the old one counts as an invalid attempt', async () => {
    const { json, emu } = await setup();
    expect((await json('/v3/validate')).status).toBe(200);
    emu.setApiKey('rotated-key');
    const old = await json('/v3/validate');
    expect(old.status).toBe(401);
    expect(old.body.error.details.attemptsLeft).toBe(4);
    expect((await json('/v3/validate', { key: 'rotated-key' })).status).toBe(200);
    expect(emu.ipBlockedUntil()).toBe(0);
  });

  it('answers unknown routes with the gateway bare 404', async () => {
    const { json } = await setup();
    const res = await json('/v3/mobile/nope', { key: null });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ message: 'Cannot GET /v3/mobile/nope', error: 'Not Found', statusCode: 404 });
    expect((await json('/v3/mobile/send')).status).toBe(404); // GET on a POST route
  });

  it('serves ping and plans with the documented shapes', async () => {
    const { json } = await setup();
    expect((await json('/v3/ping')).body.data).toMatchObject({ api: 'ok', operators: { djezzy: 'up' } });
    const plans = (await json('/v3/mobile/plans')).body.data;
    expect(plans.dynamicPlans).toContainEqual(
      expect.objectContaining({ code: 'PREPAID_DJEZZY', min_amount: 100, max_amount: 10000, isEnabled: true }),
    );
    expect(plans.fixedPlans).toContainEqual(expect.objectContaining({ code: 'MIX1000_OOREDOO', amount: 1000 }));
  });
});

describe('several accounts', () => {
  const OTHER = '0b6f1a2e-3c4d-4e5f-8a9b-0c1d2e3f4a5b';

  it('validates each key as its own account and binds orders to the account that created them', async () => {
    const { json, emu } = await setup();
    const other = emu.addAccount({ apiKey: OTHER, username: '+213770000001', keyType: 'PRODUCTION', keyScope: 'READ-ONLY', balance: 500 });
    const v = await json('/v3/validate', { key: OTHER });
    expect(v.status).toBe(200);
    expect(v.body.data).toMatchObject({ username: other, apiKey: { key: OTHER, type: 'PRODUCTION', scope: 'READ-ONLY', isEnabled: true } });
    expect((await json('/v3/account/balance', { key: OTHER })).body.data.balance).toBe(500);

    const mine = emu.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0770000001', amount: 100, ref: 'same-ref' });
    const theirs = emu.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0770000002', amount: 200, ref: 'same-ref' }, { account: other });
    expect(theirs.topupId).not.toBe(mine.topupId); // the same ref in two accounts is two orders
    expect((await json('/v3/mobile/check-ref/same-ref')).body.data._id).toBe(mine.topupId);
    expect((await json('/v3/mobile/check-ref/same-ref', { key: OTHER })).body.data._id).toBe(theirs.topupId);
    // Another account's order is a 404, as for an unknown id; lists only show the caller's orders.
    const foreign = await json(`/v3/mobile/check-id/${mine.topupId}`, { key: OTHER });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('NOT_FOUND');
    const list = await json('/v3/mobile/list', { key: OTHER });
    expect(list.body.data.items.map((o) => o._id)).toEqual([theirs.topupId]);
    expect(emu.balanceOf(other)).toBe(500 - 196);
  });

  it('a disabled key validates with isEnabled false and is refused elsewhere with 403 API_DISABLED', async () => {
    const { json, emu } = await setup();
    emu.addAccount({ apiKey: OTHER, enabled: false });
    const v = await json('/v3/validate', { key: OTHER });
    expect(v.status).toBe(200);
    expect(v.body.data).toMatchObject({ apiKey: { isEnabled: false } });
    const b = await json('/v3/account/balance', { key: OTHER });
    expect(b.status).toBe(403);
    expect(b.body.error.code).toBe('API_DISABLED');
  });

  it('a key whose IP allow-list does not hold the caller gets 403 IP_NOT_ALLOWED, validate included, and no attempt is counted', async () => {
    const { json, emu } = await setup();
    const other = emu.addAccount({ apiKey: OTHER, allowedIps: ['203.0.113.7'] });
    for (let i = 0; i < 6; i++) {
      const v = await json('/v3/validate', { key: OTHER });
      expect(v.status).toBe(403);
      expect(v.body.error.code).toBe('IP_NOT_ALLOWED');
    }
    expect(emu.ipBlockedUntil()).toBe(0);
    emu.setAllowedIps(['127.0.0.1'], { account: other });
    expect((await json('/v3/validate', { key: OTHER })).status).toBe(200);
  });

  it('invalid keys count towards one IP block whatever account they were meant for', async () => {
    const { json, emu } = await setup();
    emu.addAccount({ apiKey: OTHER });
    for (let i = 0; i < 5; i++) expect((await json('/v3/validate', { key: `bad-${i}` })).status).toBe(401);
    const blocked = await json('/v3/validate', { key: OTHER });
    expect(blocked.status).toBe(403);
    expect(blocked.body.error.code).toBe('IP_BLOCKED');
  });
});

describe('faults', () => {
  it('answers 500, 503 and 429 with envelopes, then recovers', async () => {
    const { api, emu } = await setup();
    emu.injectFault({ kind: 500 });
    emu.injectFault({ kind: 503 });
    emu.injectFault({ kind: 429, retryAfterSeconds: 7 });
    const r500 = await api('/v3/account/balance');
    expect(r500.status).toBe(500);
    expect(((await r500.json()) as Answer<unknown>).success).toBe(false);
    expect((await api('/v3/account/balance')).status).toBe(503);
    const r429 = await api('/v3/account/balance');
    expect(r429.status).toBe(429);
    expect(r429.headers.get('retry-after')).toBe('7');
    expect(((await r429.json()) as Answer<unknown>).error.code).toBe('RATE_LIMIT_EXCEEDED');
    expect((await api('/v3/account/balance')).status).toBe(200);
  });

  it('only hits matching paths, as many times as asked', async () => {
    const { api, emu } = await setup();
    emu.injectFault({ kind: 503, path: /check-ref/, times: 2 });
    expect((await api('/v3/ping')).status).toBe(200);
    expect((await api('/v3/mobile/check-ref/a')).status).toBe(503);
    expect((await api('/v3/mobile/check-ref/a')).status).toBe(503);
    expect((await api('/v3/mobile/check-ref/a')).status).toBe(404);
    emu.injectFault({ kind: 500, times: Infinity });
    expect((await api('/v3/ping')).status).toBe(500);
    expect((await api('/v3/ping')).status).toBe(500);
    emu.clearFaults();
    expect((await api('/v3/ping')).status).toBe(200);
  });

  it('sends a body that is not JSON for malformed and an HTML page for html', async () => {
    const { api, emu } = await setup();
    emu.injectFault({ kind: 'malformed' });
    emu.injectFault({ kind: 'html' });
    const malformed = await api('/v3/ping');
    expect(malformed.status).toBe(200);
    await expect(malformed.json()).rejects.toThrow();
    const html = await api('/v3/ping');
    expect(html.status).toBe(502);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    expect(await html.text()).toContain('<html>');
  });

  it('drops the connection for reset', async () => {
    const { api, emu } = await setup();
    emu.injectFault({ kind: 'reset' });
    await expect(api('/v3/ping')).rejects.toThrow();
    expect((await api('/v3/ping')).status).toBe(200);
    expect(emu.requests.map((r) => r.status)).toEqual(['reset', 200]);
  });

  it('never answers for timeout, and close() still ends the held socket', async () => {
    const { api, emu } = await setup();
    emu.injectFault({ kind: 'timeout', path: /\/ping$/ });
    await expect(api('/v3/ping', { signal: AbortSignal.timeout(200) })).rejects.toThrow(/abort|timeout/i);
    expect((await api('/v3/ping')).status).toBe(200);

    emu.injectFault({ kind: 'timeout' });
    const pending = api('/v3/ping').then(
      () => 'answered',
      () => 'failed',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    await emu.close();
    expect(await pending).toBe('failed');
  });

  it('with processed: true the send takes effect although the answer is lost', async () => {
    const { api, json, emu } = await setup();
    emu.injectFault({ kind: 'reset', path: /\/send$/, processed: true });
    await expect(
      api('/v3/mobile/send', { json: { plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref: 'lost' } }),
    ).rejects.toThrow();
    expect((await json('/v3/mobile/check-ref/lost')).body.data.status).toBe('PENDING');
  });
});

describe('request log', () => {
  it('records every request with its path, query and outcome, and counts by path', async () => {
    const { api, emu, advance } = await setup();
    await api('/v3/mobile/list?page=2&pageSize=5');
    advance(1000);
    await api('/v3/mobile/check-id/000000000000000000000000');
    await api('/v3/validate', { key: 'wrong' });
    expect(emu.requests).toEqual([
      { method: 'GET', path: '/v3/mobile/list', query: { page: '2', pageSize: '5' }, status: 200, at: START },
      { method: 'GET', path: '/v3/mobile/check-id/000000000000000000000000', query: {}, status: 404, code: 'NOT_FOUND', at: START + 1000 },
      { method: 'GET', path: '/v3/validate', query: {}, status: 401, code: 'INVALID_ACCESS_TOKEN', at: START + 1000 },
    ]);
    expect(emu.callCount()).toBe(3);
    expect(emu.callCount(/^\/v3\/mobile\//)).toBe(2);
    expect(emu.callCount(/check-id/g)).toBe(1);
    expect(emu.callCount(/check-id/g)).toBe(1); // a global regex must not carry state between calls
    emu.resetCounters();
    expect(emu.callCount()).toBe(0);
  });
});
