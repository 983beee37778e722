import { beforeEach, describe, expect, it } from 'vitest';
import { RESELLER, STAFF, sleep, type Harness } from '../support/harness.js';
import { LONG_FAST_PHASE, startBot } from '../support/start-bot.js';

/**
 * A claim that really expires while its holder is still working: worker A's provider call hangs (the
 * emulator holds it) and a second worker B, whose clock runs past A's lease (as it would after A hung
 * for that long), takes the order over and finishes it. When A's call finally returns its stale
 * answer, A's writes must change nothing and no chat may see a message twice.
 */
let h: Harness;
const LEASE_MS = 1_000;
beforeEach(async () => {
  h = await startBot({
    ...LONG_FAST_PHASE, // a 15 s fast phase: the order stays in it throughout
    app: {
      tracker: { idleMs: 100, pollLeaseMs: LEASE_MS, deliveryLeaseMs: LEASE_MS, lookupGiveUpMs: 1_000_000 },
      // A's held call must hang, not time out and be retried by the client.
      provider: { timeoutMs: 30_000, retry: { attempts: 1, baseDelayMs: 20, maxDelayMs: 200 } },
    },
  });
});

/** Versions of the chat's messages that showed `marker`. */
function versionsWith(chatId: number, marker: string): number {
  return h.telegram
    .messages(chatId)
    .flatMap((m) => m.history)
    .filter((html) => html.includes(marker)).length;
}

describe('a poll claim that expires mid-check', () => {
  it('the late worker writes nothing and no message is doubled', async () => {
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref: 'lease-1' });
    h.emulator.setStatus(topupId, 'PENDING');
    await h.send('/status lease-1');
    await h.send('/status lease-1', { userId: STAFF });
    await h.waitForMessage(RESELLER, (m) => m.text.includes('⏳'), 'pending status');
    await h.waitForMessage(STAFF, (m) => m.text.includes('⏳'), 'pending status (staff)');

    // Worker A's next check hangs; its answer (PENDING) is fixed when the request arrives.
    const held = h.emulator.hold(/check-id/);
    await h.telegram.waitFor(() => held.held === 1 || undefined, { what: "A's check to hang" });
    const heldBy = (await h.order({ providerId: topupId }))!.pollLeaseOwner;
    expect(heldBy).toBeTruthy();
    h.emulator.setStatus(topupId, 'FULFILLED');

    // Worker B: to its clock A's claim has long expired. It takes the order over and finishes it.
    await h.boot({ clock: { now: () => Date.now() + 5 * LEASE_MS } });
    await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status from worker B');
    await h.waitForMessage(STAFF, (m) => m.text.includes('✅'), 'fulfilled status from worker B (staff)');
    const finished = (await h.order({ providerId: topupId }))!;
    expect(finished).toMatchObject({ phase: 'final', status: 'FULFILLED' });

    // A's call returns its stale PENDING now. Had A's write applied, the order would be back in the
    // fast phase and both messages would go back to ⏳, then show ✅ a second time.
    held.release();
    await h.telegram.waitFor(() => (h.emulator.requests.filter((r) => r.path.includes('check-id')).length >= 2 ? true : undefined), {
      what: 'both checks answered',
    });
    await sleep(3 * LEASE_MS); // past a delivery of A's stale state (100 ms idle, 100 ms edit spacing), and past A's own lease

    const after = (await h.order({ providerId: topupId }))!;
    expect(after).toMatchObject({ phase: 'final', status: 'FULFILLED', nextCheckAt: null });
    expect(after.version).toBe(finished.version);
    expect(after.history.map((c) => c.status).at(-1)).toBe('FULFILLED');
    expect(after.history.filter((c) => c.status === 'FULFILLED')).toHaveLength(1);
    for (const chat of [RESELLER, STAFF]) {
      expect(h.telegram.messages(chat)).toHaveLength(1);
      expect(h.telegram.callCount('sendMessage', chat)).toBe(1);
      expect(versionsWith(chat, '✅')).toBe(1);
      expect(h.telegram.lastMessage(chat)?.text).toContain('✅');
    }
    // Both workers' provider calls are counted; only B's answer was applied.
    expect(after.providerCalls).toBe(h.emulator.callCount());
    expect(h.badRequests()).toEqual([]);
  });
});
