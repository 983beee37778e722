import { beforeEach, describe, expect, it } from 'vitest';
import { RESELLER, STAFF, sleep, type Harness } from '../support/harness.js';
import { LONG_FAST_PHASE, startBot } from '../support/start-bot.js';

let h: Harness;
beforeEach(async () => {
  // A 15 s fast phase (TIME_SCALE 0.05): a crash, the 2 s lease wait and a loaded machine never push a
  // polled order into the long tail, whose resolution would rightly come as a second message.
  h = await startBot({
    ...LONG_FAST_PHASE,
    app: { tracker: { idleMs: 200, pollLeaseMs: 2_000, deliveryLeaseMs: 2_000, lookupGiveUpMs: 1_000_000 } },
  });
});

function sendMobile(ref: string) {
  return h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref });
}

/** Versions of the chat's messages that showed `marker`: a final state must appear exactly once. */
function versionsWith(chatId: number, marker: string): number {
  return h.telegram
    .messages(chatId)
    .flatMap((m) => m.history)
    .filter((html) => html.includes(marker)).length;
}

describe('a restart (kill -9) while orders are being polled', () => {
  it('resumes polling and edits the original message to the final state, once', async () => {
    const { topupId } = sendMobile('restart-1');
    h.emulator.setStatus(topupId, 'PENDING');
    await h.send('/status restart-1');
    await h.send('/status restart-1', { userId: STAFF });
    const original = await h.waitForMessage(RESELLER, (m) => m.text.includes('⏳'), 'pending status');
    const staffOriginal = await h.waitForMessage(STAFF, (m) => m.text.includes('⏳'), 'pending status (staff)');
    expect((await h.order({ providerId: topupId }))?.phase).toBe('fast');
    await h.waitUntilDelivered(); // crash between checks, not in the middle of a send

    await h.crashAndRestart();
    const callsAfterRestart = h.emulator.callCount();
    h.emulator.setStatus(topupId, 'FULFILLED');

    const final = await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status after restart');
    const staffFinal = await h.waitForMessage(STAFF, (m) => m.text.includes('✅'), 'fulfilled status after restart (staff)');
    expect(h.emulator.callCount()).toBeGreaterThan(callsAfterRestart); // the new process polled
    expect(final.message_id).toBe(original.message_id);
    expect(staffFinal.message_id).toBe(staffOriginal.message_id);

    await sleep(500); // room for a duplicate delivery to show up, if there were one
    for (const chat of [RESELLER, STAFF]) {
      expect(h.telegram.messages(chat)).toHaveLength(1);
      expect(h.telegram.callCount('sendMessage', chat)).toBe(1);
      expect(versionsWith(chat, '✅')).toBe(1);
    }
    expect(h.badRequests()).toEqual([]);
  });

  it('resumes an unfinished lookup after a restart', async () => {
    const { topupId } = sendMobile('restart-2');
    h.emulator.injectFault({ kind: 503, times: 1_000 }); // the lookup cannot finish before the crash
    await h.send('/status restart-2');
    await h.waitForMessage(RESELLER, (m) => m.html.includes('<code>restart-2</code>'), 'looking-up message');
    await h.waitUntilDelivered();

    await h.crashAndRestart();
    h.emulator.clearFaults();
    h.emulator.setStatus(topupId, 'FULFILLED');
    await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status after restart');
    expect(h.telegram.messages(RESELLER)).toHaveLength(1);
  });

  it('never repeats a final state that was already delivered', async () => {
    const { topupId } = sendMobile('restart-3');
    await h.send('/status restart-3');
    const final = await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status');
    expect((await h.order({ providerId: topupId }))?.phase).toBe('final');
    await h.waitUntilDelivered();
    const calls = h.emulator.callCount();

    await h.crashAndRestart();
    await sleep(500);
    expect(h.telegram.messages(RESELLER)).toHaveLength(1);
    expect(h.telegram.message(RESELLER, final.message_id)?.editCount).toBe(final.editCount);
    expect(h.emulator.callCount()).toBe(calls);
  });
});
