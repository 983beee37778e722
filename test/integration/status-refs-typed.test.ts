import { beforeEach, describe, expect, it } from 'vitest';
import type { FakeMessage } from '../support/fake-telegram.js';
import { RESELLER, STAFF, type Harness } from '../support/harness.js';
import { startBotWithStaffGroup } from '../support/start-bot.js';

/**
 * Refs as resellers actually give them: typed on an Arabic keyboard, dressed with # or quotes, a
 * greeting instead of a ref, a reply to a status message, a status message forwarded back.
 * Each test is the reseller's steps and what the chat shows after each.
 */

let h: Harness;
beforeEach(async () => {
  h = await startBotWithStaffGroup(GROUP);
});

const GROUP = -4_000_777;
const t = (key: string, vars?: Record<string, string>) => h.app.translatorFor('ar')(key, vars);

function seed(ref: string, mssidn = '0771234567') {
  return h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: mssidn, amount: 500, ref });
}

async function finalStatus(chatId: number, ref: string): Promise<FakeMessage> {
  return h.waitForMessage(chatId, (m) => m.html.includes(`<code>${ref}</code>`) && m.text.includes('✅'), `the fulfilled status of ${ref}`);
}

describe('refs typed on an Arabic keyboard', () => {
  it.each([
    ['Arabic-Indic digits after /status', '/status ١٢٣٤٥'],
    ['Persian digits after /status', '/status ۱۲۳۴۵'],
    ['Arabic-Indic digits alone in a private chat', '١٢٣٤٥'],
    ['Persian digits alone in a private chat', '۱۲۳۴۵'],
  ])('%s: the order 12345 is followed', async (_what, text) => {
    seed('12345');
    await h.send(text);
    const status = await finalStatus(RESELLER, '12345');
    expect(h.emulator.requests[0]?.path).toBe('/v3/mobile/check-ref/12345');
    expect(h.telegram.messages(RESELLER)).toEqual([status]); // no "characters not allowed" first
  });
});

describe('refs with # or quotes', () => {
  it.each([
    ['/status #order-77'],
    ['#order-77'],
    ['/status «order-77»'],
    ['«order-77»'],
    ['/status "order-77"'],
    ["'order-77'"],
    ['/status “order-77”'],
  ])('%s follows order-77', async (text) => {
    seed('order-77');
    await h.send(text);
    const status = await finalStatus(RESELLER, 'order-77');
    expect(h.telegram.messages(RESELLER)).toEqual([status]);
    expect(h.emulator.requests[0]?.path).toBe('/v3/mobile/check-ref/order-77');
  });
});

describe('text that is not a ref', () => {
  it.each([['السلام عليكم'], ['مرحبا'], ['صباح الخير، كيف الحال؟'], ['Bonjour']])(
    'a greeting ("%s") in a private chat gets the short help, not an error, and nothing is looked up',
    async (greeting) => {
      await h.send(greeting);
      const reply = h.telegram.lastMessage(RESELLER)!;
      expect(reply.html).toBe(t('status-not-a-ref'));
      expect(reply.text).toMatch(/^[\u0600-\u06FF]/);
      expect(reply.html).toContain('<code>/status order-123</code>');
      expect(reply.text).not.toContain(t('invalid-ref-chars').split('\n')[0]!);
      expect(await h.app.models.Order.countDocuments()).toBe(0);
      expect(h.emulator.callCount()).toBe(0);
    },
  );

  it('/status with words after it gets the same help', async () => {
    await h.send('/status where is my order');
    expect(h.telegram.lastMessage(RESELLER)!.html).toBe(t('status-not-a-ref'));
    expect(h.emulator.callCount()).toBe(0);
  });

  it('a ref-like token with a forbidden character still says which characters are allowed', async () => {
    await h.send('/status order/123');
    expect(h.telegram.lastMessage(RESELLER)!.html).toBe(t('invalid-ref-chars'));
  });
});

