import { afterEach, describe, expect, it } from 'vitest';
import { Harness, RESELLER, type HarnessOptions } from '../support/harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

async function start(opts: HarnessOptions = {}): Promise<void> {
  h = await Harness.start(opts);
}

const FAILURE = /فشل|❌/;
const NOT_FOUND = 'لا تعرف OneClickDz (حتى الآن)';
const trouble = () => h.app.translatorFor('ar')('order-provider-trouble');

/** No version of any status message in the chat ever told the reseller the order failed. */
function expectNeverClaimedFailure(): void {
  for (const message of h.telegram.messages(RESELLER)) {
    for (const version of message.history) expect(version).not.toMatch(FAILURE);
  }
}

describe('provider faults while looking an order up', () => {
  it('says the provider cannot be reached while it is down, then finds the order once it is back', async () => {
    // Give the lookup plenty of time before it gives up (scaled by TIME_SCALE 0.01: 10 s).
    await start({ app: { tracker: { idleMs: 200, pollLeaseMs: 2_000, deliveryLeaseMs: 2_000, lookupGiveUpMs: 1_000_000 } } });
    h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037343', amount: 500, ref: 'lookup-down-1' });
    h.emulator.injectFault({ kind: 503, times: 1_000 });
    await h.send('/status lookup-down-1');
    const troubled = await h.waitForMessage(RESELLER, (m) => m.text.includes(trouble()), 'provider-trouble line');
    expect(troubled.html).toContain('<code>lookup-down-1</code>');
    expect(troubled.text).not.toContain(NOT_FOUND);

    h.emulator.clearFaults();
    const final = await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status');
    expect(final.text).not.toContain(trouble());
    expect(h.telegram.messages(RESELLER)).toHaveLength(1);
    expectNeverClaimedFailure();
  });

  it('gives up on a long outage with "cannot reach OneClickDz" (never "not found"); asking again works once it is back', async () => {
    await start();
    h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037344', amount: 500, ref: 'lookup-down-2' });
    h.emulator.injectFault({ kind: 500, times: 100_000 });
    await h.send('/status lookup-down-2');
    const down = await h.waitForMessage(RESELLER, (m) => m.text.includes('تعذّر الاتصال بـ OneClickDz للتحقق من'), 'provider-down answer');
    expect(down.html).toContain('<code>lookup-down-2</code>');
    expect(down.text).not.toContain(NOT_FOUND);
    expect(await h.app.models.Order.findOne({ providerId: 'lookup:ref:lookup-down-2' }).lean()).toMatchObject({
      phase: 'unresolved',
      lookupOutcome: 'provider_down',
    });

    h.emulator.clearFaults();
    await h.send('/status lookup-down-2');
    await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status');
    expect(h.telegram.messages(RESELLER)).toHaveLength(2);
    expectNeverClaimedFailure();
  });

  it('tells the reseller to alert the admin when the provider rejects the API key, without hammering it', async () => {
    await start({ apiKey: 'not-the-right-key' });
    await h.send('/status order-123');
    await h.waitForMessage(RESELLER, (m) => m.text.includes('رفضت OneClickDz مفتاح API'), 'key-rejected answer');
    // The start-up validation was the one attempt; the lookup sends nothing (5 bad keys block the IP).
    expect(h.startupRequests.map((r) => r.code)).toEqual(['INVALID_ACCESS_TOKEN']);
    expect(h.emulator.callCount()).toBe(0);
  });

  it('says no provider account is configured when ONECLICK_API_KEY is unset, and calls nothing', async () => {
    await start({ apiKey: null });
    await h.send('/status order-123');
    expect(h.telegram.lastMessage(RESELLER)?.text).toContain('لم يُربط هذا البوت بأي حساب على OneClickDz');
    expect(h.emulator.callCount()).toBe(0);
  });
});
