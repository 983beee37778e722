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