describe('a bare /status replying to a message', () => {
  it('in a private chat: replying /status to a status message follows that order again', async () => {
    seed('reply-1');
    await h.send('/status reply-1');
    const status = await finalStatus(RESELLER, 'reply-1');
    h.emulator.resetCounters();

    await h.send('/status', { replyTo: status.message_id });
    const again = await h.waitForMessage(
      RESELLER,
      (m) => m.message_id !== status.message_id && m.html.includes('<code>reply-1</code>'),
      'a fresh status message for reply-1',
    );
    expect(again.text).toContain('✅');
    expect(h.telegram.messages(RESELLER).some((m) => m.html === t('status-usage'))).toBe(false);
  });

  it('replying /status to an older status message of the order (replaced by a newer one) follows that order', async () => {
    seed('reply-3');
    seed('other-3', '0771234599');
    await h.send('/status reply-3');
    const first = await finalStatus(RESELLER, 'reply-3');
    await h.send('/status reply-3');
    await h.waitForMessage(
      RESELLER,
      (m) => m.message_id !== first.message_id && m.html.includes('<code>reply-3</code>'),
      'the newer message',
    );
    await h.send('/status other-3');
    await finalStatus(RESELLER, 'other-3');
    const before = h.telegram.messages(RESELLER).length;

    await h.send('/status', { replyTo: first.message_id });
    const again = await h.waitForMessage(
      RESELLER,
      (m) => h.telegram.messages(RESELLER).length > before && m.html.includes('<code>reply-3</code>') && m.text.includes('✅'),
      'a fresh status message for reply-3',
    );
    expect(again.message_id).toBeGreaterThan(first.message_id);
  });

  it('in a group with privacy mode: /status@bot replying to the status message (the only form Telegram delivers)', async () => {
    await h.close();
    h = await startBotWithStaffGroup(GROUP, { privacyMode: true });
    seed('reply-2');
    await h.send(`/status@${h.telegram.botInfo.username} reply-2`, { chatId: GROUP, userId: STAFF });
    const status = await finalStatus(GROUP, 'reply-2');

    await h.send(`/status@${h.telegram.botInfo.username}`, { chatId: GROUP, userId: RESELLER, replyTo: status.message_id });
    const again = await h.waitForMessage(
      GROUP,
      (m) => m.message_id !== status.message_id && m.html.includes('<code>reply-2</code>'),
      'a fresh status message for reply-2 in the group',
    );
    expect(again.text).toContain('✅');
  });

  it('replying /status to a message the bot sent without an order (a help text) says so', async () => {
    await h.send('/help');
    const help = h.telegram.lastMessage(RESELLER)!;
    await h.send('/status', { replyTo: help.message_id });
    expect(h.telegram.lastMessage(RESELLER)!.html).toBe(t('status-no-order-in-message'));
    expect(h.emulator.callCount()).toBe(0);
  });
});

describe('a bare /unwatch replying to a status message', () => {
  it('stops the pushes of that order in this chat', async () => {
    const { topupId } = seed('unwatch-1', '0600000003'); // UNKNOWN_ERROR: stays in the long tail
    await h.send('/status unwatch-1');
    const status = await h.waitForMessage(RESELLER, (m) => m.html.includes(`<code>${topupId}</code>`), 'the status message with its id');

    await h.send('/unwatch', { replyTo: status.message_id });
    expect(h.telegram.lastMessage(RESELLER)!.html).toBe(t('unwatch-done', { query: topupId }));
    const watcher = await h.app.models.Watcher.findOne({ chatId: RESELLER }).lean();
    expect(watcher?.muted).toBe(true);
  });
});

describe('a status message forwarded back to the bot', () => {
  it('in a private chat means its order (not "ref too long"), looked up in the chat’s account', async () => {
    const { topupId } = seed('fwd-1');
    await h.send('/status fwd-1', { chatId: GROUP, userId: STAFF });
    const inGroup = await finalStatus(GROUP, 'fwd-1');
    h.emulator.resetCounters();

    await h.forward({ chatId: GROUP, messageId: inGroup.message_id });
    const status = await finalStatus(RESELLER, 'fwd-1');
    expect(status.html).toContain(`<code>${topupId}</code>`);
    expect(h.telegram.messages(RESELLER)).toEqual([status]);
    expect(h.telegram.messages(RESELLER).some((m) => m.html === t('invalid-ref-too-long', { maxLength: '100' }))).toBe(false);
    const watchers = await h.app.models.Watcher.find({ chatId: RESELLER }).lean();
    expect(watchers).toHaveLength(1);
  });

  it('while the order is still being looked up (no id shown yet) it follows the ref shown', async () => {
    seed('fwd-2');
    const held = h.emulator.hold(/check-ref\/fwd-2/);
    try {
      await h.send('/status fwd-2', { chatId: GROUP, userId: STAFF });
      const lookingUp = await h.waitForMessage(GROUP, (m) => m.html.includes('<code>fwd-2</code>'), 'the looking-up message');
      await h.forward({ chatId: GROUP, messageId: lookingUp.message_id });
    } finally {
      held.release();
    }
    await finalStatus(RESELLER, 'fwd-2');
  });

  it('a forwarded bot message that shows no order gets the hint, and nothing is looked up', async () => {
    await h.send('/start');
    const start = h.telegram.lastMessage(RESELLER)!;
    await h.forward({ chatId: RESELLER, messageId: start.message_id });
    expect(h.telegram.lastMessage(RESELLER)!.html).toBe(t('status-no-order-in-message'));
    expect(await h.app.models.Order.countDocuments()).toBe(0);
  });
});
