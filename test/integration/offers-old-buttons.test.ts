import { describe, expect, it } from 'vitest';
import { resendRef } from '../../src/resend/offers.js';
import { RESELLER, sleep, STAFF, type Harness } from '../support/harness.js';
import {
  answers,
  button,
  buttonsOf,
  current,
  editsOf,
  filledIn,
  isLoading,
  FACTURE_500,
  lastAnswer,
  Offers,
  pressCancel,
  pressConfirm,
  pressOffer,
  pressOfferNow,
  refundedWithOffers,
  sendCount,
  statusWithOffers,
  waitUntilShows,
} from '../support/offer-steps.js';
import { startBot, startBotWithPatientProvider } from '../support/start-bot.js';

/**
 * Old and repeated presses on suggested offers, as a reseller makes them (a double tap, a second
 * device, a staff member, a button pressed again later): each press is answered with what is true
 * now, the message that shows a send (or its order's live status) is never overwritten by a press,
 * and "nothing was sent" is said only when nothing was.
 */

let h: Harness;

const t = (key: string, vars?: Record<string, string>) => h.app.translatorFor('ar')(key, vars);
const isLoadingHtml = (html: string) => html.includes(t('offer-loading'));

/**
 * The edits after "sending…" move forward only: never "sending…" again, and once the order is shown
 * (its id), never back to anything else (the tracker may show "looking up <ref>…" before its first
 * check: that is the order's status, not a press).
 */
function expectNoFlicker(edits: string[], providerId: string): void {
  expect(edits).not.toContain(t('offer-sending'));
  const shownFrom = edits.findIndex((html) => html.includes(`<code>${providerId}</code>`));
  expect(shownFrom).toBeGreaterThanOrEqual(0);
  expect(edits.slice(shownFrom).every((html) => html.includes(`<code>${providerId}</code>`))).toBe(true);
  expect(edits.slice(0, shownFrom).every((html) => html.startsWith(lookingUpPrefix()))).toBe(true);
}
const lookingUpPrefix = () => t('status-looking-up', { query: '\u0000' }).split('\u0000')[0]!;
const offerPress = (status: { message_id: number }, data: string, who = {}) => h.press(status.message_id, data, who);
/** The chat's messages that were shown as a confirmation (its heading), whatever they show now. */
const confirmationsIn = (chatId: number) => {
  const heading = t('offer-confirm', { number: '', name: '', plan: '', amount: '', balance: '' }).split('\n')[0]!;
  return h.telegram.messages(chatId).filter((m) => m.history[0]!.startsWith(heading));
};

