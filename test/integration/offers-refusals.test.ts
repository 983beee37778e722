import { describe, expect, it } from 'vitest';
import { formatAmount, formatDuration } from '../../src/bot/render/format.js';
import { resendRef } from '../../src/resend/offers.js';
import { RESELLER, sleep, STRANGER, type Harness, type HarnessOptions } from '../support/harness.js';
import {
  answers,
  button,
  buttonsOf,
  current,
  FACTURE_500,
  Offers,
  pressConfirm,
  pressOffer,
  refundedWithOffers,
  sendCount,
  statusWithOffers,
  waitUntilShows,
} from '../support/offer-steps.js';
import { startBot } from '../support/start-bot.js';

/** Suggested offers: every way a press must end without a (second) order. */

let h: Harness;

const t = (key: string, vars?: Record<string, string>) => h.app.translatorFor('ar')(key, vars);
const keyOf = (data: string) => data.slice(data.indexOf(':') + 1);
/** Provider calls that a press could have caused (background polling of tracked orders aside). */
const pressCalls = () => h.emulator.requests.filter((r) => /balance|validate|plans|send/.test(r.path)).length;

describe('buttons that must not send', () => {
  it('an expired offer gets a clear answer and sends nothing, from the offer button or from Confirm', async () => {
    h = await startBot();
    refundedWithOffers(h, 'old-1');
    const status = await statusWithOffers(h, 'old-1');
    const confirmation = await pressOffer(h, status);
    const data = button(status, 'of:').callback_data;
    await Offers(h).updateOne({ _id: keyOf(data) }, { $set: { expiresAt: new Date(Date.now() - 60_000) } });
    const before = { messages: h.telegram.messages(RESELLER).length, calls: pressCalls(), edits: current(h, confirmation).history.length };

    await h.press(status.message_id, data);
    await pressConfirm(h, confirmation);

    expect(answers(h).slice(-2)).toEqual([
      expect.objectContaining({ text: t('offer-expired'), alert: true }),
      expect.objectContaining({ text: t('offer-expired'), alert: true }),
    ]);
    expect(current(h, confirmation).history).toHaveLength(before.edits); // left as it was
    expect(h.telegram.messages(RESELLER)).toHaveLength(before.messages);
    expect(pressCalls()).toBe(before.calls);
    expect(sendCount(h)).toBe(0);
  });

  it('an offer of another account is refused as foreign and sends nothing', async () => {
    h = await startBot();
    refundedWithOffers(h, 'foreign-1');
    const status = await statusWithOffers(h, 'foreign-1');
    const data = button(status, 'of:').callback_data;
    await Offers(h).updateMany({}, { $set: { accountId: 'another-account' } });
    const calls = pressCalls();

    await h.press(status.message_id, data);
    await h.press(status.message_id, `oc:${keyOf(data)}`);

    expect(
      answers(h)
        .slice(-2)
        .map((a) => a.text),
    ).toEqual([t('offer-foreign'), t('offer-foreign')]);
    expect(h.telegram.messages(RESELLER)).toHaveLength(1);
    expect(pressCalls()).toBe(calls);
    expect(sendCount(h)).toBe(0);
  });

  it('tampered callback data gets a clear answer and leaves everything as it was', async () => {
    h = await startBot();
    refundedWithOffers(h, 'tamper-1');
    const status = await statusWithOffers(h, 'tamper-1');
    const calls = pressCalls();
    const shown = { html: status.html, markup: JSON.stringify(status.reply_markup), edits: status.editCount };
    const forged = [
      'of:AAAAAAAAAAAA',
      'of:../../x',
      'oc:AAAAAAAAAAAA',
      'oa:AAAAAAAAAAAA',
      'ox:AAAAAAAAAAAA',
      'op:ffffffffffffffffffffffff:1',
      'of:',
    ];

    for (const data of forged) {
      await h.press(status.message_id, data);
      expect(answers(h).at(-1), data).toEqual(expect.objectContaining({ text: t('offer-expired'), alert: true }));
    }
    expect(answers(h)).toHaveLength(forged.length);
    expect(h.telegram.messages(RESELLER)).toHaveLength(1);
    // Neither the text nor the buttons of the status message were touched.
    expect({
      html: current(h, status).html,
      markup: JSON.stringify(current(h, status).reply_markup),
      edits: current(h, status).editCount,
    }).toEqual(shown);
    expect(pressCalls()).toBe(calls);
  });

  it('a user not in ALLOWED_USER_IDS is refused and sends nothing', async () => {
    h = await startBot();
    refundedWithOffers(h, 'stranger-1');
    const status = await statusWithOffers(h, 'stranger-1');
    const confirmation = await pressOffer(h, status);
    const calls = pressCalls();

    await h.press(status.message_id, button(status, 'of:').callback_data, { userId: STRANGER, chatId: RESELLER });
    await h.press(confirmation.message_id, button(confirmation, 'oc:').callback_data, { userId: STRANGER, chatId: RESELLER });

    expect(answers(h).slice(-2)).toEqual([
      expect.objectContaining({ text: t('access-denied-short') }),
      expect.objectContaining({ text: t('access-denied-short') }),
    ]);
    expect(h.telegram.messages(RESELLER)).toHaveLength(2);
    expect(pressCalls()).toBe(calls);
    expect(sendCount(h)).toBe(0);
  });
});

