import { describe, expect, it, vi } from 'vitest';
import type { User } from 'grammy/types';
import { RESELLER, sleep, STRANGER, type Harness } from '../support/harness.js';
import type { FakeMessage } from '../support/fake-telegram.js';
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
import { resendRef } from '../../src/resend/offers.js';
import { startBotWithPatientProvider, startBotWithStaffGroup, startLongTailBot } from '../support/start-bot.js';

/**
 * Offers shown in a group that Telegram then upgrades to a supergroup. The supergroup has a new chat
 * id and numbers its messages afresh; the group's messages stay in its old history, where the bot can
 * edit nothing (any call naming the old id answers 400 "group chat was upgraded to a supergroup
 * chat"). An offer confirmed before the upgrade is sent once, and its outcome reaches the supergroup
 * as a new message; a press there is judged on the same offer and never sends it again.
 */

const GROUP = -4_000_555;
const SUPERGROUP = -1_004_000_555;
const inGroup = { chatId: GROUP, userId: RESELLER };
const inSupergroup = { chatId: SUPERGROUP, userId: RESELLER };
const user = (id: number): User => ({ id, is_bot: false, first_name: 'Test' });

let h: Harness;

const t = (key: string) => h.app.translatorFor('en')(key);

/** Telegram calls the bot made to the old group after it was upgraded, and edits of messages that do not exist. */
function wrongCalls(upgradedAtCall: number) {
  return h.telegram.calls
    .slice(upgradedAtCall)
    .filter((c) => Number(c.params.chat_id) === GROUP || (c.method.startsWith('edit') && !c.ok && c.errorCode === 400));
}

