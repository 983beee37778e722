import { describe, expect, it } from 'vitest';
import { OwnerNoticeStore, type OwnerNoticeDoc } from '../../src/accounts/owner-notices.js';
import { RESELLER, sleep, STRANGER, type Harness, type HarnessOptions } from '../support/harness.js';
import {
  answers,
  button,
  buttonsOf,
  current,
  FACTURE_500,
  Offers,
  pressConfirm,
  pressOffer,
  refundedWithOffers,
  sendCount,
  statusWithOffers,
  waitUntilShows,
} from '../support/offer-steps.js';
import { startBot } from '../support/start-bot.js';
import { textMessageUpdate } from '../support/updates.js';

/**
 * Roles on the deployment's account: the owner (ALLOWED_USER_IDS) invites staff with a one-time deep
 * link, manages them in /staff (remove, allow or forbid re-sends); staff follow orders, and confirm
 * re-sends only when allowed; a removed member stops following the account's orders.
 */

const NEWBIE = 333_333;
let h: Harness;

async function start(opts: HarnessOptions = {}): Promise<void> {
  h = await startBot({ allowedUserIds: [RESELLER], defaultLocale: 'en', ...opts });
}

const t = (key: string, vars?: Record<string, string>) => h.app.translatorFor('en')(key, vars);

/** The owner sends /invite; the one-time code of the deep link the bot answered with. */
async function invite(): Promise<{ code: string; messageId: number }> {
  await h.send('/invite');
  const answer = h.telegram.lastMessage(RESELLER)!;
  const m = new RegExp(`https://t\\.me/${h.telegram.botInfo.username}\\?start=([A-Za-z0-9_-]+)`).exec(answer.text);
  if (!m?.[1]) throw new Error(`no invite link in: ${answer.text}`);
  return { code: m[1], messageId: answer.message_id };
}

/** `userId` opens the invite link and joins; resolves once the owner was told (a notice sent in the background). */
async function join(code: string, userId = NEWBIE): Promise<void> {
  const before = h.telegram.messages(RESELLER).length;
  await h.send(`/start ${code}`, { userId });
  await h.telegram.waitFor(() => h.telegram.messages(RESELLER).length > before || undefined, { what: "the owner's join notice" });
}

async function staffList() {
  await h.send('/staff');
  return h.telegram.lastMessage(RESELLER)!;
}