describe('a send without a clear answer is never repeated blindly', () => {
  const quickTimeout: HarnessOptions = { app: { provider: { timeoutMs: 300, retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 200 } } } };

  it('timeout after the provider took the order: checks by ref and tracks it, without a second POST', async () => {
    h = await startBot(quickTimeout);
    const sourceId = refundedWithOffers(h, 'lost-1');
    const confirmation = await pressOffer(h, await statusWithOffers(h, 'lost-1'));
    h.emulator.injectFault({ kind: 'timeout', path: /mobile\/send/, processed: true });
    await pressConfirm(h, confirmation);

    await waitUntilShows(h, confirmation, '✅', 'order found by ref');
    const ref = resendRef(sourceId, 'FACTURE_DJEZZY', 500);
    expect(sendCount(h)).toBe(1);
    expect(h.emulator.requests.some((r) => r.path === `/v3/mobile/check-ref/${ref}`)).toBe(true);
    expect((await h.order({ ref }))?.phase).toBe('final');
  });

  it('a send that stays unconfirmed: "not confirmed yet" while checked by ref for UNCONFIRMED_CHECK_FOR, then "not created", and a new press sends once with the same ref', async () => {
    h = await startBot({ ...quickTimeout, env: { UNCONFIRMED_CHECK_FOR: '3m' } }); // 1.8 s at TIME_SCALE 0.01
    const windowMs = 3 * 60_000 * 0.01;
    const sourceId = refundedWithOffers(h, 'lost-2');
    const confirmation = await pressOffer(h, await statusWithOffers(h, 'lost-2'));
    h.emulator.injectFault({ kind: 'timeout', path: /mobile\/send/, processed: false });
    await pressConfirm(h, confirmation);

    const ref = resendRef(sourceId, 'FACTURE_DJEZZY', 500);
    const checks = () => h.emulator.requests.filter((r) => r.path === `/v3/mobile/check-ref/${ref}`);
    const notConfirmedYet = t('offer-uncertain', { ref, time: '' }).split('\n')[0]!;
    const uncertain = await h.telegram.waitFor(() => current(h, confirmation).html.includes(notConfirmedYet) && current(h, confirmation), {
      what: '"not confirmed yet"',
    });
    expect(uncertain.html).toContain(`<code>${ref}</code>`);
    expect(buttonsOf(uncertain)).toEqual([]); // nothing to press while the bot is still checking
    expect(await h.order({ ref })).toBeNull();

    const notCreated = t('offer-not-created', { ref, duration: formatDuration(h.app.translatorFor('ar'), windowMs) });
    const done = await h.telegram.waitFor(() => current(h, confirmation).html === notCreated && current(h, confirmation), {
      what: '"not created" after the window',
    });
    // Checked by ref several times, every answer a 404, and "not created" only on a 404 after the whole window.
    const offer = await Offers(h).findOne({ ref }).lean();
    expect(offer!.uncertainUntil!.getTime() - offer!.uncertainSince!.getTime()).toBe(windowMs);
    expect(checks().length).toBeGreaterThanOrEqual(3);
    expect(checks().every((r) => r.status === 404)).toBe(true);
    expect(checks().at(-1)!.at).toBeGreaterThanOrEqual(offer!.uncertainUntil!.getTime());
    expect(sendCount(h)).toBe(1); // never re-sent by the bot itself
    await sleep(300);
    expect(sendCount(h)).toBe(1);

    expect(button(done, 'oc:').text).toBe(t('button-confirm'));
    await pressConfirm(h, done);
    await waitUntilShows(h, confirmation, '✅', 'sent on the new press');
    expect(sendCount(h)).toBe(2);
    const order = await h.order({ ref });
    expect(h.emulator.getOrder(order!.providerId)?.ref).toBe(ref);
    expect(h.emulator.requests.filter((r) => r.path === '/v3/mobile/send' && r.status === 200)).toHaveLength(1);
  });

  it("an unconfirmed send whose ref turns up during the checks becomes that order's live status", async () => {
    h = await startBot(quickTimeout);
    const sourceId = refundedWithOffers(h, 'late-1');
    const confirmation = await pressOffer(h, await statusWithOffers(h, 'late-1'));
    h.emulator.injectFault({ kind: 'timeout', path: /mobile\/send/, processed: false });
    await pressConfirm(h, confirmation);
    const ref = resendRef(sourceId, 'FACTURE_DJEZZY', 500);
    const notConfirmedYet = t('offer-uncertain', { ref, time: '' }).split('\n')[0]!;
    await h.telegram.waitFor(() => current(h, confirmation).html.includes(notConfirmedYet), { what: '"not confirmed yet"' });

    // The provider processes the order late (as OneClickDz may after a timeout).
    const late = h.emulator.sendMobile({ plan_code: 'FACTURE_DJEZZY', MSSIDN: '0771234567', amount: 500, ref });
    const live = await waitUntilShows(h, confirmation, '✅', 'the late order, live');
    expect(live.html).toContain(`<code>${late.topupId}</code>`);
    expect((await h.order({ ref }))?.providerId).toBe(late.topupId);
    expect(sendCount(h)).toBe(1);
    expect(h.telegram.messages(RESELLER)).toHaveLength(2); // the status message and the confirmation, nothing more
  });
});