describe('offers across a supergroup upgrade', () => {
  it('a send confirmed before the upgrade is sent once; its outcome and a later press reach the supergroup', async () => {
    // The provider client waits long enough that a held send stays held while the group is upgraded.
    h = await startBotWithPatientProvider({ defaultLocale: 'en' });
    await h.linkGroup(GROUP);
    refundedWithOffers(h, 'sg-1', [FACTURE_500]);
    const status = await statusWithOffers(h, 'sg-1', inGroup);
    const confirmation = await pressOffer(h, status, 0, inGroup);
    const send = h.emulator.hold(/\/v3\/mobile\/send/);
    await pressConfirm(h, confirmation, inGroup);
    await h.telegram.waitFor(() => (send.held > 0 ? true : undefined), { what: 'the send reaching the provider' });
    const [offer] = await Offers(h)
      .find({ state: { $in: ['confirming', 'sending'] } })
      .lean();
    expect(offer!.targets).toEqual([expect.objectContaining({ chatId: GROUP, messageId: confirmation.message_id })]);

    // Telegram upgrades the group while the send is under way.
    const upgradedAt = h.telegram.calls.length;
    for (const update of h.telegram.migrateGroup(GROUP, SUPERGROUP, user(RESELLER))) await h.handle(update);
    const moved = await Offers(h).findById(offer!._id).lean();
    expect(moved!.targets).toEqual([expect.objectContaining({ chatId: SUPERGROUP, messageId: null })]);

    // The provider answers: the order it created is followed in the supergroup, in a new message.
    send.release();
    await h.waitForMessage(SUPERGROUP, (m) => m.text.includes(offer!.ref) && m.text.includes('✅'), 'the sent order in the supergroup');
    const sent = (await Offers(h).findById(offer!._id).lean())!;
    expect(sent.state).toBe('sent');
    expect(sendCount(h)).toBe(1);

    // In the supergroup, the refunded order is asked again and its offer pressed: same offer, already sent.
    const again = await statusWithOffers(h, 'sg-1', inSupergroup);
    expect(button(again, 'of:').callback_data).toBe(button(status, 'of:').callback_data);
    const before = h.telegram.messages(SUPERGROUP).length;
    await h.press(again.message_id, button(again, 'of:').callback_data, inSupergroup);
    expect(answers(h).at(-1)).toEqual(expect.objectContaining({ text: t('offer-answer-sent') }));
    // The press followed the send (this chat had no message of it it could edit): one new message there.
    const shown = h.telegram.messages(SUPERGROUP);
    expect(shown).toHaveLength(before + 1);
    const follow = shown.at(-1)!;
    const after = await Offers(h).findById(offer!._id).lean();
    expect(after!.targets).toEqual([expect.objectContaining({ chatId: SUPERGROUP, messageId: follow.message_id })]);

    // Pressed once more, or by a member without re-send rights: it points there, nothing is sent.
    await h.press(again.message_id, button(again, 'of:').callback_data, { chatId: SUPERGROUP, userId: STRANGER });
    await h.press(again.message_id, button(again, 'of:').callback_data, inSupergroup);
    expect(h.telegram.messages(SUPERGROUP).at(-1)!.replyTo).toBe(follow.message_id);
    await h.waitUntilDelivered();
    expect(sendCount(h)).toBe(1);
    expect(await h.app.models.Order.countDocuments({ providerId: sent.sentTopupId })).toBe(1);
    expect(wrongCalls(upgradedAt)).toEqual([]);
    expect(h.badRequests()).toEqual([]);
  });

  it('upgraded before the bot handled the upgrade: the refusal that could not be shown in the group comes in the supergroup, once', async () => {
    h = await startBotWithPatientProvider({ defaultLocale: 'en' });
    await h.linkGroup(GROUP);
    refundedWithOffers(h, 'sg-2', [{ ...FACTURE_500, amount: 60_000 }]); // FACTURE_DJEZZY takes at most 50 000
    const confirmation = await pressOffer(h, await statusWithOffers(h, 'sg-2', inGroup), 0, inGroup);
    const send = h.emulator.hold(/\/v3\/mobile\/send/);
    await pressConfirm(h, confirmation, inGroup);
    await h.telegram.waitFor(() => (send.held > 0 ? true : undefined), { what: 'the send reaching the provider' });

    // Telegram upgrades the group; its two service messages reach the bot only later.
    const upgradedAt = h.telegram.calls.length;
    const upgrade = h.telegram.migrateGroup(GROUP, SUPERGROUP, user(RESELLER));
    send.release();
    const refusal = await h.waitForMessage(
      SUPERGROUP,
      (m) => m.html === h.app.translatorFor('en')('offer-invalid', { field: 'amount' }),
      'the refusal in the supergroup',
    );
    // The worker records the new message as the chat's target right after Telegram took it.
    const recorded = async () => (await Offers(h).find({ state: 'refused' }).lean())[0]?.targets;
    for (let i = 0; i < 1500 && (await recorded())?.[0]?.messageId !== refusal.message_id; i++) await sleep(10);
    expect(await recorded()).toEqual([expect.objectContaining({ chatId: SUPERGROUP, messageId: refusal.message_id })]);

    for (const update of upgrade) await h.handle(update);
    await h.waitUntilDelivered();
    expect(h.telegram.messages(SUPERGROUP)).toEqual([expect.objectContaining({ message_id: refusal.message_id })]);
    expect(sendCount(h)).toBe(1);
    // The one call to the old group after the upgrade: the refused edit of its confirmation, which told the bot.
    const toGroup = h.telegram.calls.slice(upgradedAt).filter((c) => Number(c.params.chat_id) === GROUP);
    expect(toGroup.map((c) => [c.method, c.errorCode])).toEqual([['editMessageText', 400]]);
  });

  /**
   * An offer whose send is being checked by ref when its group is upgraded: the supergroup has its
   * target without a message. The check then says "not confirmed yet", which the worker shows in a new
   * message there, while a press of the offer in the supergroup shows the send in a new message of its
   * own. In one process the chat's pacer sends one message at a time, so the two meet when the worker
   * runs in one process and the press is handled by another (a second replica, booted while the first
   * one's worker holds the offer, so it is the first one that settles it); holding one of the two
   * Telegram calls makes them interleave either way. Returns the offer's id and ref, the status message
   * in the supergroup, and the held check by ref.
   */
  async function uncertainAcrossUpgrade(ref: string, opts: { foundByTheCheck?: boolean } = {}) {
    h = await startBotWithPatientProvider({ defaultLocale: 'en' });
    await h.linkGroup(GROUP);
    const sourceId = refundedWithOffers(h, ref, [FACTURE_500]);
    const status = await statusWithOffers(h, ref, inGroup);
    const confirmation = await pressOffer(h, status, 0, inGroup);
    // The send gets no clear answer (nothing created); the check by ref that follows waits.
    h.emulator.injectFault({ kind: 500, path: /\/v3\/mobile\/send/ });
    const check = h.emulator.hold(/\/v3\/mobile\/check-ref\//);
    // `foundByTheCheck`: the order exists when the check by ref arrives (its held answer finds it).
    if (opts.foundByTheCheck) orderFound(resendRef(sourceId, FACTURE_500.plan_code, FACTURE_500.amount));
    await pressConfirm(h, confirmation, inGroup);
    await h.telegram.waitFor(() => (check.held > 0 ? true : undefined), { what: 'the check by ref reaching the provider' });
    for (const update of h.telegram.migrateGroup(GROUP, SUPERGROUP, user(RESELLER))) await h.handle(update);
    const [offer] = await Offers(h).find({ state: 'sending' }).lean();
    expect(offer!.targets).toEqual([expect.objectContaining({ chatId: SUPERGROUP, messageId: null })]);
    const again = await statusWithOffers(h, ref, inSupergroup);
    await h.boot(); // presses from here on reach the second process
    return { offerId: offer!._id, ref: offer!.ref, status: again, check };
  }

  /** The order the offer's send may have created appears: the next check by ref finds it. */
  const orderFound = (ref: string) => h.emulator.sendMobile({ plan_code: FACTURE_500.plan_code, MSSIDN: '0771234567', amount: 500, ref });

  it("the worker's new message and a press's new message in the supergroup at once (the press recorded first): one shows the send, the worker's points to it", async () => {
    const { offerId, ref, status, check } = await uncertainAcrossUpgrade('sg-race-1');
    // The worker's "not confirmed yet" message is sent to the supergroup, and held by Telegram.
    const workers = h.telegram.hold('sendMessage', { chatId: SUPERGROUP });
    check.release();
    await workers.arrived;
    // Meanwhile the offer is pressed there: the chat has no message of the send, so the press shows it in a new one.
    await h.press(status.message_id, button(status, 'of:').callback_data, inSupergroup);
    const pressed = h.telegram.messages(SUPERGROUP).at(-1)!;
    expect(pressed.replyTo).toBe(status.message_id);
    expect((await Offers(h).findById(offerId).lean())!.targets).toEqual([
      expect.objectContaining({ chatId: SUPERGROUP, messageId: pressed.message_id }),
    ]);

    // Telegram takes the worker's message now: it is not the chat's message of the send, and says where that is.
    workers.release();
    const late = await h.telegram.waitFor(() => h.telegram.messages(SUPERGROUP).find((m) => m.message_id > pressed.message_id), {
      what: "the worker's message in the supergroup",
    });
    const pointer = h.app.translatorFor('en')('offer-sending-here', { ref });
    await waitUntilShows(h, late, pointer.split('\n')[0]!, "the worker's message pointing to the press's");
    expect(current(h, late).html).toBe(pointer);
    expect(buttonsOf(current(h, late))).toEqual([]);

    // The order is found: the press's message becomes its live status; the other one stays a pointer.
    orderFound(ref);
    await waitUntilShows(h, pressed, '✅', "the press's message: the order's live status");
    await h.waitUntilDelivered();
    const done = (await Offers(h).findById(offerId).lean())!;
    expect(done.state).toBe('sent');
    expect(done.targets).toEqual([expect.objectContaining({ chatId: SUPERGROUP, messageId: pressed.message_id })]);
    expect(done.replacedIn).toEqual([]);
    expect(current(h, late).html).toBe(pointer);
    expect(h.telegram.messages(SUPERGROUP).filter((m) => m.text.includes(ref))).toHaveLength(2);
    expect(sendCount(h)).toBe(1);
    expect(h.badRequests()).toEqual([]);
  });

  it("the same race the other way (the worker recorded first): the press's new message points to the worker's, which shows the send", async () => {
    const { offerId, ref, status, check } = await uncertainAcrossUpgrade('sg-race-2');
    // The press's new message is sent to the supergroup, and held by Telegram.
    const presses = h.telegram.hold('sendMessage', { chatId: SUPERGROUP });
    const pressing = h.press(status.message_id, button(status, 'of:').callback_data, inSupergroup);
    await presses.arrived;
    // Meanwhile the check says "not confirmed yet", and the worker shows it in a new message there.
    check.release();
    const recorded = async () => (await Offers(h).findById(offerId).lean())!.targets[0]!.messageId;
    for (let i = 0; i < 1500 && (await recorded()) === null; i++) await sleep(10);
    const workers = h.telegram.messages(SUPERGROUP).at(-1)!;
    expect(await recorded()).toBe(workers.message_id);

    presses.release();
    await pressing;
    const pressed = h.telegram.messages(SUPERGROUP).find((m) => m.replyTo === status.message_id)!;
    expect(current(h, pressed).html).toBe(h.app.translatorFor('en')('offer-sending-here', { ref }));
    orderFound(ref);
    await waitUntilShows(h, workers, '✅', "the worker's message: the order's live status");
    await h.waitUntilDelivered();
    const done = (await Offers(h).findById(offerId).lean())!;
    expect(done.targets).toEqual([expect.objectContaining({ chatId: SUPERGROUP, messageId: workers.message_id })]);
    expect(current(h, pressed).html).toBe(h.app.translatorFor('en')('offer-sending-here', { ref }));
    expect(sendCount(h)).toBe(1);
    expect(h.badRequests()).toEqual([]);
  });

  it('a press whose new message lost the race to the send being found: that message is recorded and becomes the live status, never a second new one', async () => {
    const { offerId, status, check } = await uncertainAcrossUpgrade('sg-race-3', { foundByTheCheck: true });
    const presses = h.telegram.hold('sendMessage', { chatId: SUPERGROUP });
    const pressing = h.press(status.message_id, button(status, 'of:').callback_data, inSupergroup);
    await presses.arrived;
    // Meanwhile the check by ref finds the order: sent, and the supergroup (no message yet) follows it.
    check.release();
    for (let i = 0; i < 1500 && (await Offers(h).findById(offerId).lean())!.state !== 'sent'; i++) await sleep(10);
    // The press's message ("being sent") arrives: judged again on the sent offer, it follows the order itself.
    presses.release();
    await pressing;
    const replies = () => h.telegram.messages(SUPERGROUP).filter((m) => m.replyTo === status.message_id);
    expect(replies()).toHaveLength(1);
    const pressed = replies()[0]!;
    await waitUntilShows(h, pressed, '✅', "the press's message: the order's live status");
    await h.waitUntilDelivered();
    expect(replies()).toHaveLength(1);
    expect((await Offers(h).findById(offerId).lean())!.targets).toEqual([
      expect.objectContaining({ chatId: SUPERGROUP, messageId: pressed.message_id }),
    ]);
    expect(sendCount(h)).toBe(1);
    expect(h.badRequests()).toEqual([]);
  });

  it('moving is idempotent, and a chat that already has a target in the supergroup keeps only that one', async () => {
    h = await startBotWithStaffGroup(GROUP, { defaultLocale: 'en' });
    refundedWithOffers(h, 'sg-3', [FACTURE_500]);
    await statusWithOffers(h, 'sg-3', inGroup);
    const [one] = await Offers(h).find().lean();
    const target = (chatId: number, messageId: number) => ({ chatId, messageId, locale: 'en', shown: 'sent:T1' });
    await Offers(h).updateOne(
      { _id: one!._id },
      { $set: { state: 'sent', sentTopupId: 'T1', targets: [target(GROUP, 5), target(SUPERGROUP, 7)] } },
    );
    await h.app.resend.migrateChat(GROUP, SUPERGROUP);
    await h.app.resend.migrateChat(GROUP, SUPERGROUP);
    expect((await Offers(h).findById(one!._id).lean())!.targets).toEqual([expect.objectContaining(target(SUPERGROUP, 7))]);
  });

  it('an open order followed in the group gets a new status message in the supergroup; a closed one is left in the history', async () => {
    h = await startBotWithStaffGroup(GROUP, { defaultLocale: 'en' });
    refundedWithOffers(h, 'sg-closed', [FACTURE_500]);
    await statusWithOffers(h, 'sg-closed', inGroup);
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref: 'sg-open' });
    h.emulator.setStatus(topupId, 'HANDLING');
    await h.send('/status sg-open', inGroup);
    await h.waitUntilDelivered();

    const upgradedAt = h.telegram.calls.length;
    for (const update of h.telegram.migrateGroup(GROUP, SUPERGROUP, user(RESELLER))) await h.handle(update);
    const first = await h.waitForMessage(
      SUPERGROUP,
      (m) => m.text.includes('sg-open') && m.text.includes('⏳'),
      'the open order in the supergroup',
    );
    expect(first.replyTo).toBeUndefined();
    h.emulator.setStatus(topupId, 'FULFILLED');
    await h.telegram.waitFor(() => (current(h, first).text.includes('✅') ? true : undefined), { what: 'the supergroup message edited' });
    await h.waitUntilDelivered();
    // One message per order in the supergroup, none for the closed one; nothing sent to or edited in the old group.
    expect(h.telegram.messages(SUPERGROUP).filter((m) => m.text.includes('sg-open'))).toHaveLength(1);
    expect(h.telegram.messages(SUPERGROUP).some((m) => m.text.includes('sg-closed'))).toBe(false);
    expect(buttonsOf(h.telegram.messages(SUPERGROUP)[0])).toEqual([]);
    expect(wrongCalls(upgradedAt)).toEqual([]);
    expect(h.badRequests()).toEqual([]);
  });

  it('an order that closes as the group is upgraded (its edit to ✅ meets the upgrade): its final state comes in the supergroup, once', async () => {
    h = await startBotWithStaffGroup(GROUP, { defaultLocale: 'en' });
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref: 'sg-final' });
    h.emulator.setStatus(topupId, 'HANDLING');
    await h.send('/status sg-final', inGroup);
    await h.waitForMessage(GROUP, (m) => m.text.includes('sg-final') && m.text.includes('⏳'), 'the status message in the group');
    await h.waitUntilDelivered();

    // Upgraded before the bot handled the upgrade message; the order then resolves: the edit of the
    // group's message answers 400 (upgraded), and the group's message can never show it.
    const upgrade = h.telegram.migrateGroup(GROUP, SUPERGROUP, user(RESELLER));
    h.emulator.setStatus(topupId, 'FULFILLED');
    const final = await h.waitForMessage(
      SUPERGROUP,
      (m) => m.text.includes('sg-final') && m.text.includes('✅'),
      'the final state in the supergroup',
    );
    expect(final.replyTo).toBeUndefined();
    // The upgrade messages arrive afterwards: nothing is left to move, nothing is sent again.
    for (const update of upgrade) await h.handle(update);
    await h.waitUntilDelivered();
    await sleep(2_500); // past the delivery lease (2 s): a second worker's repeat would show
    await h.waitUntilDelivered();
    expect(h.telegram.messages(SUPERGROUP).filter((m) => m.text.includes('sg-final'))).toEqual([
      expect.objectContaining({ message_id: final.message_id }),
    ]);
    expect(h.telegram.messages(GROUP).filter((m) => m.text.includes('✅'))).toEqual([]);
  });

  it('an edit Telegram took in the group just before the upgrade, recorded once the watchers moved: no supergroup message is edited for it', async () => {
    h = await startBotWithStaffGroup(GROUP, { defaultLocale: 'en' });
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref: 'sg-late-edit' });
    h.emulator.setStatus(topupId, 'PENDING');
    await h.send('/status sg-late-edit', inGroup);
    const status = await h.waitForMessage(GROUP, (m) => m.text.includes('sg-late-edit'), 'the group status');
    await h.waitUntilDelivered();

    // The group's message is edited to the next status (Telegram takes it); the bot handles the upgrade before the
    // edit is recorded.
    const Watcher = h.app.models.Watcher;
    const realUpdateOne = Watcher.updateOne.bind(Watcher) as (...args: unknown[]) => ReturnType<typeof Watcher.updateOne>;
    let upgradedAt: number | undefined;
    let shown: string | undefined;
    let moved!: FakeMessage;
    const spy = vi.spyOn(Watcher, 'updateOne').mockImplementation((async (filter: Record<string, unknown>, ...rest: unknown[]) => {
      if (upgradedAt === undefined && filter.messageId === status.message_id && filter.requestKey !== undefined) {
        upgradedAt = h.telegram.calls.length;
        for (const update of h.telegram.migrateGroup(GROUP, SUPERGROUP, user(RESELLER))) await h.handle(update);
      }
      return realUpdateOne(filter, ...rest);
    }) as unknown as typeof Watcher.updateOne);
    try {
      shown = current(h, status).text;
      h.emulator.setStatus(topupId, 'HANDLING');
      await h.telegram.waitFor(() => (upgradedAt !== undefined ? true : undefined), { what: 'the edit recorded after the upgrade' });
      moved = await h.waitForMessage(SUPERGROUP, (m) => m.text.includes('sg-late-edit'), 'the status message in the supergroup');
      await h.waitUntilDelivered();
      await sleep(2_500);
      await h.waitUntilDelivered();
    } finally {
      spy.mockRestore();
    }
    expect(current(h, status).text).not.toBe(shown); // the group's history shows the edit
    // The group's message id means another message (or none) in the supergroup: never edited there.
    // Only the supergroup's own status message is, and it shows the status, not a pointer to another message.
    const edits = h.telegram.calls.slice(upgradedAt).filter((c) => c.method.startsWith('edit') && Number(c.params.chat_id) === SUPERGROUP);
    expect(edits.map((c) => Number(c.params.message_id)).filter((id) => id !== moved.message_id)).toEqual([]);
    expect(current(h, moved).html).not.toContain(h.app.translatorFor('en')('status-replaced', { query: 'sg-late-edit' }).slice(0, 12));
    expect(wrongCalls(upgradedAt!)).toEqual([]);
  });

  it('an offer sent before the upgrade and settled twice in the supergroup (the worker died before recording it): one status message there', async () => {
    h = await startBotWithStaffGroup(SUPERGROUP, { defaultLocale: 'en' });
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref: 'sg-twice' });
    h.emulator.setStatus(topupId, 'HANDLING');
    // What the offer worker's settle does for a sent offer whose chat has no message (its target moved to
    // the supergroup); a worker that died before recording it settles the same effect again.
    const sent = {
      accountId: 'env',
      kind: 'mobile',
      providerId: topupId,
      ref: 'sg-twice',
      chatId: SUPERGROUP,
      locale: 'en',
      messageId: null,
    } as const;
    await h.app.tracker.trackSent(sent);
    const first = await h.waitForMessage(SUPERGROUP, (m) => m.text.includes('sg-twice') && m.text.includes('⏳'), 'the status message');
    await h.app.tracker.trackSent(sent);
    h.emulator.setStatus(topupId, 'FULFILLED');
    await h.telegram.waitFor(() => (current(h, first).text.includes('✅') ? true : undefined), { what: 'the status message edited' });
    await h.waitUntilDelivered();
    expect(h.telegram.messages(SUPERGROUP).filter((m) => m.text.includes('sg-twice'))).toHaveLength(1);
    expect(h.badRequests()).toEqual([]);
  });
});

