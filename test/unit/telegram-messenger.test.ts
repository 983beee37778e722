import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bot } from 'grammy';
import { FakeTelegram } from '../support/fake-telegram.js';
import { Messenger } from '../../src/bot/telegram/messenger.js';
import { installAutoRetry } from '../../src/bot/telegram/auto-retry.js';

const CHAT = 77_001;
const keyboard = { inline_keyboard: [[{ text: 'تحديث', callback_data: 'refresh:1' }]] };

let fake: FakeTelegram;
let warnings: Array<{ obj: object; msg: string }>;

function messenger(opts: { autoRetry?: boolean } = {}): Messenger {
  const bot = new Bot(fake.token, { client: { apiRoot: fake.apiRoot }, botInfo: fake.botInfo });
  if (opts.autoRetry) installAutoRetry(bot.api);
  return new Messenger(bot.api, { warn: (obj, msg) => warnings.push({ obj, msg }) });
}

beforeEach(async () => {
  fake = new FakeTelegram();
  await fake.start();
  warnings = [];
});

afterEach(async () => {
  await fake.close();
});

describe('Messenger.send / edit', () => {
  it('sends HTML with the keyboard and no link preview, then edits it in place', async () => {
    const m = messenger();
    const sent = await m.send(CHAT, { html: '<b>قيد المعالجة</b>', keyboard });
    expect(sent).toEqual({ ok: true, messageId: 1, fresh: true });
    expect(fake.calls.at(-1)?.params).toMatchObject({ parse_mode: 'HTML', link_preview_options: { is_disabled: true } });

    const edited = await m.edit(CHAT, 1, { html: '<b>تم</b> <code>1234-5678</code>' });
    expect(edited).toEqual({ ok: true, messageId: 1, fresh: false });
    expect(fake.message(CHAT, 1)).toMatchObject({ text: 'تم 1234-5678', editCount: 1 });
    expect(fake.message(CHAT, 1)?.reply_markup).toBeUndefined();
  });

  it('replies to a message, and still delivers when that message was deleted', async () => {
    const m = messenger();
    await m.send(CHAT, { html: 'status' });
    const reply = await m.send(CHAT, { html: 'result', replyTo: 1 });
    expect(reply).toEqual({ ok: true, messageId: 2, fresh: true });
    expect(fake.message(CHAT, 2)?.replyTo).toBe(1);

    fake.userDeletesMessage(CHAT, 1);
    expect(await m.send(CHAT, { html: 'late result', replyTo: 1 })).toEqual({ ok: true, messageId: 3, fresh: true });
  });

  it('treats an identical edit as success without creating a message', async () => {
    const m = messenger();
    await m.send(CHAT, { html: '<b>Pending</b>', keyboard });
    const same = await m.edit(CHAT, 1, { html: '<b>Pending</b>', keyboard });
    expect(same).toEqual({ ok: true, messageId: 1, fresh: false });
    expect(fake.calls.at(-1)).toMatchObject({ method: 'editMessageText', ok: false, errorCode: 400 });
    expect(fake.messages(CHAT)).toHaveLength(1);
    expect(warnings).toEqual([]);
  });

  it('sends a fresh message when the user deleted the one to edit', async () => {
    const m = messenger();
    await m.send(CHAT, { html: 'Pending', keyboard });
    fake.userDeletesMessage(CHAT, 1);
    const result = await m.edit(CHAT, 1, { html: '<b>Fulfilled</b>', keyboard });
    expect(result).toEqual({ ok: true, messageId: 2, fresh: true });
    expect(fake.message(CHAT, 2)).toMatchObject({ text: 'Fulfilled', reply_markup: keyboard, deleted: false });
  });

  it('reports a blocked chat as unreachable', async () => {
    const m = messenger({ autoRetry: true });
    fake.blockChat(CHAT);
    expect(await m.send(CHAT, { html: 'hi' })).toEqual({
      ok: false,
      failure: { kind: 'chat_unreachable', description: 'Forbidden: bot was blocked by the user' },
    });
    expect(fake.callCount('sendMessage', CHAT)).toBe(1);
  });

  it('reports a chat that does not exist as unreachable, not as a bug', async () => {
    fake.failNext('sendMessage', { code: 400, description: 'Bad Request: chat not found' });
    const result = await messenger().send(CHAT, { html: 'hi' });
    expect(result).toMatchObject({ ok: false, failure: { kind: 'chat_unreachable' } });
  });

  it('reports a group upgraded to a supergroup as unreachable, with the supergroup it became', async () => {
    const m = messenger();
    const sent = await m.send(-4_000_901, { html: 'hi' });
    fake.migrateGroup(-4_000_901, -1_004_000_901, { id: 1, is_bot: false, first_name: 'Test' });
    const edited = await m.edit(-4_000_901, sent.ok ? sent.messageId : 0, { html: 'hello' });
    expect(edited).toEqual({
      ok: false,
      failure: {
        kind: 'chat_unreachable',
        description: 'Bad Request: group chat was upgraded to a supergroup chat',
        migratedTo: -1_004_000_901,
      },
    });
  });

  it('waits out a short 429 with auto-retry and delivers', async () => {
    const m = messenger({ autoRetry: true });
    fake.failNext('sendMessage', { code: 429, retryAfter: 1 });
    expect(await m.send(CHAT, { html: 'hi' })).toEqual({ ok: true, messageId: 1, fresh: true });
    expect(fake.calls.filter((c) => c.method === 'sendMessage').map((c) => c.errorCode ?? 'ok')).toEqual([429, 'ok']);
  });

  it('hands a long 429 back to the caller instead of waiting', async () => {
    const m = messenger({ autoRetry: true });
    fake.failNext('editMessageText', { code: 429, retryAfter: 30 });
    await m.send(CHAT, { html: 'Pending' });
    expect(await m.edit(CHAT, 1, { html: 'Done' })).toEqual({
      ok: false,
      failure: { kind: 'rate_limited', retryAfterMs: 30_000 },
    });
    expect(fake.callCount('editMessageText')).toBe(1);
  });

  it.each([
    ['a 500', { code: 500 as const }],
    ['a 502 page', { code: 502 as const }],
    ['a connection reset', 'reset' as const],
  ])('reports %s as transient without retrying in place', async (_name, failure) => {
    const m = messenger({ autoRetry: true });
    fake.failNext('sendMessage', failure);
    const result = await m.send(CHAT, { html: 'hi' });
    expect(result).toMatchObject({ ok: false, failure: { kind: 'transient' } });
    expect(fake.callCount('sendMessage')).toBe(1);
  });

  it('reports unescaped HTML as a bad request and never logs the text or the token', async () => {
    const m = messenger({ autoRetry: true });
    const result = await m.send(CHAT, { html: 'Card 1234-5678-9999 for <Ahmed>' });
    expect(result).toMatchObject({ ok: false, failure: { kind: 'bad_request' } });
    expect(result.ok === false && result.failure.kind === 'bad_request' && result.failure.description).toMatch(
      /^Bad Request: can't parse entities: Unsupported start tag "ahmed"/,
    );
    expect(fake.callCount('sendMessage')).toBe(1);
    expect(warnings).toHaveLength(1);
    const logged = JSON.stringify(warnings);
    expect(logged).not.toContain('1234-5678-9999');
    expect(logged).not.toContain(fake.token.split(':')[1]);
  });

  it('reports an edit of a chat that blocked the bot as unreachable, without a fresh send', async () => {
    const m = messenger();
    await m.send(CHAT, { html: 'Pending' });
    fake.blockChat(CHAT, 'Forbidden: user is deactivated');
    expect(await m.edit(CHAT, 1, { html: 'Done' })).toEqual({
      ok: false,
      failure: { kind: 'chat_unreachable', description: 'Forbidden: user is deactivated' },
    });
    expect(fake.callCount('sendMessage')).toBe(1);
  });
});
