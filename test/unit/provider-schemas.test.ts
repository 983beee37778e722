import { describe, it, expect } from 'vitest';
import { isProviderError } from '../../src/provider/errors.js';
import {
  normalizeStatus,
  parseAccountKeyInfo,
  parseBalance,
  parseErrorEnvelope,
  parseInternetOrder,
  parseListPage,
  parseMobileOrder,
  parseSuccessEnvelope,
} from '../../src/provider/schemas.js';

/** Runs `fn` and returns what it threw (fails the test when nothing is thrown). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

const refundedWithOffers = {
  ref: 'API-+213665983439-test-1761698196315-suggest',
  status: 'REFUNDED',
  plan_code: 'PREPAID_DJEZZY',
  MSSIDN: '0600000002',
  topup_amount: 500,
  balance_amount: 0,
  created_at: '2025-10-29T00:36:36.385Z',
  _id: '69016194e9e88196b4eb64ce',
  refund_message: 'هذا رقم الهاتف لا يقبل العرض المرسل، الرجاء إرسال أحد العروض التالية',
  suggested_offers: [{ typename: '📋 FACTURE | فاتورة', plan_code: 'FACTURE_DJEZZY', amount: 500 }],
};

describe('success and error envelopes', () => {
  it('accepts the documented envelope with meta and requestId', () => {
    const env = parseSuccessEnvelope({
      success: true,
      data: { balance: 1 },
      meta: { timestamp: '2025-10-29T00:35:58.710Z' },
      requestId: 'req_1',
    });
    expect(env.data).toEqual({ balance: 1 });
    expect(env.requestId).toBe('req_1');
    expect(env.meta).toEqual({ timestamp: '2025-10-29T00:35:58.710Z' });
  });

  it('accepts an envelope without meta and requestId (as /v3/validate answers)', () => {
    const env = parseSuccessEnvelope({ success: true, data: { username: '+213' } });
    expect(env.data).toEqual({ username: '+213' });
    expect(env.requestId).toBeUndefined();
  });

  it('finds requestId in meta, where the official SDK looks for it', () => {
    expect(parseSuccessEnvelope({ success: true, data: {}, meta: { requestId: 'req_meta' } }).requestId).toBe('req_meta');
  });

  it('treats success:false as malformed when it must be a success body, keeping the code', () => {
    const e = thrown(() => parseSuccessEnvelope({ success: false, error: { code: 'NOT_FOUND', message: 'x' }, requestId: 'req_9' }));
    expect(isProviderError(e, 'malformed')).toBe(true);
    expect(e).toMatchObject({ code: 'NOT_FOUND', requestId: 'req_9' });
  });

  it('rejects a bare {message, error, statusCode} body and a body without data', () => {
    expect(
      isProviderError(
        thrown(() => parseSuccessEnvelope({ message: 'Cannot GET', error: 'Not Found', statusCode: 404 })),
        'malformed',
      ),
    ).toBe(true);
    expect(
      isProviderError(
        thrown(() => parseSuccessEnvelope({ success: true })),
        'malformed',
      ),
    ).toBe(true);
    expect(
      isProviderError(
        thrown(() => parseSuccessEnvelope('<html>')),
        'malformed',
      ),
    ).toBe(true);
  });

  it('reads the error envelope with details, and ignores other shapes', () => {
    const env = parseErrorEnvelope({
      success: false,
      error: { code: 'INVALID_ACCESS_TOKEN', message: 'bad', details: { attemptsLeft: 3 } },
      requestId: 'req_abc',
    });
    expect(env?.error.code).toBe('INVALID_ACCESS_TOKEN');
    expect(env?.error.details).toEqual({ attemptsLeft: 3 });
    expect(env?.requestId).toBe('req_abc');
    expect(parseErrorEnvelope({ message: 'x', error: 'Forbidden', statusCode: 403 })).toBeUndefined();
  });
});

describe('mobile orders', () => {
  it('maps a refunded sandbox order with its offers and Arabic message', () => {
    const order = parseMobileOrder(refundedWithOffers);
    expect(order).toMatchObject({
      kind: 'mobile',
      id: '69016194e9e88196b4eb64ce',
      ref: 'API-+213665983439-test-1761698196315-suggest',
      status: 'REFUNDED',
      plan_code: 'PREPAID_DJEZZY',
      MSSIDN: '0600000002',
      topup_amount: 500,
      balance_amount: 0,
      created_at: '2025-10-29T00:36:36.385Z',
      refund_message: refundedWithOffers.refund_message,
      suggested_offers: [{ typename: '📋 FACTURE | فاتورة', plan_code: 'FACTURE_DJEZZY', amount: 500 }],
    });
  });

  it('keeps unknown fields in raw', () => {
    const order = parseMobileOrder({ ...refundedWithOffers, operator_note: 'new field', nested: { a: 1 } });
    expect(order.raw).toMatchObject({ operator_note: 'new field', nested: { a: 1 } });
  });

  it('reads the linked order ids', () => {
    const order = parseMobileOrder({ _id: 'a1', status: 'REFUNDED', follow_orderid: 'f1', retry_orderid: 'r1' });
    expect(order.follow_orderid).toBe('f1');
    expect(order.retry_orderid).toBe('r1');
  });

  it.each([
    ['success', 'FULFILLED'],
    [' Failed ', 'REFUNDED'],
    ['handling', 'HANDLING'],
    ['unknown_error', 'UNKNOWN_ERROR'],
    ['BRAND_NEW_STATE', 'BRAND_NEW_STATE'],
  ])('normalises status %j to %s without throwing', (raw, expected) => {
    expect(normalizeStatus(raw)).toBe(expected);
    expect(parseMobileOrder({ _id: 'x', status: raw }).status).toBe(expected);
  });

  it('coerces numeric strings and drops garbage in optional fields instead of failing the order', () => {
    const order = parseMobileOrder({ _id: 'x', status: 'FULFILLED', topup_amount: '500', balance_amount: 'n/a', MSSIDN: null });
    expect(order.topup_amount).toBe(500);
    expect(order.balance_amount).toBeUndefined();
    expect(order.MSSIDN).toBeUndefined();
    expect(order.status).toBe('FULFILLED');
  });

  it('drops a malformed suggested offer but keeps the good ones', () => {
    const order = parseMobileOrder({
      _id: 'x',
      status: 'REFUNDED',
      suggested_offers: [
        { typename: 'A', plan_code: 'PLAN_A', amount: 100 },
        { typename: 'broken', amount: 100 },
        'nonsense',
        { plan_code: 'PLAN_B', amount: '200' },
      ],
    });
    expect(order.suggested_offers).toEqual([
      { typename: 'A', plan_code: 'PLAN_A', amount: 100 },
      { typename: 'PLAN_B', plan_code: 'PLAN_B', amount: 200 },
    ]);
  });

  it('accepts the camelCase variants of the Arabic docs', () => {
    const order = parseMobileOrder({ _id: 'x', status: 'SUCCESS', planCode: 'PREPAID_MOBILIS', createdAt: '2025-01-01T00:00:00Z' });
    expect(order).toMatchObject({ plan_code: 'PREPAID_MOBILIS', created_at: '2025-01-01T00:00:00Z', status: 'FULFILLED' });
  });

  it.each([
    ['missing _id', { status: 'PENDING' }],
    ['missing status', { _id: 'x' }],
    ['blank status', { _id: 'x', status: '  ' }],
    ['not an object', 'PENDING'],
  ])('rejects an order with %s as malformed', (_label, data) => {
    expect(
      isProviderError(
        thrown(() => parseMobileOrder(data)),
        'malformed',
      ),
    ).toBe(true);
  });
});

describe('internet orders', () => {
  it('maps a fulfilled card and keeps numeric card codes as strings', () => {
    const order = parseInternetOrder({
      _id: '6901616fe9e88196b4eb64b2',
      ref: 'internet-order-001',
      status: 'fulfilled',
      type: 'ADSL',
      number: '036362608',
      topup_amount: 1000,
      card_code: 123456789012,
      num_trans: 98765,
      date_traitement: '2025-10-29T01:05:30.000Z',
      created_at: '2025-10-29T01:00:00.000Z',
    });
    expect(order).toMatchObject({
      kind: 'internet',
      id: '6901616fe9e88196b4eb64b2',
      status: 'FULFILLED',
      type: 'ADSL',
      number: '036362608',
      topup_amount: 1000,
      card_code: '123456789012',
      num_trans: '98765',
      date_traitement: '2025-10-29T01:05:30.000Z',
    });
  });

  it('keeps QUEUED and a missing ref without failing', () => {
    const order = parseInternetOrder({ _id: 'x', status: 'QUEUED' });
    expect(order.status).toBe('QUEUED');
    expect(order.ref).toBe('');
  });
});

describe('account', () => {
  it('reads the environment of the key without copying the key', () => {
    const info = parseAccountKeyInfo({
      username: '+213665983439',
      apiKey: { key: 'ea27b376-secret', isEnabled: true, type: 'SANDBOX', allowedips: [], scope: 'READ-WRITE' },
    });
    expect(info).toEqual({ username: '+213665983439', type: 'SANDBOX', scope: 'READ-WRITE', isEnabled: true });
    expect(JSON.stringify(info)).not.toContain('ea27b376-secret');
  });

  it('never puts the key into the malformed message', () => {
    const e = thrown(() => parseAccountKeyInfo({ username: 5n, apiKey: { key: 'ea27b376-secret', type: 42 } }));
    expect(isProviderError(e, 'malformed')).toBe(true);
    expect((e as Error).message).not.toContain('ea27b376-secret');
  });

  it('reads the balance, also as a numeric string', () => {
    expect(parseBalance({ balance: 1326.13 })).toBe(1326.13);
    expect(parseBalance({ balance: '1326.13', currency: 'DZD' })).toBe(1326.13);
    expect(
      isProviderError(
        thrown(() => parseBalance({})),
        'malformed',
      ),
    ).toBe(true);
  });
});

describe('list pages', () => {
  const pagination = { page: 2, pageSize: 20, totalPages: 11, totalResults: 205 };

  it('reads data.items with pagination', () => {
    const page = parseListPage({ items: [refundedWithOffers], pagination }, undefined, parseMobileOrder);
    expect(page.items.map((o) => o.id)).toEqual(['69016194e9e88196b4eb64ce']);
    expect(page).toMatchObject(pagination);
  });

  it('reads data.topups (internet list) and pagination from meta', () => {
    const page = parseListPage({ topups: [{ _id: 'i1', status: 'QUEUED' }] }, { pagination }, parseInternetOrder);
    expect(page.items.map((o) => o.id)).toEqual(['i1']);
    expect(page.totalPages).toBe(11);
  });

  it('infers pagination when absent: a full page suggests another one', () => {
    const items = Array.from({ length: 5 }, (_, i) => ({ _id: `m${i}`, status: 'PENDING' }));
    expect(parseListPage({ items }, undefined, parseMobileOrder, { page: 3, pageSize: 5 })).toMatchObject({
      page: 3,
      pageSize: 5,
      totalPages: 4,
      totalResults: 15,
    });
    expect(parseListPage({ items: items.slice(0, 2) }, undefined, parseMobileOrder, { page: 3, pageSize: 5 }).totalPages).toBe(3);
  });

  it('drops a malformed item, but fails when every item is malformed', () => {
    const page = parseListPage({ items: [{ status: 'PENDING' }, { _id: 'ok', status: 'PENDING' }] }, undefined, parseMobileOrder);
    expect(page.items.map((o) => o.id)).toEqual(['ok']);
    expect(
      isProviderError(
        thrown(() => parseListPage({ items: [{ nope: 1 }] }, undefined, parseMobileOrder)),
        'malformed',
      ),
    ).toBe(true);
  });

  it('accepts an empty page and rejects a list without an array', () => {
    expect(parseListPage({ items: [] }, undefined, parseMobileOrder).items).toEqual([]);
    expect(
      isProviderError(
        thrown(() => parseListPage({ results: [] }, undefined, parseMobileOrder)),
        'malformed',
      ),
    ).toBe(true);
  });
});
