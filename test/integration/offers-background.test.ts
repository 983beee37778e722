import { describe, expect, it } from 'vitest';
import { formatAmount } from '../../src/bot/render/format.js';
import { resendRef } from '../../src/resend/offers.js';
import { RESELLER, sleep, STAFF, type Harness } from '../support/harness.js';
import {
  button,
  current,
  filledIn,
  isLoading,
  Offers,
  pressConfirm,
  pressOfferNow,
  refundedWithOffers,
  sendCount,
  statusWithOffers,
  waitUntilShows,
} from '../support/offer-steps.js';
import { startBot, startBotWithPatientProvider } from '../support/start-bot.js';

/**
 * Suggested offers never make an update wait on the provider: presses return at once and the provider
 * is asked in the background, where a crash mid-send is resolved by ref, never by a second send.
 */

let h: Harness;

const t = (key: string, vars?: Record<string, string>) => h.app.translatorFor('ar')(key, vars);

describe('a hanging provider', () => {
  it('an offer press in one chat returns while the balance call hangs, and another chat gets its /status answer meanwhile', async () => {
    h = await startBotWithPatientProvider();
    refundedWithOffers(h, 'hang-1');
    const status = await statusWithOffers(h, 'hang-1');
    const other = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0550123456', amount: 200, ref: 'other-chat-1' });
    const balance = h.emulator.hold(/account\/balance/, 10);

    // Both updates at once, as the runner feeds two chats concurrently.
    const press = h.press(status.message_id, button(status, 'of:').callback_data);
    const staffStatus = h.send('/status other-chat-1', { userId: STAFF });
    await press; // never resolves if the handler waits for the held balance call
    await staffStatus;

    const confirmation = h.telegram.lastMessage(RESELLER)!;
    expect(confirmation.replyTo).toBe(status.message_id);
    expect(isLoading(h, confirmation)).toBe(true);
    expect(confirmation.text).toContain('0771234567');
    expect(confirmation.text).toContain(formatAmount(500, 'ar'));
    await h.telegram.waitFor(() => balance.held === 1, { what: 'the balance call held at the provider' });

    const staffMessage = await h.waitForMessage(STAFF, (m) => m.html.includes(`<code>${other.topupId}</code>`), 'the other chat’s status');
    expect(staffMessage.html).toContain('<code>other-chat-1</code>');
    expect(balance.held).toBe(1); // still hanging all along
    expect(isLoading(h, current(h, confirmation))).toBe(true);

    balance.release();
    const filled = await filledIn(h, confirmation);
    expect(filled.text).toContain(formatAmount(h.emulator.balance, 'ar'));
    expect(h.badRequests()).toEqual([]);
  });

  it('Confirm returns at once while the send hangs; the message says "sending" until the provider answers', async () => {
    h = await startBotWithPatientProvider();
    refundedWithOffers(h, 'hang-2');
    const confirmation = await filledIn(h, await pressOfferNow(h, await statusWithOffers(h, 'hang-2')));
    const send = h.emulator.hold(/mobile\/send/);

    await pressConfirm(h, confirmation); // returns although the send is (or will be) held
    expect(current(h, confirmation).html).toBe(t('offer-sending'));
    await h.telegram.waitFor(() => send.held === 1, { what: 'the send held at the provider' });
    expect(current(h, confirmation).html).toBe(t('offer-sending'));

    send.release();
    await waitUntilShows(h, confirmation, '✅', 'the order, live');
    expect(sendCount(h)).toBe(1);
  });
});

