import { describe, expect, it } from 'vitest';
import { RESELLER, STRANGER, type Harness, type HarnessOptions } from '../support/harness.js';
import { answers, button, buttonsOf } from '../support/offer-steps.js';
import { GROUP_ANONYMOUS_BOT } from '../support/updates.js';
import type { FakeMessage } from '../support/fake-telegram.js';
import { startBot } from '../support/start-bot.js';

/**
 * Anonymous group administrators. Telegram sends their messages from GroupAnonymousBot with
 * `sender_chat` the group, so a /link or /unlink does not say who sent it: the bot explains and offers
 * one "I am the owner" button (10 minutes, once); pressing it names the person (callback_query.from),
 * who is then checked like any /link sender. Anonymous reads in a linked group are a member's.
 */

const GROUP = -4_000_777;
const CHANNEL = -1_009_000_777;
const MINUTE = 60_000;
let h: Harness;
let offsetMs = 0;

async function start(opts: HarnessOptions = {}): Promise<void> {
  offsetMs = 0;
  h = await startBot({ defaultLocale: 'en', privacyMode: true, app: { clock: { now: () => Date.now() + offsetMs } }, ...opts });
}

const t = (key: string, vars?: Record<string, string>) => h.app.translatorFor('en')(key, vars);
const bot = () => h.telegram.botInfo.username;
const asGroup = { chatId: GROUP, userId: RESELLER, postedAs: 'group' } as const;

/** The anonymous command's answer: the explanation and its one button. */
async function anonymously(command: 'link' | 'unlink'): Promise<FakeMessage> {
  await h.send(`/${command}@${bot()}`, asGroup);
  const asked = h.telegram.lastMessage(GROUP)!;
  expect(asked.html).toBe(t(`group-anonymous-${command}`));
  expect(buttonsOf(asked)).toEqual([
    expect.objectContaining({ text: t(`group-claim-${command}-button`), callback_data: expect.stringMatching(/^gc:/) as unknown }),
  ]);
  return asked;
}

const pressClaim = (asked: FakeMessage, userId: number) =>
  h.press(asked.message_id, button(asked, 'gc:').callback_data, { chatId: GROUP, userId });

/** Every text the bot showed in the group or as an answer to a press. */
const everythingShown = () => [...h.telegram.messages(GROUP).flatMap((m) => m.history), ...answers(h).map((a) => a.text ?? '')].join('\n');

describe('an anonymous administrator links the group', () => {
  it('with the "I am the owner" button: others are refused privately, the owner links it, and the button works once', async () => {
    await start();
    h.telegram.setChatMember(GROUP, RESELLER, 'member');
    const asked = await anonymously('link');
    expect(await h.app.roles.groups.accountOf(GROUP)).toBeUndefined();

    // A stranger (an administrator owning no account) presses: an alert only they see, the button stays.
    h.telegram.setChatMember(GROUP, STRANGER, 'administrator');
    await pressClaim(asked, STRANGER);
    expect(answers(h).at(-1)).toEqual(expect.objectContaining({ text: t('group-link-owner-only'), alert: true }));
    // The owner, while not an administrator of the group.
    await pressClaim(asked, RESELLER);
    expect(answers(h).at(-1)).toEqual(expect.objectContaining({ text: t('group-link-admin-only'), alert: true }));
    expect(await h.app.roles.groups.accountOf(GROUP)).toBeUndefined();

    // The owner, an anonymous administrator: the group is linked, the question becomes the answer.
    h.telegram.setChatMember(GROUP, RESELLER, 'administrator', { anonymous: true });
    await pressClaim(asked, RESELLER);
    expect(await h.app.roles.groups.accountOf(GROUP)).toBe('env');
    const linked = h.telegram.message(GROUP, asked.message_id)!;
    expect(linked.html).toBe(t('group-linked', { bot: bot() }));
    expect(buttonsOf(linked)).toEqual([]);

    // Works once: pressed again (an old client still showing it), nothing happens.
    await h.press(asked.message_id, button(asked, 'gc:').callback_data, { chatId: GROUP, userId: RESELLER });
    expect(answers(h).at(-1)).toEqual(expect.objectContaining({ text: t('group-claim-expired'), alert: true }));

    // Who was checked: the people who pressed, never the placeholder sender.
    const checked = h.telegram.calls.filter((c) => c.method === 'getChatMember').map((c) => c.params.user_id);
    expect(checked).toEqual([RESELLER, RESELLER]);
    expect(checked).not.toContain(GROUP_ANONYMOUS_BOT.id);
    // No user id is published, in the group or in an answer.
    for (const id of [STRANGER, RESELLER, GROUP_ANONYMOUS_BOT.id]) expect(everythingShown()).not.toContain(String(id));
    expect(h.telegram.messages(GROUP)).toHaveLength(1);
    expect(h.badRequests()).toEqual([]);
  });

  it('the button expires after 10 minutes; a new anonymous /link gives a new one', async () => {
    await start();
    h.telegram.setChatMember(GROUP, RESELLER, 'creator', { anonymous: true });
    const asked = await anonymously('link');
    offsetMs = 10 * MINUTE + 1_000;
    await pressClaim(asked, RESELLER);
    expect(answers(h).at(-1)).toEqual(expect.objectContaining({ text: t('group-claim-expired'), alert: true }));
    expect(await h.app.roles.groups.accountOf(GROUP)).toBeUndefined();

    const again = await anonymously('link');
    offsetMs += 9 * MINUTE;
    await pressClaim(again, RESELLER);
    expect(await h.app.roles.groups.accountOf(GROUP)).toBe('env');
    // The expired question was left as it was; only the new one became the answer.
    expect(h.telegram.message(GROUP, asked.message_id)!.html).toBe(t('group-anonymous-link'));
    expect(h.telegram.message(GROUP, again.message_id)!.html).toBe(t('group-linked', { bot: bot() }));
  });
});

