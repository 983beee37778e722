import type { Update } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { InviteStore, JOIN_RETRY_WINDOW_MS } from '../../src/accounts/invites.js';
import { OwnerNoticeStore, type OwnerNoticeDoc } from '../../src/accounts/owner-notices.js';
import type { StaffDoc } from '../../src/accounts/staff.js';
import { RESELLER, sleep, STRANGER, type Harness } from '../support/harness.js';
import { button } from '../support/offer-steps.js';
import { startBot } from '../support/start-bot.js';
import { textMessageUpdate } from '../support/updates.js';

/**
 * Joining with an invite is three writes (redeem the code, add the member, record the owner's notice).
 * A join interrupted between them (the process killed) is completed by the same user presenting the
 * same code again within 10 minutes (Telegram redelivering the unanswered update, or a second tap):
 * one membership, one owner notice. Anyone else, the same user after the window, or after the owner
 * removed them, is refused. The harness's owner-notice lease is 2 s.
 */

const NEWBIE = 333_333;
const LATECOMER = 444_444;
const LEASE_MS = 2_000;

/** The deployment's account, owned by RESELLER; `clock` offsets every process's time by `offset.ms`. */
async function start(offset = { ms: 0 }): Promise<Harness> {
  return startBot({ allowedUserIds: [RESELLER], defaultLocale: 'en', app: { clock: { now: () => Date.now() + offset.ms } } });
}

const t = (h: Harness, key: string) => h.app.translatorFor('en')(key);

async function inviteCode(h: Harness): Promise<string> {
  await h.send('/invite');
  const m = /\?start=([A-Za-z0-9_-]+)/.exec(h.telegram.lastMessage(RESELLER)!.text);
  if (!m?.[1]) throw new Error('no invite link');
  return m[1];
}

/** `userId` opens the invite link (a new update each time, as a tap on the link is). */
const tap = (code: string, userId: number): Update =>
  textMessageUpdate({ chatId: userId, fromId: userId, text: `/start ${code}`, firstName: `User${userId}` });

const members = (h: Harness, userId: number) => h.db.collection<StaffDoc>('account_staff').find({ accountId: 'env', userId }).toArray();
const joinNotices = async (h: Harness) => new OwnerNoticeStore(h.db).Notice.find({ kind: 'staff-joined' }).lean<OwnerNoticeDoc[]>();
/** The owner's "X joined" messages received for `userId`. */
const toldOwner = (h: Harness, userId: number) => h.telegram.messages(RESELLER).filter((m) => m.text.includes(`User${userId}`));

/** Makes the current process hang for good at `target[method]` (as if killed there); resolves once a call got there. */
function hangAt<T extends object>(target: T, method: keyof T, calls = 1): { reached: Promise<void>; restore: () => void } {
  const original = target[method];
  let seen = 0;
  let reached!: () => void;
  const promise = new Promise<void>((resolve) => (reached = resolve));
  (target as Record<keyof T, unknown>)[method] = () => {
    if (++seen >= calls) reached();
    return new Promise(() => undefined);
  };
  return { reached: promise, restore: () => ((target as Record<keyof T, unknown>)[method] = original) };
}

async function removeFromStaff(h: Harness): Promise<void> {
  await h.send('/staff');
  const list = h.telegram.lastMessage(RESELLER)!;
  await h.press(list.message_id, button(list, 'sr:').callback_data);
}