describe('refusals from the provider', () => {
  it('INSUFFICIENT_BALANCE shows the required and the available amounts', async () => {
    h = await startBot({ emulator: { balance: 300 } });
    refundedWithOffers(h, 'poor-1', [FACTURE_500], '0771234567', 100);
    const confirmation = await pressOffer(h, await statusWithOffers(h, 'poor-1'));
    await pressConfirm(h, confirmation);

    // 500 at the plan's cost 0.99; the refunded original (100) gave its charge back.
    const refusal = t('offer-insufficient-balance', { required: formatAmount(495, 'ar'), available: formatAmount(300, 'ar') });
    await h.telegram.waitFor(() => current(h, confirmation).html === refusal, { what: 'the refusal' });
    expect(h.emulator.requests.filter((r) => r.path === '/v3/mobile/send').map((r) => r.status)).toEqual([403]);
    expect(h.badRequests()).toEqual([]);
  });

  it('ERR_VALIDATION names the field the provider refused', async () => {
    h = await startBot();
    refundedWithOffers(h, 'invalid-1', [{ ...FACTURE_500, amount: 60_000 }]); // FACTURE_DJEZZY takes at most 50 000
    const confirmation = await pressOffer(h, await statusWithOffers(h, 'invalid-1'));
    await pressConfirm(h, confirmation);

    await h.telegram.waitFor(() => current(h, confirmation).html === t('offer-invalid', { field: 'amount' }), { what: 'the refusal' });
    expect(h.emulator.requests.filter((r) => r.path === '/v3/mobile/send').map((r) => r.status)).toEqual([400]);
  });

  it('a READ-ONLY key gets an explanation instead of a send', async () => {
    h = await startBot({ emulator: { keyScope: 'READ-ONLY' } });
    const sourceId = refundedWithOffers(h, 'ro-1');
    const status = await statusWithOffers(h, 'ro-1');
    const explanation = await pressOffer(h, status);
    expect(explanation.html).toBe(t('offer-read-only'));
    expect(buttonsOf(explanation)).toEqual([]);

    // Even a Confirm button from before the key changed does not send.
    const offer = await Offers(h)
      .findOne({ ref: resendRef(sourceId, 'FACTURE_DJEZZY', 500) })
      .lean();
    await h.press(explanation.message_id, `oc:${offer!._id}`);
    expect(current(h, explanation).html).toBe(t('offer-read-only'));
    expect(sendCount(h)).toBe(0);
  });
});
