import { afterEach, describe, expect, it } from 'vitest';
import { Harness, RESELLER, STAFF } from '../support/harness.js';

/**
 * TIME_SCALE 0.01 with compressed recheck schedules: UNKNOWN_ERROR every 20 s x 0.01 = 200 ms,
 * QUEUED every 30 s -> 300 ms, the Agenda sweep every 5 s -> 50 ms.
 */
const LONG_TAIL_ENV = {
  RECHECK_UNKNOWN_ERROR_EVERY: '20s',
  RECHECK_UNKNOWN_ERROR_FOR: '72h',
  RECHECK_QUEUED_EVERY: '30s',
  RECHECK_TIMEOUT_FIRST: '10s',
  RECHECK_SWEEP_EVERY: '5s',
};

let h: Harness;
afterEach(async () => {
  await h.close();
});

describe('long tail', () => {
  it('UNKNOWN_ERROR -> FULFILLED: a new message replies to the status message, which is edited too', async () => {
    h = await Harness.start({ env: LONG_TAIL_ENV });
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0600000003', amount: 500, ref: 'lt-1' });
    h.emulator.setStatus(topupId, 'UNKNOWN_ERROR');
    await h.send('/status lt-1');
    const status = await h.waitForMessage(RESELLER, (m) => m.text.includes('⚠️'), 'verifying status');
    await h.telegram.waitFor(() => h.emulator.callCount(/check-id/) >= 3, { what: 'a few long-tail rechecks' });

    h.emulator.setStatus(topupId, 'FULFILLED');
    const push = await h.telegram.waitFor(() => h.telegram.messages(RESELLER).find((m) => m.message_id !== status.message_id), {
      what: 'the resolution push',
    });
    expect(push.replyTo).toBe(status.message_id);
    expect(push.text).toContain('✅');
    await h.waitForMessage(RESELLER, () => h.telegram.message(RESELLER, status.message_id)!.text.includes('✅'), 'status message edited');
    // Nothing more arrives: the push is sent once.
    await new Promise((r) => setTimeout(r, 600));
    expect(h.telegram.messages(RESELLER)).toHaveLength(2);
  });

  it('two workers on one database announce a resolution once per chat', async () => {
    h = await Harness.start({ env: LONG_TAIL_ENV });
    await h.boot(); // a second worker process on the same MongoDB
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0600000003', amount: 500, ref: 'lt-2' });
    h.emulator.setStatus(topupId, 'UNKNOWN_ERROR');
    await h.send('/status lt-2');
    await h.send('/status lt-2', { userId: STAFF });
    await h.waitForMessage(STAFF, (m) => m.text.includes('⚠️'), 'verifying for staff');
    h.emulator.setStatus(topupId, 'REFUNDED', { refund_message: 'رقم الهاتف خاطئ، يرجى التأكد مع العميل' });
    for (const chat of [RESELLER, STAFF]) {
      await h.telegram.waitFor(() => h.telegram.messages(chat).length === 2 || undefined, { what: `push to ${chat}` });
    }
    await new Promise((r) => setTimeout(r, 800));
    for (const chat of [RESELLER, STAFF]) {
      const messages = h.telegram.messages(chat);
      expect(messages).toHaveLength(2);
      expect(messages[1]!.text).toContain('رقم الهاتف خاطئ، يرجى التأكد مع العميل');
    }
  });
});