/**
 * A long-tail order followed in a group resolves around the upgrade: the push it owes the group cannot
 * go there any more (400 "group chat was upgraded"), so it comes as a new message in the supergroup,
 * exactly once. Deliveries run under a 2 s lease (the harness's): each test waits past it before
 * counting, so a second worker's repeat would show.
 */
describe('long-tail announcements across a supergroup upgrade', () => {
  const ORDER = { plan_code: 'PREPAID_DJEZZY', MSSIDN: '0600000003', amount: 500 } as const;

  /** A staff group following an UNKNOWN_ERROR order in the long tail; returns the provider id and its group message. */
  async function inLongTail(ref: string) {
    h = await startLongTailBot({ defaultLocale: 'en' });
    await h.linkGroup(GROUP);
    const { topupId } = h.emulator.sendMobile({ ...ORDER, ref });
    h.emulator.setStatus(topupId, 'UNKNOWN_ERROR');
    await h.send(`/status ${ref}`, inGroup);
    const status = await h.waitForMessage(GROUP, (m) => m.text.includes(ref) && m.text.includes('⚠️'), 'the long-tail status message');
    for (let i = 0; i < 750 && !(await h.order({ providerId: topupId }))?.longTail; i++) await sleep(20);
    expect((await h.order({ providerId: topupId }))?.longTail).toBeDefined();
    return { topupId, status };
  }

  /** Bad requests other than the calls to the old group that Telegram refused because it was upgraded. */
  const otherBadRequests = () => h.badRequests().filter((c) => Number(c.params.chat_id) !== GROUP);

  /** The supergroup's messages about `ref`, once every delivery is done and a lease has run out. */
  async function settled(ref: string) {
    await h.waitUntilDelivered();
    await sleep(2_500);
    await h.waitUntilDelivered();
    return h.telegram.messages(SUPERGROUP).filter((m) => m.text.includes(ref));
  }

  it('the push to the group is under way when the bot handles the upgrade: it comes in the supergroup, once', async () => {
    const { topupId, status } = await inLongTail('lt-sg-1');
    const push = h.telegram.hold('sendMessage', { chatId: GROUP });
    h.emulator.setStatus(topupId, 'FULFILLED');
    await push.arrived;
    for (const update of h.telegram.migrateGroup(GROUP, SUPERGROUP, user(RESELLER))) await h.handle(update);
    push.release(); // Telegram answers the held push: 400, the group was upgraded

    const announced = await h.waitForMessage(SUPERGROUP, (m) => m.text.includes('lt-sg-1'), 'the resolution in the supergroup');
    expect(announced.text).toContain('✅');
    expect(announced.replyTo).toBeUndefined();
    expect(await settled('lt-sg-1')).toEqual([expect.objectContaining({ message_id: announced.message_id })]);
    // The group's history keeps its last status message; nothing reached the old group after the upgrade.
    expect(h.telegram.messages(GROUP)).toEqual([expect.objectContaining({ message_id: status.message_id })]);
    expect(otherBadRequests()).toEqual([]);
  });

  it('the push meets the upgrade before the bot handled it: the worker moves it to the supergroup, once', async () => {
    const { topupId } = await inLongTail('lt-sg-2');
    const upgrade = h.telegram.migrateGroup(GROUP, SUPERGROUP, user(RESELLER));
    h.emulator.setStatus(topupId, 'FULFILLED');
    const announced = await h.waitForMessage(SUPERGROUP, (m) => m.text.includes('lt-sg-2'), 'the resolution in the supergroup');
    expect(announced.text).toContain('✅');

    // The upgrade messages arrive afterwards: nothing is left to move, nothing is sent again.
    for (const update of upgrade) await h.handle(update);
    expect(await settled('lt-sg-2')).toEqual([expect.objectContaining({ message_id: announced.message_id })]);
    expect(h.telegram.messages(GROUP)).toHaveLength(1);
    expect(otherBadRequests()).toEqual([]);
  });

  it('a push Telegram took just before the upgrade is not repeated in the supergroup', async () => {
    const { topupId, status } = await inLongTail('lt-sg-3');
    h.emulator.setStatus(topupId, 'FULFILLED');
    const pushed = await h.waitForMessage(GROUP, (m) => m.replyTo === status.message_id, 'the push in the group');
    expect(pushed.text).toContain('✅');
    await h.waitUntilDelivered();

    for (const update of h.telegram.migrateGroup(GROUP, SUPERGROUP, user(RESELLER))) await h.handle(update);
    expect(await settled('lt-sg-3')).toEqual([]);
    expect(h.badRequests()).toEqual([]);
  });
});
