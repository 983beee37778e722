import { afterEach, describe, expect, it } from 'vitest';
import type { User } from 'grammy/types';
import { Harness, RESELLER, STAFF, STRANGER, type HarnessOptions } from '../support/harness.js';
import { answers, button, buttonsOf, FACTURE_500, refundedWithOffers, sendCount } from '../support/offer-steps.js';

/**
 * Staff groups: the owner (a group administrator) links a group with /link@bot; its members then act
 * as staff without re-send rights. Unlinked groups show no order data. A group upgraded to a
 * supergroup keeps its link and its followed orders; a group that removes the bot is unlinked.
 */

const GROUP = -4_000_321;
const SUPERGROUP = -1_004_000_321;
let h: Harness;
afterEach(async () => {
  await h.close();
});

async function start(opts: HarnessOptions = {}): Promise<void> {
  // Privacy mode on, as Telegram's default for bots: commands must be /cmd@bot (or replies to the bot).
  h = await Harness.start({ defaultLocale: 'en', privacyMode: true, ...opts });
}

const t = (key: string, vars?: Record<string, string>) => h.app.translatorFor('en')(key, vars);
const bot = () => h.telegram.botInfo.username;
const user = (id: number): User => ({ id, is_bot: false, first_name: 'Test' });

function frozenOrder(ref: string): string {
  const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref });
  h.emulator.setStatus(topupId, 'HANDLING');
  return topupId;
}

describe('linking a group', () => {
  it('the owner, a group administrator, links it; others get one short refusal without their id', async () => {
    await start();
    // Not linked yet: a command gets how to link it, no order data, and no provider call.
    frozenOrder('grp-0');
    await h.send(`/status@${bot()} grp-0`, { chatId: GROUP, userId: RESELLER });
    expect(h.telegram.lastMessage(GROUP)!.html).toBe(t('group-not-linked', { bot: bot() }));
    expect(h.emulator.callCount()).toBe(0);
    expect(await h.app.models.Watcher.countDocuments({ chatId: GROUP })).toBe(0);

    // A stranger (even an administrator) owns no account.
    h.telegram.setChatMember(GROUP, STRANGER, 'administrator');
    await h.send(`/link@${bot()}`, { chatId: GROUP, userId: STRANGER });
    expect(h.telegram.lastMessage(GROUP)!.html).toBe(t('group-link-owner-only'));
    expect(h.telegram.lastMessage(GROUP)!.text).not.toContain(String(STRANGER));
    // An owner who is not an administrator of the group.
    await h.send(`/link@${bot()}`, { chatId: GROUP, userId: STAFF });
    expect(h.telegram.lastMessage(GROUP)!.html).toBe(t('group-link-admin-only'));
    expect(await h.app.roles.groups.accountOf(GROUP)).toBeUndefined();

    h.telegram.setChatMember(GROUP, RESELLER, 'creator');
    await h.send(`/link@${bot()}`, { chatId: GROUP, userId: RESELLER });
    expect(h.telegram.lastMessage(GROUP)!.html).toBe(t('group-linked', { bot: bot() }));
    expect(await h.app.roles.groups.accountOf(GROUP)).toBe('env');
    expect(h.telegram.calls.filter((c) => c.method === 'getChatMember').map((c) => c.params.user_id)).toEqual([STAFF, RESELLER]);

    // Only the owner unlinks it.
    await h.send(`/unlink@${bot()}`, { chatId: GROUP, userId: STRANGER });
    expect(h.telegram.lastMessage(GROUP)!.html).toBe(t('group-unlink-owner-only'));
    await h.send(`/unlink@${bot()}`, { chatId: GROUP, userId: RESELLER });
    expect(h.telegram.lastMessage(GROUP)!.html).toBe(t('group-unlinked', { bot: bot() }));
    expect(await h.app.roles.groups.accountOf(GROUP)).toBeUndefined();
    expect(h.badRequests()).toEqual([]);
  });

  it('members follow orders with /status@bot; only the owner may re-send; status and pushes go to the group', async () => {
    await start();
    await h.linkGroup(GROUP);
    const topupId = frozenOrder('grp-1');
    // A plain member (in no list) acts as staff without re-send rights.
    await h.send(`/status@${bot()} grp-1`, { chatId: GROUP, userId: STRANGER });
    await h.waitForMessage(GROUP, (m) => m.text.includes('grp-1') && m.text.includes('⏳'), 'the status message in the group');
    h.emulator.setStatus(topupId, 'FULFILLED');
    await h.waitForMessage(GROUP, (m) => m.text.includes('✅') && m.text.includes('grp-1'), 'the push in the group');
    expect(h.telegram.messages(STRANGER)).toHaveLength(0);

    refundedWithOffers(h, 'grp-2', [FACTURE_500]);
    await h.send(`/status@${bot()} grp-2`, { chatId: GROUP, userId: STRANGER });
    const status = await h.waitForMessage(GROUP, (m) => buttonsOf(m).some((b) => b.callback_data.startsWith('of:')), 'offer buttons');
    const before = h.telegram.messages(GROUP).length;
    await h.press(status.message_id, button(status, 'of:').callback_data, { chatId: GROUP, userId: STRANGER });
    const refusal = answers(h).at(-1)!;
    expect(refusal).toEqual(expect.objectContaining({ text: t('resend-not-allowed'), alert: true }));
    expect(refusal.text).not.toContain(String(STRANGER));
    expect(h.telegram.messages(GROUP)).toHaveLength(before);
    // The owner may, in the same group.
    await h.press(status.message_id, button(status, 'of:').callback_data, { chatId: GROUP, userId: RESELLER });
    expect(h.telegram.messages(GROUP)).toHaveLength(before + 1);
    expect(sendCount(h)).toBe(0);
  });
});