describe('staff invites', () => {
  it('invite → join → staff follows orders but cannot confirm a re-send; allowed → can; removed → no more pushes', async () => {
    await start();
    const { code } = await invite();
    // Only a hash of the code is stored: a database read hands out no invite.
    const stored = await h.app.roles.staff.Staff.db.collection('account_invites').find().toArray();
    expect(JSON.stringify(stored)).not.toContain(code);

    await join(code);
    expect(h.telegram.lastMessage(NEWBIE)!.html).toBe(t('invite-joined'));

    // Staff look orders up (no re-send right yet): the offer button gets one short refusal, no confirmation.
    refundedWithOffers(h, 'staff-1', [FACTURE_500]);
    const status = await statusWithOffers(h, 'staff-1', { userId: NEWBIE });
    const before = h.telegram.messages(NEWBIE).length;
    await h.press(status.message_id, button(status, 'of:').callback_data, { userId: NEWBIE });
    expect(answers(h).at(-1)).toEqual(expect.objectContaining({ text: t('resend-not-allowed'), alert: true }));
    expect(h.telegram.messages(NEWBIE)).toHaveLength(before);
    // A forged Confirm is refused, by the bot and by the domain itself, whatever a button shows.
    const key = button(status, 'of:').callback_data.slice(3);
    await h.press(status.message_id, `oc:${key}`, { userId: NEWBIE });
    expect(answers(h).at(-1)).toEqual(expect.objectContaining({ text: t('resend-not-allowed'), alert: true }));
    const who = { accountId: 'env', chatId: NEWBIE, locale: 'en', messageId: status.message_id, userId: NEWBIE, userName: 'x' };
    for (const pressed of ['offer', 'confirm'] as const) {
      expect(await h.app.resend.press(key, pressed, who, () => Promise.resolve(status.message_id))).toEqual({ type: 'not_allowed' });
    }
    expect(sendCount(h)).toBe(0);

    // The owner allows re-sends in /staff; the member can now confirm, and the re-send records who did.
    const list = await staffList();
    expect(list.text).toContain(t('staff-line', { index: '1', name: 'Test' }));
    await h.press(list.message_id, button(list, 'sg:').callback_data);
    expect(h.telegram.message(RESELLER, list.message_id)!.text).toContain(t('staff-line-resend', { index: '1', name: 'Test' }));
    const confirmation = await pressOffer(h, status, 0, { userId: NEWBIE });
    await pressConfirm(h, confirmation, { userId: NEWBIE });
    await h.telegram.waitFor(() => sendCount(h) === 1, { what: 'the re-send' });
    const offer = await Offers(h).findById(key).lean();
    expect(offer?.confirmedBy).toEqual({ userId: NEWBIE, name: 'Test' });

    // The member and the owner follow a pending order; the owner removes the member.
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref: 'staff-2' });
    h.emulator.setStatus(topupId, 'HANDLING');
    await h.send('/status staff-2', { userId: NEWBIE });
    await h.send('/status staff-2');
    await h.waitUntilDelivered();
    const now = await staffList();
    await h.press(now.message_id, button(now, 'sr:').callback_data);
    expect(h.telegram.message(RESELLER, now.message_id)!.text).toContain(t('staff-none'));
    // From here on (anything already on its way has landed), nothing reaches the member's chat.
    await h.waitUntilDelivered();
    const memberMessages = h.telegram.messages(NEWBIE).map((m) => m.html);
    const memberCalls = h.telegram.callCount(undefined, NEWBIE);

    h.emulator.setStatus(topupId, 'FULFILLED');
    await h.waitForMessage(RESELLER, (m) => m.text.includes('✅') && m.text.includes('staff-2'), "the owner's push");
    await h.waitUntilDelivered();
    expect(h.telegram.messages(NEWBIE).map((m) => m.html)).toEqual(memberMessages);
    expect(h.telegram.callCount(undefined, NEWBIE)).toBe(memberCalls);
    // And they no longer act for the account at all.
    await h.send('/status staff-2', { userId: NEWBIE });
    expect(h.telegram.lastMessage(NEWBIE)!.html).toBe(t('access-denied', { userId: String(NEWBIE) }));
    // /account shows the owner who confirmed the last re-sends (and the staff now: none).
    await h.send('/account');
    const account = h.telegram.lastMessage(RESELLER)!;
    expect(account.text).toContain(t('account-staff-none'));
    expect(account.text).toContain(t('account-resends-header'));
    expect(account.text).toMatch(/Test: .*FACTURE/);
    expect(h.badRequests()).toEqual([]);
  });

  it('an invite works once, for 24 hours, until revoked; only the owner invites and sees /staff', async () => {
    let offsetMs = 0;
    await start({ app: { clock: { now: () => Date.now() + offsetMs } } });

    const used = await invite();
    await join(used.code);
    await h.send(`/start ${used.code}`, { userId: STRANGER });
    expect(h.telegram.lastMessage(STRANGER)!.html).toBe(t('invite-failed-used'));

    const revoked = await invite();
    await h.press(revoked.messageId, button(h.telegram.message(RESELLER, revoked.messageId)!, 'ir:').callback_data);
    expect(h.telegram.message(RESELLER, revoked.messageId)!.html).toBe(t('invite-revoked'));
    await h.send(`/start ${revoked.code}`, { userId: STRANGER });
    expect(h.telegram.lastMessage(STRANGER)!.html).toBe(t('invite-failed-revoked'));

    const expired = await invite();
    offsetMs = 24 * 60 * 60 * 1000 + 60_000;
    await h.send(`/start ${expired.code}`, { userId: STRANGER });
    expect(h.telegram.lastMessage(STRANGER)!.html).toBe(t('invite-failed-expired'));
    await h.send(`/start ${'A'.repeat(22)}`, { userId: STRANGER });
    expect(h.telegram.lastMessage(STRANGER)!.html).toBe(t('invite-failed-unknown'));
    // None of them made the stranger staff.
    await h.send('/status order-1', { userId: STRANGER });
    expect(h.telegram.lastMessage(STRANGER)!.html).toBe(t('access-denied', { userId: String(STRANGER) }));

    // Staff cannot invite or manage staff.
    await h.send('/invite', { userId: NEWBIE });
    expect(h.telegram.lastMessage(NEWBIE)!.html).toBe(t('staff-owner-only'));
    await h.send('/staff', { userId: NEWBIE });
    expect(h.telegram.lastMessage(NEWBIE)!.html).toBe(t('staff-owner-only'));
    // A /staff button forged by the member changes nothing.
    const list = await staffList();
    const removeData = button(list, 'sr:').callback_data;
    await h.press(list.message_id, removeData, { userId: NEWBIE });
    expect(answers(h).at(-1)?.text).toBe(t('staff-stale'));
    expect(await h.app.roles.staff.list('env')).toHaveLength(1);
    expect(buttonsOf(list).map((b) => b.callback_data)).toEqual([expect.stringMatching(/^sr:/), expect.stringMatching(/^sg:.*:1$/)]);
  });

  it('the owner is told in their private chat, in their language, who joined with their invite (by name, never by id)', async () => {
    await start();
    await h.app.chats.setLocale(RESELLER, 'fr'); // the owner picked French with /language
    const { code } = await invite();
    const ownerBefore = h.telegram.messages(RESELLER).length;
    await h.handle(textMessageUpdate({ chatId: NEWBIE, fromId: NEWBIE, text: `/start ${code}`, firstName: 'Amina', username: 'amina_dz' }));
    expect(h.telegram.lastMessage(NEWBIE)!.html).toBe(t('invite-joined'));
    const notice = await h.waitForMessage(RESELLER, (m) => m.text.includes('Amina'), "the owner's notice");
    expect(notice.html).toBe(h.app.translatorFor('fr')('invite-used', { name: 'Amina (@amina_dz)' }));
    expect(notice.html).not.toContain(String(NEWBIE));
    expect(h.telegram.messages(RESELLER)).toHaveLength(ownerBefore + 1);
    // Nothing is said to the member's chat or anyone else about it, and a second invite used by the
    // same member (already staff) tells the owner nothing new.
    const second = await invite();
    await h.handle(textMessageUpdate({ chatId: NEWBIE, fromId: NEWBIE, text: `/start ${second.code}`, firstName: 'Amina' }));
    expect(h.telegram.lastMessage(NEWBIE)!.html).toBe(t('invite-already-staff'));
    // A join notice is recorded in the join's own update (owner_notices): one was, for the first join only,
    // and it has been delivered, so no second one is on its way.
    const notices = await new OwnerNoticeStore(h.db).Notice.find({ kind: 'staff-joined' }).lean<OwnerNoticeDoc[]>();
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ dueAt: null, gaveUp: null });
    expect(h.telegram.lastMessage(RESELLER)!.message_id).toBe(second.messageId);
    expect(h.badRequests()).toEqual([]);
  });

  it('a member of several accounts picks the one a private chat acts for with /account buttons', async () => {
    await start();
    const { code } = await invite();
    await join(code);
    // The member also owns an account of their own (linked earlier; its key does not matter here).
    await h.app.linking.store.Account.create({
      _id: 'acc_0123456789abcdef',
      ownerUserId: NEWBIE,
      sealedKey: 'v1.not-used-here',
      activeFor: 'SANDBOX:newbie-shop',
      providerAccount: 'SANDBOX:newbie-shop',
      username: 'newbie-shop',
      environment: 'SANDBOX',
      scope: 'READ-WRITE',
      linkedAt: new Date(),
      unlinkedAt: null,
    });
    // Joining made them act for the account they joined; /account offers the other one.
    await h.send('/account', { userId: NEWBIE });
    const shown = h.telegram.lastMessage(NEWBIE)!;
    expect(shown.text).toContain(t('account-role-staff'));
    expect(shown.text).toContain(t('account-choose'));
    const own = 'newbie-shop (SANDBOX)';
    expect(buttonsOf(shown).map((b) => b.text)).toEqual([
      t('button-account-act', { name: own }),
      t('button-account-current', { name: t('account-env-name') }),
    ]);

    await h.press(shown.message_id, button(shown, 'aa:', 0).callback_data, { userId: NEWBIE });
    expect(h.telegram.lastMessage(NEWBIE)!.html).toBe(t('account-acting-now', { name: own }));
    await h.send('/account', { userId: NEWBIE });
    expect(h.telegram.lastMessage(NEWBIE)!.text).toContain('newbie-shop');
    expect(h.telegram.lastMessage(NEWBIE)!.text).toContain(t('account-role-owner'));

    // Back to the deployment's account: its orders are theirs to follow again.
    await h.press(shown.message_id, button(shown, 'aa:', 1).callback_data, { userId: NEWBIE });
    expect(h.telegram.lastMessage(NEWBIE)!.html).toBe(t('account-acting-now', { name: t('account-env-name') }));
    h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref: 'env-order' });
    await h.send('/status env-order', { userId: NEWBIE });
    await h.waitForMessage(NEWBIE, (m) => m.text.includes('env-order') && m.text.includes('✅'), 'the env order followed');
    // A forged choice of an account they do not belong to changes nothing.
    await h.press(shown.message_id, 'aa:acc_ffffffffffffffff', { userId: NEWBIE });
    expect(answers(h).at(-1)?.text).toBe(t('staff-stale-account'));
  });
});

