import { afterEach, describe, expect, it } from 'vitest';
import type { FakeCall } from '../support/fake-telegram.js';
import { Harness, RESELLER, sleep, type HarnessOptions } from '../support/harness.js';

/**
 * Telegram pacing with the fake enforcing Telegram's flood limits (about one message a second per
 * private chat, 20 a minute per group, about 30 a second across chats, sends and edits alike): the bot
 * must never provoke a 429, every answer must arrive, in order, and a status shows its latest state.
 */

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function start(opts: HarnessOptions = {}): Promise<Harness> {
  // Production's edit spacing (the harness shortens it): the pacer alone must keep the limits.
  h = await Harness.start({ telegramLimits: true, defaultLocale: 'en', editIntervalMs: 2_500, ...opts });
  await h.linkGroup(GROUP);
  return h;
}

function frozenOrder(harness: Harness, ref: string, status = 'HANDLING'): string {
  const { topupId } = harness.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref });
  harness.emulator.setStatus(topupId, status);
  return topupId;
}

const GROUP = -100_555;
/**
 * A first status message waits this long for its lookup's answer (production: 700 ms, a latency
 * budget a loaded machine can miss): what it shows is tested here, not how fast the lookup was.
 */
const PATIENT_FIRST_ANSWER_MS = 30_000;

function chatOf(call: FakeCall): number {
  return Number((call.params as { chat_id?: unknown }).chat_id);
}

