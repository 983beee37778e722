import { beforeEach, describe, expect, it } from 'vitest';
import { RESELLER, STAFF, sleep, type Harness } from '../support/harness.js';
import { LONG_FAST_PHASE, startBot } from '../support/start-bot.js';

let h: Harness;
beforeEach(async () => {
  // A 15 s fast phase (TIME_SCALE 0.05): on a loaded machine a frozen order still never drifts into the
  // long tail, whose resolution would rightly come as a second message.
  h = await startBot(LONG_FAST_PHASE);
});

/** An order frozen in HANDLING, with its status message shown in `chats`. */
async function trackedOrder(ref: string, chats: number[] = [RESELLER]): Promise<string> {
  const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref });
  h.emulator.setStatus(topupId, 'HANDLING');
  for (const chat of chats) {
    await h.send(`/status ${ref}`, { userId: chat });
    await h.waitForMessage(chat, (m) => m.text.includes('⏳'), `processing status in chat ${chat}`);
  }
  return topupId;
}

function versionsWith(chatId: number, marker: string): number {
  return h.telegram
    .messages(chatId)
    .flatMap((m) => m.history)
    .filter((html) => html.includes(marker)).length;
}

describe('Telegram faults while delivering status updates', () => {
  it('never sends an identical edit ("message is not modified" never happens)', async () => {
    const topupId = await trackedOrder('tg-same');
    const edits = h.telegram.callCount('editMessageText');
    const checks = h.emulator.callCount(/check-id/);
    await h.telegram.waitFor(() => h.emulator.callCount(/check-id/) >= checks + 10, { what: 'ten more checks with the same answer' });
    h.emulator.setStatus(topupId, 'FULFILLED');
    await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status');
    await sleep(300);
    const message = h.telegram.messages(RESELLER)[0]!;
    for (let i = 1; i < message.history.length; i++) expect(message.history[i]).not.toBe(message.history[i - 1]);
    expect(h.telegram.callCount('editMessageText')).toBeLessThanOrEqual(edits + 3); // elapsed-time steps and the final edit only
    expect(h.badRequests()).toEqual([]);
  });

  it('sends a fresh message when the user deleted the status message, and keeps updating that one', async () => {
    const topupId = await trackedOrder('tg-deleted');
    const original = h.telegram.lastMessage(RESELLER)!;
    h.telegram.userDeletesMessage(RESELLER, original.message_id);

    h.emulator.setStatus(topupId, 'PENDING'); // a change the deleted message can no longer show
    const fresh = await h.waitForMessage(RESELLER, (m) => m.message_id !== original.message_id, 'a fresh status message');
    expect(fresh.text).toContain('⏳');

    h.emulator.setStatus(topupId, 'FULFILLED');
    const final = await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status');
    expect(final.message_id).toBe(fresh.message_id); // the fresh message is the one edited now
    expect(h.telegram.messages(RESELLER)).toHaveLength(2);
    expect(h.telegram.message(RESELLER, original.message_id)?.deleted).toBe(true);
    expect(h.badRequests()).toEqual([]);
  });

  it('stops sending to a chat that blocked the bot, without disturbing the other chats', async () => {
    const topupId = await trackedOrder('tg-blocked', [RESELLER, STAFF]);
    h.telegram.blockChat(RESELLER);
    h.emulator.setStatus(topupId, 'PENDING');
    await h.waitForMessage(STAFF, (m) => m.text.includes('في انتظار المعالجة'), 'pending status (staff)');
    await h.telegram.waitFor(() => h.telegram.calls.some((c) => c.errorCode === 403), { what: 'a 403 from the blocked chat' });

    h.emulator.setStatus(topupId, 'FULFILLED');
    await h.waitForMessage(STAFF, (m) => m.text.includes('✅'), 'fulfilled status (staff)');
    await sleep(300);
    const toBlocked = h.telegram.calls.filter((c) => Number(c.params?.chat_id) === RESELLER);
    const first403 = toBlocked.findIndex((c) => c.errorCode === 403);
    expect(toBlocked.slice(first403 + 1)).toEqual([]);
    expect(versionsWith(STAFF, '✅')).toBe(1);
  });

  it('reaches the chat again once the user writes to the bot after unblocking it', async () => {
    const topupId = await trackedOrder('tg-unblocked');
    h.telegram.blockChat(RESELLER);
    h.emulator.setStatus(topupId, 'PENDING');
    await h.telegram.waitFor(() => h.telegram.calls.some((c) => c.errorCode === 403), { what: 'a 403' });
    while (!(await h.app.chats.isUnreachable(RESELLER))) await sleep(10); // the bot has noted it

    h.telegram.unblockChat(RESELLER);
    h.emulator.setStatus(topupId, 'FULFILLED');
    await h.send('/status tg-unblocked');
    await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status after unblocking');
  });
});

describe('Telegram rate limits (429) on status edits', () => {
  it.each([
    [1, 10_000],
    [6, 15_000],
  ])('429 retry_after %i on editMessageText: the final state still arrives, once', async (retryAfter, waitMs) => {
    const topupId = await trackedOrder(`tg-429-${retryAfter}`);
    h.telegram.failNext('editMessageText', { code: 429, retryAfter });
    h.emulator.setStatus(topupId, 'FULFILLED');

    await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status', waitMs);
    await sleep(300);
    const edits = h.telegram.calls.filter((c) => c.method === 'editMessageText');
    expect(edits.filter((c) => c.errorCode === 429)).toHaveLength(1);
    const limitedAt = edits.find((c) => c.errorCode === 429)!.at;
    const retried = edits.find((c) => c.at > limitedAt)!;
    expect(retried.at - limitedAt).toBeGreaterThanOrEqual(retryAfter * 1000 - 100); // retry_after honoured
    expect(h.telegram.messages(RESELLER)).toHaveLength(1);
    expect(versionsWith(RESELLER, '✅')).toBe(1);
    expect(h.badRequests()).toEqual([]);
  });
  it('a 429 for one chat does not hold back, in the other chats, a change that came while it was answered', async () => {
    // One delivery (of PENDING) is in flight, its edit of the reseller's message held by Telegram, when
    // the order is delivered (FULFILLED). Telegram then answers that edit 429 retry_after 60: the
    // reseller's chat must wait a minute, the staff chat must not (it shows ✅ at once, not in 60 s).
    const topupId = await trackedOrder('tg-429-others', [RESELLER, STAFF]);
    await h.waitUntilDelivered();
    const held = h.telegram.hold('editMessageText', { chatId: RESELLER });
    h.telegram.failNext('editMessageText', { code: 429, retryAfter: 60 }, { chatId: RESELLER });
    h.emulator.setStatus(topupId, 'PENDING');
    await held.arrived;
    h.emulator.setStatus(topupId, 'FULFILLED');
    for (;;) {
      const order = await h.order({ providerId: topupId });
      if (order?.status === 'FULFILLED') break; // recorded while the delivery of PENDING is held
      await sleep(10);
    }
    held.release();

    await h.waitForMessage(STAFF, (m) => m.text.includes('✅'), 'fulfilled status (staff)');
    expect(h.telegram.messages(STAFF)).toHaveLength(1);
    expect(h.telegram.calls.filter((c) => c.errorCode === 429)).toHaveLength(1);
    expect(h.telegram.messages(RESELLER)[0]!.text).not.toContain('✅'); // its chat waits out the 429
    expect(h.badRequests()).toEqual([]);
  });
});
