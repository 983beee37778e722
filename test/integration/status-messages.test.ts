import { describe, expect, it } from 'vitest';
import type { Translate } from '../../src/bot/i18n.js';
import type { FakeMessage } from '../support/fake-telegram.js';
import { RESELLER, STAFF, sleep, type Harness, type HarnessOptions } from '../support/harness.js';
import { LONG_FAST_PHASE, LONG_TAIL_ENV, startBotWithStaffGroup } from '../support/start-bot.js';

/**
 * Every status message the bot sends for an order must end true: the live one (the newest in its
 * chat) reaches the order's final state; an older one the chat asked for before is visibly replaced
 * (a note pointing to the newer message below) or, when the order had already closed, shows the
 * final state too. Muting ("🔕 Stop notifications", /unwatch) stops new messages only: the status
 * message is still edited, quietly, and never promises a message that will not come.
 *
 * Each test is written as the reseller's steps, and after the last one checks what the chat shows:
 * the final text of every message the bot sent there, and its buttons.
 */

const GROUP = -100_777;

let h: Harness;
let t: Translate;

async function start(opts: HarnessOptions = {}): Promise<void> {
  // A 15 s fast phase unless told otherwise: a frozen order stays in it.
  h = await startBotWithStaffGroup(GROUP, { ...LONG_FAST_PHASE, defaultLocale: 'en', ...opts });
  t = h.app.translatorFor('en');
}

function mobileOrder(ref: string, status: string, mssidn = '0778037340'): string {
  const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: mssidn, amount: 500, ref });
  h.emulator.setStatus(topupId, status);
  return topupId;
}

/** What one message of the chat shows, in words a reseller would use, with its buttons. */
interface Shown {
  answers: number | undefined;
  shows: string;
  buttons: string[];
}

function describeMessage(m: FakeMessage, ref: string): Shown {
  const headline = (key: string) => m.html.startsWith(t(key));
  let shows = m.html;
  if (m.html === t('status-replaced', { query: ref })) shows = 'replaced by a newer message';
  else if (m.html === t('status-looking-up', { query: ref })) shows = 'looking up';
  else if (headline('order-headline-mobile-fulfilled')) shows = 'delivered';
  else if (headline('order-headline-mobile-refunded')) shows = 'refunded';
  else if (headline('order-headline-mobile-pending')) shows = 'waiting';
  else if (headline('order-headline-mobile-processing')) shows = 'processing';
  else if (headline('order-headline-mobile-verifying')) shows = 'being verified';
  const buttons = (m.reply_markup?.inline_keyboard ?? []).flat().map((b) => b.text);
  return { answers: m.replyTo, shows, buttons };
}

/** Every message the bot sent in the chat, as it reads now. */
function chatShows(chatId: number, ref: string): Shown[] {
  return h.telegram.messages(chatId).map((m) => describeMessage(m, ref));
}

/** Waits until the chat reads exactly `expected`. */
async function waitForChat(chatId: number, ref: string, expected: Shown[], what: string): Promise<void> {
  await h.telegram
    .waitFor(() => JSON.stringify(chatShows(chatId, ref)) === JSON.stringify(expected) || undefined, { what, timeoutMs: 20_000 })
    .catch((err: Error) => {
      throw new Error(`${err.message}\nchat shows: ${JSON.stringify(chatShows(chatId, ref), null, 1)}`);
    });
}

/** The text of the answer to the latest button press. */
function lastCallbackAnswer(): string | undefined {
  const answers = h.telegram.calls.filter((c) => c.method === 'answerCallbackQuery');
  return (answers[answers.length - 1]?.params as { text?: string } | undefined)?.text;
}

/** Telegram refused nothing (no "message is not modified", no bad HTML). */
function expectNoTelegramErrors(): void {
  expect(h.badRequests()).toEqual([]);
  expect(h.telegram.calls.filter((c) => c.errorCode !== undefined && c.method !== 'getUpdates')).toEqual([]);
}

