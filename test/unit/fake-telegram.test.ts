import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bot, GrammyError, HttpError } from 'grammy';
import type { Message, Update } from 'grammy/types';
import { FakeTelegram } from '../support/fake-telegram.js';
import { callbackQueryUpdate, textMessageUpdate } from '../support/updates.js';

const CHAT = 42_001;

let fake: FakeTelegram;

beforeEach(async () => {
  fake = new FakeTelegram();
  await fake.start();
});

afterEach(async () => {
  await fake.close();
});

/**
 * A Bot API answer as these tests read it. `result` is typed as the method returns it on success;
 * a failed call has none (ok: false, error_code, description, parameters).
 */
interface ApiAnswer<R> {
  ok: boolean;
  result: R;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number };
}

/** A raw Bot API call, the way any HTTP client would make it; R is what `result` holds on success. */
async function call<R = unknown>(method: string, params: Record<string, unknown> = {}, token = fake.token) {
  const res = await fetch(`${fake.apiRoot}/bot${token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  return { status: res.status, body: (await res.json()) as ApiAnswer<R> };
}

function send(text: string, extra: Record<string, unknown> = {}) {
  return call<Message>('sendMessage', { chat_id: CHAT, text, parse_mode: 'HTML', ...extra });
}

function makeBot(timeoutSeconds?: number): Bot {
  return new Bot(fake.token, {
    client: { apiRoot: fake.apiRoot, ...(timeoutSeconds ? { timeoutSeconds } : {}) },
    botInfo: fake.botInfo,
  });
}

describe('FakeTelegram: routing', () => {
  it('answers getMe with the bot user, 401 for a wrong token and 404 for an unknown method', async () => {
    expect((await call('getMe')).body).toEqual({ ok: true, result: fake.botInfo });
    expect(fake.botInfo.id).toBe(Number(fake.token.split(':')[0]));
    const wrong = await call('getMe', {}, '1:wrong-token-aaaaaaaaaaaaaaaaaaaa');
    expect(wrong).toEqual({ status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } });
    const unknown = await call('sendTelepathy', { chat_id: CHAT });
    expect(unknown).toEqual({ status: 404, body: { ok: false, error_code: 404, description: 'Not Found' } });
  });

  it('treats method names case-insensitively and accepts form-encoded parameters', async () => {
    const res = await fetch(`${fake.apiRoot}/bot${fake.token}/sendmessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        chat_id: String(CHAT),
        text: 'hi',
        reply_markup: JSON.stringify({ inline_keyboard: [[{ text: 'Go', callback_data: 'go' }]] }),
      }),
    });
    expect(res.status).toBe(200);
    expect(fake.lastMessage(CHAT)?.reply_markup).toEqual({ inline_keyboard: [[{ text: 'Go', callback_data: 'go' }]] });
    expect(fake.callCount('sendMessage', CHAT)).toBe(1);
  });
});

