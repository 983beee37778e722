import { afterEach, describe, expect, it } from 'vitest';
import { OneClickClient } from '../../src/provider/client.js';
import { ProviderError, type ProviderErrorKind } from '../../src/provider/errors.js';
import { parseMobilePlans } from '../../src/provider/schemas.js';
import type { SendMobileRequest } from '../../src/provider/types.js';
import { OneClickEmulator, type EmulatorOptions, type Fault } from '../support/oneclick-emulator.js';

const API_KEY = 'send-test-key';
const SEND = /\/v3\/mobile\/send$/;

const running: OneClickEmulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

async function setup(opts: EmulatorOptions = {}, timeoutMs = 2_000) {
  const emu = new OneClickEmulator({ apiKey: API_KEY, ...opts });
  running.push(emu);
  const client = new OneClickClient({
    baseUrl: await emu.start(),
    apiKey: API_KEY,
    timeoutMs,
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
  });
  return { emu, client };
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof ProviderError) return e;
    throw e;
  }
  throw new Error('expected a ProviderError');
}

const order = (over: Partial<SendMobileRequest> = {}): SendMobileRequest => ({
  plan_code: 'PREPAID_DJEZZY',
  MSSIDN: '0778037340',
  amount: 500,
  ref: 'offer-abc_123',
  ...over,
});

describe('OneClickClient.plans', () => {
  it('reads dynamic plans with their range, fixed plans with their amount, and GETMENU plans as dynamic', async () => {
    const { client } = await setup();
    const plans = await client.plans();

    const djezzy = plans.dynamicPlans.find((p) => p.code === 'PREPAID_DJEZZY');
    expect(djezzy).toEqual({
      code: 'PREPAID_DJEZZY',
      name: '📱 PREPAID | عادي',
      operator: 'Djezzy',
      cost: 0.98,
      isEnabled: true,
      min_amount: 100,
      max_amount: 10000,
    });
    expect(plans.fixedPlans.find((p) => p.code === 'PIXX_500')).toMatchObject({ operator: 'Pixx', amount: 500, isEnabled: true });
    expect(plans.dynamicPlans.map((p) => p.code)).toEqual(expect.arrayContaining(['GETMENU_Mobilis', 'GETMENU_Djezzy', 'GETMENU_Ooredoo']));
    // GROS_MOBILIS comes without a cost; a disabled plan stays listed as disabled.
    expect(plans.dynamicPlans.find((p) => p.code === 'GROS_MOBILIS')).not.toHaveProperty('cost');
    expect(plans.dynamicPlans.find((p) => p.code === 'FACTURE_OOREDOO')?.isEnabled).toBe(false);
  });

  it('drops malformed plans and unknown fields but keeps the rest', () => {
    const plans = parseMobilePlans({
      dynamicPlans: [
        { code: 'PREPAID_MOBILIS', name: 'Prepaid', operator: 'Mobilis', isEnabled: true, min_amount: '50', max_amount: 10000, promo: 'x' },
        { code: 'BROKEN', name: 'no range', operator: 'Djezzy', isEnabled: true },
        'not a plan',
      ],
      fixedPlans: [
        { code: 'PIXX_500', name: 'Pixx 500 DA', operator: 'Pixx', cost: 0.97, isEnabled: true, amount: 500 },
        // Listed among the fixed plans, but a GETMENU plan is a dynamic one.
        { code: 'GETMENU_Djezzy', name: 'Djezzy GetMenu', operator: 'Djezzy', isEnabled: true, min_amount: 50, max_amount: 5000 },
      ],
    });
    expect(plans.dynamicPlans).toEqual([
      { code: 'PREPAID_MOBILIS', name: 'Prepaid', operator: 'Mobilis', isEnabled: true, min_amount: 50, max_amount: 10000 },
      { code: 'GETMENU_Djezzy', name: 'Djezzy GetMenu', operator: 'Djezzy', isEnabled: true, min_amount: 50, max_amount: 5000 },
    ]);
    expect(plans.fixedPlans).toEqual([
      { code: 'PIXX_500', name: 'Pixx 500 DA', operator: 'Pixx', cost: 0.97, isEnabled: true, amount: 500 },
    ]);
  });

  it('calls a plans answer without any plan array malformed instead of "no plans"', () => {
    expect(() => parseMobilePlans({ plans: [] })).toThrow(expect.objectContaining({ kind: 'malformed' }));
  });
});

