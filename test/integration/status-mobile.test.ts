import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness, RESELLER } from '../support/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await Harness.start();
});
afterEach(async () => {
  await h.close();
});

describe('/status for a mobile top-up', () => {
  it('tracks an order by ref in one message edited from pending to processing to fulfilled', async () => {
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref: 'order-123' });
    h.emulator.setStatus(topupId, 'PENDING');
    await h.send('/status order-123');

    const pending = await h.waitForMessage(RESELLER, (m) => m.text.includes('⏳'), 'pending status');
    h.emulator.setStatus(topupId, 'HANDLING');
    await h.waitForMessage(RESELLER, (m) => m.html !== pending.html && m.text.includes('⏳'), 'processing status');
    h.emulator.setStatus(topupId, 'FULFILLED');
    const final = await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status');

    expect(h.telegram.messages(RESELLER)).toHaveLength(1);
    expect(final.html).toContain('<code>order-123</code>');
    expect(final.html).toContain(`<code>${topupId}</code>`);
    expect(final.text).toContain('0778037340');
    expect(final.text).toContain('490'); // taken from the balance
  });
});
