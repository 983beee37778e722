import { beforeEach, describe, expect, it } from 'vitest';
import { formatAmount } from '../../src/bot/render/format.js';
import { resendRef } from '../../src/resend/offers.js';
import { RESELLER, STAFF, type Harness } from '../support/harness.js';
import { EMULATOR_TEST_NUMBERS, SANDBOX_MESSAGES } from '../support/oneclick-emulator.js';
import {
  button,
  buttonsOf,
  current,
  FACTURE_500,
  pressConfirm,
  pressOffer,
  refundedWithOffers,
  sendCount,
  statusWithOffers,
  waitUntilShows,
} from '../support/offer-steps.js';
import { startBot } from '../support/start-bot.js';

let h: Harness;
beforeEach(async () => {
  h = await startBot();
});

const t = (key: string, vars?: Record<string, string>) => h.app.translatorFor('ar')(key, vars);
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('suggested offers on a refunded order', () => {
  it('0600000002: shows the refund message and one button per offer, labelled with typename and amount', async () => {
    h.emulator.sendMobile({
      plan_code: 'PREPAID_DJEZZY',
      MSSIDN: EMULATOR_TEST_NUMBERS.mobilePlanMismatch,
      amount: 700,
      ref: 'mismatch-1',
    });
    const status = await statusWithOffers(h, 'mismatch-1');

    expect(status.text).toContain(SANDBOX_MESSAGES.planMismatch);
    expect(buttonsOf(status)).toEqual([
      { text: `📋 FACTURE | فاتورة — ${formatAmount(700, 'ar')}`, callback_data: expect.stringMatching(/^of:/) as unknown },
    ]);
    expect(h.badRequests()).toEqual([]);
  });

  it('keeps every callback_data within 64 bytes and pages many offers', async () => {
    const longArabic = 'عرض فاتورة شهرية خاص بالمشتركين الجدد في الخط الثابت والمحمول معًا';
    const offers = Array.from({ length: 12 }, (_, i) => ({
      typename: i === 0 ? longArabic : `📋 FACTURE | فاتورة ${i + 1}`,
      plan_code: 'FACTURE_DJEZZY',
      amount: 100 * (i + 1),
    }));
    refundedWithOffers(h, 'many-1', offers);
    const status = await statusWithOffers(h, 'many-1');

    const firstPage = buttonsOf(status);
    const offerButtons = firstPage.filter((b) => b.callback_data.startsWith('of:'));
    expect(offerButtons.map((b) => b.text)).toEqual(
      offers.slice(0, 5).map((o): unknown => expect.stringContaining(formatAmount(o.amount, 'ar'))),
    );
    expect(offerButtons[0]!.text.startsWith(longArabic.slice(0, 30))).toBe(true);
    expect(offerButtons[1]!.text).toBe(`📋 FACTURE | فاتورة 2 — ${formatAmount(200, 'ar')}`);
    for (const b of firstPage) expect(bytes(b.callback_data)).toBeLessThanOrEqual(64);
    const next = button(status, 'op:');
    expect(next.text).toBe(t('button-offer-next'));

    await h.press(status.message_id, next.callback_data);
    const secondPage = buttonsOf(current(h, status));
    expect(secondPage.filter((b) => b.callback_data.startsWith('of:')).map((b) => b.text)).toEqual(
      offers.slice(5, 10).map((o) => `${o.typename} — ${formatAmount(o.amount, 'ar')}`),
    );
    expect(secondPage.filter((b) => b.callback_data.startsWith('op:')).map((b) => b.text)).toEqual([
      t('button-offer-prev'),
      t('button-offer-next'),
    ]);
    for (const b of secondPage) expect(bytes(b.callback_data)).toBeLessThanOrEqual(64);
    // The buttons of the second page work like the first ones.
    const confirmation = await pressOffer(h, current(h, status), 4);
    expect(confirmation.text).toContain(formatAmount(1000, 'ar'));
    expect(h.badRequests()).toEqual([]);
  });

  it('GETMENU: every offer of the list is a button; a fixed-price offer is sent as is, without "other amount"', async () => {
    const { topupId } = h.emulator.sendMobile({ plan_code: 'GETMENU_Mobilis', MSSIDN: '0661234567', amount: 300, ref: 'menu-1' });
    const status = await statusWithOffers(h, 'menu-1');
    const menu = h.emulator.getOrder(topupId)!.suggested_offers as Array<{ typename: string; plan_code: string; amount: number }>;
    expect(menu).toHaveLength(5);
    expect(buttonsOf(status).map((b) => b.text)).toEqual(menu.map((o) => `${o.typename} — ${formatAmount(o.amount, 'ar')}`));

    const mix = menu.findIndex((o) => o.plan_code === 'MIX500_MOBILIS');
    const confirmation = await pressOffer(h, status, mix);
    expect(buttonsOf(confirmation).map((b) => b.text)).toEqual([t('button-confirm'), t('button-cancel')]);
    await pressConfirm(h, confirmation);

    await waitUntilShows(h, confirmation, '✅', 'fulfilled MIX 500');
    const ref = resendRef(topupId, 'MIX500_MOBILIS', 500);
    const order = await h.order({ ref });
    expect(h.emulator.getOrder(order!.providerId)).toMatchObject({ plan_code: 'MIX500_MOBILIS', MSSIDN: '0661234567', ref });
    expect(sendCount(h)).toBe(1);
  });

  it('answers the press before asking the provider, then confirms number, plan, amount and balance', async () => {
    refundedWithOffers(h, 'press-1');
    const status = await statusWithOffers(h, 'press-1');
    const pressedAt = Date.now();
    const confirmation = await pressOffer(h, status);

    const answer = h.telegram.calls.find((c) => c.method === 'answerCallbackQuery' && c.at >= pressedAt)!;
    const balanceAsked = h.emulator.requests.filter((r) => r.path === '/v3/account/balance' && r.at >= pressedAt);
    expect(balanceAsked).toHaveLength(1);
    expect(answer.at).toBeLessThanOrEqual(balanceAsked[0]!.at);

    expect(confirmation.replyTo).toBe(status.message_id);
    expect(confirmation.text).toContain('0771234567');
    expect(confirmation.text).toContain('FACTURE_DJEZZY');
    expect(confirmation.text).toContain(FACTURE_500.typename);
    expect(confirmation.text).toContain(formatAmount(500, 'ar'));
    expect(confirmation.text).toContain(formatAmount(h.emulator.balance, 'ar'));
    expect(buttonsOf(confirmation).map((b) => b.text)).toContain(t('button-confirm'));
    expect(sendCount(h)).toBe(0);
  });

  it('Confirm sends exactly one order with the offer and a derived ref; the confirmation becomes its live status', async () => {
    const sourceId = refundedWithOffers(h, 'confirm-1');
    const status = await statusWithOffers(h, 'confirm-1');
    const confirmation = await pressOffer(h, status);
    const confirmedAt = Date.now();
    await pressConfirm(h, confirmation);

    const done = await waitUntilShows(h, confirmation, '✅', 'fulfilled re-send');
    const ref = resendRef(sourceId, 'FACTURE_DJEZZY', 500);
    expect(resendRef(sourceId, 'FACTURE_DJEZZY', 500)).toBe(ref); // derived, not random
    expect(ref).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(sendCount(h)).toBe(1);
    const post = h.emulator.requests.find((r) => r.path === '/v3/mobile/send')!;
    const answer = h.telegram.calls.find((c) => c.method === 'answerCallbackQuery' && c.at >= confirmedAt)!;
    expect(answer.at).toBeLessThanOrEqual(post.at);

    const order = await h.order({ ref });
    expect(h.emulator.getOrder(order!.providerId)).toMatchObject({
      plan_code: 'FACTURE_DJEZZY',
      topup_amount: 500,
      MSSIDN: '0771234567',
      ref,
    });
    expect(done.html).toContain(`<code>${ref}</code>`);
    expect(done.html).toContain(`<code>${order!.providerId}</code>`);
    expect(h.telegram.messages(RESELLER)).toHaveLength(2); // the status message and the confirmation, nothing more
    expect(h.badRequests()).toEqual([]);
  });

  it('Cancel sends nothing and takes the buttons away', async () => {
    refundedWithOffers(h, 'cancel-1');
    const confirmation = await pressOffer(h, await statusWithOffers(h, 'cancel-1'));
    await h.press(confirmation.message_id, button(confirmation, 'ox:').callback_data);

    expect(current(h, confirmation).html).toBe(t('offer-cancelled'));
    expect(buttonsOf(current(h, confirmation))).toEqual([]);
    expect(sendCount(h)).toBe(0);
  });

  it('a double press of Confirm sends once', async () => {
    const sourceId = refundedWithOffers(h, 'double-1');
    const confirmation = await pressOffer(h, await statusWithOffers(h, 'double-1'));
    const data = button(confirmation, 'oc:').callback_data;
    await h.press(confirmation.message_id, data);
    await h.press(confirmation.message_id, data); // the second tap, delivered before the buttons went away

    await waitUntilShows(h, confirmation, '✅', 'fulfilled re-send');
    expect(sendCount(h)).toBe(1);
    expect(h.emulator.requests.filter((r) => r.path === '/v3/mobile/send' && r.status === 200)).toHaveLength(1);
    expect(await h.app.models.Order.countDocuments({ ref: resendRef(sourceId, 'FACTURE_DJEZZY', 500) })).toBe(1);
  });

  it('RESELLER and STAFF confirming at the same moment send once, and both chats follow that order', async () => {
    const sourceId = refundedWithOffers(h, 'both-1');
    const resellerConfirmation = await pressOffer(h, await statusWithOffers(h, 'both-1'));
    const staffConfirmation = await pressOffer(h, await statusWithOffers(h, 'both-1', { userId: STAFF }), 0, { userId: STAFF });

    await Promise.all([pressConfirm(h, resellerConfirmation), pressConfirm(h, staffConfirmation, { userId: STAFF })]);

    await waitUntilShows(h, resellerConfirmation, '✅', 'reseller: fulfilled');
    await waitUntilShows(h, staffConfirmation, '✅', 'staff: fulfilled');
    expect(sendCount(h)).toBe(1);
    const order = await h.order({ ref: resendRef(sourceId, 'FACTURE_DJEZZY', 500) });
    const watchers = await h.app.models.Watcher.find({ orderId: order!._id }).lean();
    expect(watchers.map((w) => w.chatId).sort()).toEqual([RESELLER, STAFF].sort());
  });

  it('DUPLICATED_REF: an order already sent with the derived ref is tracked, not sent again', async () => {
    const sourceId = refundedWithOffers(h, 'dup-1');
    const ref = resendRef(sourceId, 'FACTURE_DJEZZY', 500);
    const earlier = h.emulator.sendMobile({ plan_code: 'FACTURE_DJEZZY', MSSIDN: '0771234567', amount: 500, ref });
    const confirmation = await pressOffer(h, await statusWithOffers(h, 'dup-1'));
    await pressConfirm(h, confirmation);

    const done = await waitUntilShows(h, confirmation, '✅', 'existing order');
    expect(done.html).toContain(`<code>${earlier.topupId}</code>`);
    expect(h.emulator.requests.filter((r) => r.path === '/v3/mobile/send').map((r) => r.status)).toEqual([403]);
    expect(h.emulator.requests.some((r) => r.path === `/v3/mobile/check-ref/${ref}`)).toBe(true);
    expect((await h.order({ ref }))?.providerId).toBe(earlier.topupId);
  });
});

