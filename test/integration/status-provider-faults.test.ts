import { afterEach, describe, expect, it } from 'vitest';
import type { Fault } from '../support/oneclick-emulator.js';
import { Harness, RESELLER, type HarnessOptions } from '../support/harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

async function start(opts: HarnessOptions = {}): Promise<void> {
  // A 15 s fast phase (TIME_SCALE 0.05): on a loaded machine a frozen order still never drifts into the
  // long tail, whose resolution would rightly come as a second message.
  h = await Harness.start({ timeScale: 0.05, ...opts });
}

const FAILURE = /فشل|❌/;
const trouble = () => h.app.translatorFor('ar')('order-provider-trouble');

/** No version of any status message in the chat ever told the reseller the order failed. */
function expectNeverClaimedFailure(): void {
  for (const message of h.telegram.messages(RESELLER)) {
    for (const version of message.history) expect(version).not.toMatch(FAILURE);
  }
}

describe('provider faults while an order is being polled', () => {
  it.each<[string, Fault]>([
    ['500', { kind: 500 }],
    ['503', { kind: 503 }],
    ['429 with Retry-After', { kind: 429, retryAfterSeconds: 1 }],
    ['a malformed body', { kind: 'malformed' }],
    ['an HTML 502 page', { kind: 'html' }],
  ])('%s: the message flags provider trouble only while it lasts and still reaches FULFILLED', async (_what, fault) => {
    await start();
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref: 'fault-1' });
    h.emulator.setStatus(topupId, 'HANDLING');
    await h.send('/status fault-1');
    await h.waitForMessage(RESELLER, (m) => m.text.includes('⏳'), 'processing status');

    h.emulator.injectFault({ ...fault, path: /check-id/, times: 1_000 });
    const troubled = await h.waitForMessage(RESELLER, (m) => m.text.includes(trouble()), 'provider-trouble line');
    expect(troubled.text).toContain('⏳'); // still the last known state, not a failure

    h.emulator.clearFaults();
    h.emulator.setStatus(topupId, 'FULFILLED');
    const final = await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status');
    expect(final.text).not.toContain(trouble());
    expect(h.telegram.messages(RESELLER)).toHaveLength(1);
    expectNeverClaimedFailure();
    expect(h.badRequests()).toEqual([]);
  });
});

describe('a slow or rate-limiting provider while an order is being polled', () => {
  it('a provider timeout never reads as a failure, and the order still reaches FULFILLED', async () => {
    await start();
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037341', amount: 500, ref: 'fault-timeout' });
    h.emulator.setStatus(topupId, 'HANDLING');
    await h.send('/status fault-timeout');
    await h.waitForMessage(RESELLER, (m) => m.text.includes('⏳'), 'processing status');

    h.emulator.injectFault({ kind: 'timeout', path: /check-id/, times: 2 }); // one check, both attempts
    await h.telegram.waitFor(() => h.emulator.requests.filter((r) => r.status === 'timeout').length === 2, {
      what: 'two timed-out checks',
    });
    h.emulator.setStatus(topupId, 'FULFILLED');
    const final = await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status', 15_000);
    expect(final.text).not.toContain(trouble());
    expectNeverClaimedFailure();
  });

  it('waits as long as a 429 Retry-After asks before calling the provider again', async () => {
    await start();
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037342', amount: 500, ref: 'fault-429' });
    h.emulator.setStatus(topupId, 'HANDLING');
    await h.send('/status fault-429');
    await h.waitForMessage(RESELLER, (m) => m.text.includes('⏳'), 'processing status');

    h.emulator.injectFault({ kind: 429, retryAfterSeconds: 2, path: /check-id/, times: 1 });
    const limited = await h.telegram.waitFor(() => h.emulator.requests.find((r) => r.status === 429), { what: 'a 429' });
    const next = await h.telegram.waitFor(() => h.emulator.requests.find((r) => r.at > limited.at && /check-id/.test(r.path)), {
      what: 'the next check',
    });
    expect(next.at - limited.at).toBeGreaterThanOrEqual(1_900);
  });
});