describe('FakeTelegram: sendMessage', () => {
  it('returns real Message objects with message ids counted per chat', async () => {
    const first = (await send('<b>Hello</b> &amp; bye')).body.result;
    const second = (await send('two')).body.result;
    const group = (await call('sendMessage', { chat_id: -100_123_456_789_0, text: 'group' })).body.result;

    expect(first).toMatchObject({
      message_id: 1,
      from: { id: fake.botInfo.id, is_bot: true, username: fake.botInfo.username },
      chat: { id: CHAT, type: 'private', first_name: 'Test' },
      text: 'Hello & bye',
      entities: [{ type: 'bold', offset: 0, length: 5 }],
    });
    expect(first.date).toBeCloseTo(Date.now() / 1000, -1);
    expect(second.message_id).toBe(2);
    expect(group).toMatchObject({ message_id: 1, chat: { type: 'supergroup', title: 'Test Group' } });
    expect(fake.messages(CHAT).map((m) => m.text)).toEqual(['Hello & bye', 'two']);
  });

  it.each([
    ['an unsupported tag', 'line<br>next', 'Unsupported start tag "br" at byte offset 4'],
    ['a bare "<"', 'price < 100', 'Unsupported start tag "" at byte offset 6'],
    ['an unclosed tag', '<b>bold', 'Can\'t find end tag corresponding to start tag "b"'],
    ['mismatched tags', '<b><i>x</b></i>', 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'],
    ['a stray end tag', 'x</b>', 'Unexpected end tag at byte offset 1'],
    ['a bare "&"', 'Djezzy & Mobilis', 'Unsupported HTML entity at byte offset 7'],
    ['an unknown named entity', 'a&nbsp;b', 'Unsupported HTML entity at byte offset 1'],
    ['a span without the spoiler class', '<span>x</span>', 'Tag "span" must have class "tg-spoiler"'],
    ['a tag cut off at the end', 'see <b', 'Unclosed start tag at byte offset 4'],
  ])('rejects %s like Telegram does', async (_name, html, detail) => {
    const { status, body } = await send(html);
    expect(status).toBe(400);
    expect(body.description).toContain("Bad Request: can't parse entities: ");
    expect(body.description).toContain(detail);
    expect(fake.messages(CHAT)).toEqual([]);
  });

  it('reports byte offsets in UTF-8, as Telegram does for Arabic text', async () => {
    const { body } = await send('طلب <br>');
    expect(body.description).toContain('at byte offset 7');
  });

  it('accepts every documented tag and decodes entities into the visible text', async () => {
    const html =
      '<strong>1 &lt; 2</strong> <em>i</em> <ins>u</ins> <del>s</del> <code>c</code> ' +
      '<a href="https://example.com/?a=1&b=2">link</a> <tg-spoiler>x</tg-spoiler> ' +
      '<span class="tg-spoiler">y</span> <blockquote expandable>q</blockquote> ' +
      '<pre><code class="language-ts">p</code></pre> &#1575;&#x644; &quot;';
    const { status, body } = await send(html);
    expect(status).toBe(200);
    expect(body.result.text).toBe('1 < 2 i u s c link x y q p ال "');
    expect(body.result.entities).toEqual([
      { type: 'bold', offset: 0, length: 5 },
      { type: 'italic', offset: 6, length: 1 },
      { type: 'underline', offset: 8, length: 1 },
      { type: 'strikethrough', offset: 10, length: 1 },
      { type: 'code', offset: 12, length: 1 },
      { type: 'text_link', offset: 14, length: 4, url: 'https://example.com/?a=1&b=2' },
      { type: 'spoiler', offset: 19, length: 1 },
      { type: 'spoiler', offset: 21, length: 1 },
      { type: 'expandable_blockquote', offset: 23, length: 1 },
      { type: 'pre', offset: 25, length: 1, language: 'ts' },
    ]);
    expect(fake.lastMessage(CHAT)).toMatchObject({ html, history: [html], editCount: 0, deleted: false });
  });

  it('measures the 4096 limit after parsing, and rejects empty text', async () => {
    expect((await send('&amp;'.repeat(4096))).status).toBe(200);
    const tooLong = await send(`<b>${'x'.repeat(4097)}</b>`);
    expect(tooLong.body).toMatchObject({ error_code: 400, description: 'Bad Request: message is too long' });
    const empty = await send('<b></b>  ');
    expect(empty.body).toMatchObject({ error_code: 400, description: 'Bad Request: message text is empty' });
  });

  it('limits callback_data to 1-64 UTF-8 bytes (an Arabic letter is two)', async () => {
    const keyboard = (data: string) => ({ reply_markup: { inline_keyboard: [[{ text: 'زر', callback_data: data }]] } });
    expect((await send('ok', keyboard('x'.repeat(64)))).status).toBe(200);
    expect((await send('ok', keyboard('ت'.repeat(32)))).status).toBe(200);
    for (const data of ['ت'.repeat(33), 'x'.repeat(65), '']) {
      const { body } = await send('bad', keyboard(data));
      expect(body).toMatchObject({ ok: false, error_code: 400, description: 'Bad Request: BUTTON_DATA_INVALID' });
    }
    expect(fake.messages(CHAT)).toHaveLength(2);
  });

  it('replies only to messages that exist unless allow_sending_without_reply is set', async () => {
    const original = (await send('status')).body.result.message_id;
    const reply = await send('result', { reply_parameters: { message_id: original } });
    expect(reply.body.result.reply_to_message).toMatchObject({ message_id: original, text: 'status' });

    fake.userDeletesMessage(CHAT, original);
    const refused = await send('result', { reply_parameters: { message_id: original } });
    expect(refused.body.description).toBe('Bad Request: message to be replied not found');
    const legacy = await send('result', { reply_to_message_id: original });
    expect(legacy.body.description).toBe('Bad Request: message to be replied not found');
    const allowed = await send('result', { reply_parameters: { message_id: original, allow_sending_without_reply: true } });
    expect(allowed.status).toBe(200);
    expect(allowed.body.result.reply_to_message).toBeUndefined();
  });

  it('resolves replies to user messages it was told about', async () => {
    const update = textMessageUpdate({ chatId: CHAT, fromId: CHAT, text: '/status abc' });
    expect((await send('x', { reply_parameters: { message_id: update.message!.message_id } })).status).toBe(400);
    fake.recordIncoming(update);
    const reply = await send('x', { reply_parameters: { message_id: update.message!.message_id } });
    expect(reply.body.result.reply_to_message).toMatchObject({ text: '/status abc', from: { id: CHAT } });
  });
});

describe('FakeTelegram: editing', () => {
  const keyboard = { inline_keyboard: [[{ text: 'Refresh', callback_data: 'r:1' }]] };

  it('refuses an identical edit with "message is not modified", accepts a keyboard-only change', async () => {
    await send('<b>Pending</b>', { reply_markup: keyboard });
    const same = await call('editMessageText', {
      chat_id: CHAT,
      message_id: 1,
      text: '<strong>Pending</strong>',
      parse_mode: 'HTML',
      reply_markup: keyboard,
    });
    expect(same.body).toEqual({
      ok: false,
      error_code: 400,
      description:
        'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
    });
    // Same text without the keyboard is a change: Telegram removes the keyboard.
    const noKeyboard = await call<Message>('editMessageText', { chat_id: CHAT, message_id: 1, text: '<b>Pending</b>', parse_mode: 'HTML' });
    expect(noKeyboard.status).toBe(200);
    expect(noKeyboard.body.result.edit_date).toEqual(expect.any(Number));
    expect(fake.message(CHAT, 1)).toMatchObject({ editCount: 1, history: ['<b>Pending</b>', '<b>Pending</b>'] });
    expect(fake.message(CHAT, 1)?.reply_markup).toBeUndefined();

    const markupOnly = await call<Message>('editMessageReplyMarkup', { chat_id: CHAT, message_id: 1, reply_markup: keyboard });
    expect(markupOnly.body.result.reply_markup).toEqual(keyboard);
    const again = await call('editMessageReplyMarkup', { chat_id: CHAT, message_id: 1, reply_markup: keyboard });
    expect(again.body.description).toMatch(/^Bad Request: message is not modified/);
  });

  it('answers "message to edit not found" once the user deleted the message, or for an unknown id', async () => {
    await send('Pending');
    fake.userDeletesMessage(CHAT, 1);
    const edit = await call('editMessageText', { chat_id: CHAT, message_id: 1, text: 'Done', parse_mode: 'HTML' });
    expect(edit.body).toMatchObject({ error_code: 400, description: 'Bad Request: message to edit not found' });
    const unknown = await call('editMessageText', { chat_id: CHAT, message_id: 99, text: 'Done' });
    expect(unknown.body.description).toBe('Bad Request: message to edit not found');
    expect(fake.messages(CHAT)).toMatchObject([{ message_id: 1, text: 'Pending', deleted: true, editCount: 0 }]);
  });

  it('deletes bot messages once', async () => {
    await send('bye');
    expect((await call('deleteMessage', { chat_id: CHAT, message_id: 1 })).body).toEqual({ ok: true, result: true });
    const twice = await call('deleteMessage', { chat_id: CHAT, message_id: 1 });
    expect(twice.body.description).toBe('Bad Request: message to delete not found');
  });
});

describe('FakeTelegram: fault injection', () => {
  it('answers 403 for every call to a blocked chat and records the error code', async () => {
    await send('before');
    fake.blockChat(CHAT);
    const sendRes = await send('after');
    const editRes = await call('editMessageText', { chat_id: CHAT, message_id: 1, text: 'x' });
    for (const r of [sendRes, editRes]) {
      expect(r).toEqual({ status: 403, body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' } });
    }
    expect(fake.calls.at(-1)).toMatchObject({ method: 'editMessageText', ok: false, errorCode: 403 });
    expect((await call('sendMessage', { chat_id: CHAT + 1, text: 'other chat' })).status).toBe(200);
  });

  it('fails the next calls as asked, then recovers', async () => {
    fake.failNext('sendMessage', { code: 429, retryAfter: 7 }, { chatId: CHAT, times: 2 });
    fake.failNext('sendMessage', { code: 400, description: 'chat not found' }, { chatId: 5 });
    expect((await call('sendMessage', { chat_id: 5, text: 'x' })).body.description).toBe('Bad Request: chat not found');
    for (let i = 0; i < 2; i++) {
      expect(await send('x')).toEqual({
        status: 429,
        body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 7', parameters: { retry_after: 7 } },
      });
    }
    expect((await send('x')).status).toBe(200);
  });

  it('makes grammY see network failures for 502 pages, resets and timeouts', async () => {
    const bot = makeBot(1);
    fake.failNext('sendMessage', { code: 502 });
    fake.failNext('getMe', 'reset');
    fake.failNext('deleteWebhook', 'timeout');
    await expect(bot.api.sendMessage(CHAT, 'x')).rejects.toBeInstanceOf(HttpError);
    await expect(bot.api.getMe()).rejects.toBeInstanceOf(HttpError);
    await expect(bot.api.deleteWebhook()).rejects.toBeInstanceOf(HttpError);
    fake.failNext('sendMessage', { code: 500 });
    const err = await bot.api.sendMessage(CHAT, 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GrammyError);
    expect((err as GrammyError).error_code).toBe(500);
    expect(fake.messages(CHAT)).toEqual([]);
  });

  describe('flood limits (enforced only when asked)', () => {
    let strict: FakeTelegram;
    beforeEach(async () => {
      strict = new FakeTelegram({ limits: true });
      await strict.start();
    });
    afterEach(async () => {
      await strict.close();
    });
    interface Answer {
      ok: boolean;
      error_code?: number;
      parameters?: { retry_after?: number };
    }
    const post = (method: string, params: Record<string, unknown>): Promise<Answer> =>
      fetch(`${strict.apiRoot}/bot${strict.token}/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(params),
      }).then(async (r) => (await r.json()) as Answer);

    it('holds a private chat to about one message a second, edits included, and leaves other chats alone', async () => {
      expect((await post('sendMessage', { chat_id: 1, text: 'x' })).ok).toBe(true);
      expect(await post('sendMessage', { chat_id: 1, text: 'y' })).toMatchObject({
        ok: false,
        error_code: 429,
        parameters: { retry_after: 1 },
      });
      expect(await post('editMessageText', { chat_id: 1, message_id: 1, text: 'z' })).toMatchObject({ ok: false, error_code: 429 });
      expect(strict.message(1, 1)?.text).toBe('x'); // the refused edit changed nothing
      expect((await post('sendMessage', { chat_id: 2, text: 'x' })).ok).toBe(true);
      expect(strict.rateLimitedCount(1)).toBe(2);
      expect(strict.rateLimitedCount(2)).toBe(0);
      await new Promise((r) => setTimeout(r, 1000));
      expect((await post('editMessageText', { chat_id: 1, message_id: 1, text: 'z' })).ok).toBe(true);
    });

    it('holds a group to 20 messages a minute, with retry_after until the oldest leaves the minute', async () => {
      strict.enforceLimits({ privateChatIntervalMs: 0 }); // groups have no per-second spacing of their own here
      for (let i = 0; i < 20; i++) expect((await post('sendMessage', { chat_id: -5, text: `m${i}` })).ok).toBe(true);
      const refused = await post('sendMessage', { chat_id: -5, text: 'one too many' });
      expect(refused).toMatchObject({ ok: false, error_code: 429 });
      expect(refused.parameters?.retry_after).toBeGreaterThanOrEqual(59);
      expect(strict.messages(-5)).toHaveLength(20);
    });

    it('holds all chats together to about 30 messages a second', async () => {
      const answers = [];
      for (let chat = 1; chat <= 31; chat++) answers.push(await post('sendMessage', { chat_id: chat, text: 'x' }));
      expect(answers.filter((a) => a.ok)).toHaveLength(30);
      expect(answers[30]).toMatchObject({ ok: false, error_code: 429, parameters: { retry_after: 1 } });
      expect(strict.calls.at(-1)?.rateLimited).toBe(true);
    });

    it('counts nothing when limits are off, and can be turned off again', async () => {
      strict.enforceLimits(false);
      for (let i = 0; i < 5; i++) expect((await post('sendMessage', { chat_id: 1, text: 'x' })).ok).toBe(true);
      expect(strict.rateLimitedCount()).toBe(0);
    });
  });

  it('explains what it was waiting for when waitFor times out', async () => {
    await send('hello');
    await expect(fake.waitFor(() => fake.lastMessage(CHAT)?.text === 'never', { timeoutMs: 50, what: 'the final status' })).rejects.toThrow(
      /timed out after 50 ms waiting for the final status\. Last calls: sendMessage\(chat 42001\) ok/,
    );
  });
});

describe('FakeTelegram: getUpdates', () => {
  it('returns updates from the offset on and forgets the ones below it', async () => {
    const updates = [1, 2, 3].map((n) => textMessageUpdate({ chatId: CHAT, fromId: CHAT, text: `m${n}` }));
    for (const u of updates) fake.pushUpdate(u);
    const ids = updates.map((u) => u.update_id);

    const all = await call<Update[]>('getUpdates', { timeout: 0 });
    expect(all.body.result.map((u) => u.update_id)).toEqual(ids);
    const fromSecond = await call<Update[]>('getUpdates', { offset: ids[1] });
    expect(fromSecond.body.result.map((u) => u.update_id)).toEqual(ids.slice(1));
    // The first one was confirmed by that offset: asking without an offset no longer returns it.
    const again = await call<Update[]>('getUpdates', {});
    expect(again.body.result.map((u) => u.update_id)).toEqual(ids.slice(1));
    const limited = await call<Update[]>('getUpdates', { limit: 1 });
    expect(limited.body.result).toHaveLength(1);
    const past = await call<Update[]>('getUpdates', { offset: ids[2]! + 1 });
    expect(past.body.result).toEqual([]);
  });

  it('holds a long poll until an update arrives', async () => {
    const poll = call('getUpdates', { timeout: 20 });
    await fake.waitFor(() => fake.callCount('getUpdates') === 1);
    const update = callbackQueryUpdate({ chatId: CHAT, fromId: CHAT, messageId: 1, data: 'r:1', bot: fake.botInfo });
    fake.pushUpdate(update);
    expect((await poll).body.result).toEqual([update]);
  });

  it('refuses getUpdates while a webhook is set', async () => {
    await call('setWebhook', { url: 'https://bot.example.com/hook' });
    expect((await call<Update[]>('getUpdates')).body.error_code).toBe(409);
    await call('deleteWebhook', {});
    expect((await call<Update[]>('getUpdates')).status).toBe(200);
  });

  it('drives a real polling grammY bot end to end', async () => {
    const bot = makeBot();
    bot.command('start', (ctx) => ctx.reply(`<b>Welcome</b> ${ctx.from?.first_name ?? ''}`, { parse_mode: 'HTML' }));
    void bot.start({ timeout: 1 });
    fake.pushUpdate(textMessageUpdate({ chatId: CHAT, fromId: CHAT, text: '/start', languageCode: 'ar' }));
    const reply = await fake.waitFor(() => fake.lastMessage(CHAT), { what: 'the /start reply' });
    await bot.stop();
    expect(reply.text).toBe('Welcome Test');
    expect(fake.callCount('deleteWebhook')).toBe(1);
    // bot.stop() confirmed the handled update: it is not delivered again.
    expect((await call<Update[]>('getUpdates')).body.result).toEqual([]);
  });
});