describe('an offer that was sent says so wherever it is pressed', () => {
  it('the offer pressed again while it is sent and once it is sent: a reply pointing to its live status message, never a second confirmation', async () => {
    h = await startBotWithPatientProvider();
    const sourceId = refundedWithOffers(h, 'again-1');
    const ref = resendRef(sourceId, 'FACTURE_DJEZZY', 500);
    const status = await statusWithOffers(h, 'again-1');
    const offerData = button(status, 'of:').callback_data;

    // The reseller presses the offer and confirms; the provider has not answered the send yet.
    const confirmation = await pressOffer(h, status);
    const send = h.emulator.hold(/mobile\/send/);
    await pressConfirm(h, confirmation);
    expect(current(h, confirmation).html).toBe(t('offer-sending'));
    await h.telegram.waitFor(() => send.held === 1, { what: 'the send held at the provider' });

    // They press the same offer again: told it is being sent, pointed to the message that will show the outcome.
    await offerPress(status, offerData);
    let reply = h.telegram.lastMessage(RESELLER)!;
    expect(lastAnswer(h)?.text).toBe(t('offer-answer-sending'));
    expect(reply.replyTo).toBe(confirmation.message_id);
    expect(reply.html).toBe(t('offer-sending-reply'));
    expect(buttonsOf(reply)).toEqual([]);
    expect(current(h, confirmation).html).toBe(t('offer-sending'));

    send.release();
    const live = await waitUntilShows(h, confirmation, '✅', 'the sent order, live');
    const order = await h.order({ ref });
    expect(live.html).toContain(`<code>${order!.providerId}</code>`);
    const shownBefore = current(h, confirmation).history.length;

    // Pressed again once sent: "already sent", and a reply to the live status message; no balance, no Confirm.
    await offerPress(status, offerData);
    reply = h.telegram.lastMessage(RESELLER)!;
    expect(lastAnswer(h)?.text).toBe(t('offer-answer-sent'));
    expect(reply.replyTo).toBe(confirmation.message_id);
    expect(reply.html).toBe(t('offer-sent-reply'));
    expect(buttonsOf(reply)).toEqual([]);
    expect(confirmationsIn(RESELLER)).toHaveLength(1); // only the first one, now the live status
    expect(current(h, confirmation).history).toHaveLength(shownBefore);
    expect(current(h, confirmation).text).toContain('✅');
    expect(sendCount(h)).toBe(1);
    expect(h.badRequests()).toEqual([]);
  });

  it('a staff member presses the offer in their own chat after it was sent: a new message there becomes its live status', async () => {
    h = await startBot();
    const sourceId = refundedWithOffers(h, 'staff-1');
    const ref = resendRef(sourceId, 'FACTURE_DJEZZY', 500);
    const staffStatus = await statusWithOffers(h, 'staff-1', { userId: STAFF });
    const confirmation = await pressOffer(h, await statusWithOffers(h, 'staff-1'));
    await pressConfirm(h, confirmation);
    await waitUntilShows(h, confirmation, '✅', 'the sent order in the reseller chat');

    await offerPress(staffStatus, button(staffStatus, 'of:').callback_data, { userId: STAFF });
    const staffMessage = h.telegram.lastMessage(STAFF)!;
    expect(lastAnswer(h)?.text).toBe(t('offer-answer-sent'));
    expect(staffMessage.replyTo).toBe(staffStatus.message_id);
    expect(staffMessage.history[0]).toBe(t('offer-sent-loading', { ref }));
    expect(buttonsOf(staffMessage)).toEqual([]);

    const staffLive = await waitUntilShows(h, staffMessage, '✅', 'the staff chat follows the sent order');
    const order = await h.order({ ref });
    expect(staffLive.html).toContain(`<code>${order!.providerId}</code>`);
    expect(confirmationsIn(STAFF)).toEqual([]);
    expect(sendCount(h)).toBe(1);
    const watchers = await h.app.models.Watcher.find({ orderId: order!._id }).lean();
    expect(watchers.map((w) => [w.chatId, w.messageId]).sort()).toEqual(
      [
        [RESELLER, confirmation.message_id],
        [STAFF, staffMessage.message_id],
      ].sort(),
    );
  });

  it('a confirmation opened before the send (a second device): its Confirm and Cancel point to the live status message and change nothing', async () => {
    h = await startBot();
    const sourceId = refundedWithOffers(h, 'second-1');
    const ref = resendRef(sourceId, 'FACTURE_DJEZZY', 500);
    const status = await statusWithOffers(h, 'second-1');
    const first = await pressOffer(h, status);
    const second = await pressOffer(h, status); // the same offer, opened again on another device
    const otherAmountData = button(first, 'oa:').callback_data;
    await pressConfirm(h, first);
    await waitUntilShows(h, first, '✅', 'the sent order, live in the first confirmation');
    const liveShown = current(h, first).history.length;

    // The second confirmation's Confirm: already sent; it now says where the live status is, without buttons.
    await pressConfirm(h, second);
    expect(lastAnswer(h)?.text).toBe(t('offer-answer-sent'));
    expect(current(h, second).html).toBe(t('offer-sent-here', { ref }));
    expect(buttonsOf(current(h, second))).toEqual([]);

    // Its old Cancel (still on the other device's screen): cannot cancel what was sent; nothing edited.
    const secondShown = current(h, second).history.length;
    await h.press(second.message_id, button(second, 'ox:').callback_data);
    expect(lastAnswer(h)).toMatchObject({ text: t('offer-cannot-cancel-sent'), alert: true });
    expect(current(h, second).history).toHaveLength(secondShown);

    // The first confirmation's old "Other amount" (it is the live status message now): answered, no question.
    const messages = h.telegram.messages(RESELLER).length;
    await h.press(first.message_id, otherAmountData);
    expect(lastAnswer(h)?.text).toBe(t('offer-answer-sent'));
    expect(h.telegram.messages(RESELLER)).toHaveLength(messages);

    expect(current(h, first).history).toHaveLength(liveShown);
    expect(current(h, first).text).toContain('✅');
    expect(sendCount(h)).toBe(1);
    expect(h.badRequests()).toEqual([]);
  });
});

