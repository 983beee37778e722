import { afterEach, describe, expect, it } from 'vitest';
import { formatAmount } from '../../src/bot/render/format.js';
import type { FakeMessage } from '../support/fake-telegram.js';
import { Harness, RESELLER, STAFF, type HarnessOptions } from '../support/harness.js';
import { button, buttonsOf, FACTURE_500, pressOffer, refundedWithOffers, sendCount } from '../support/offer-steps.js';

/**
 * "Other amount" in a staff group: the question is a force-reply aimed at the member who pressed the
 * button, only their answer counts, and the question says when it is cancelled (/cancel, another
 * command, three bad answers). Each test is the members' steps and what the group shows after each.
 */

const GROUP = -4_000_555;
const asker = { chatId: GROUP, userId: RESELLER };
const colleague = { chatId: GROUP, userId: STAFF };
const range = { min: formatAmount(100, 'ar'), max: formatAmount(50_000, 'ar') }; // FACTURE_DJEZZY's plan range
const vars = { name: FACTURE_500.typename, ...range };

let h: Harness;
afterEach(async () => {
  await h.close();
});

const t = (key: string, v?: Record<string, string>) => h.app.translatorFor('ar')(key, v);
const bot = () => `@${h.telegram.botInfo.username}`;
const groupMessages = () => h.telegram.messages(GROUP);
const confirmationsFor = (amount: number) =>
  groupMessages().filter((m) => buttonsOf(m).some((b) => b.callback_data.startsWith('oc:')) && m.text.includes(formatAmount(amount, 'ar')));

/** The asker looks the refunded order up in the group (as Telegram delivers it in privacy mode), presses its offer, then "Other amount". */
async function askInGroup(opts: HarnessOptions, ref: string): Promise<FakeMessage> {
  h = await Harness.start(opts);
  await h.linkGroup(GROUP);
  refundedWithOffers(h, ref);
  await h.send(`/status${bot()} ${ref}`, asker);
  const status = await h.waitForMessage(GROUP, (m) => buttonsOf(m).some((b) => b.callback_data.startsWith('of:')), 'offer buttons');
  const confirmation = await pressOffer(h, status, 0, asker);
  await h.press(confirmation.message_id, button(confirmation, 'oa:').callback_data, asker);
  return h.telegram.lastMessage(GROUP)!;
}

