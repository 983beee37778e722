import { describe, expect, it } from 'vitest';
import { ChatPacer, type Priority } from '../../src/outbox/chat-pacer.js';

/** Runs one paced "call" that takes `ms` and records when it started. */
function paced(
  pacer: ChatPacer,
  log: string[],
  chatId: number,
  name: string,
  priority: Priority,
  place?: Parameters<ChatPacer['acquire']>[2],
) {
  return pacer.acquire(chatId, priority, place).then(async () => {
    log.push(name);
    await new Promise((r) => setTimeout(r, 5));
    pacer.release(chatId, { accepted: true, ...(place ? { place } : {}) });
  });
}

describe('ChatPacer', () => {
  it('spaces one chat from the previous answer, and lets other chats go meanwhile', async () => {
    const pacer = new ChatPacer({ limits: { privateIntervalMs: 200 } });
    const starts: Array<[number, number]> = [];
    const t0 = Date.now();
    await Promise.all(
      [1, 1, 1, 2].map((chat) =>
        pacer.acquire(chat, 'reply').then(() => {
          starts.push([chat, Date.now() - t0]);
          pacer.release(chat, { accepted: true });
        }),
      ),
    );
    const chat1 = starts.filter(([c]) => c === 1).map(([, at]) => at);
    expect(chat1[1]! - chat1[0]!).toBeGreaterThanOrEqual(195);
    expect(chat1[2]! - chat1[1]!).toBeGreaterThanOrEqual(195);
    expect(starts.findIndex(([c]) => c === 2)).toBeLessThan(2); // chat 2 did not wait for chat 1
  });

  it('serves replies before edits that were waiting longer', async () => {
    const pacer = new ChatPacer({ limits: { privateIntervalMs: 50 } });
    const log: string[] = [];
    const first = paced(pacer, log, 1, 'first', 'reply');
    const edits = [paced(pacer, log, 1, 'edit-1', 'edit'), paced(pacer, log, 1, 'edit-2', 'edit')];
    const reply = paced(pacer, log, 1, 'reply', 'reply');
    await Promise.all([first, ...edits, reply]);
    expect(log).toEqual(['first', 'reply', 'edit-1', 'edit-2']);
  });

  it('answers places in the order they were opened, even when a later answer is ready first', async () => {
    const pacer = new ChatPacer({ limits: { privateIntervalMs: 10 } });
    const log: string[] = [];
    const statusPlace = pacer.openPlace(1, 100); // /status: its answer comes from background work
    pacer.lingerPlace(statusPlace);
    const helpPlace = pacer.openPlace(1, 101);
    const help = paced(pacer, log, 1, 'help', 'reply', helpPlace);
    const announcement = paced(pacer, log, 1, 'announcement', 'reply'); // no place: not held back
    await new Promise((r) => setTimeout(r, 100));
    expect(log).toEqual(['announcement']);
    const place = pacer.placeFor(1, 100);
    expect(place?.seq).toBe(statusPlace.seq);
    await paced(pacer, log, 1, 'status', 'reply', place);
    await Promise.all([help, announcement]);
    expect(log).toEqual(['announcement', 'status', 'help']);
  });

  it('does not hold later answers for a place whose answer went out before its handler finished', async () => {
    const pacer = new ChatPacer({ limits: { privateIntervalMs: 10 } });
    const log: string[] = [];
    const place = pacer.openPlace(1, 100);
    await paced(pacer, log, 1, 'status', 'reply', pacer.placeFor(1, 100)); // the delivery was quicker
    pacer.lingerPlace(place); // the handler says its answer follows: it already did
    pacer.closePlace(place);
    await paced(pacer, log, 1, 'help', 'reply', pacer.openPlace(1, 101));
    expect(log).toEqual(['status', 'help']);
    expect(pacer.placeFor(1, 100)).toBeUndefined();
  });

  it('lets later answers pass a place whose answer never comes, once it expires', async () => {
    const pacer = new ChatPacer({ limits: { privateIntervalMs: 10 }, placeTtlMs: 100 });
    const log: string[] = [];
    pacer.lingerPlace(pacer.openPlace(1, 7));
    await paced(pacer, log, 1, 'later', 'reply', pacer.openPlace(1, 8));
    expect(log).toEqual(['later']);
  });

  it('lets later answers pass a place whose answer another request took over, without waiting for it to expire', async () => {
    const pacer = new ChatPacer({ limits: { privateIntervalMs: 10 }, placeTtlMs: 600_000 });
    const log: string[] = [];
    pacer.lingerPlace(pacer.openPlace(1, 7)); // /status: answer owed
    const second = pacer.openPlace(1, 8); // the same /status again: its answer answers both
    pacer.lingerPlace(second);
    const help = paced(pacer, log, 1, 'help', 'reply', pacer.openPlace(1, 9));
    pacer.dropPlaceFor(1, 7);
    await paced(pacer, log, 1, 'status', 'reply', pacer.placeFor(1, 8));
    await help;
    expect(log).toEqual(['status', 'help']);
    // A place whose handler still runs is closed as soon as it says its answer follows.
    const open = pacer.openPlace(1, 10);
    pacer.dropPlaceFor(1, 10);
    pacer.lingerPlace(open);
    expect(pacer.placeFor(1, 10)).toBeUndefined();
  });

  it("holds a chat back for a 429's retry_after", async () => {
    const pacer = new ChatPacer({ limits: { privateIntervalMs: 10 } });
    await pacer.acquire(1, 'reply');
    pacer.release(1, { retryAfterMs: 300 });
    expect(pacer.readyAt(1, 'reply') - Date.now()).toBeGreaterThan(250);
    const t0 = Date.now();
    await pacer.acquire(1, 'reply');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    pacer.release(1);
  });

  it('holds a group to its per-minute budget and all chats to the global one', async () => {
    const pacer = new ChatPacer({ limits: { privateIntervalMs: 0, groupPerMinute: 3, globalPerSecond: 4 } });
    for (let i = 0; i < 3; i++) {
      await pacer.acquire(-5, 'reply');
      pacer.release(-5, { accepted: true });
    }
    expect(pacer.readyAt(-5, 'reply') - Date.now()).toBeGreaterThan(59_000);
    await pacer.acquire(6, 'reply'); // the fourth message in the last second
    let fifth = false;
    void pacer.acquire(7, 'reply').then(() => (fifth = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(fifth).toBe(false); // the global budget is spent until the oldest answer is a second old
    pacer.release(6, { accepted: true });
    await new Promise((r) => setTimeout(r, 1100));
    expect(fifth).toBe(true);
    pacer.release(7);
  });
});

describe('ChatPacer room for messages nobody waits for', () => {
  it('has room in an idle chat, none while a reply waits or a place is owed, none in a group past half its minute', async () => {
    const pacer = new ChatPacer({ limits: { privateIntervalMs: 0, groupPerMinute: 4 } });
    expect(pacer.hasRoom(1)).toBe(true);
    const place = pacer.openPlace(1, 9);
    expect(pacer.hasRoom(1)).toBe(false);
    pacer.closePlace(place);
    expect(pacer.hasRoom(1)).toBe(true);
    for (let i = 0; i < 2; i++) {
      await pacer.acquire(-7, 'reply');
      pacer.release(-7, { accepted: true });
    }
    expect(pacer.hasRoom(-7)).toBe(false); // 2 of 4 used: the rest is kept for replies and status changes
    expect(pacer.readyAt(-7, 'edit')).toBeLessThanOrEqual(Date.now());
  });
});

describe('ChatPacer memory', () => {
  it('forgets idle chats, and places whose answer never came', async () => {
    const pacer = new ChatPacer({ limits: { privateIntervalMs: 20 }, placeTtlMs: 30 });
    await pacer.acquire(1, 'reply');
    pacer.release(1, { accepted: true });
    pacer.lingerPlace(pacer.openPlace(2, 5)); // an answer that never comes
    await new Promise((r) => setTimeout(r, 100));
    expect((pacer as unknown as { chats: Map<number, unknown> }).chats.size).toBe(0);
  });
});