describe('Cancel only cancels what was not sent', () => {
  it('the old Cancel of a confirmed confirmation, while the send is under way and while the order is processing: never "nothing was sent"; the live status reaches ✅', async () => {
    h = await startBotWithPatientProvider();
    const sourceId = refundedWithOffers(h, 'oldcancel-1');
    const ref = resendRef(sourceId, 'FACTURE_DJEZZY', 500);
    const confirmation = await pressOffer(h, await statusWithOffers(h, 'oldcancel-1'));
    const cancelData = button(confirmation, 'ox:').callback_data;
    const confirmData = button(confirmation, 'oc:').callback_data;
    const send = h.emulator.hold(/mobile\/send/);
    await pressConfirm(h, confirmation);
    await h.telegram.waitFor(() => send.held === 1, { what: 'the send held at the provider' });

    // A double tap (or the second device) delivers the old Cancel while the send is under way.
    await h.press(confirmation.message_id, cancelData);
    expect(lastAnswer(h)).toMatchObject({ text: t('offer-cannot-cancel'), alert: true });
    expect(current(h, confirmation).html).toBe(t('offer-sending'));

    // The provider took the order; it stays processing for a while.
    const topupId = h.emulator.mobileIdOfRef(ref)!;
    h.emulator.setStatus(topupId, 'HANDLING');
    send.release();
    await h.telegram.waitFor(() => current(h, confirmation).html.includes(`<code>${topupId}</code>`), {
      what: 'the confirmation became the live status of the processing order',
    });
    expect(current(h, confirmation).html).not.toContain('✅');

    // The old Cancel and the old Confirm again, on the live status message: answered, never edited.
    await h.press(confirmation.message_id, cancelData);
    expect(lastAnswer(h)).toMatchObject({ text: t('offer-cannot-cancel-sent'), alert: true });
    await h.press(confirmation.message_id, confirmData);
    expect(lastAnswer(h)?.text).toBe(t('offer-answer-sent'));
    // Still the order's status (the tracker may have refreshed its elapsed time meanwhile, a press nothing).
    expect(current(h, confirmation).html).toContain(`<code>${topupId}</code>`);
    expect(current(h, confirmation).html).not.toContain('✅');

    h.emulator.setStatus(topupId, 'FULFILLED');
    const done = await waitUntilShows(h, confirmation, '✅', 'the live status reaches ✅');
    expect(done.history).not.toContain(t('offer-cancelled'));
    // Once it showed the order, the message never went back to "sending…" or anything a press wrote.
    const shownFrom = done.history.findIndex((html) => html.includes(`<code>${topupId}</code>`));
    expect(done.history.slice(shownFrom).every((html) => html.includes(`<code>${topupId}</code>`))).toBe(true);
    expect(sendCount(h)).toBe(1);
    expect(h.badRequests()).toEqual([]);
  });

  it('Cancel on a confirmation that was not sent says nothing was sent from it; its old Confirm then sends nothing', async () => {
    h = await startBot();
    const sourceId = refundedWithOffers(h, 'unsent-1');
    const ref = resendRef(sourceId, 'FACTURE_DJEZZY', 500);
    const status = await statusWithOffers(h, 'unsent-1');
    const cancelled = await pressOffer(h, status);
    const confirmData = button(cancelled, 'oc:').callback_data;

    await pressCancel(h, cancelled);
    expect(current(h, cancelled).html).toBe(t('offer-cancelled'));
    expect(buttonsOf(current(h, cancelled))).toEqual([]);

    // The old Confirm of the cancelled confirmation (another device): says it was cancelled, sends nothing.
    await h.press(cancelled.message_id, confirmData);
    expect(lastAnswer(h)).toMatchObject({ text: t('offer-answer-was-cancelled'), alert: true });
    expect(current(h, cancelled).html).toBe(t('offer-cancelled'));
    await sleep(500); // past the offer worker's next round (200 ms): a recorded send would have gone out
    expect(sendCount(h)).toBe(0);
    expect((await Offers(h).findOne({ ref }).lean())?.state).toBe('cancelled');

    // Pressing the offer again opens a fresh confirmation, which sends once.
    const fresh = await pressOffer(h, status);
    expect(buttonsOf(fresh).map((b) => b.text)).toContain(t('button-confirm'));
    await pressConfirm(h, fresh);
    await waitUntilShows(h, fresh, '✅', 'sent from the fresh confirmation');
    expect(sendCount(h)).toBe(1);

    // The cancelled confirmation's old Confirm now: the offer was sent, and it points to the live status.
    await h.press(cancelled.message_id, confirmData);
    expect(lastAnswer(h)?.text).toBe(t('offer-answer-sent'));
    expect(current(h, cancelled).html).toBe(t('offer-sent-here', { ref }));
    expect(sendCount(h)).toBe(1);
  });
});