describe('asking again for the same order never leaves a message behind', () => {
  it('private chat, three times (by ref, ref, id): older messages point to the newest, which reaches ✅', async () => {
    await start();
    const id = mobileOrder('again-1', 'PENDING');

    const first = await h.send('/status again-1');
    await waitForChat(RESELLER, 'again-1', [{ answers: first, shows: 'waiting', buttons: [] }], 'the first answer');

    const second = await h.send('/status again-1');
    await waitForChat(
      RESELLER,
      'again-1',
      [
        { answers: first, shows: 'replaced by a newer message', buttons: [] },
        { answers: second, shows: 'waiting', buttons: [] },
      ],
      'the second answer; the first points to it',
    );

    const third = await h.send(`/status ${id}`);
    await waitForChat(
      RESELLER,
      'again-1',
      [
        { answers: first, shows: 'replaced by a newer message', buttons: [] },
        { answers: second, shows: 'replaced by a newer message', buttons: [] },
        { answers: third, shows: 'waiting', buttons: [] },
      ],
      'the third answer; both older ones point to it',
    );

    h.emulator.setStatus(id, 'FULFILLED');
    await waitForChat(
      RESELLER,
      'again-1',
      [
        { answers: first, shows: 'replaced by a newer message', buttons: [] },
        { answers: second, shows: 'replaced by a newer message', buttons: [] },
        { answers: third, shows: 'delivered', buttons: [] },
      ],
      'the newest message delivered',
    );
    await h.waitUntilDelivered();
    await sleep(300); // nothing else arrives
    expect(h.telegram.messages(RESELLER)).toHaveLength(3);
    expectNoTelegramErrors();
  });

  it('private chat, twice before the first answer went out: one message, answering the newer request', async () => {
    // The first answer may wait for its lookup (held at the provider) as long as it likes, and a
    // /status whose answer is owed holds later answers back until it is sent (however long).
    await start({ app: { firstAnswerWaitMs: 60_000, answerPlaceTtlMs: 600_000 } });
    const id = mobileOrder('again-2', 'PENDING');
    const lookup = h.emulator.hold(/check-ref/);
    const first = await h.send('/status again-2');
    const second = await h.send('/status again-2');
    lookup.release();

    await waitForChat(RESELLER, 'again-2', [{ answers: second, shows: 'waiting', buttons: [] }], 'one answer');
    // The first request gets no message of its own, so it holds nothing back: /help is answered.
    await h.send('/help');
    await h.waitForMessage(RESELLER, (m) => m.html === t('help'), 'the answer to /help');
    h.emulator.setStatus(id, 'FULFILLED');
    await h.telegram.waitFor(() => describeMessage(h.telegram.messages(RESELLER)[0]!, 'again-2').shows === 'delivered' || undefined, {
      what: 'it reaches ✅',
    });
    expect(first).toBeLessThan(second);
    await h.waitUntilDelivered();
    await sleep(300);
    expect(h.telegram.messages(RESELLER).map((m) => describeMessage(m, 'again-2'))).toEqual([
      { answers: second, shows: 'delivered', buttons: [] },
      { answers: undefined, shows: t('help'), buttons: [] },
    ]);
    expectNoTelegramErrors();
  });

  it('private chat, asked again while the first answer is on its way: that one is replaced too', async () => {
    await start();
    const id = mobileOrder('again-3', 'PENDING');
    // Telegram is slow to accept the first status message: the reseller asks again meanwhile.
    const slowSend = h.telegram.hold('sendMessage', { chatId: RESELLER });
    const first = await h.send('/status again-3');
    await slowSend.arrived;
    const second = await h.send('/status again-3');
    slowSend.release();

    await waitForChat(
      RESELLER,
      'again-3',
      [
        { answers: first, shows: 'replaced by a newer message', buttons: [] },
        { answers: second, shows: 'waiting', buttons: [] },
      ],
      'both answers; the first points to the second',
    );
    h.emulator.setStatus(id, 'FULFILLED');
    await waitForChat(
      RESELLER,
      'again-3',
      [
        { answers: first, shows: 'replaced by a newer message', buttons: [] },
        { answers: second, shows: 'delivered', buttons: [] },
      ],
      'the newer one delivered',
    );
    await h.waitUntilDelivered();
    await sleep(300);
    expect(h.telegram.messages(RESELLER)).toHaveLength(2);
    expectNoTelegramErrors();
  });

  it('by ref, then by id while the ref is still looked up; the order resolves before the ref lookup answers', async () => {
    // A slow provider answer must not time out here: the test holds it as long as it needs.
    await start({ app: { provider: { timeoutMs: 30_000, retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 200 } } } });
    const id = mobileOrder('again-5', 'PENDING');
    const slowLookup = h.emulator.hold(/check-ref/); // answers "PENDING" whenever it is let go

    const byRef = await h.send('/status again-5');
    await waitForChat(RESELLER, 'again-5', [{ answers: byRef, shows: 'looking up', buttons: [] }], 'looking up the ref');
    const byId = await h.send(`/status ${id}`);
    await waitForChat(
      RESELLER,
      'again-5',
      [
        { answers: byRef, shows: 'looking up', buttons: [] },
        { answers: byId, shows: 'waiting', buttons: [] },
      ],
      'the id found at once',
    );
    h.emulator.setStatus(id, 'FULFILLED');
    await waitForChat(
      RESELLER,
      'again-5',
      [
        { answers: byRef, shows: 'looking up', buttons: [] },
        { answers: byId, shows: 'delivered', buttons: [] },
      ],
      'delivered',
    );

    // The ref's lookup answers at last, with what the provider said before: the same order, which
    // stays delivered; the older message, replaced by the newer, shows the final state too.
    slowLookup.release();
    await waitForChat(
      RESELLER,
      'again-5',
      [
        { answers: byRef, shows: 'delivered', buttons: [] },
        { answers: byId, shows: 'delivered', buttons: [] },
      ],
      'both delivered',
    );
    await h.waitUntilDelivered();
    await sleep(300);
    expect(chatShows(RESELLER, 'again-5').map((m) => m.shows)).toEqual(['delivered', 'delivered']);
    const orders = await h.app.models.Order.find({}).lean();
    expect(orders.map((o) => o.phase)).toEqual(['final']);
    expectNoTelegramErrors();
  });

  it('by ref, then by id while the ref is still looked up: once it is found, the older message points to the newer', async () => {
    await start({ app: { provider: { timeoutMs: 30_000, retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 200 } } } });
    const id = mobileOrder('again-6', 'PENDING');
    const slowLookup = h.emulator.hold(/check-ref/);
    const byRef = await h.send('/status again-6');
    await waitForChat(RESELLER, 'again-6', [{ answers: byRef, shows: 'looking up', buttons: [] }], 'looking up the ref');
    const byId = await h.send(`/status ${id}`);
    await h.telegram.waitFor(() => h.telegram.messages(RESELLER).length === 2 || undefined, { what: 'the answer by id' });

    slowLookup.release(); // the same order: one order, one live message (the newer)
    await waitForChat(
      RESELLER,
      'again-6',
      [
        { answers: byRef, shows: 'replaced by a newer message', buttons: [] },
        { answers: byId, shows: 'waiting', buttons: [] },
      ],
      'the older message points to the newer',
    );
    h.emulator.setStatus(id, 'FULFILLED');
    await waitForChat(
      RESELLER,
      'again-6',
      [
        { answers: byRef, shows: 'replaced by a newer message', buttons: [] },
        { answers: byId, shows: 'delivered', buttons: [] },
      ],
      'the newer message delivered',
    );
    await h.waitUntilDelivered();
    await sleep(300);
    expect(h.telegram.messages(RESELLER)).toHaveLength(2);
    expectNoTelegramErrors();
  });

  it('group: two staff members ask for the same order; both messages end true', async () => {
    await start();
    const id = mobileOrder('group-1', 'PENDING');

    const resellerAsks = await h.send('/status group-1', { chatId: GROUP, userId: RESELLER });
    await waitForChat(GROUP, 'group-1', [{ answers: resellerAsks, shows: 'waiting', buttons: [] }], "the reseller's answer");

    const staffAsks = await h.send('/status group-1', { chatId: GROUP, userId: STAFF });
    await waitForChat(
      GROUP,
      'group-1',
      [
        { answers: resellerAsks, shows: 'replaced by a newer message', buttons: [] },
        { answers: staffAsks, shows: 'waiting', buttons: [] },
      ],
      "the staff member's answer; the reseller's points to it",
    );

    h.emulator.setStatus(id, 'FULFILLED');
    await waitForChat(
      GROUP,
      'group-1',
      [
        { answers: resellerAsks, shows: 'replaced by a newer message', buttons: [] },
        { answers: staffAsks, shows: 'delivered', buttons: [] },
      ],
      'the live message delivered',
    );
    await h.waitUntilDelivered();
    await sleep(300);
    expect(h.telegram.messages(GROUP)).toHaveLength(2);
    expectNoTelegramErrors();
  });

  it('an older message that already shows the final state keeps it (no needless edit)', async () => {
    // The first answer waits for the lookup however long a loaded machine takes (production: 700 ms,
    // then "looking up…" and an edit): the message shows the final state from the start.
    await start({ app: { firstAnswerWaitMs: 30_000 } });
    mobileOrder('again-4', 'FULFILLED');
    const first = await h.send('/status again-4');
    await waitForChat(RESELLER, 'again-4', [{ answers: first, shows: 'delivered', buttons: [] }], 'the first answer');
    const second = await h.send('/status again-4');
    await waitForChat(
      RESELLER,
      'again-4',
      [
        { answers: first, shows: 'delivered', buttons: [] },
        { answers: second, shows: 'delivered', buttons: [] },
      ],
      'both delivered',
    );
    await h.waitUntilDelivered();
    expect(h.telegram.messages(RESELLER)[0]!.editCount).toBe(0);
    expectNoTelegramErrors();
  });
});

