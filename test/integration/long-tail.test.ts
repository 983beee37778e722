import { describe, expect, it } from 'vitest';
import { RESELLER, STAFF, type Harness } from '../support/harness.js';
import { skewedClock } from '../support/skewed-clock.js';
import { startLongTailBot } from '../support/start-bot.js';

/** TIME_SCALE 0.01 with compressed recheck schedules (LONG_TAIL_ENV). */
const HOUR = 3_600_000;
let h: Harness;

describe('long tail', () => {
  it('UNKNOWN_ERROR -> FULFILLED: a new message replies to the status message, which is edited too', async () => {
    h = await startLongTailBot();
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
    h = await startLongTailBot();
    await h.boot(); // a second worker process on the same MongoDB
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0600000003', amount: 500, ref: 'lt-2' });
    h.emulator.setStatus(topupId, 'UNKNOWN_ERROR');
    await h.send('/status lt-2');
    await h.send('/status lt-2', { userId: STAFF });
    await h.waitForMessage(RESELLER, (m) => m.text.includes('⚠️'), 'verifying for the reseller');
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

describe('long tail: more outcomes', () => {
  it('QUEUED -> FULFILLED pushes the card code', async () => {
    h = await startLongTailBot();
    const { topupId } = h.emulator.sendInternet({ type: 'ADSL', number: '036362608', value: 1000, ref: 'net-q1' });
    h.emulator.setStatus(topupId, 'QUEUED');
    await h.send('/status net-q1');
    const status = await h.waitForMessage(RESELLER, (m) => m.text.includes('⏰'), 'queued status');
    h.emulator.setStatus(topupId, 'FULFILLED', { card_code: '998877665544', num_trans: 'AT-2026-777' });
    const push = await h.telegram.waitFor(() => h.telegram.messages(RESELLER).find((m) => m.message_id !== status.message_id), {
      what: 'the card push',
    });
    expect(push.html).toContain('<code>998877665544</code>');
    expect(push.text).toContain('AT-2026-777');
  });

  it('an order still processing after the fast phase is rechecked and its resolution pushed', async () => {
    // Fast phase 5 min x 0.001 = 300 ms; first timeout recheck 10 s x 0.001 = 10 ms, then backing off.
    h = await startLongTailBot({ timeScale: 0.001, env: { RECHECK_SWEEP_EVERY: '50s' } });
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 300, ref: 'slow-1' });
    h.emulator.setStatus(topupId, 'HANDLING');
    await h.send('/status slow-1');
    const status = await h.waitForMessage(RESELLER, (m) => m.reply_markup !== undefined, 'long-tail status with a stop button');
    expect(status.text).toContain('⏳');
    h.emulator.setStatus(topupId, 'FULFILLED');
    const push = await h.telegram.waitFor(() => h.telegram.messages(RESELLER).find((m) => m.message_id !== status.message_id), {
      what: 'the resolution push',
    });
    expect(push.text).toContain('✅');
    expect(push.replyTo).toBe(status.message_id);
  });

  it('a Telegram 429 during the announcement delays it but never drops or doubles it', async () => {
    h = await startLongTailBot();
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0600000003', amount: 500, ref: 'lt-429' });
    h.emulator.setStatus(topupId, 'UNKNOWN_ERROR');
    await h.send('/status lt-429');
    const status = await h.waitForMessage(RESELLER, (m) => m.text.includes('⚠️'), 'verifying status');
    // Longer than auto-retry waits in place (5 s): the delivery must reschedule by retry_after.
    h.telegram.failNext('sendMessage', { code: 429, retryAfter: 6 }, { chatId: RESELLER });
    h.emulator.setStatus(topupId, 'FULFILLED');
    await h.telegram.waitFor(() => h.telegram.calls.some((c) => c.method === 'sendMessage' && c.errorCode === 429) || undefined, {
      what: 'the 429',
    });
    const push = await h.telegram.waitFor(() => h.telegram.messages(RESELLER).find((m) => m.message_id !== status.message_id), {
      what: 'the push after retry_after',
      timeoutMs: 15_000,
    });
    expect(push.text).toContain('✅');
    await new Promise((r) => setTimeout(r, 500));
    expect(h.telegram.messages(RESELLER)).toHaveLength(2);
  }, 30_000);

  it('a worker killed mid-recheck is replaced and the resolution still arrives once', async () => {
    h = await startLongTailBot();
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0600000003', amount: 500, ref: 'lt-kill' });
    h.emulator.setStatus(topupId, 'UNKNOWN_ERROR');
    await h.send('/status lt-kill');
    const status = await h.waitForMessage(RESELLER, (m) => m.text.includes('⚠️'), 'verifying status');
    // The provider hangs: the running recheck is stuck inside its provider call when the worker dies.
    h.emulator.injectFault({ kind: 'timeout', path: /check-id/, times: 1 });
    const before = h.emulator.requests.length;
    await h.telegram.waitFor(() => h.emulator.requests.length > before || undefined, { what: 'a recheck in flight' });
    h.emulator.setStatus(topupId, 'FULFILLED');
    await h.crashAndRestart();
    const push = await h.telegram.waitFor(() => h.telegram.messages(RESELLER).find((m) => m.message_id !== status.message_id), {
      what: 'the push from the new worker',
      timeoutMs: 15_000,
    });
    expect(push.text).toContain('✅');
    await new Promise((r) => setTimeout(r, 800));
    expect(h.telegram.messages(RESELLER)).toHaveLength(2);
  }, 30_000);

  it('reconciles many due orders with list pages instead of one check each', async () => {
    h = await startLongTailBot({ env: { RECHECK_LIST_THRESHOLD: '5' } });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0600000003', amount: 500, ref: `bulk-${i}` });
      h.emulator.setStatus(topupId, 'UNKNOWN_ERROR');
      ids.push(topupId);
    }
    for (let i = 0; i < 12; i++) await h.send(`/status bulk-${i}`);
    // Twelve status messages in one private chat: paced at about one a second, as Telegram allows.
    await h.telegram.waitFor(() => h.telegram.messages(RESELLER).filter((m) => m.text.includes('⚠️')).length === 12 || undefined, {
      what: 'twelve orders in the long tail',
      timeoutMs: 40_000,
    });
    h.emulator.resetCounters();
    await h.telegram.waitFor(() => h.emulator.callCount(/\/v3\/mobile\/list/) >= 3 || undefined, { what: 'three list reconciliations' });
    // Three long-tail rounds for twelve orders cost list pages, not 36 checks.
    expect(h.emulator.callCount(/\/v3\/mobile\/check-id/)).toBeLessThanOrEqual(2);
    for (const id of ids) h.emulator.setStatus(id, 'FULFILLED');
    // Twelve pushes and twelve edits in one private chat: Telegram allows about one a second.
    await h.telegram.waitFor(() => (h.telegram.messages(RESELLER).length >= 24 ? true : undefined), {
      what: '12 pushes',
      timeoutMs: 40_000,
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(h.telegram.messages(RESELLER)).toHaveLength(24);
  }, 90_000);

  it('an order unresolved when its window closes gets one final message with advice, then tracking stops', async () => {
    // The window (72 h x 0.01 = 43 min) closes when the test moves the bot's clock past it, not on
    // the wall clock: a window of a few hundred real ms could close before the status message is on
    // screen (the message then shows the outcome itself, and there is no push to test).
    const clock = skewedClock();
    h = await startLongTailBot({ app: { clock } });
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0600000003', amount: 500, ref: 'lt-exp' });
    h.emulator.setStatus(topupId, 'UNKNOWN_ERROR');
    await h.send('/status lt-exp', { languageCode: 'en' });
    const status = await h.waitForMessage(RESELLER, (m) => m.text.includes('⚠️'), 'verifying status');
    await h.waitUntilDelivered();
    expect(h.telegram.messages(RESELLER)).toEqual([status]);
    clock.advance(72 * HOUR * 0.01);
    const push = await h.telegram.waitFor(() => h.telegram.messages(RESELLER).find((m) => m.message_id !== status.message_id), {
      what: 'the expiry message',
      timeoutMs: 15_000,
    });
    expect(push.replyTo).toBe(status.message_id);
    expect(push.html).toContain('<code>lt-exp</code>');
    expect(push.html).toContain(`<code>${topupId}</code>`);
    const calls = h.emulator.callCount(/check-id/);
    await new Promise((r) => setTimeout(r, 800));
    expect(h.emulator.callCount(/check-id/)).toBe(calls); // tracking stopped
    expect(h.telegram.messages(RESELLER)).toHaveLength(2);
  }, 30_000);

  it("/pending lists the chat's unresolved orders; the stop button and /unwatch stop pushes for that chat only", async () => {
    h = await startLongTailBot();
    const a = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0600000003', amount: 500, ref: 'watch-a' });
    const b = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0600000003', amount: 500, ref: 'watch-b' });
    h.emulator.setStatus(a.topupId, 'UNKNOWN_ERROR');
    h.emulator.setStatus(b.topupId, 'UNKNOWN_ERROR');
    await h.send('/status watch-a');
    await h.send('/status watch-a', { userId: STAFF });
    await h.send('/status watch-b');
    const withButton = await h.telegram.waitFor(
      () => h.telegram.messages(RESELLER).filter((m) => m.reply_markup?.inline_keyboard.length).length === 2 || undefined,
      { what: 'stop buttons' },
    );
    expect(withButton).toBe(true);
    await h.send('/pending');
    const pending = h.telegram.lastMessage(RESELLER)!;
    expect(pending.html).toContain('<code>watch-a</code>');
    expect(pending.html).toContain('<code>watch-b</code>');

    const statusA = h.telegram.messages(RESELLER).find((m) => m.html.includes('watch-a') && m.reply_markup)!;
    const button = statusA.reply_markup!.inline_keyboard[0]![0]! as { callback_data: string };
    await h.press(statusA.message_id, button.callback_data);
    await h.send('/unwatch watch-b');
    const before = h.telegram.messages(RESELLER).length;
    h.emulator.setStatus(a.topupId, 'FULFILLED');
    h.emulator.setStatus(b.topupId, 'FULFILLED');
    await h.telegram.waitFor(() => h.telegram.messages(STAFF).length === 2 || undefined, { what: 'staff still gets the push' });
    await new Promise((r) => setTimeout(r, 600));
    expect(h.telegram.messages(RESELLER)).toHaveLength(before);
  }, 30_000);
});