describe('each press gets the answer that is true now', () => {
  it('old buttons after the offers expired: "already sent" for the one that was sent, "expired" for the other; no message changes', async () => {
    h = await startBot();
    const other = { typename: '🎁 MIX 1000', plan_code: 'MIX1000_DJEZZY', amount: 1000 };
    refundedWithOffers(h, 'expire-1', [FACTURE_500, other]);
    const status = await statusWithOffers(h, 'expire-1');
    const sent = await pressOffer(h, status, 0);
    const unsent = await pressOffer(h, status, 1);
    await pressConfirm(h, sent);
    await waitUntilShows(h, sent, '✅', 'the sent offer, live');
    await Offers(h).updateMany({}, { $set: { expiresAt: new Date(Date.now() - 60_000) } });
    const before = { sent: current(h, sent).history.length, unsent: current(h, unsent).history.length };
    const messages = h.telegram.messages(RESELLER).length;

    await h.press(sent.message_id, button(sent, 'oc:').callback_data);
    expect(lastAnswer(h)).toMatchObject({ text: t('offer-answer-sent'), alert: true });
    await h.press(status.message_id, button(status, 'of:', 0).callback_data);
    expect(lastAnswer(h)).toMatchObject({ text: t('offer-answer-sent'), alert: true });
    await pressConfirm(h, unsent);
    expect(lastAnswer(h)).toMatchObject({ text: t('offer-expired'), alert: true });

    expect(current(h, sent).history).toHaveLength(before.sent);
    expect(current(h, unsent).history).toHaveLength(before.unsent);
    expect(h.telegram.messages(RESELLER)).toHaveLength(messages);
    expect(sendCount(h)).toBe(1);
  });

  it('two Confirms 1 ms apart: one send, "sending…" shown once, and the message never flickers back', async () => {
    h = await startBot();
    const sourceId = refundedWithOffers(h, 'twice-1');
    const confirmation = await pressOffer(h, await statusWithOffers(h, 'twice-1'));
    const data = button(confirmation, 'oc:').callback_data;
    const editsBefore = editsOf(h, confirmation).length;

    const firstPress = h.press(confirmation.message_id, data);
    await sleep(1);
    const secondPress = h.press(confirmation.message_id, data);
    await Promise.all([firstPress, secondPress]);

    const done = await waitUntilShows(h, confirmation, '✅', 'the sent order, live');
    const order = await h.order({ ref: resendRef(sourceId, 'FACTURE_DJEZZY', 500) });
    // Every edit Telegram received for the message since the presses: "sending…" once, then only the order.
    const edits = editsOf(h, confirmation).slice(editsBefore);
    expect(edits[0]).toBe(t('offer-sending'));
    expectNoFlicker(edits.slice(1), order!.providerId);
    const [first, second] = h.telegram.calls
      .filter((c) => c.method === 'answerCallbackQuery')
      .slice(-2)
      .map((c) => (c.params as { text?: string }).text);
    expect(first).toBe(t('offer-sending'));
    expect([t('offer-answer-sending'), t('offer-answer-sent')]).toContain(second);
    expect(done.text).toContain('✅');
    expect(sendCount(h)).toBe(1);
    expect(h.badRequests()).toEqual([]);
  });
});