describe('a group linked by another owner', () => {
  it('stays linked to its account until that owner unlinks it', async () => {
    await start();
    await h.linkGroup(GROUP);
    const OTHER_OWNER = 444_444;
    await h.app.linking.store.Account.create({
      _id: 'acc_00000000000000aa',
      ownerUserId: OTHER_OWNER,
      sealedKey: 'v1.not-used-here',
      activeFor: 'SANDBOX:other-shop',
      providerAccount: 'SANDBOX:other-shop',
      username: 'other-shop',
      environment: 'SANDBOX',
      scope: 'READ-WRITE',
      linkedAt: new Date(),
      unlinkedAt: null,
    });
    h.telegram.setChatMember(GROUP, OTHER_OWNER, 'administrator');
    await h.send(`/link@${bot()}`, { chatId: GROUP, userId: OTHER_OWNER });
    expect(h.telegram.lastMessage(GROUP)!.html).toBe(t('group-linked-other'));
    expect(await h.app.roles.groups.accountOf(GROUP)).toBe('env');
  });
});

describe('group life cycle', () => {
  it('a group upgraded to a supergroup keeps its link, its language and its followed orders', async () => {
    await start();
    await h.linkGroup(GROUP);
    await h.send(`/language@${bot()}`, { chatId: GROUP, userId: RESELLER });
    await h.press(h.telegram.lastMessage(GROUP)!.message_id, 'lang:fr', { chatId: GROUP, userId: RESELLER });
    const topupId = frozenOrder('grp-m');
    await h.send(`/status@${bot()} grp-m`, { chatId: GROUP, userId: STAFF });
    await h.waitUntilDelivered();

    for (const update of h.telegram.migrateGroup(GROUP, SUPERGROUP, user(RESELLER))) await h.handle(update);
    expect(await h.app.roles.groups.accountOf(SUPERGROUP)).toBe('env');
    expect(await h.app.roles.groups.accountOf(GROUP)).toBeUndefined();

    // The order followed before the upgrade resolves: the push goes to the supergroup, in French.
    h.emulator.setStatus(topupId, 'FULFILLED');
    const push = await h.waitForMessage(SUPERGROUP, (m) => m.text.includes('✅') && m.text.includes('grp-m'), 'the push in the supergroup');
    expect(push.text).toContain(
      h.app
        .translatorFor('fr')('order-headline-mobile-fulfilled')
        .replace(/<[^>]+>/g, ''),
    );
    // Commands keep working there, by a member.
    frozenOrder('grp-n');
    await h.send(`/status@${bot()} grp-n`, { chatId: SUPERGROUP, userId: STRANGER });
    await h.waitForMessage(SUPERGROUP, (m) => m.text.includes('grp-n'), 'a status message in the supergroup');
    expect(h.telegram.calls.filter((c) => !c.ok && Number(c.params.chat_id) === GROUP)).toEqual([]);
  });

  it('a group that removes the bot is unlinked; added back, it is told how to link it', async () => {
    await start();
    await h.linkGroup(GROUP);
    await h.handle(h.telegram.botMembershipUpdate(GROUP, user(RESELLER), 'member', 'left'));
    expect(await h.app.roles.groups.accountOf(GROUP)).toBeUndefined();
    // Added back, it shows nothing until its owner links it again.
    await h.handle(h.telegram.botMembershipUpdate(GROUP, user(RESELLER), 'left', 'member'));
    expect(h.telegram.lastMessage(GROUP)!.html).toBe(t('group-not-linked', { bot: bot() }));
    const said = h.telegram.messages(GROUP).length;
    await h.send(`/status@${bot()} grp-r`, { chatId: GROUP, userId: RESELLER });
    expect(h.telegram.messages(GROUP)).toHaveLength(said + 1);
    expect(h.telegram.lastMessage(GROUP)!.html).toBe(t('group-not-linked', { bot: bot() }));
  });
});