describe('pacing per chat, with Telegram limits enforced', () => {
  it('answers a burst of commands in one private chat: every answer, in order, no 429 provoked', async () => {
    const h = await start({ timeScale: 0.2 });
    const t = h.app.translatorFor('en');
    const ids = Array.from({ length: 8 }, (_, i) => frozenOrder(h, `burst-${i}`));
    const asked: number[] = [];
    for (let i = 0; i < 8; i++) {
      asked.push(await h.send(`/status burst-${i}`));
      await sleep(200); // eight /status in under two seconds
    }
    // A 429 in the middle of the burst (Telegram may send one anyway) loses nothing either.
    h.telegram.failNext('sendMessage', { code: 429, retryAfter: 1 }, { chatId: RESELLER });
    await h.send('/pending');
    await h.send('/help');
    await h.send('/unwatch burst-0');
    await h.send('/language');
    for (const id of ids) h.emulator.setStatus(id, 'FULFILLED');

    const messages = await h.telegram.waitFor(
      () => {
        const all = h.telegram.messages(RESELLER);
        return all.length >= 12 && all.slice(1, 8).every((m) => m.text.includes('✅')) ? all : undefined;
      },
      { timeoutMs: 60_000, what: 'twelve answers and seven fulfilled status messages' },
    );
    // In order: eight status messages, each answering its own /status, then the four replies.
    expect(messages).toHaveLength(12);
    expect(messages.slice(0, 8).map((m) => m.replyTo)).toEqual(asked);
    expect(messages[8]!.text).toContain('Orders not settled yet');
    expect(messages[9]!.html).toBe(t('help'));
    expect(messages[10]!.html).toBe(t('unwatch-done', { query: 'burst-0' }));
    expect(messages[11]!.html).toBe(t('language-choose'));
    expect(h.telegram.rateLimitedCount()).toBe(0);
    expect(h.telegram.calls.filter((c) => c.errorCode === 429)).toHaveLength(1); // the injected one only
    expect(h.badRequests()).toEqual([]);
  }, 90_000);

  it('holds a group to 20 messages a minute; held edits show the latest state, not the ones in between', async () => {
    // A 150 s fast phase: the orders stay in it for the whole minute the group is held.
    const h = await start({ timeScale: 0.5 });
    const ids = Array.from({ length: 12 }, (_, i) => frozenOrder(h, `group-${i}`));
    for (let i = 0; i < 12; i++) await h.send(`/status group-${i}`, { chatId: GROUP });
    await h.telegram.waitFor(() => h.telegram.messages(GROUP).length === 12, { timeoutMs: 30_000, what: 'twelve status messages' });
    // Every order moves on twice; 12 messages + 12 edits exceed the group's 20 a minute.
    for (const id of ids) h.emulator.setStatus(id, 'PENDING');
    await sleep(6_000);
    for (const id of ids) h.emulator.setStatus(id, 'FULFILLED');

    const messages = await h.telegram.waitFor(
      () => {
        const all = h.telegram.messages(GROUP);
        return all.every((m) => m.text.includes('✅')) ? all : undefined;
      },
      { timeoutMs: 100_000, what: 'every status message fulfilled' },
    );
    expect(messages).toHaveLength(12);
    expect(h.telegram.rateLimitedCount()).toBe(0);
    // No rolling minute saw more than 20 messages (sends and edits) in the group.
    const accepted = h.telegram.calls.filter((c) => c.ok && chatOf(c) === GROUP && c.method !== 'getUpdates');
    for (const call of accepted) expect(accepted.filter((c) => c.at >= call.at && c.at < call.at + 60_000).length).toBeLessThanOrEqual(20);
    // The messages held back by the limit skipped "pending": their one edit showed the latest state.
    const pendingHeadline = h.app.translatorFor('en')('order-headline-mobile-pending');
    const skipped = messages.filter((m) => !m.history.some((html) => html.includes(pendingHeadline)));
    expect(skipped.length).toBeGreaterThanOrEqual(1);
    expect(messages.length - skipped.length).toBeGreaterThanOrEqual(1); // the pending state was shown where there was room
  }, 150_000);

  it("sends a command's reply before queued edits of older messages, and a 429 loses none of them", async () => {
    const h = await start({ timeScale: 0.2 });
    const a = frozenOrder(h, 'queued-a');
    const b = frozenOrder(h, 'queued-b');
    await h.send('/status queued-a');
    await h.send('/status queued-b');
    await h.telegram.waitFor(() => h.telegram.messages(RESELLER).length === 2, { what: 'two status messages' });
    // Telegram holds the chat back for 2 s: the next edit gets a 429 and waits.
    h.telegram.failNext('editMessageText', { code: 429, retryAfter: 2 }, { chatId: RESELLER });
    h.emulator.setStatus(a, 'PENDING');
    await h.telegram.waitFor(() => h.telegram.calls.some((c) => c.errorCode === 429), { what: 'the 429' });
    h.emulator.setStatus(a, 'FULFILLED');
    h.emulator.setStatus(b, 'FULFILLED');
    await sleep(500); // both edits are now owed while the chat is held
    await h.send('/help');

    await h.telegram.waitFor(
      () =>
        h.telegram
          .messages(RESELLER)
          .slice(0, 2)
          .every((m) => m.text.includes('✅')),
      {
        timeoutMs: 20_000,
        what: 'both status messages fulfilled',
      },
    );
    const limitedAt = h.telegram.calls.find((c) => c.errorCode === 429)!.at;
    const after = h.telegram.calls.filter((c) => c.ok && c.at > limitedAt && chatOf(c) === RESELLER);
    expect(after[0]?.method).toBe('sendMessage'); // the /help reply first
    expect(after.slice(1).map((c) => c.method)).toEqual(['editMessageText', 'editMessageText']);
    const [first, second, help] = h.telegram.messages(RESELLER);
    expect(help?.html).toBe(h.app.translatorFor('en')('help'));
    // The refused "pending" edit was never repeated: the message went straight to the latest state.
    expect(first!.history).toHaveLength(2);
    expect(second!.history).toHaveLength(2);
    expect(h.telegram.rateLimitedCount()).toBe(0);
  }, 60_000);

  it('shows an order already final at the provider in the first message, without "looking up" first', async () => {
    const h = await start({ app: { firstAnswerWaitMs: PATIENT_FIRST_ANSWER_MS } });
    const id = frozenOrder(h, 'already-final', 'FULFILLED');
    await h.send('/status already-final');
    const first = await h.waitForMessage(RESELLER, () => true, 'the first status message');
    await h.waitUntilDelivered();
    await sleep(300);
    expect(h.telegram.messages(RESELLER)).toHaveLength(1);
    expect(first.history[0]).toContain('✅');
    expect(h.telegram.message(RESELLER, first.message_id)!.history).toHaveLength(1); // never edited
    // The same by id.
    await h.send(`/status ${id}`);
    const byId = await h.waitForMessage(RESELLER, (m) => m.message_id !== first.message_id, 'the status message by id');
    expect(byId.history[0]).toContain('✅');
  });
});