describe('OneClickClient.sendMobile', () => {
  it('creates the order at the provider and returns its id and our ref', async () => {
    const { emu, client } = await setup({ balance: 10_000 });
    const sent = await client.sendMobile(order());

    expect(sent.topupRef).toBe('offer-abc_123');
    expect(emu.getOrder(sent.topupId)).toMatchObject({
      ref: 'offer-abc_123',
      plan_code: 'PREPAID_DJEZZY',
      MSSIDN: '0778037340',
      topup_amount: 500,
    });
    expect(emu.balance).toBe(10_000 - 490);
    const byRef = await client.checkMobileByRef('offer-abc_123');
    expect(byRef.id).toBe(sent.topupId);
  });

  it('sends a fixed plan without an amount', async () => {
    const { emu, client } = await setup();
    const { amount: _unused, ...fixed } = order({ plan_code: 'PIXX_500', ref: 'fixed-1' });
    const sent = await client.sendMobile(fixed);
    expect(emu.getOrder(sent.topupId)).toMatchObject({ plan_code: 'PIXX_500', topup_amount: 500 });
  });

  it('refuses a reused ref with duplicated_ref and creates nothing more', async () => {
    const { emu, client } = await setup({ balance: 10_000 });
    await client.sendMobile(order());
    const e = await failure(client.sendMobile(order({ amount: 700 })));

    expect(e.kind).toBe('duplicated_ref');
    expect(e.httpStatus).toBe(403);
    expect(emu.balance).toBe(10_000 - 490); // charged once
    expect(emu.callCount(SEND)).toBe(2);
  });

  it('reports insufficient balance with the required and available amounts', async () => {
    const { emu, client } = await setup({ balance: 100 });
    const e = await failure(client.sendMobile(order()));

    expect(e.kind).toBe('insufficient_balance');
    expect(e.details).toMatchObject({ required: 490, available: 100 });
    expect(emu.balance).toBe(100);
  });

  it('names the field the provider rejected', async () => {
    const { client } = await setup();
    const e = await failure(client.sendMobile(order({ amount: 50 }))); // PREPAID_DJEZZY starts at 100

    expect(e.kind).toBe('validation');
    expect(e.httpStatus).toBe(400);
    expect(e.details?.field).toBe('amount');
  });

  it('turns a READ-ONLY key into forbidden without creating an order', async () => {
    const { emu, client } = await setup({ keyScope: 'READ-ONLY', balance: 10_000 });
    const e = await failure(client.sendMobile(order()));

    expect(e.kind).toBe('forbidden');
    expect(e.httpStatus).toBe(403);
    expect(emu.balance).toBe(10_000);
    expect((await failure(client.checkMobileByRef('offer-abc_123'))).kind).toBe('not_found');
  });

  it('surfaces a send that timed out after the provider took it as timeout, after one request, and check-ref finds the order', async () => {
    const { emu, client } = await setup({}, 300);
    emu.injectFault({ kind: 'timeout', path: /mobile\/send/, processed: true });
    const e = await failure(client.sendMobile(order()));

    expect(e.kind).toBe('timeout');
    expect(emu.callCount(SEND)).toBe(1);
    const found = await client.checkMobileByRef('offer-abc_123');
    expect(found).toMatchObject({ ref: 'offer-abc_123', MSSIDN: '0778037340', plan_code: 'PREPAID_DJEZZY' });
  });

  const unretried: Array<[Fault['kind'], ProviderErrorKind]> = [
    [500, 'server'],
    [503, 'server'],
    [429, 'rate_limited'],
    ['reset', 'network'],
    ['html', 'server'],
  ];
  it.each(unretried)('sends exactly one request when the provider answers %s (%s)', async (fault, kind) => {
    const { emu, client } = await setup({ balance: 10_000 });
    emu.injectFault({ kind: fault, path: SEND, times: 5, retryAfterSeconds: fault === 429 ? 0 : undefined });
    const e = await failure(client.sendMobile(order()));

    expect(e.kind).toBe(kind);
    expect(emu.callCount(SEND)).toBe(1);
    expect(emu.balance).toBe(10_000);
  });

  const invalid: Array<[string, Partial<SendMobileRequest>, string]> = [
    ['a number without the leading 0', { MSSIDN: '778037340' }, 'MSSIDN'],
    ['a fixed-line number', { MSSIDN: '0213456789' }, 'MSSIDN'],
    ['a number as a JSON number', { MSSIDN: 778037340 as unknown as string }, 'MSSIDN'],
    ['a fractional amount', { amount: 500.5 }, 'amount'],
    ['a zero amount', { amount: 0 }, 'amount'],
    ['a ref with a space', { ref: 'order 1' }, 'ref'],
    ['a ref with a plus', { ref: 'API-+213665983439' }, 'ref'],
    ['a ref longer than 64', { ref: 'x'.repeat(65) }, 'ref'],
    ['an empty plan code', { plan_code: ' ' }, 'plan_code'],
  ];
  it.each(invalid)('rejects %s locally, naming the field, without any request', async (_what, over, field) => {
    const { emu, client } = await setup();
    const e = await failure(client.sendMobile(order(over)));

    expect(e.kind).toBe('validation');
    expect(e.details?.field).toBe(field);
    expect(e.httpStatus).toBeUndefined();
    expect(emu.callCount()).toBe(0);
  });
});
