import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness, RESELLER, sleep } from '../support/harness.js';

let h: Harness;
beforeEach(async () => {
  // A 15 s fast phase (TIME_SCALE 0.05): on a loaded machine a frozen order still never drifts into the
  // long tail, whose resolution would rightly come as a second message.
  h = await Harness.start({ timeScale: 0.05 });
});
afterEach(async () => {
  await h.close();
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
  return h.telegram.messages(chatId).flatMap((m) => m.history).filter((html) => html.includes(marker)).length;
}

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
});
