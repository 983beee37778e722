import { beforeEach, describe, expect, it } from 'vitest';
import { textMessageUpdate } from '../support/updates.js';
import { RESELLER, STAFF, STRANGER, type Harness } from '../support/harness.js';
import { LONG_FAST_PHASE, startBot } from '../support/start-bot.js';

let h: Harness;
beforeEach(async () => {
  h = await startBot();
});

const GROUP = -4_000_123;
/** A line's direction follows its first letter: Arabic text must start with an Arabic word. */
const STARTS_ARABIC = /^[\u0600-\u06FF]/;

function sendMobile(ref: string) {
  return h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref });
}

async function sendInGroup(text: string, userId: number): Promise<void> {
  await h.handle(textMessageUpdate({ chatId: GROUP, fromId: userId, text }));
}

describe('access', () => {
  it('refuses a user not in ALLOWED_USER_IDS politely, shows their id, and never calls the provider', async () => {
    sendMobile('order-123');
    await h.send('/status order-123', { userId: STRANGER });
    const refusal = h.telegram.lastMessage(STRANGER);
    expect(refusal?.html).toContain(`<code>${STRANGER}</code>`);
    expect(refusal?.text).toMatch(STARTS_ARABIC);
    await h.send('order-123', { userId: STRANGER }); // a bare ref too
    expect(h.telegram.messages(STRANGER)).toHaveLength(2);
    expect(h.emulator.callCount()).toBe(0);
    expect(await h.app.models.Order.countDocuments()).toBe(0);
  });

  it('does not answer chatter in a group that is not linked; a command gets how to link it, no order data, no id', async () => {
    await sendInGroup('hello everyone, order-123 is late', STRANGER);
    expect(h.telegram.callCount('sendMessage', GROUP)).toBe(0);
    await sendInGroup('/status order-123', STRANGER);
    expect(h.telegram.lastMessage(GROUP)?.html).toContain(`/link@${h.telegram.botInfo.username}`);
    expect(h.telegram.lastMessage(GROUP)?.html).not.toContain(String(STRANGER));
    expect(h.emulator.callCount()).toBe(0);
  });

  it("does not answer an allowed user's group chatter, only their commands", async () => {
    await h.linkGroup(GROUP);
    sendMobile('order-group-1');
    await sendInGroup('order-group-1', RESELLER);
    expect(h.telegram.callCount('sendMessage', GROUP)).toBe(0);
    await sendInGroup('/status order-group-1', RESELLER);
    await h.waitForMessage(GROUP, (m) => m.text.includes('✅'), 'fulfilled status in the group');
  });
});

describe('/start, /help and the language', () => {
  it.each(['/start', '/help'])('%s explains how to use /status, in Arabic by default', async (command) => {
    await h.send(command);
    const answer = h.telegram.lastMessage(RESELLER);
    expect(answer?.html).toContain('/status order-123');
    expect(answer?.text).toMatch(STARTS_ARABIC);
  });

  it('shows status messages in Arabic by default, every text line starting with an Arabic word', async () => {
    const { topupId } = sendMobile('lang-ar-1');
    await h.send('/status lang-ar-1');
    const final = await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status');
    // The ref and the id sit alone on their own lines (in <code>); every other line reads right-to-left.
    const lines = final.text.split('\n').filter((l) => l.trim() !== '' && l !== 'lang-ar-1' && l !== topupId);
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(line).toMatch(STARTS_ARABIC);
  });

  it('switches a chat to French with /language; its next status messages are French', async () => {
    await h.send('/language');
    const picker = h.telegram.lastMessage(RESELLER)!;
    const buttons = picker.reply_markup?.inline_keyboard.flat().map((b) => ('callback_data' in b ? b.callback_data : undefined));
    expect(buttons).toEqual(['lang:ar', 'lang:fr', 'lang:en']);

    await h.press(picker.message_id, 'lang:fr');
    expect(h.telegram.message(RESELLER, picker.message_id)?.text).toContain('français');

    sendMobile('lang-fr-1');
    await h.send('/status lang-fr-1');
    const final = await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status');
    expect(final.text).toContain('Recharge mobile');
    expect(final.text).not.toMatch(/[\u0600-\u06FF]{4}/); // no Arabic sentence left
    await h.send('/help');
    expect(h.telegram.lastMessage(RESELLER)?.text).toContain('Commandes');
    // Other chats keep the default.
    await h.send('/help', { userId: STAFF });
    expect(h.telegram.lastMessage(STAFF)?.text).toMatch(STARTS_ARABIC);
  });

  it('updates a status message already on screen in the new language', async () => {
    await h.close(); // this test needs a bot with a longer fast phase
    h = await startBot(LONG_FAST_PHASE);
    const { topupId } = sendMobile('lang-live-1');
    h.emulator.setStatus(topupId, 'HANDLING');
    await h.send('/status lang-live-1');
    await h.waitForMessage(RESELLER, (m) => m.text.includes('⏳'), 'processing status');

    await h.send('/language');
    await h.press(h.telegram.lastMessage(RESELLER)!.message_id, 'lang:en');
    h.emulator.setStatus(topupId, 'FULFILLED');
    await h.telegram.waitFor(() => h.telegram.messages(RESELLER)[0]!.text.includes('✅') || undefined, { what: 'fulfilled status' });
    expect(h.telegram.messages(RESELLER)[0]!.text).toContain('Mobile top-up: delivered');
  });
});
