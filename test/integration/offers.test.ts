import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness, RESELLER, STAFF } from '../support/harness.js';
import type { FakeMessage } from '../support/fake-telegram.js';

let h: Harness;
beforeEach(async () => {
  h = await Harness.start();
});
afterEach(async () => {
  await h.close();
});

function buttons(m: FakeMessage) {
  return (m.reply_markup?.inline_keyboard ?? []).flat();
}

describe('scratch', () => {
  it('happy path', async () => {
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0771234567', amount: 500, ref: 'r-1' });
    h.emulator.setStatus(topupId, 'REFUNDED', { refund_message: 'x', suggested_offers: [{ typename: '📋 FACTURE | فاتورة', plan_code: 'FACTURE_DJEZZY', amount: 500 }] });
    await h.send('/status r-1');
    const status = await h.waitForMessage(RESELLER, (m) => buttons(m).length > 0, 'offers');
    console.log(status.html, JSON.stringify(status.reply_markup));
    const data = buttons(status)[0]!.callback_data!;
    await h.press(status.message_id, data);
    const conf = h.telegram.lastMessage(RESELLER)!;
    console.log(conf.html, conf.replyTo, JSON.stringify(conf.reply_markup));
    await h.press(conf.message_id, buttons(conf)[0]!.callback_data!);
    const final = await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'ok');
    console.log(final.message_id, final.html);
    console.log(h.emulator.requests.map((r) => `${r.method} ${r.path} ${r.status}`).join('\n'));
    console.log(h.telegram.calls.map((c) => `${c.method} ${c.at}`).join('\n'));
  });
});