describe('a member posting as a channel sends /link', () => {
  it("gets the same question and button (Telegram does not name them either); only the owner's press links the group", async () => {
    await start();
    h.telegram.setChatMember(GROUP, RESELLER, 'administrator');
    await h.send(`/link@${bot()}`, { chatId: GROUP, userId: STRANGER, postedAs: { channelId: CHANNEL, title: 'A shop' } });
    const asked = h.telegram.lastMessage(GROUP)!;
    expect(asked.html).toBe(t('group-anonymous-link'));
    expect(asked.text).toContain('channel');
    await pressClaim(asked, STRANGER);
    expect(answers(h).at(-1)).toEqual(expect.objectContaining({ text: t('group-link-owner-only'), alert: true }));
    await pressClaim(asked, RESELLER);
    expect(await h.app.roles.groups.accountOf(GROUP)).toBe('env');
    expect(h.badRequests()).toEqual([]);
  });
});

describe('an anonymous administrator unlinks the group', () => {
  it('only the owner of its account, by the button', async () => {
    await start();
    await h.linkGroup(GROUP);
    h.telegram.setChatMember(GROUP, STRANGER, 'administrator', { anonymous: true });
    const asked = await anonymously('unlink');
    // Another administrator of the group, who does not own its account.
    await pressClaim(asked, STRANGER);
    expect(answers(h).at(-1)).toEqual(expect.objectContaining({ text: t('group-unlink-owner-only'), alert: true }));
    expect(await h.app.roles.groups.accountOf(GROUP)).toBe('env');

    await pressClaim(asked, RESELLER);
    expect(await h.app.roles.groups.accountOf(GROUP)).toBeUndefined();
    expect(h.telegram.message(GROUP, asked.message_id)!.html).toBe(t('group-unlinked', { bot: bot() }));
    for (const id of [STRANGER, RESELLER]) expect(everythingShown()).not.toContain(String(id));

    // In a group that is not linked, an anonymous /unlink only says how to link it (no button).
    await h.send(`/unlink@${bot()}`, asGroup);
    expect(h.telegram.lastMessage(GROUP)!.html).toBe(t('group-not-linked', { bot: bot() }));
    expect(buttonsOf(h.telegram.lastMessage(GROUP))).toEqual([]);
  });
});

describe('anonymous reads', () => {
  it('in a linked group an anonymous administrator or a channel identity follows orders as a member; unlinked, nothing is shown', async () => {
    await start();
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref: 'anon-1' });
    h.emulator.setStatus(topupId, 'HANDLING');
    // Not linked: how to link it, no order data, no provider call.
    await h.send(`/status@${bot()} anon-1`, asGroup);
    expect(h.telegram.lastMessage(GROUP)!.html).toBe(t('group-not-linked', { bot: bot() }));
    expect(h.emulator.callCount()).toBe(0);

    await h.linkGroup(GROUP);
    await h.send(`/status@${bot()} anon-1`, asGroup);
    await h.waitForMessage(GROUP, (m) => m.text.includes('anon-1') && m.text.includes('⏳'), 'the status message in the group');
    await h.send(`/status@${bot()} anon-1`, { chatId: GROUP, userId: STRANGER, postedAs: { channelId: CHANNEL, title: 'A shop' } });
    await h.waitUntilDelivered();
    const watchers = await h.app.models.Watcher.find({ chatId: GROUP }).lean();
    expect(watchers).toHaveLength(1);
    expect(h.badRequests()).toEqual([]);
  });
});