describe('the amount question in a group', () => {
  it('is a force-reply aimed at the asker; a colleague’s 600 is ignored, the asker’s 700 is taken (privacy mode off)', async () => {
    const question = await askInGroup({}, 'group-amount-1');
    expect(question.html).toBe(
      `${t('amount-ask', vars)}\n${t('amount-ask-asker', { user: 'ASKER_SLOT' }).replace('ASKER_SLOT', `<a href="tg://user?id=${RESELLER}">Test</a>`)}`,
    );
    expect(question.forceReply).toEqual({ selective: true, placeholder: t('amount-placeholder', vars) });
    expect(question.replyTo).toBeUndefined(); // a reply would aim `selective` at the replied message's author, the bot

    // A colleague answers, plainly and as a reply to the question: neither is taken, nothing is said.
    const before = groupMessages().length;
    await h.send('600', colleague);
    await h.send('600', { ...colleague, replyTo: question.message_id });
    expect(groupMessages()).toHaveLength(before);

    // The asker chatting with colleagues (not a reply) is not an answer either.
    await h.send('wait, let me check', asker);
    expect(groupMessages()).toHaveLength(before);

    await h.send('700', { ...asker, replyTo: question.message_id });
    const confirmation = h.telegram.lastMessage(GROUP)!;
    expect(confirmation.text).toContain(formatAmount(700, 'ar'));
    expect(buttonsOf(confirmation).some((b) => b.callback_data.startsWith('oc:'))).toBe(true);
    expect(confirmationsFor(600)).toHaveLength(0);
    expect(sendCount(h)).toBe(0);
  });

  it('with privacy mode on, the asker’s reply reaches the bot and is taken; a plain message never arrives', async () => {
    const question = await askInGroup({ privacyMode: true }, 'group-amount-2');
    expect(question.forceReply?.selective).toBe(true);
    const before = groupMessages().length;

    await h.send('800', asker); // not a reply: Telegram does not deliver it in privacy mode
    await h.send('600', { ...colleague, replyTo: question.message_id }); // delivered (a reply to the bot), not the asker's
    expect(groupMessages()).toHaveLength(before);

    await h.send('900', { ...asker, replyTo: question.message_id });
    expect(h.telegram.lastMessage(GROUP)!.text).toContain(formatAmount(900, 'ar'));
    expect(confirmationsFor(600)).toHaveLength(0);
    expect(confirmationsFor(800)).toHaveLength(0);
  });

  it('/cancel closes it and says so; a later answer is not taken', async () => {
    const question = await askInGroup({ privacyMode: true }, 'group-amount-3');

    await h.send(`/cancel${bot()}`, asker);
    expect(h.telegram.lastMessage(GROUP)!.html).toBe(t('amount-cancelled'));

    const before = groupMessages().length;
    await h.send('700', { ...asker, replyTo: question.message_id });
    expect(groupMessages()).toHaveLength(before);
    expect(confirmationsFor(700)).toHaveLength(0);
  });

  it('a colleague’s /cancel does not close the asker’s question', async () => {
    const question = await askInGroup({ privacyMode: true }, 'group-amount-4');

    await h.send(`/cancel${bot()}`, colleague);
    expect(h.telegram.lastMessage(GROUP)!.html).toBe(t('cancel-nothing'));

    await h.send('700', { ...asker, replyTo: question.message_id });
    expect(h.telegram.lastMessage(GROUP)!.text).toContain(formatAmount(700, 'ar'));
  });

  it('another command mid-question closes it, says so, and then runs', async () => {
    const question = await askInGroup({ privacyMode: true }, 'group-amount-5');
    const before = groupMessages().length;

    await h.send(`/help${bot()}`, asker);
    expect(
      groupMessages()
        .slice(before)
        .map((m) => m.html),
    ).toEqual([t('amount-cancelled-by-command'), expect.stringContaining('/status')]);

    const after = groupMessages().length;
    await h.send('700', { ...asker, replyTo: question.message_id });
    expect(groupMessages()).toHaveLength(after);
  });

  it('three bad answers: each is told what is wrong and asked again; the third closes the question', async () => {
    const question = await askInGroup({ privacyMode: true }, 'group-amount-6');

    const first = await h.send('سبعمائة', { ...asker, replyTo: question.message_id });
    const again1 = h.telegram.lastMessage(GROUP)!;
    expect(again1.html).toBe(`${t('amount-not-number', vars)}\n${t('amount-try-again')}`);
    expect(again1.replyTo).toBe(first); // aimed at the asker (selective: the author of the replied message)
    expect(again1.forceReply?.selective).toBe(true);

    // An answer to the new question (the one the asker's app opened) counts.
    await h.send('12,5', { ...asker, replyTo: again1.message_id });
    const again2 = h.telegram.lastMessage(GROUP)!;
    expect(again2.html).toBe(`${t('amount-not-whole', vars)}\n${t('amount-try-again')}`);

    await h.send('٦٠٠٠٠', { ...asker, replyTo: again2.message_id }); // 60 000 in Arabic-Indic digits: above the maximum
    const closed = h.telegram.lastMessage(GROUP)!;
    expect(closed.html).toBe(`${t('amount-too-high', vars)}\n${t('amount-gave-up')}`);
    expect(closed.forceReply).toBeUndefined();

    const before = groupMessages().length;
    await h.send('700', { ...asker, replyTo: again2.message_id });
    expect(groupMessages()).toHaveLength(before);
    expect(sendCount(h)).toBe(0);
  });

  it('a below-minimum answer names the minimum', async () => {
    const question = await askInGroup({}, 'group-amount-7');
    await h.send('50', { ...asker, replyTo: question.message_id });
    expect(h.telegram.lastMessage(GROUP)!.html).toBe(`${t('amount-too-low', vars)}\n${t('amount-try-again')}`);
  });
});

describe('/cancel with no question open', () => {
  it('says there is nothing to cancel', async () => {
    h = await Harness.start();
    await h.send('/cancel');
    expect(h.telegram.lastMessage(RESELLER)!.html).toBe(t('cancel-nothing'));
  });
});
