import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatDateTime } from '../../src/bot/render/format.js';
import { EMULATOR_TEST_NUMBERS } from '../support/oneclick-emulator.js';
import { Harness, RESELLER, sleep } from '../support/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await Harness.start();
});
afterEach(async () => {
  await h.close();
});

const FAILED_WORDS = /فشل|fail|échec|échou/i;

function sendAdsl(number: string, ref: string) {
  return h.emulator.sendInternet({ type: 'ADSL', number, value: 1000, ref });
}

describe('/status for an internet top-up', () => {
  it('shows a FULFILLED card: card_code in <code>, num_trans and the processing date', async () => {
    const { topupId } = sendAdsl('021123456', 'net-order-1');
    await h.send('/status net-order-1');
    const final = await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status');

    const provider = h.emulator.getOrder(topupId)!;
    expect(final.html).toContain(`<code>${String(provider.card_code)}</code>`);
    expect(final.html).toContain(`<code>${String(provider.num_trans)}</code>`);
    expect(final.text).toContain(formatDateTime(new Date(String(provider.date_traitement)), 'ar'));
    expect(final.html).toContain('<code>net-order-1</code>');
    expect(final.html).toContain(`<code>${topupId}</code>`);
    expect(final.text).toContain('021123456');
    expect(final.text).toMatch(/^تعبئة الإنترنت/);
    // Looked up as mobile first (404), then as internet; then checked by id.
    const paths = h.emulator.requests.map((r) => r.path);
    expect(paths.slice(0, 2)).toEqual(['/v3/mobile/check-ref/net-order-1', '/v3/internet/check-ref/net-order-1']);
    expect(paths.slice(2).every((p) => p === `/v3/internet/check-id/${topupId}`)).toBe(true);
    expect(h.telegram.messages(RESELLER)).toHaveLength(1);
  });

  it('tracks an internet order by id (mobile check-id first, then internet)', async () => {
    const { topupId } = sendAdsl('021123457', 'net-order-2');
    h.emulator.setStatus(topupId, 'HANDLING');
    await h.send(`/status ${topupId}`);
    await h.waitForMessage(RESELLER, (m) => m.text.includes('⏳'), 'processing status');
    expect(h.emulator.requests.slice(0, 2).map((r) => r.path)).toEqual([
      `/v3/mobile/check-id/${topupId}`,
      `/v3/internet/check-id/${topupId}`,
    ]);
    h.emulator.setStatus(topupId, 'FULFILLED');
    await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status');
  });

  it('shows QUEUED with ⏰ as scheduled, not a failure, and stops polling once it settles', async () => {
    const { topupId } = sendAdsl(EMULATOR_TEST_NUMBERS.adslQueued, 'net-queued-1');
    await h.send('/status net-queued-1');
    const queued = await h.waitForMessage(RESELLER, (m) => m.text.includes('⏰'), 'queued status');
    expect(queued.text).toContain('12 إلى 48 ساعة');
    for (const version of h.telegram.messages(RESELLER)[0]!.history) {
      expect(version).not.toMatch(FAILED_WORDS);
      expect(version).not.toContain('❌');
    }
    expect(await h.order({ providerId: topupId })).toMatchObject({ phase: 'long', status: 'QUEUED', longTail: { reason: 'queued' } });

    const calls = h.emulator.callCount();
    await sleep(400); // more than ten fast-poll intervals at TIME_SCALE 0.01
    expect(h.emulator.callCount()).toBe(calls);
  });

  it('shows REFUNDED with ❌ and the refund_message exactly as the provider sent it', async () => {
    const { topupId } = sendAdsl(EMULATOR_TEST_NUMBERS.adslRefunded, 'net-refund-1');
    const providerText = 'البطاقة غير متوفرة حاليا <ADSL 1000> & "أعد المحاولة"';
    h.emulator.setStatus(topupId, 'REFUNDED', { refund_message: providerText });
    await h.send('/status net-refund-1');
    const final = await h.waitForMessage(RESELLER, (m) => m.text.includes('❌'), 'refunded status');
    expect(final.text).toContain(providerText);
    expect(final.html).toContain('<code>net-refund-1</code>');
    expect(h.badRequests()).toEqual([]);
  });

  it('shows REFUNDED without a provider message when there is none', async () => {
    sendAdsl(EMULATOR_TEST_NUMBERS.adslRefunded, 'net-refund-2');
    await h.send('/status net-refund-2');
    const final = await h.waitForMessage(RESELLER, (m) => m.text.includes('❌'), 'refunded status');
    expect(final.html).not.toContain('<blockquote>');
    expect(final.text).not.toContain('undefined');
  });
});
