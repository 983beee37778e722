import { beforeEach, describe, expect, it } from 'vitest';
import { EMULATOR_TEST_NUMBERS, SANDBOX_MESSAGES } from '../support/oneclick-emulator.js';
import { RESELLER, sleep, type Harness } from '../support/harness.js';
import { LONG_FAST_PHASE, startBot } from '../support/start-bot.js';

let h: Harness;
beforeEach(async () => {
  h = await startBot();
});

/** Words that would tell a reseller the top-up failed (and so that they may refund or resend). */
const FAILED_WORDS = /فشل|fail|échec|échou/i;
/** The provider's own words are quoted as sent (the sandbox UNKNOWN_ERROR text itself says "if it failed"). */
const withoutProviderQuote = (html: string) => html.replace(/<blockquote>[\s\S]*?<\/blockquote>/g, '');

function sendMobile(mssidn = '0778037340', ref?: string) {
  return h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: mssidn, amount: 500, ...(ref ? { ref } : {}) });
}

describe('/status for a mobile top-up', () => {
  it('tracks an order by ref in one message edited from pending to processing to fulfilled', async () => {
    await h.close(); // this test needs a bot with a longer fast phase
    h = await startBot(LONG_FAST_PHASE);
    const { topupId } = sendMobile('0778037340', 'order-123');
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
    expect(h.badRequests()).toEqual([]);
  });

  it('answers at once, before the provider has been asked anything', async () => {
    sendMobile('0778037340', 'order-quick');
    h.emulator.injectFault({ kind: 'timeout', path: /check-ref/, times: 1 }); // the provider is slow
    await h.send('/status order-quick');
    const first = await h.waitForMessage(RESELLER, () => true, 'a first status message');
    expect(first.html).toContain('<code>order-quick</code>');
    expect(h.emulator.requests.filter((r) => r.status !== 'timeout')).toHaveLength(0);
  });

  it('shows a REFUNDED order with the Arabic refund_message exactly as the provider sent it', async () => {
    const { topupId } = sendMobile(EMULATOR_TEST_NUMBERS.mobileWrongNumber, 'order-refund-1');
    await h.send('/status order-refund-1');
    const final = await h.waitForMessage(RESELLER, (m) => m.text.includes('❌'), 'refunded status');
    expect(final.html).toContain(`<blockquote>${SANDBOX_MESSAGES.wrongNumber}</blockquote>`);
    expect(final.text).toContain(SANDBOX_MESSAGES.wrongNumber);
    expect(final.html).toContain(`<code>${topupId}</code>`);
    expect((await h.order({ providerId: topupId }))?.phase).toBe('final');
  });

  it('shows provider text with HTML characters exactly, escaped', async () => {
    const { topupId } = sendMobile('0771234569', 'order-refund-2');
    const providerText = 'الرقم <0771234569> غير صالح & "أعد المحاولة"';
    h.emulator.setStatus(topupId, 'REFUNDED', { refund_message: providerText });
    await h.send('/status order-refund-2');
    const final = await h.waitForMessage(RESELLER, (m) => m.text.includes('❌'), 'refunded status');
    expect(final.text).toContain(providerText);
    expect(h.badRequests()).toEqual([]);
  });

  it('shows UNKNOWN_ERROR as being verified (⚠️), never as a failure, and stops fast polling', async () => {
    const { topupId } = sendMobile(EMULATOR_TEST_NUMBERS.mobileUnknownError, 'order-unknown-1');
    await h.send('/status order-unknown-1');
    const shown = await h.waitForMessage(RESELLER, (m) => m.text.includes('⚠️'), 'being-verified status');
    expect(shown.text).toContain(SANDBOX_MESSAGES.unknownError);
    expect(shown.text).toContain('لا تُرجع المبلغ'); // do not refund yet
    for (const version of h.telegram.messages(RESELLER)[0]!.history) {
      expect(withoutProviderQuote(version)).not.toMatch(FAILED_WORDS);
      expect(version).not.toContain('❌');
    }

    const order = await h.order({ providerId: topupId });
    expect(order).toMatchObject({ phase: 'long', status: 'UNKNOWN_ERROR', longTail: { reason: 'verifying' } });
    const calls = h.emulator.callCount(/check-id/);
    await sleep(400); // more than ten fast-poll intervals at TIME_SCALE 0.01
    expect(h.emulator.callCount(/check-id/)).toBe(calls);
  });

  it.each(['fr', 'en'] as const)('never calls UNKNOWN_ERROR a failure in %s either', async (locale) => {
    await h.app.chats.setLocale(RESELLER, locale);
    sendMobile(EMULATOR_TEST_NUMBERS.mobileUnknownError, `order-unknown-${locale}`);
    await h.send(`/status order-unknown-${locale}`);
    const shown = await h.waitForMessage(RESELLER, (m) => m.text.includes('⚠️'), 'being-verified status');
    expect(withoutProviderQuote(shown.html)).not.toMatch(FAILED_WORDS);
    expect(shown.text).toContain(SANDBOX_MESSAGES.unknownError);
  });
});