describe("a confirmer's re-send right withdrawn before the send", () => {
  /** The owner invites NEWBIE, allows them to re-send; NEWBIE opens a confirmation of a refunded order's offer. */
  async function memberWithConfirmation(ref: string, chatId = NEWBIE) {
    await start();
    const { code } = await invite();
    await join(code);
    const list = await staffList();
    await h.press(list.message_id, button(list, 'sg:').callback_data);
    refundedWithOffers(h, ref, [FACTURE_500]);
    if (chatId !== NEWBIE) await h.linkGroup(chatId);
    const status = await statusWithOffers(h, ref, { chatId, userId: NEWBIE });
    const confirmation = await pressOffer(h, status, 0, { chatId, userId: NEWBIE });
    return { status, confirmation, key: button(status, 'of:').callback_data.slice(3) };
  }

  /** Waits past the moment a late send would come: the offer worker's lease (2 s here) and a few idle polls. */
  const pastAnyLateSend = () => sleep(2_500);

  it('removed in the same instant as their Confirm (between its right check and its write): not sent, ever; the message says why', async () => {
    const { confirmation, key } = await memberWithConfirmation('gone-1');
    // The owner removes the member right after the Confirm press read the member's right, before it is recorded.
    const roles = h.app.roles;
    const real = roles.mayResend.bind(roles);
    let removed = false;
    roles.mayResend = async (accountId, userId) => {
      const allowed = await real(accountId, userId);
      if (!removed && userId === NEWBIE) {
        removed = true;
        const list = await staffList();
        await h.press(list.message_id, button(list, 'sr:').callback_data);
      }
      return allowed;
    };
    await pressConfirm(h, confirmation, { userId: NEWBIE });
    expect(removed).toBe(true);
    // The press was recorded (who confirmed it included): the member still had the right when it was read.
    expect(await Offers(h).findById(key).lean()).toMatchObject({ confirmedBy: { userId: NEWBIE } });

    await waitUntilShows(h, confirmation, t('offer-withdrawn'), 'not sent: your re-send right was withdrawn');
    await pastAnyLateSend();
    // Nothing left due: no worker comes back to it.
    expect(await Offers(h).findById(key).lean()).toMatchObject({ state: 'withdrawn', dueAt: null });
    expect(sendCount(h)).toBe(0);
    expect(h.emulator.requests.filter((r) => r.method === 'POST')).toEqual([]);
    // The owner's /account lists the confirmation as not sent.
    await h.send('/account');
    expect(h.telegram.lastMessage(RESELLER)!.text).toContain('(not sent: re-send right withdrawn)');
    expect(h.badRequests()).toEqual([]);
  });

  it('forbidden while the Confirm waited for the offer worker (the bot restarted): not sent; its old Confirm never sends; a new Confirm sends exactly once', async () => {
    const { status, confirmation, key } = await memberWithConfirmation('gone-2');
    h.app.crash(); // the offer worker dies: the recorded Confirm waits for the next process
    await pressConfirm(h, confirmation, { userId: NEWBIE });
    expect(await Offers(h).findById(key).lean()).toMatchObject({ state: 'confirming', confirmedBy: { userId: NEWBIE } });
    // Meanwhile the owner forbids the member's re-sends.
    const list = await staffList();
    await h.press(list.message_id, button(list, 'sg:').callback_data);
    expect((await h.app.roles.staff.list('env'))[0]?.canResend).toBe(false);

    await h.boot();
    await waitUntilShows(h, confirmation, t('offer-withdrawn'), 'not sent: your re-send right was withdrawn');
    await pastAnyLateSend();
    expect(sendCount(h)).toBe(0);

    // Allowed again later: the withdrawn confirmation's old Confirm still sends nothing.
    const again = await staffList();
    await h.press(again.message_id, button(again, 'sg:').callback_data);
    await h.press(confirmation.message_id, `oc:${key}`, { userId: NEWBIE });
    expect(answers(h).at(-1)).toEqual(expect.objectContaining({ text: t('offer-answer-was-withdrawn'), alert: true }));
    await pastAnyLateSend();
    expect(sendCount(h)).toBe(0);

    // A new confirmation by someone allowed now is the normal path: sent exactly once.
    const fresh = await pressOffer(h, status, 0, { userId: NEWBIE });
    await pressConfirm(h, fresh, { userId: NEWBIE });
    await waitUntilShows(h, fresh, '✅', 'the new confirmation sent, live');
    await pastAnyLateSend();
    expect(sendCount(h)).toBe(1);
    expect(current(h, confirmation).text).toContain(t('offer-withdrawn'));
    expect(h.badRequests()).toEqual([]);
  });

  it('in a staff group: a member with the right confirms, is forbidden before the send; the group is told it was not sent, without naming them', async () => {
    const GROUP = -4_000_321;
    const { confirmation, key } = await memberWithConfirmation('gone-3', GROUP);
    h.app.crash();
    await pressConfirm(h, confirmation, { chatId: GROUP, userId: NEWBIE });
    expect(await Offers(h).findById(key).lean()).toMatchObject({ state: 'confirming', confirmedBy: { userId: NEWBIE } });
    const list = await staffList();
    await h.press(list.message_id, button(list, 'sg:').callback_data);

    await h.boot();
    const shown = await waitUntilShows(h, confirmation, t('offer-withdrawn-other'), 'not sent, in the group');
    expect(shown.html).not.toContain('Test');
    expect(shown.html).not.toContain(String(NEWBIE));
    await pastAnyLateSend();
    expect(sendCount(h)).toBe(0);
    expect(h.badRequests()).toEqual([]);
  });
});