describe('linked orders', () => {
  it('follows the orders named by follow_orderid and retry_orderid, and says so in the message', async () => {
    const follow = h.emulator.sendMobile({ plan_code: 'FACTURE_DJEZZY', MSSIDN: '0771234567', amount: 500, ref: 'linked-follow' });
    const retry = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0771234567', amount: 300, ref: 'linked-retry' });
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0771234567', amount: 500, ref: 'linked-1' });
    h.emulator.setStatus(topupId, 'REFUNDED', {
      refund_message: 'x',
      suggested_offers: [FACTURE_500],
      follow_orderid: follow.topupId,
      retry_orderid: retry.topupId,
    });

    const request = await h.send('/status linked-1');
    const original = await h.telegram.waitFor(
      () => h.telegram.messages(RESELLER).find((m) => m.html.includes('<code>linked-1</code>') && buttonsOf(m).length > 0),
      { what: 'the refunded order with its offers' },
    );
    expect(original.html).toContain(`${t('order-label-follow-order')}\n<code>${follow.topupId}</code>`);
    expect(original.html).toContain(`${t('order-label-retry-order')}\n<code>${retry.topupId}</code>`);
    const followed = await h.telegram.waitFor(
      () => {
        const ms = h.telegram.messages(RESELLER);
        const a = ms.find((m) => m.html.includes('<code>linked-follow</code>') && m.text.includes('✅'));
        const b = ms.find((m) => m.html.includes('<code>linked-retry</code>') && m.text.includes('✅'));
        return a && b ? [a, b] : undefined;
      },
      { what: 'both linked orders followed to the end' },
    );
    expect(followed.map((m) => m.message_id)).not.toContain(original.message_id);
    // Each replies to the original status message, or to the request when the link was seen before it was sent.
    for (const m of followed) expect([original.message_id, request]).toContain(m.replyTo);
    expect(buttonsOf(current(h, original)).length).toBeGreaterThan(0); // the original keeps its offers
    expect(h.telegram.messages(RESELLER)).toHaveLength(3);
  });
});