describe('a crash in the middle of a send', () => {
  it('after a restart the order is found by ref and tracked; exactly one send reaches the provider, and the dead worker writes nothing', async () => {
    h = await startBotWithPatientProvider();
    const sourceId = refundedWithOffers(h, 'crash-1');
    const ref = resendRef(sourceId, 'FACTURE_DJEZZY', 500);
    const confirmation = await filledIn(h, await pressOfferNow(h, await statusWithOffers(h, 'crash-1')));
    // The provider takes the order, but its answer never reaches the bot before the crash.
    const send = h.emulator.hold(/mobile\/send/);
    await pressConfirm(h, confirmation);
    await h.telegram.waitFor(() => send.held === 1, { what: 'the send held at the provider' });
    expect((await Offers(h).findOne({ ref }).lean())?.state).toBe('sending');

    await h.crashAndRestart();

    const live = await waitUntilShows(h, confirmation, '✅', 'the order found by ref, live');
    const order = await h.order({ ref });
    expect(live.html).toContain(`<code>${order!.providerId}</code>`);
    expect(h.emulator.requests.some((r) => r.path === `/v3/mobile/check-ref/${ref}` && r.status === 200)).toBe(true);
    // The one POST is still held (unanswered), and no other was made.
    expect(send.held).toBe(1);
    expect(sendCount(h)).toBe(1);

    // Past the dead worker's lease (2 s), then its POST finally gets its answer: it lost the offer and
    // must change nothing (no second watcher, no message, no state).
    await sleep(2_500);
    const before = { messages: h.telegram.messages(RESELLER).length, edits: current(h, confirmation).history.length };
    send.release();
    await sleep(500);
    expect(sendCount(h)).toBe(1);
    expect(h.emulator.requests.filter((r) => r.path === '/v3/mobile/send')).toHaveLength(1);
    expect(h.telegram.messages(RESELLER)).toHaveLength(before.messages);
    expect(current(h, confirmation).history.length).toBeGreaterThanOrEqual(before.edits);
    expect(current(h, confirmation).text).toContain('✅');
    const offer = await Offers(h).findOne({ ref }).lean();
    expect(offer).toMatchObject({ state: 'sent', sentTopupId: order!.providerId });
    expect(await h.app.models.Watcher.countDocuments({ orderId: order!._id })).toBe(1);
  });

  it('a Confirm recorded just before a crash is sent once after the restart (by the new worker)', async () => {
    h = await startBot();
    const sourceId = refundedWithOffers(h, 'crash-2');
    const ref = resendRef(sourceId, 'FACTURE_DJEZZY', 500);
    const confirmation = await filledIn(h, await pressOfferNow(h, await statusWithOffers(h, 'crash-2')));
    h.app.crash(); // the background work dies; the intent recorded next is all that is left of the press
    await pressConfirm(h, confirmation);
    expect(await Offers(h).findOne({ ref }).lean()).toMatchObject({ state: 'confirming' });
    await sleep(300);
    expect(sendCount(h)).toBe(0);

    await h.boot();
    await waitUntilShows(h, confirmation, '✅', 'sent by the restarted worker, live');
    expect(sendCount(h)).toBe(1);
    expect((await h.order({ ref }))?.phase).toBe('final');
  });

  it('a confirmation whose fill-in was under way when the process died is filled in after the restart', async () => {
    h = await startBotWithPatientProvider();
    const sourceId = refundedWithOffers(h, 'crash-3');
    const status = await statusWithOffers(h, 'crash-3');
    const balance = h.emulator.hold(/account\/balance/); // the first process's balance call never comes back
    const confirmation = await pressOfferNow(h, status);
    await h.telegram.waitFor(() => balance.held === 1, { what: 'the balance call held at the provider' });
    expect(isLoading(h, confirmation)).toBe(true);

    await h.crashAndRestart();
    const filled = await filledIn(h, confirmation);
    expect(filled.text).toContain(formatAmount(h.emulator.balance, 'ar'));
    expect(button(filled, 'oc:').text).toBe(t('button-confirm'));
    // Nothing left owed: the fill-in is recorded as done.
    const ref = resendRef(sourceId, 'FACTURE_DJEZZY', 500);
    for (let i = 0; ; i++) {
      const offer = await Offers(h).findOne({ ref }).lean();
      if (offer?.previews?.length === 0 && offer.previewDueAt === null) break;
      if (i > 300) throw new Error(`fill-in still owed: ${JSON.stringify(offer?.previews)}`);
      await sleep(10);
    }
  });
});
