import { beforeEach, describe, expect, it } from 'vitest';
import { formatAmount } from '../../src/bot/render/format.js';
import { resendRef } from '../../src/resend/offers.js';
import { RESELLER, sleep, type Harness } from '../support/harness.js';
import {
  answers,
  button,
  FACTURE_500,
  pressConfirm,
  pressOffer,
  refundedWithOffers,
  sendCount,
  statusWithOffers,
  waitUntilShows,
} from '../support/offer-steps.js';
import { startBot } from '../support/start-bot.js';

/** Suggested offers: another amount than the offer's, asked in a conversation whose state is in MongoDB. */

let h: Harness;
beforeEach(async () => {
  h = await startBot();
});

const t = (key: string, vars?: Record<string, string>) => h.app.translatorFor('ar')(key, vars);

describe('another amount', () => {
  async function askForAmount(ref: string) {
    const sourceId = refundedWithOffers(h, ref);
    const confirmation = await pressOffer(h, await statusWithOffers(h, ref));
    await h.press(confirmation.message_id, button(confirmation, 'oa:').callback_data);
    const question = h.telegram.lastMessage(RESELLER)!;
    return { sourceId, confirmation, question };
  }

  it('asks within the plan range, refuses bad answers, and confirms and sends the amount given', async () => {
    const { sourceId, question } = await askForAmount('amount-1');
    const range = { min: formatAmount(100, 'ar'), max: formatAmount(50_000, 'ar') }; // FACTURE_DJEZZY's, from GET /v3/mobile/plans
    expect(question.html).toBe(t('amount-ask', { name: FACTURE_500.typename, ...range }));

    await h.send('abc');
    const vars = { name: FACTURE_500.typename, ...range };
    expect(h.telegram.lastMessage(RESELLER)!.html).toBe(`${t('amount-not-number', vars)}\n${t('amount-try-again')}`);
    await h.send('50');
    expect(h.telegram.lastMessage(RESELLER)!.html).toBe(`${t('amount-too-low', vars)}\n${t('amount-try-again')}`);

    await h.send('700');
    const confirmation = h.telegram.lastMessage(RESELLER)!;
    expect(confirmation.text).toContain(formatAmount(700, 'ar'));
    expect(confirmation.text).toContain('0771234567');
    expect(sendCount(h)).toBe(0);

    await pressConfirm(h, confirmation);
    await waitUntilShows(h, confirmation, '✅', 'fulfilled 700');
    const ref = resendRef(sourceId, 'FACTURE_DJEZZY', 700);
    expect(ref).not.toBe(resendRef(sourceId, 'FACTURE_DJEZZY', 500));
    expect(sendCount(h)).toBe(1);
    const order = await h.order({ ref });
    expect(h.emulator.getOrder(order!.providerId)).toMatchObject({ plan_code: 'FACTURE_DJEZZY', topup_amount: 700, ref });
  });

  it('a /status sent instead of an amount is handled as /status and ends the question', async () => {
    await askForAmount('amount-2');
    const before = h.telegram.messages(RESELLER).length;

    await h.send('/status amount-2');
    await h.waitForMessage(RESELLER, (m) => m.text.includes('amount-2') && m.text.includes('❌'), 'a fresh status message');
    // The question says it was closed, then the /status is answered as usual.
    expect(
      h.telegram
        .messages(RESELLER)
        .slice(before)
        .map((m) => m.html),
    ).toEqual([t('amount-cancelled-by-command'), expect.stringContaining('amount-2')]);

    await h.send('700'); // no longer an answer to the question
    expect(h.telegram.messages(RESELLER).some((m) => m.text.includes(formatAmount(700, 'ar')))).toBe(false);
    expect(sendCount(h)).toBe(0);
  });

  it('a button pressed while the question is open still works (Confirm of the offer as it was)', async () => {
    const { sourceId, confirmation } = await askForAmount('amount-4');
    const answered = answers(h).length;

    await pressConfirm(h, confirmation);

    expect(answers(h)).toHaveLength(answered + 1);
    await waitUntilShows(h, confirmation, '✅', 'fulfilled 500');
    expect(sendCount(h)).toBe(1);
    expect(await h.order({ ref: resendRef(sourceId, 'FACTURE_DJEZZY', 500) })).not.toBeNull();
  });

  it('survives a restart in the middle of the question', async () => {
    const { sourceId } = await askForAmount('amount-3');
    await h.crashAndRestart();

    await h.send('800');
    const confirmation = h.telegram.lastMessage(RESELLER)!;
    expect(confirmation.text).toContain(formatAmount(800, 'ar'));
    await pressConfirm(h, confirmation);
    await waitUntilShows(h, confirmation, '✅', 'fulfilled 800');
    expect(sendCount(h)).toBe(1);
    expect(await h.order({ ref: resendRef(sourceId, 'FACTURE_DJEZZY', 800) })).not.toBeNull();
  });

  it('with no plan list cached it does not wait for the provider: "try again in a moment", and the next press asks', async () => {
    refundedWithOffers(h, 'amount-5');
    const confirmation = await pressOffer(h, await statusWithOffers(h, 'amount-5'));
    await h.db.collection('plans').deleteMany({}); // as if the plan list was never fetched
    const plans = h.emulator.hold(/mobile\/plans/);
    try {
      await h.press(confirmation.message_id, button(confirmation, 'oa:').callback_data); // returns while the plans call hangs
      expect(h.telegram.lastMessage(RESELLER)!.html).toBe(t('amount-plans-loading'));
      await h.telegram.waitFor(() => plans.held === 1, { what: 'the plan list asked in the background' });
    } finally {
      plans.release();
    }
    for (let i = 0; (await h.db.collection('plans').countDocuments()) === 0; i++) {
      if (i > 500) throw new Error('the plan list was never cached');
      await sleep(10);
    }

    await h.press(confirmation.message_id, button(confirmation, 'oa:').callback_data);
    const range = { min: formatAmount(100, 'ar'), max: formatAmount(50_000, 'ar') };
    expect(h.telegram.lastMessage(RESELLER)!.html).toBe(t('amount-ask', { name: FACTURE_500.typename, ...range }));
    expect(sendCount(h)).toBe(0);
  });
});