describe('an interrupted join completed by its retry', () => {
  it('killed right after the redeem: the redelivered update makes them staff once and tells the owner once; someone else, or the same user after 10 minutes, is refused', async () => {
    const offset = { ms: 0 };
    const h = await start(offset);
    const [first, second] = [await inviteCode(h), await inviteCode(h)];
    // Both joins die between the redeem and the add.
    const hang = hangAt(h.app.roles.staff, 'add', 2);
    const update = tap(first, NEWBIE);
    void h.handle(update);
    void h.handle(tap(second, LATECOMER));
    await hang.reached;
    h.app.crash();
    // The state the crash left: both codes used, by them, and neither is staff.
    const invites = await h.db
      .collection('account_invites')
      .find({ usedAt: { $ne: null } })
      .toArray();
    expect(invites.map((i) => i.usedBy as number).sort()).toEqual([NEWBIE, LATECOMER]);
    expect([...(await members(h, NEWBIE)), ...(await members(h, LATECOMER))]).toEqual([]);
    await h.boot();

    // A minute later (the dead process's claim on the update ran out): someone else with the used code is refused.
    offset.ms = 61_000;
    await h.handle(tap(first, STRANGER));
    expect(h.telegram.lastMessage(STRANGER)!.html).toBe(t(h, 'invite-failed-used'));
    expect(await members(h, STRANGER)).toEqual([]);
    // Telegram redelivers NEWBIE's unanswered update: they join, once, and the owner is told, once.
    await h.handle(update);
    expect(h.telegram.lastMessage(NEWBIE)!.html).toBe(t(h, 'invite-joined'));
    expect(await members(h, NEWBIE)).toHaveLength(1);
    await h.waitForMessage(RESELLER, (m) => m.text.includes(`User${NEWBIE}`), "the owner's join notice");
    await sleep(LEASE_MS * 1.5);
    expect(toldOwner(h, NEWBIE)).toHaveLength(1);
    // They act for the account they joined.
    await h.send('/account', { userId: NEWBIE });
    expect(h.telegram.lastMessage(NEWBIE)!.text).toContain(t(h, 'account-role-staff'));

    // LATECOMER comes back 11 minutes after their redeem: too late, the code is used; they need a new invite.
    offset.ms = 11 * 60_000;
    await h.handle(tap(second, LATECOMER));
    expect(h.telegram.lastMessage(LATECOMER)!.html).toBe(t(h, 'invite-failed-used'));
    expect(await members(h, LATECOMER)).toEqual([]);
    expect((await joinNotices(h)).map((n) => n.data.name)).toEqual([`User${NEWBIE}`]);
    expect(h.badRequests()).toEqual([]);
  }, 30_000);

  it('killed after the add, before the owner notice: the second tap tells the owner, once', async () => {
    const h = await start();
    const code = await inviteCode(h);
    const Notice = new OwnerNoticeStore(h.db).Notice; // the model every process on this connection records with
    const hang = hangAt(Notice, 'updateOne');
    void h.handle(tap(code, NEWBIE));
    await hang.reached;
    h.app.crash();
    hang.restore();
    // The state the crash left: a member, and no notice recorded.
    expect(await members(h, NEWBIE)).toHaveLength(1);
    expect(await joinNotices(h)).toEqual([]);
    await h.boot();

    await h.handle(tap(code, NEWBIE));
    expect(h.telegram.lastMessage(NEWBIE)!.html).toBe(t(h, 'invite-joined'));
    await h.waitForMessage(RESELLER, (m) => m.text.includes(`User${NEWBIE}`), "the owner's join notice");
    await sleep(LEASE_MS * 1.5);
    expect(toldOwner(h, NEWBIE)).toHaveLength(1);
    expect(await members(h, NEWBIE)).toHaveLength(1);
    expect(await joinNotices(h)).toHaveLength(1);
  }, 30_000);

  it('two taps handled at once by two processes: one member, one notice, both answers say they joined', async () => {
    const h = await start();
    const code = await inviteCode(h);
    const first = h.app;
    const second = await h.boot();
    const [a, b] = [tap(code, NEWBIE), tap(code, NEWBIE)];
    h.telegram.recordIncoming(a);
    h.telegram.recordIncoming(b);
    await Promise.all([first.bot.handleUpdate(a), second.bot.handleUpdate(b)]);
    expect(h.telegram.messages(NEWBIE).map((m) => m.html)).toEqual([t(h, 'invite-joined'), t(h, 'invite-joined')]);
    expect(await members(h, NEWBIE)).toHaveLength(1);
    await h.waitForMessage(RESELLER, (m) => m.text.includes(`User${NEWBIE}`), "the owner's join notice");
    await sleep(LEASE_MS * 1.5);
    expect(toldOwner(h, NEWBIE)).toHaveLength(1);
    expect(await joinNotices(h)).toHaveLength(1);
  }, 30_000);

  it('a removed member never rejoins through the used invite, even when the removal lands in the middle of their retry', async () => {
    const h = await start();
    const code = await inviteCode(h);
    await h.handle(tap(code, NEWBIE));
    await h.waitForMessage(RESELLER, (m) => m.text.includes(`User${NEWBIE}`), "the owner's join notice");
    // A second tap within the window: told they joined; nothing new written, nothing new told.
    await h.handle(tap(code, NEWBIE));
    expect(h.telegram.messages(NEWBIE).map((m) => m.html)).toEqual([t(h, 'invite-joined'), t(h, 'invite-joined')]);
    expect(await members(h, NEWBIE)).toHaveLength(1);

    // Another tap, and the owner presses "remove" while it runs: right before its add.
    const staff = h.app.roles.staff;
    const add = staff.add.bind(staff);
    let removed = false;
    staff.add = async (input, now) => {
      if (!removed) {
        removed = true;
        await removeFromStaff(h);
        expect(await members(h, NEWBIE)).toEqual([]);
      }
      return add(input, now);
    };
    await h.handle(tap(code, NEWBIE));
    expect(removed).toBe(true);
    expect(h.telegram.lastMessage(NEWBIE)!.html).toBe(t(h, 'invite-failed-used'));
    expect(await members(h, NEWBIE)).toEqual([]);
    // And every later tap, within the window still.
    await h.handle(tap(code, NEWBIE));
    expect(h.telegram.lastMessage(NEWBIE)!.html).toBe(t(h, 'invite-failed-used'));
    expect(await members(h, NEWBIE)).toEqual([]);
    await h.send('/status nothing-2', { userId: NEWBIE });
    expect(h.telegram.lastMessage(NEWBIE)!.html).toBe(h.app.translatorFor('en')('access-denied', { userId: String(NEWBIE) }));
    await sleep(LEASE_MS * 1.5);
    expect(toldOwner(h, NEWBIE)).toHaveLength(1);
    expect(h.badRequests()).toEqual([]);
  }, 30_000);

  it('the redeem decides: the same user within 10 minutes of their redeem (boundary included), never after, never someone else, never after a removal', async () => {
    const h = await start();
    const invites = new InviteStore(h.db);
    const used = new Date('2026-01-01T10:00:00Z');
    const later = (ms: number) => new Date(used.getTime() + ms);
    const { code } = await invites.create('env', RESELLER, used);
    expect(await invites.redeem(code, NEWBIE, used)).toMatchObject({ ok: true, retry: false });
    expect(await invites.redeem(code, NEWBIE, later(JOIN_RETRY_WINDOW_MS))).toMatchObject({ ok: true, retry: true });
    expect(await invites.redeem(code, NEWBIE, later(JOIN_RETRY_WINDOW_MS + 1))).toEqual({ ok: false, reason: 'used' });
    expect(await invites.redeem(code, STRANGER, later(1))).toEqual({ ok: false, reason: 'used' });
    // Removed one second after the redeem: refused at once, within the window still.
    await invites.memberRemoved('env', NEWBIE, later(1_000));
    expect(await invites.redeem(code, NEWBIE, later(2_000))).toEqual({ ok: false, reason: 'used' });
    // Nothing else moved: still used by NEWBIE at the redeem time.
    expect(await invites.Invite.findOne({}).lean()).toMatchObject({ usedBy: NEWBIE, usedAt: used, memberRemovedAt: later(1_000) });
  });
});