describe('muting stops new messages, not the status message', () => {
  const verifyingWithPromise = () => t('order-verifying-note');
  const mute = () => t('button-mute');

  it('🔕 pressed twice on an order being verified, which is then delivered: edited quietly, no push', async () => {
    await start({ timeScale: 0.01, env: LONG_TAIL_ENV });
    const id = mobileOrder('mute-1', 'UNKNOWN_ERROR', '0600000003');

    const asked = await h.send('/status mute-1');
    await waitForChat(RESELLER, 'mute-1', [{ answers: asked, shows: 'being verified', buttons: [mute()] }], 'verifying, with 🔕');
    const status = h.telegram.messages(RESELLER)[0]!;
    expect(status.html).toContain(verifyingWithPromise()); // unmuted: the push is promised

    const button = (status.reply_markup!.inline_keyboard[0]![0] as { callback_data: string }).callback_data;
    await h.press(status.message_id, button);
    expect(lastCallbackAnswer()).toBe(t('mute-done'));
    await h.press(status.message_id, button); // a double tap, before or after the edit
    expect(lastCallbackAnswer()).toBe(t('mute-already'));

    await waitForChat(RESELLER, 'mute-1', [{ answers: asked, shows: 'being verified', buttons: [] }], 'the 🔕 button gone');
    const muted = h.telegram.messages(RESELLER)[0]!;
    expect(muted.html).not.toContain(verifyingWithPromise());
    expect(muted.html).toContain(t('order-verifying-note-quiet'));
    expect(muted.html).toContain(t('order-muted'));

    // A few rechecks later the order is delivered: the message is edited, and no new message comes.
    await h.telegram.waitFor(() => h.emulator.callCount(/check-id/) >= 3 || undefined, { what: 'long-tail rechecks' });
    h.emulator.setStatus(id, 'FULFILLED');
    await waitForChat(RESELLER, 'mute-1', [{ answers: asked, shows: 'delivered', buttons: [] }], 'delivered, quietly');
    expect(h.telegram.messages(RESELLER)[0]!.html).not.toContain(t('order-muted'));
    await h.waitUntilDelivered();
    await sleep(600); // past the moment a push would have gone
    expect(h.telegram.messages(RESELLER)).toHaveLength(1);

    // 🔕 on the settled order (an old client still showing it): a true answer, nothing changes.
    await h.press(status.message_id, button);
    expect(lastCallbackAnswer()).toBe(t('mute-settled'));
    expectNoTelegramErrors();
  });

  it('/unwatch mutes one chat: its message is still edited to ❌, the other chat gets the push', async () => {
    await start({ timeScale: 0.01, env: LONG_TAIL_ENV });
    const id = mobileOrder('mute-2', 'UNKNOWN_ERROR', '0600000003');
    const resellerAsks = await h.send('/status mute-2');
    const staffAsks = await h.send('/status mute-2', { userId: STAFF });
    await waitForChat(RESELLER, 'mute-2', [{ answers: resellerAsks, shows: 'being verified', buttons: [mute()] }], 'reseller');
    await waitForChat(STAFF, 'mute-2', [{ answers: staffAsks, shows: 'being verified', buttons: [mute()] }], 'staff');

    await h.send('/unwatch mute-2');
    expect(h.telegram.lastMessage(RESELLER)!.html).toBe(t('unwatch-done', { query: 'mute-2' }));
    await h.send('/unwatch mute-2');
    expect(h.telegram.lastMessage(RESELLER)!.html).toBe(t('unwatch-already', { query: 'mute-2' }));
    await h.telegram.waitFor(() => !h.telegram.messages(RESELLER)[0]!.reply_markup || undefined, { what: 'the 🔕 button gone' });
    expect(h.telegram.messages(RESELLER)[0]!.html).toContain(t('order-muted'));
    // Still followed (its message updates), only muted: /pending lists it as such.
    await h.send('/pending');
    const pending = h.telegram.lastMessage(RESELLER)!.html;
    expect(pending).toContain('<code>mute-2</code>');
    expect(pending).toContain(t('pending-muted'));

    h.emulator.setStatus(id, 'REFUNDED', { refund_message: 'رقم الهاتف خاطئ' });
    // The chat that did not mute gets the push (a new message replying to its status message).
    await waitForChat(
      STAFF,
      'mute-2',
      [
        { answers: staffAsks, shows: 'refunded', buttons: [] },
        { answers: h.telegram.messages(STAFF)[0]!.message_id, shows: 'refunded', buttons: [] },
      ],
      'staff: edited and pushed',
    );
    const unwatchReplies = h.telegram.messages(RESELLER).slice(1);
    await h.telegram.waitFor(() => h.telegram.messages(RESELLER)[0]!.html.startsWith(t('order-headline-mobile-refunded')) || undefined, {
      what: 'reseller: edited to ❌',
    });
    await h.waitUntilDelivered();
    await sleep(600);
    expect(describeMessage(h.telegram.messages(RESELLER)[0]!, 'mute-2')).toEqual({ answers: resellerAsks, shows: 'refunded', buttons: [] });
    expect(h.telegram.messages(RESELLER).slice(1)).toEqual(unwatchReplies); // no push

    await h.send('/unwatch mute-2');
    expect(h.telegram.lastMessage(RESELLER)!.html).toBe(t('unwatch-settled', { query: 'mute-2' }));
    expectNoTelegramErrors();
  });
});