describe('confirmations whose balance arrives late', () => {
  it('sent meanwhile from another confirmation: the late one says so (and in another chat becomes the live status), never offering to send again', async () => {
    h = await startBotWithPatientProvider();
    const sourceId = refundedWithOffers(h, 'late-1');
    const ref = resendRef(sourceId, 'FACTURE_DJEZZY', 500);
    const status = await statusWithOffers(h, 'late-1');
    const staffStatus = await statusWithOffers(h, 'late-1', { userId: STAFF });
    const first = await pressOffer(h, status);

    // A second confirmation in this chat and one in the staff chat, their balance still on its way.
    const balance = h.emulator.hold(/account\/balance/, 5);
    const second = await pressOfferNow(h, status);
    const staffConfirmation = await pressOfferNow(h, staffStatus, 0, { userId: STAFF });
    await h.telegram.waitFor(() => balance.held >= 1, { what: 'the balance call held at the provider' });
    expect(isLoading(h, second)).toBe(true);

    await pressConfirm(h, first);
    await waitUntilShows(h, first, '✅', 'the sent order, live in the first confirmation');
    const liveShown = current(h, first).history.length;

    balance.release();
    // This chat: the late confirmation points to the live status message, without buttons.
    await h.telegram.waitFor(() => current(h, second).html === t('offer-sent-here', { ref }), {
      what: 'the late confirmation says the offer was sent',
    });
    expect(buttonsOf(current(h, second))).toEqual([]);
    // The staff chat had no message showing it: the late confirmation becomes the order's live status there.
    const staffLive = await waitUntilShows(h, staffConfirmation, '✅', 'the staff confirmation follows the sent order');
    const order = await h.order({ ref });
    expect(staffLive.html).toContain(`<code>${order!.providerId}</code>`);
    expect(buttonsOf(staffLive).filter((b) => b.callback_data.startsWith('oc:'))).toEqual([]);
    expect(
      staffLive.history.some(
        (html) =>
          html.includes(t('offer-confirm', { number: '', name: '', plan: '', amount: '', balance: '' }).split('\n')[0]!) &&
          !isLoadingHtml(html),
      ),
    ).toBe(false);

    expect(current(h, first).history).toHaveLength(liveShown);
    expect(sendCount(h)).toBe(1);
    expect(h.badRequests()).toEqual([]);
  });

  it('another confirmation of the offer cancelled meanwhile: the late one is still filled in and can send', async () => {
    h = await startBotWithPatientProvider();
    refundedWithOffers(h, 'late-2');
    const status = await statusWithOffers(h, 'late-2');
    const first = await pressOffer(h, status);
    const balance = h.emulator.hold(/account\/balance/);
    const second = await pressOfferNow(h, status);
    await h.telegram.waitFor(() => balance.held === 1, { what: 'the balance call held at the provider' });

    await pressCancel(h, first);
    expect(current(h, first).html).toBe(t('offer-cancelled'));
    balance.release();

    const filled = await filledIn(h, second);
    expect(filled.html).toContain(t('offer-confirm', { number: '', name: '', plan: '', amount: '', balance: '' }).split('\n')[0]!);
    await pressConfirm(h, filled);
    await waitUntilShows(h, second, '✅', 'sent from the late confirmation');
    expect(sendCount(h)).toBe(1);
  });
});

describe('in a staff group', () => {
  const GROUP = -4_000_777;
  const reseller = { chatId: GROUP, userId: RESELLER };
  const colleague = { chatId: GROUP, userId: STAFF };

  it('two members press Confirm on the same confirmation: one send, one "sending…"; then the offer and the old Cancel point to the live status', async () => {
    h = await startBot();
    await h.linkGroup(GROUP); // the account's staff group (both members own the account here)
    const sourceId = refundedWithOffers(h, 'group-1');
    const ref = resendRef(sourceId, 'FACTURE_DJEZZY', 500);
    await h.send(`/status@${h.telegram.botInfo.username} group-1`, reseller);
    const status = await h.waitForMessage(GROUP, (m) => buttonsOf(m).some((b) => b.callback_data.startsWith('of:')), 'offer buttons');
    const confirmation = await pressOffer(h, status, 0, reseller);
    const confirmData = button(confirmation, 'oc:').callback_data;
    const cancelData = button(confirmation, 'ox:').callback_data;
    const editsBefore = editsOf(h, confirmation).length;

    // Both members tap Confirm at the same moment.
    await Promise.all([h.press(confirmation.message_id, confirmData, reseller), h.press(confirmation.message_id, confirmData, colleague)]);
    const done = await waitUntilShows(h, confirmation, '✅', 'the sent order, live in the group');
    const order = await h.order({ ref });
    const edits = editsOf(h, confirmation).slice(editsBefore);
    expect(edits[0]).toBe(t('offer-sending'));
    expectNoFlicker(edits.slice(1), order!.providerId);
    const answered = answers(h)
      .slice(-2)
      .map((a) => a.text);
    expect(answered).toContain(t('offer-sending'));
    expect(answered.filter((text) => text === t('offer-sending'))).toHaveLength(1);

    // The colleague presses the offer again on the status message: a reply to the live status message.
    const shown = done.history.length;
    await h.press(status.message_id, button(status, 'of:').callback_data, colleague);
    const reply = h.telegram.lastMessage(GROUP)!;
    expect(reply.replyTo).toBe(confirmation.message_id);
    expect(reply.html).toBe(t('offer-sent-reply'));
    // And the old Cancel, from the other member's screen: an alert, the live status untouched.
    await h.press(confirmation.message_id, cancelData, colleague);
    expect(lastAnswer(h)).toMatchObject({ text: t('offer-cannot-cancel-sent'), alert: true });
    expect(current(h, confirmation).history).toHaveLength(shown);
    expect(sendCount(h)).toBe(1);
    expect(h.badRequests()).toEqual([]);
  });
});
