import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Chat, InlineKeyboardMarkup, Message, MessageEntity, Update, User, UserFromGetMe } from 'grammy/types';

/**
 * A fake Telegram Bot API server on 127.0.0.1 that answers like the real one: real `Message` shapes,
 * HTML parse-mode validation, "message is not modified", deleted messages, blocked chats, 429s with
 * retry_after, long-polling getUpdates with offset confirmation. Point grammY at it with
 * `new Bot(fake.token, { client: { apiRoot: fake.apiRoot }, botInfo: fake.botInfo })`.
 *
 * grammY POSTs JSON (multipart only for file uploads); urlencoded, multipart and query-string
 * parameters are accepted too, as Telegram does.
 */

export interface FakeMessage {
  chatId: number;
  message_id: number;
  /** The text as sent (HTML source when parse_mode was HTML). */
  html: string;
  /** What the user sees: tags stripped, entities decoded. */
  text: string;
  reply_markup?: InlineKeyboardMarkup;
  /** The message asked for a reply (reply_markup force_reply): who it targets and the input placeholder. */
  forceReply?: { selective: boolean; placeholder?: string };
  replyTo?: number;
  date: number;
  editCount: number;
  /** Every `html` version, first one included. */
  history: string[];
  deleted: boolean;
}

export type InjectedFailure =
  | { code: 429; retryAfter: number }
  | { code: 403; description?: string }
  | { code: 400; description: string }
  /** 500 answers a JSON error; 502 answers nginx's HTML page, as Telegram's front does (not JSON). */
  | { code: 500 | 502 }
  /** 'timeout' holds the request unanswered; 'reset' destroys the socket. */
  | 'timeout'
  | 'reset';

export interface FakeCall {
  method: string;
  /** The call's parameters as sent (JSON, form or multipart), JSON-encoded fields decoded. */
  params: Record<string, unknown>;
  at: number;
  ok: boolean;
  errorCode?: number;
  /** A 429 the fake's rate limits answered (not an injected failure): the bot sent too fast. */
  rateLimited?: boolean;
}

/**
 * Telegram's (unofficial, enforced) flood limits. Sends and edits both count, as on Telegram; callback
 * answers, chat actions and command menus do not. Defaults are the documented figures.
 */
export interface TelegramLimits {
  /** Minimum spacing of messages to one private chat (about one per second). */
  privateChatIntervalMs: number;
  /** Messages to one group (negative chat id) in any rolling minute. */
  groupPerMinute: number;
  /** Messages across all chats in any rolling second. */
  globalPerSecond: number;
}

export const TELEGRAM_LIMITS: TelegramLimits = { privateChatIntervalMs: 1000, groupPerMinute: 20, globalPerSecond: 30 };

/** The methods that put a message in a chat (or change one) and count against the flood limits. */
const LIMITED_METHODS = new Set(['sendMessage', 'editMessageText', 'editMessageReplyMarkup']);

export interface FakeTelegramOptions {
  token?: string;
  /** Defaults to the token's numeric prefix, as on Telegram. */
  botId?: number;
  botUsername?: string;
  /**
   * Off by default. `true` (or some limits) enforces Telegram's flood limits like the real service:
   * a send or edit over a limit is answered 429 with `retry_after` and changes nothing.
   */
  limits?: boolean | Partial<TelegramLimits>;
  /** Older name for `limits: true`. */
  floodControl?: boolean;
  /**
   * The bot's group privacy mode (on by default on Telegram): `deliversToBot` then says whether
   * Telegram would hand a group message to the bot at all (see there).
   */
  privacyMode?: boolean;
}

interface StoredMessage extends FakeMessage {
  entities: MessageEntity[];
  editDate?: number;
}

interface FailureRule {
  method: string;
  failure: InjectedFailure;
  chatId: number | undefined;
  remaining: number;
}

interface PollWaiter {
  wake: () => void;
  conflict: () => void;
}

/** A Telegram error answer; thrown inside handlers. */
class ApiFailure extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: { retry_after?: number; migrate_to_chat_id?: number },
    /** Answered by the fake's flood limits. */
    readonly rateLimited = false,
  ) {
    super(description);
  }
}

const MAX_TEXT_LENGTH = 4096;
export type ChatMemberStatus = 'creator' | 'administrator' | 'member' | 'restricted' | 'left' | 'kicked';
let nextServiceUpdateId = 800_000_000;
let nextServiceMessageId = 90_000;
const DEFAULT_TOKEN = '7000000001:AAFakeTelegramTokenForTests_0123456789';
const NOT_MODIFIED =
  'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';

/** Canonical spelling of every method the fake answers (Telegram method names are case-insensitive). */
const METHODS = [
  'getMe',
  'sendMessage',
  'editMessageText',
  'editMessageReplyMarkup',
  'deleteMessage',
  'answerCallbackQuery',
  'setMyCommands',
  'getMyCommands',
  'deleteMyCommands',
  'deleteWebhook',
  'setWebhook',
  'getWebhookInfo',
  'getUpdates',
  'sendChatAction',
  'getChatMember',
  'setMyDescription',
  'setMyShortDescription',
  'setChatMenuButton',
  'close',
  'logOut',
] as const;
const CANONICAL = new Map<string, string>(METHODS.map((m) => [m.toLowerCase(), m]));

export class FakeTelegram {
  readonly token: string;
  readonly botInfo: UserFromGetMe;
  readonly calls: FakeCall[] = [];

  private limits: TelegramLimits | undefined;
  /** Group privacy mode (deliversToBot). */
  privacyMode: boolean;
  private server: http.Server | undefined;
  private root: string | undefined;
  private readonly chats = new Map<number, StoredMessage[]>();
  private readonly incoming = new Map<number, Map<number, Message>>();
  private readonly knownChats = new Map<number, Chat>();
  private readonly nextMessageId = new Map<number, number>();
  private readonly blocked = new Map<number, string>();
  private readonly rules: FailureRule[] = [];
  private readonly holds: Array<{ method: string; chatId: number | undefined; gate: Promise<void>; arrived: () => void }> = [];
  private readonly held = new Set<http.ServerResponse>();
  /** Accepted sends and edits per chat, and across chats, for the flood limits. */
  private readonly chatSendTimes = new Map<number, number[]>();
  private globalSendTimes: number[] = [];
  private readonly commands = new Map<string, unknown[]>();
  private queue: Update[] = [];
  private pollWaiter: PollWaiter | undefined;
  private webhookUrl = '';
  private closing = false;
  /** Members' statuses per group (getChatMember); anyone not set is a plain `member`. */
  private readonly memberStatus = new Map<number, Map<number, ChatMemberStatus>>();
  /** `<chat>:<user>` of owners and administrators who post anonymously. */
  private readonly anonymousAdmins = new Set<string>();
  /** Groups upgraded to supergroups: old id → new id (calls naming the old id fail as on Telegram). */
  private readonly migrated = new Map<number, number>();

  constructor(opts: FakeTelegramOptions = {}) {
    this.token = opts.token ?? DEFAULT_TOKEN;
    const prefix = Number(this.token.split(':')[0]);
    this.enforceLimits(opts.limits ?? opts.floodControl ?? false);
    this.privacyMode = opts.privacyMode ?? false;
    this.botInfo = {
      id: opts.botId ?? (Number.isSafeInteger(prefix) ? prefix : 7000000001),
      is_bot: true,
      first_name: 'Flexy Test Bot',
      username: opts.botUsername ?? 'flexy_test_bot',
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
      has_topics_enabled: false,
      allows_users_to_create_topics: false,
      can_manage_bots: false,
      supports_join_request_queries: false,
    };
  }

  // ---------------------------------------------------------------- lifecycle

  /** Listens on 127.0.0.1 (port 0 = any free port) and resolves the apiRoot. */
  async start(port = 0): Promise<string> {
    if (this.root) return this.root;
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        // A bug in the fake must surface in the test, not as a hang.
        if (!res.headersSent) {
          this.answer(res, 500, { ok: false, error_code: 500, description: `Fake Telegram crashed: ${String(err)}` });
        }
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    const { port: bound } = server.address() as AddressInfo;
    this.root = `http://127.0.0.1:${bound}`;
    return this.root;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.pollWaiter?.wake();
    for (const res of this.held) res.destroy();
    this.held.clear();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  get apiRoot(): string {
    if (!this.root) throw new Error('FakeTelegram: call start() before reading apiRoot');
    return this.root;
  }

  // ---------------------------------------------------------------- observation

  callCount(method?: string, chatId?: number): number {
    return this.calls.filter(
      (c) =>
        (method === undefined || c.method.toLowerCase() === method.toLowerCase()) &&
        (chatId === undefined || toInt(c.params?.chat_id) === chatId),
    ).length;
  }

  /** Messages the bot sent to this chat, in order, deleted ones included (flagged). */
  messages(chatId: number): FakeMessage[] {
    return (this.chats.get(chatId) ?? []).map(publicCopy);
  }

  lastMessage(chatId: number): FakeMessage | undefined {
    const list = this.chats.get(chatId);
    const last = list?.[list.length - 1];
    return last && publicCopy(last);
  }

  message(chatId: number, messageId: number): FakeMessage | undefined {
    const found = this.findBotMessage(chatId, messageId);
    return found && publicCopy(found);
  }

  /** A bot message as Telegram puts it in an update (a reply's `reply_to_message`, a forward's text and entities). */
  apiMessage(chatId: number, messageId: number): Message | undefined {
    const found = this.findBotMessage(chatId, messageId);
    return found && this.toApiMessage(found, false);
  }

  /**
   * Whether Telegram hands this update to the bot. Private chats, buttons: always. In a group with
   * privacy mode on (Telegram's default) only: commands addressed to this bot (`/cmd@bot`), plain
   * commands when this bot was the last bot to speak in the group (here: it has sent a message there),
   * replies to the bot's messages, and messages mentioning @bot. Everything else never arrives.
   */
  deliversToBot(update: Update): boolean {
    const msg = update.message ?? update.edited_message;
    if (!msg || msg.chat.type === 'private' || !this.privacyMode) return true;
    if (msg.reply_to_message?.from?.id === this.botInfo.id) return true;
    const text = msg.text ?? msg.caption ?? '';
    const me = `@${this.botInfo.username}`.toLowerCase();
    if (text.toLowerCase().includes(me)) return true;
    const command = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
    if (!command) return false;
    if (command[1] !== undefined) return command[1].toLowerCase() === me;
    return (this.chats.get(msg.chat.id) ?? []).length > 0;
  }

  /** Commands set with setMyCommands for a scope (default: the default scope) and language code ('' for none). */
  myCommands(languageCode = '', scope?: { type: string; chat_id?: number }): unknown[] {
    return this.commands.get(commandsKey(scope, languageCode)) ?? [];
  }

  /** Polls `probe` until it returns something other than undefined/false. */
  async waitFor<T>(probe: () => T | undefined | false, opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? 15_000;
    const intervalMs = opts.intervalMs ?? 10;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value !== undefined && value !== false) return value;
      if (Date.now() >= deadline) {
        const recent = this.calls
          .slice(-8)
          .map((c) => `${c.method}(chat ${chatLabel(c.params.chat_id)}) ${c.ok ? 'ok' : `failed ${c.errorCode ?? 'no answer'}`}`)
          .join('; ');
        throw new Error(
          `FakeTelegram.waitFor: timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'condition'}. ` +
            `Last calls: ${recent || 'none'}`,
        );
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  /** 429s the fake's flood limits answered (injected failures not counted). */
  rateLimitedCount(chatId?: number): number {
    return this.calls.filter(
      (c) => c.rateLimited && (chatId === undefined || toInt((c.params as { chat_id?: unknown }).chat_id) === chatId),
    ).length;
  }

  // ---------------------------------------------------------------- fault injection

  /**
   * Turns Telegram's flood limits on (`true`, or some limits over the defaults) or off (`false`), from
   * now on. Only accepted sends and edits count, as on Telegram.
   */
  enforceLimits(limits: boolean | Partial<TelegramLimits> = true): void {
    this.limits = limits === false ? undefined : { ...TELEGRAM_LIMITS, ...(limits === true ? {} : limits) };
  }

  /** The next `times` (default 1) calls of `method` (optionally to `chatId`) fail this way. */
  failNext(method: string, failure: InjectedFailure, opts: { chatId?: number; times?: number } = {}): void {
    this.rules.push({ method: method.toLowerCase(), failure, chatId: opts.chatId, remaining: opts.times ?? 1 });
  }

  /** The user blocks the bot: every call naming this chat answers 403 until unblockChat. */
  blockChat(chatId: number, description = 'Forbidden: bot was blocked by the user'): void {
    this.blocked.set(chatId, description);
  }

  unblockChat(chatId: number): void {
    this.blocked.delete(chatId);
  }

  /** The user deletes a bot message: later edits answer "message to edit not found". */
  userDeletesMessage(chatId: number, messageId: number): void {
    const msg = this.findBotMessage(chatId, messageId);
    if (!msg) throw new Error(`FakeTelegram.userDeletesMessage: no bot message ${messageId} in chat ${chatId}`);
    msg.deleted = true;
  }

  /**
   * The next call of `method` (optionally to `chatId`) arrives and waits unanswered until `release()`;
   * then it is answered normally (a slow Telegram, or a handler held mid-call). `arrived` resolves
   * once the call is being held.
   */
  hold(method: string, opts: { chatId?: number } = {}): { arrived: Promise<void>; release: () => void } {
    let release!: () => void;
    let arrived!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const arrivedPromise = new Promise<void>((r) => (arrived = r));
    this.holds.push({ method: method.toLowerCase(), chatId: opts.chatId, gate, arrived });
    return { arrived: arrivedPromise, release };
  }

  /**
   * A bot message sent before the scenario started (the bench seeds thousands of tracked orders):
   * stored like a sendMessage, but not recorded in `calls` and not counted by flood control.
   */
  seedMessage(chatId: number, html: string): FakeMessage {
    const parsed = parseText(html, 'HTML', undefined);
    const id = this.nextMessageId.get(chatId) ?? 1;
    this.nextMessageId.set(chatId, id + 1);
    const stored: StoredMessage = {
      chatId,
      message_id: id,
      html,
      text: parsed.text,
      entities: parsed.entities,
      date: nowSeconds(),
      editCount: 0,
      history: [html],
      deleted: false,
    };
    let list = this.chats.get(chatId);
    if (!list) this.chats.set(chatId, (list = []));
    list.push(stored);
    return stored;
  }

  // ---------------------------------------------------------------- groups

  /**
   * A user's status in a group, as getChatMember answers it (`creator`, `administrator`, `member`, `left`...).
   * `anonymous`: an owner or administrator who posts as the group (getChatMember says `is_anonymous: true`;
   * their messages come from GroupAnonymousBot with `sender_chat` the group, see updates.ts `postedAs`).
   */
  setChatMember(chatId: number, userId: number, status: ChatMemberStatus, opts: { anonymous?: boolean } = {}): void {
    let byUser = this.memberStatus.get(chatId);
    if (!byUser) this.memberStatus.set(chatId, (byUser = new Map<number, ChatMemberStatus>()));
    byUser.set(userId, status);
    if (opts.anonymous) this.anonymousAdmins.add(`${chatId}:${userId}`);
    else this.anonymousAdmins.delete(`${chatId}:${userId}`);
  }

  /**
   * The group is upgraded to a supergroup, as Telegram does it: from now on every call naming the old
   * id answers 400 "group chat was upgraded to a supergroup chat" with `migrate_to_chat_id` (the old
   * messages stay in the old chat, where nothing can be edited); the supergroup numbers its messages
   * afresh, so an old message id there is another message or none; members keep their statuses. Returns the two service messages Telegram then delivers to the bot (privacy
   * mode or not): `migrate_to_chat_id` in the old group and `migrate_from_chat_id` in the new one.
   */
  migrateGroup(oldChatId: number, newChatId: number, by: User): [Update, Update] {
    this.migrated.set(oldChatId, newChatId);
    const members = this.memberStatus.get(oldChatId);
    if (members) this.memberStatus.set(newChatId, new Map<number, ChatMemberStatus>(members));
    for (const key of [...this.anonymousAdmins]) {
      const [chat, user] = key.split(':');
      if (Number(chat) === oldChatId) this.anonymousAdmins.add(`${newChatId}:${user}`);
    }
    const title = (this.knownChats.get(oldChatId) as { title?: string } | undefined)?.title ?? 'Test Group';
    const date = nowSeconds();
    this.knownChats.set(newChatId, { id: newChatId, type: 'supergroup', title });
    // A supergroup numbers its messages afresh; the upgrade notice is its message 1.
    if (!this.nextMessageId.has(newChatId)) this.nextMessageId.set(newChatId, 2);
    return [
      {
        update_id: nextServiceUpdateId++,
        message: {
          message_id: nextServiceMessageId++,
          from: by,
          chat: { id: oldChatId, type: 'group', title },
          date,
          migrate_to_chat_id: newChatId,
        },
      },
      {
        update_id: nextServiceUpdateId++,
        message: {
          message_id: 1,
          from: { id: 1087968824, is_bot: true, first_name: 'Group', username: 'GroupAnonymousBot' },
          chat: { id: newChatId, type: 'supergroup', title },
          date,
          migrate_from_chat_id: oldChatId,
        },
      },
    ];
  }

  /**
   * The bot's own membership changed in a group (`my_chat_member`, which Telegram sends only when the
   * bot asked for it in allowed_updates): e.g. a member removed it (`left`) or banned it (`kicked`).
   */
  botMembershipUpdate(chatId: number, by: User, from: ChatMemberStatus, to: ChatMemberStatus): Update {
    const bot: User = { id: this.botInfo.id, is_bot: true, first_name: this.botInfo.first_name, username: this.botInfo.username };
    const chat = this.knownChats.get(chatId) ?? this.chatOf(chatId);
    if (to === 'left' || to === 'kicked') this.setChatMember(chatId, bot.id, to);
    return {
      update_id: nextServiceUpdateId++,
      my_chat_member: {
        chat,
        from: by,
        date: nowSeconds(),
        old_chat_member: { status: from, user: bot },
        new_chat_member: to === 'kicked' ? { status: 'kicked', user: bot, until_date: 0 } : { status: to, user: bot },
      },
    } as Update;
  }

  // ---------------------------------------------------------------- incoming updates

  /** Queues an update for getUpdates (and records its user message, so replies to it resolve). */
  pushUpdate(update: Update): void {
    this.recordIncoming(update);
    this.queue.push(update);
    this.pollWaiter?.wake();
  }

  /**
   * Records the user message in an update as present in its chat, without queueing it. Use it with
   * `bot.handleUpdate(update)` when the bot replies with reply_parameters and no allow_sending_without_reply.
   */
  recordIncoming(update: Update): void {
    const msg = update.message ?? update.edited_message;
    if (!msg) return;
    this.knownChats.set(msg.chat.id, msg.chat);
    let byId = this.incoming.get(msg.chat.id);
    if (!byId) this.incoming.set(msg.chat.id, (byId = new Map<number, Message>()));
    byId.set(msg.message_id, msg);
  }

  // ---------------------------------------------------------------- HTTP

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const match = /^\/bot([^/]*)\/([A-Za-z0-9_]+)\/?$/.exec(url.pathname);
    let body: Record<string, unknown>;
    try {
      body = await readParams(req, url);
    } catch {
      this.answer(res, 400, { ok: false, error_code: 400, description: "Bad Request: can't parse request body" });
      return;
    }
    if (!match) {
      this.answer(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
      return;
    }
    const [, token = '', rawMethod = ''] = match;
    const method = CANONICAL.get(rawMethod.toLowerCase()) ?? rawMethod;
    const call: FakeCall = { method, params: body, at: Date.now(), ok: false };
    this.calls.push(call);

    if (token !== this.token) return this.fail(res, call, new ApiFailure(401, 'Unauthorized'));
    if (!CANONICAL.has(rawMethod.toLowerCase())) return this.fail(res, call, new ApiFailure(404, 'Not Found'));

    const chatId = toInt(body.chat_id);
    const holdIndex = this.holds.findIndex((h) => h.method === method.toLowerCase() && (h.chatId === undefined || h.chatId === chatId));
    const held = this.holds[holdIndex];
    if (held) {
      this.holds.splice(holdIndex, 1);
      held.arrived();
      await held.gate;
    }
    const rule = this.takeRule(method, chatId);
    if (rule) return this.inject(res, call, rule);
    const upgradedTo = chatId === undefined ? undefined : this.migrated.get(chatId);
    if (upgradedTo !== undefined) {
      return this.fail(
        res,
        call,
        new ApiFailure(400, 'Bad Request: group chat was upgraded to a supergroup chat', { migrate_to_chat_id: upgradedTo }),
      );
    }
    if (chatId !== undefined && this.blocked.has(chatId)) {
      return this.fail(res, call, new ApiFailure(403, this.blocked.get(chatId) ?? 'Forbidden: bot was blocked by the user'));
    }

    try {
      const result = await this.dispatch(method, body, res);
      if (res.destroyed) return;
      call.ok = true;
      this.answer(res, 200, { ok: true, result });
    } catch (err) {
      if (!(err instanceof ApiFailure)) throw err;
      this.fail(res, call, err);
    }
  }

  private fail(res: http.ServerResponse, call: FakeCall, failure: ApiFailure): void {
    call.ok = false;
    call.errorCode = failure.code;
    if (failure.rateLimited) call.rateLimited = true;
    this.answer(res, failure.code, {
      ok: false,
      error_code: failure.code,
      description: failure.description,
      ...(failure.parameters ? { parameters: failure.parameters } : {}),
    });
  }

  private answer(res: http.ServerResponse, status: number, body: unknown): void {
    if (res.destroyed) return;
    const json = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  }

  private takeRule(method: string, chatId: number | undefined): FailureRule | undefined {
    const index = this.rules.findIndex((r) => r.method === method.toLowerCase() && (r.chatId === undefined || r.chatId === chatId));
    const rule = this.rules[index];
    if (!rule) return undefined;
    if (--rule.remaining <= 0) this.rules.splice(index, 1);
    return rule;
  }

  private inject(res: http.ServerResponse, call: FakeCall, rule: FailureRule): void {
    const f = rule.failure;
    if (f === 'timeout') {
      this.held.add(res);
      res.on('close', () => this.held.delete(res));
      return;
    }
    if (f === 'reset') {
      res.socket?.destroy();
      return;
    }
    switch (f.code) {
      case 429:
        return this.fail(res, call, new ApiFailure(429, `Too Many Requests: retry after ${f.retryAfter}`, { retry_after: f.retryAfter }));
      case 403:
        return this.fail(res, call, new ApiFailure(403, prefixed('Forbidden: ', f.description ?? 'bot was blocked by the user')));
      case 400:
        return this.fail(res, call, new ApiFailure(400, prefixed('Bad Request: ', f.description)));
      case 500:
        return this.fail(res, call, new ApiFailure(500, 'Internal Server Error'));
      case 502: {
        call.errorCode = 502;
        const page =
          '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n';
        res.writeHead(502, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(page) });
        res.end(page);
        return;
      }
    }
  }

  // ---------------------------------------------------------------- methods

  private async dispatch(method: string, p: Record<string, unknown>, res: http.ServerResponse): Promise<unknown> {
    switch (method) {
      case 'getMe':
        return this.botInfo;
      case 'sendMessage':
        return this.sendMessage(p);
      case 'editMessageText':
        return this.editMessageText(p);
      case 'editMessageReplyMarkup':
        return this.editMessageReplyMarkup(p);
      case 'deleteMessage':
        return this.deleteMessage(p);
      case 'answerCallbackQuery':
        return this.answerCallbackQuery(p);
      case 'setMyCommands':
        return this.setMyCommands(p);
      case 'getMyCommands':
        return this.commands.get(commandsKey(p.scope, p.language_code)) ?? [];
      case 'deleteMyCommands':
        this.commands.delete(commandsKey(p.scope, p.language_code));
        return true;
      case 'setWebhook': {
        const url = typeof p.url === 'string' ? p.url : '';
        if (url !== '' && !url.startsWith('https://'))
          throw new ApiFailure(400, 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook');
        this.webhookUrl = url;
        if (p.drop_pending_updates === true || p.drop_pending_updates === 'true') this.queue = [];
        return true;
      }
      case 'deleteWebhook':
        this.webhookUrl = '';
        if (p.drop_pending_updates === true || p.drop_pending_updates === 'true') this.queue = [];
        return true;
      case 'getWebhookInfo':
        return { url: this.webhookUrl, has_custom_certificate: false, pending_update_count: this.queue.length };
      case 'getUpdates':
        return this.getUpdates(p, res);
      case 'sendChatAction':
        this.requireChat(p);
        return true;
      case 'getChatMember':
        return this.getChatMember(p);
      case 'setMyDescription':
      case 'setMyShortDescription':
      case 'setChatMenuButton':
      case 'close':
      case 'logOut':
        return true;
      default:
        throw new ApiFailure(404, 'Not Found');
    }
  }

  private getChatMember(p: Record<string, unknown>): unknown {
    const chatId = this.requireChat(p);
    const userId = toInt(p.user_id);
    if (userId === undefined || userId <= 0) throw new ApiFailure(400, 'Bad Request: invalid user_id specified');
    if (chatId > 0) {
      if (chatId !== userId && userId !== this.botInfo.id) throw new ApiFailure(400, 'Bad Request: user not found');
      return { status: 'member', user: { id: userId, is_bot: userId === this.botInfo.id, first_name: 'Test' } };
    }
    const status = this.memberStatus.get(chatId)?.get(userId) ?? 'member';
    const user = { id: userId, is_bot: userId === this.botInfo.id, first_name: 'Test' };
    const is_anonymous = this.anonymousAdmins.has(`${chatId}:${userId}`);
    switch (status) {
      case 'creator':
        return { status, user, is_anonymous };
      case 'administrator':
        return { status, user, can_be_edited: false, is_anonymous, can_manage_chat: true, can_delete_messages: true };
      case 'kicked':
        return { status, user, until_date: 0 };
      default:
        return { status, user };
    }
  }

  private sendMessage(p: Record<string, unknown>): Message {
    const chatId = this.requireChat(p);
    const parsed = parseText(p.text, p.parse_mode, p.entities);
    const markup = parseMarkup(p.reply_markup);
    const forceReply = parseForceReply(p.reply_markup);
    const reply = replyTarget(p);
    let replyTo: number | undefined;
    if (reply) {
      if (this.messageExists(chatId, reply.messageId)) replyTo = reply.messageId;
      else if (!reply.allowWithout) throw new ApiFailure(400, 'Bad Request: message to be replied not found');
    }
    this.checkFlood(chatId, 'sendMessage');
    const id = this.nextMessageId.get(chatId) ?? 1;
    this.nextMessageId.set(chatId, id + 1);
    const html = typeof p.text === 'string' ? p.text : '';
    const stored: StoredMessage = {
      chatId,
      message_id: id,
      html,
      text: parsed.text,
      entities: parsed.entities,
      ...(markup ? { reply_markup: markup } : {}),
      ...(forceReply ? { forceReply } : {}),
      ...(replyTo !== undefined ? { replyTo } : {}),
      date: nowSeconds(),
      editCount: 0,
      history: [html],
      deleted: false,
    };
    let list = this.chats.get(chatId);
    if (!list) this.chats.set(chatId, (list = []));
    list.push(stored);
    return this.toApiMessage(stored, true);
  }

  private editMessageText(p: Record<string, unknown>): Message | true {
    const target = this.editTarget(p);
    const parsed = parseText(p.text, p.parse_mode, p.entities);
    const markup = parseMarkup(p.reply_markup);
    if (parsed.text === target.text && sameJson(parsed.entities, target.entities) && sameJson(markup, target.reply_markup)) {
      throw new ApiFailure(400, NOT_MODIFIED);
    }
    this.checkFlood(target.chatId, 'editMessageText');
    const html = typeof p.text === 'string' ? p.text : '';
    target.html = html;
    target.text = parsed.text;
    target.entities = parsed.entities;
    // Telegram semantics: an edit without reply_markup removes the inline keyboard.
    if (markup) target.reply_markup = markup;
    else delete target.reply_markup;
    target.editCount++;
    target.history.push(html);
    target.editDate = nowSeconds();
    return this.toApiMessage(target, true);
  }

  private editMessageReplyMarkup(p: Record<string, unknown>): Message | true {
    const target = this.editTarget(p);
    const markup = parseMarkup(p.reply_markup);
    if (sameJson(markup, target.reply_markup)) throw new ApiFailure(400, NOT_MODIFIED);
    this.checkFlood(target.chatId, 'editMessageReplyMarkup');
    if (markup) target.reply_markup = markup;
    else delete target.reply_markup;
    target.editDate = nowSeconds();
    return this.toApiMessage(target, true);
  }

  private deleteMessage(p: Record<string, unknown>): true {
    const chatId = this.requireChat(p);
    const messageId = toInt(p.message_id);
    const own = messageId === undefined ? undefined : this.findBotMessage(chatId, messageId);
    if (own && !own.deleted) {
      own.deleted = true;
      return true;
    }
    const theirs = messageId === undefined ? undefined : this.incoming.get(chatId);
    if (theirs && messageId !== undefined && theirs.delete(messageId)) return true;
    throw new ApiFailure(400, 'Bad Request: message to delete not found');
  }

  private answerCallbackQuery(p: Record<string, unknown>): true {
    if (typeof p.callback_query_id !== 'string' || p.callback_query_id === '') {
      throw new ApiFailure(400, 'Bad Request: query is too old and response timeout expired or query ID is invalid');
    }
    if (typeof p.text === 'string' && [...p.text].length > 200) throw new ApiFailure(400, 'Bad Request: MESSAGE_TOO_LONG');
    return true;
  }

  private setMyCommands(p: Record<string, unknown>): true {
    const list = p.commands;
    if (!Array.isArray(list)) throw new ApiFailure(400, "Bad Request: can't parse commands JSON object");
    if (list.length > 100) throw new ApiFailure(400, 'Bad Request: too many commands');
    for (const c of list as Array<{ command?: unknown; description?: unknown }>) {
      if (typeof c.command !== 'string' || !/^[a-z0-9_]{1,32}$/.test(c.command)) {
        throw new ApiFailure(400, 'Bad Request: BOT_COMMAND_INVALID');
      }
      if (typeof c.description !== 'string' || c.description.trim() === '' || [...c.description].length > 256) {
        throw new ApiFailure(400, 'Bad Request: BOT_COMMAND_DESCRIPTION_INVALID');
      }
    }
    // As Telegram: a two-letter ISO 639-1 code or none, and a known scope type.
    if (p.language_code !== undefined && (typeof p.language_code !== 'string' || !/^([a-z]{2})?$/.test(p.language_code))) {
      throw new ApiFailure(400, 'Bad Request: invalid language code specified');
    }
    const scopeType = (p.scope as { type?: unknown } | undefined)?.type;
    if (p.scope !== undefined && !COMMAND_SCOPES.has(String(scopeType)))
      throw new ApiFailure(400, 'Bad Request: wrong bot command scope type specified');
    this.commands.set(commandsKey(p.scope, p.language_code), list);
    return true;
  }

  private async getUpdates(p: Record<string, unknown>, res: http.ServerResponse): Promise<Update[]> {
    if (this.webhookUrl) {
      throw new ApiFailure(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
    }
    // A second concurrent poller ends the first one, as on Telegram (two bot instances running).
    this.pollWaiter?.conflict();
    this.pollWaiter = undefined;

    const offset = toInt(p.offset) ?? 0;
    const limit = Math.min(100, Math.max(1, toInt(p.limit) ?? 100));
    const timeoutSeconds = Math.max(0, toInt(p.timeout) ?? 0);
    // An offset confirms (forgets) every update below it; a negative one keeps only the last -offset.
    if (offset > 0) this.queue = this.queue.filter((u) => u.update_id >= offset);
    else if (offset < 0) this.queue = this.queue.slice(offset);

    const take = (): Update[] => this.queue.slice(0, limit);
    if (this.queue.length > 0 || timeoutSeconds === 0 || this.closing) return take();

    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        res.off('close', onClose);
        if (this.pollWaiter === waiter) this.pollWaiter = undefined;
      };
      const onClose = (): void => {
        done();
        resolve();
      };
      const waiter: PollWaiter = {
        wake: () => {
          done();
          resolve();
        },
        conflict: () => {
          done();
          reject(new ApiFailure(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running'));
        },
      };
      const timer = setTimeout(waiter.wake, timeoutSeconds * 1000);
      // The client gave up (bot.stop() aborts its poll): stop waiting for it.
      res.on('close', onClose);
      this.pollWaiter = waiter;
    });
    return take();
  }

  // ---------------------------------------------------------------- helpers

  private requireChat(p: Record<string, unknown>): number {
    const chatId = toInt(p.chat_id);
    if (chatId === undefined || chatId === 0) {
      throw new ApiFailure(400, p.chat_id === undefined ? 'Bad Request: chat_id is empty' : 'Bad Request: chat not found');
    }
    return chatId;
  }

  private editTarget(p: Record<string, unknown>): StoredMessage {
    if (p.inline_message_id !== undefined) throw new ApiFailure(400, 'Bad Request: MESSAGE_ID_INVALID');
    const chatId = this.requireChat(p);
    const messageId = toInt(p.message_id);
    if (messageId === undefined) throw new ApiFailure(400, 'Bad Request: message identifier is not specified');
    const target = this.findBotMessage(chatId, messageId);
    if (target && !target.deleted) return target;
    if (!target && this.incoming.get(chatId)?.has(messageId)) throw new ApiFailure(400, "Bad Request: message can't be edited");
    throw new ApiFailure(400, 'Bad Request: message to edit not found');
  }

  private findBotMessage(chatId: number, messageId: number): StoredMessage | undefined {
    return this.chats.get(chatId)?.find((m) => m.message_id === messageId);
  }

  private messageExists(chatId: number, messageId: number): boolean {
    const own = this.findBotMessage(chatId, messageId);
    if (own) return !own.deleted;
    return this.incoming.get(chatId)?.has(messageId) ?? false;
  }

  /**
   * Telegram's flood control: about one message a second per private chat, 20 a minute per group,
   * about 30 a second across chats. Over a limit: 429 with the seconds until it would pass.
   */
  private checkFlood(chatId: number, method: string): void {
    const limits = this.limits;
    if (!limits || !LIMITED_METHODS.has(method)) return;
    const now = Date.now();
    const times = (this.chatSendTimes.get(chatId) ?? []).filter((t) => now - t < 60_000);
    this.globalSendTimes = this.globalSendTimes.filter((t) => now - t < 1000);
    let waitMs = 0;
    const last = times[times.length - 1];
    if (chatId > 0 && last !== undefined && now - last < limits.privateChatIntervalMs) {
      waitMs = limits.privateChatIntervalMs - (now - last);
    }
    if (chatId < 0 && times.length >= limits.groupPerMinute) {
      waitMs = Math.max(waitMs, 60_000 - (now - (times[times.length - limits.groupPerMinute] as number)));
    }
    if (this.globalSendTimes.length >= limits.globalPerSecond) {
      waitMs = Math.max(waitMs, 1000 - (now - (this.globalSendTimes[this.globalSendTimes.length - limits.globalPerSecond] as number)));
    }
    if (waitMs > 0) {
      const seconds = Math.max(1, Math.ceil(waitMs / 1000));
      throw new ApiFailure(429, `Too Many Requests: retry after ${seconds}`, { retry_after: seconds }, true);
    }
    times.push(now);
    this.chatSendTimes.set(chatId, times);
    this.globalSendTimes.push(now);
  }

  private chatOf(chatId: number): Chat {
    const known = this.knownChats.get(chatId);
    if (known) return known;
    if (chatId > 0) return { id: chatId, type: 'private', first_name: 'Test' };
    if (chatId <= -1_000_000_000_000) return { id: chatId, type: 'supergroup', title: 'Test Group' };
    return { id: chatId, type: 'group', title: 'Test Group' };
  }

  private toApiMessage(m: StoredMessage, withReply: boolean): Message {
    const from: User = {
      id: this.botInfo.id,
      is_bot: true,
      first_name: this.botInfo.first_name,
      username: this.botInfo.username,
    };
    const msg: Record<string, unknown> = {
      message_id: m.message_id,
      from,
      chat: this.chatOf(m.chatId),
      date: m.date,
      text: m.text,
    };
    if (m.editDate !== undefined) msg.edit_date = m.editDate;
    if (m.entities.length > 0) msg.entities = m.entities;
    if (m.reply_markup) msg.reply_markup = m.reply_markup;
    if (withReply && m.replyTo !== undefined) {
      const target = this.findBotMessage(m.chatId, m.replyTo);
      const replied = target ? this.toApiMessage(target, false) : this.incoming.get(m.chatId)?.get(m.replyTo);
      if (replied) msg.reply_to_message = replied;
    }
    return msg as unknown as Message;
  }
}

// ------------------------------------------------------------------ request parsing

async function readParams(req: http.IncomingMessage, url: URL): Promise<Record<string, unknown>> {
  const params: Record<string, unknown> = {};
  for (const [k, v] of url.searchParams) params[k] = decodeFieldValue(v);
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (raw === '') return params;
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (type.startsWith('application/json')) {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return { ...params, ...(parsed as Record<string, unknown>) };
  }
  if (type.startsWith('multipart/form-data')) {
    const boundary = /boundary=("?)([^";]+)\1/i.exec(req.headers['content-type'] ?? '')?.[2];
    if (!boundary) throw new Error('no boundary');
    for (const part of raw.split(`--${boundary}`)) {
      const headerEnd = part.indexOf('\r\n\r\n');
      if (headerEnd < 0) continue;
      const name = /name="([^"]+)"/.exec(part.slice(0, headerEnd))?.[1];
      if (!name) continue;
      params[name] = decodeFieldValue(part.slice(headerEnd + 4).replace(/\r\n$/, ''));
    }
    return params;
  }
  for (const [k, v] of new URLSearchParams(raw)) params[k] = decodeFieldValue(v);
  return params;
}

/** Form fields carry objects (reply_markup, entities) as JSON strings. */
function decodeFieldValue(v: string): unknown {
  if (/^\s*[[{]/.test(v)) {
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v;
    }
  }
  return v;
}

/** A chat_id parameter as written in a diagnostic: the id or @username, '-' when absent. */
function chatLabel(chatId: unknown): string {
  return typeof chatId === 'number' || typeof chatId === 'string' ? String(chatId) : '-';
}

function toInt(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v);
  return undefined;
}

function prefixed(prefix: string, description: string): string {
  return description.startsWith(prefix) ? description : `${prefix}${description}`;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

const COMMAND_SCOPES = new Set([
  'default',
  'all_private_chats',
  'all_group_chats',
  'all_chat_administrators',
  'chat',
  'chat_administrators',
  'chat_member',
]);

function commandsKey(scope: unknown, languageCode: unknown): string {
  return `${JSON.stringify(scope ?? { type: 'default' })}|${typeof languageCode === 'string' ? languageCode : ''}`;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function publicCopy(m: StoredMessage): FakeMessage {
  const { entities: _entities, editDate: _editDate, ...rest } = m;
  return structuredClone(rest);
}

function replyTarget(p: Record<string, unknown>): { messageId: number; allowWithout: boolean } | undefined {
  const rp = p.reply_parameters;
  if (rp && typeof rp === 'object') {
    const r = rp as { message_id?: unknown; allow_sending_without_reply?: unknown; chat_id?: unknown };
    const messageId = toInt(r.message_id);
    if (messageId === undefined) throw new ApiFailure(400, 'Bad Request: message to be replied not found');
    return { messageId, allowWithout: r.allow_sending_without_reply === true };
  }
  const legacy = toInt(p.reply_to_message_id);
  if (legacy === undefined) return undefined;
  const allow = p.allow_sending_without_reply === true || p.allow_sending_without_reply === 'true';
  return { messageId: legacy, allowWithout: allow };
}

// ------------------------------------------------------------------ text and markup validation

interface ParsedText {
  text: string;
  entities: MessageEntity[];
}

function parseText(rawText: unknown, parseMode: unknown, rawEntities: unknown): ParsedText {
  if (typeof rawText !== 'string') throw new ApiFailure(400, 'Bad Request: message text is empty');
  let parsed: ParsedText;
  const mode = typeof parseMode === 'string' ? parseMode : '';
  if (mode === '') {
    parsed = { text: rawText, entities: Array.isArray(rawEntities) ? (rawEntities as MessageEntity[]) : [] };
  } else if (mode.toLowerCase() === 'html') {
    try {
      parsed = parseTelegramHtml(rawText);
    } catch (err) {
      if (err instanceof HtmlParseError) throw new ApiFailure(400, `Bad Request: can't parse entities: ${err.message}`);
      throw err;
    }
  } else if (mode === 'Markdown' || mode === 'MarkdownV2') {
    // Not emulated: the bot uses HTML only. Kept verbatim so such a message is still visible in tests.
    parsed = { text: rawText, entities: [] };
  } else {
    throw new ApiFailure(400, 'Bad Request: unsupported parse_mode');
  }
  parsed = trimText(parsed);
  if (parsed.text.length === 0) throw new ApiFailure(400, 'Bad Request: message text is empty');
  if (parsed.text.length > MAX_TEXT_LENGTH) throw new ApiFailure(400, 'Bad Request: message is too long');
  return parsed;
}

/** Telegram strips leading and trailing whitespace from message text; entities shift with it. */
function trimText({ text, entities }: ParsedText): ParsedText {
  const start = text.length - text.trimStart().length;
  const trimmed = text.trim();
  const end = start + trimmed.length;
  const shifted: MessageEntity[] = [];
  for (const e of entities) {
    const from = Math.max(e.offset, start);
    const to = Math.min(e.offset + e.length, end);
    if (to > from) shifted.push({ ...e, offset: from - start, length: to - from });
  }
  return { text: trimmed, entities: shifted };
}

class HtmlParseError extends Error {}

const TAG_KIND: Record<string, string> = {
  b: 'bold',
  strong: 'bold',
  i: 'italic',
  em: 'italic',
  u: 'underline',
  ins: 'underline',
  s: 'strikethrough',
  strike: 'strikethrough',
  del: 'strikethrough',
  code: 'code',
  pre: 'pre',
  a: 'text_link',
  'tg-spoiler': 'spoiler',
  span: 'spoiler',
  blockquote: 'blockquote',
  'tg-emoji': 'custom_emoji',
};

interface OpenTag {
  name: string;
  offset: number;
  attrs: Record<string, string>;
  language?: string;
}

/**
 * Telegram's HTML parse mode (after tdlib's parse_html): only the documented tags, `<span>` only with
 * class="tg-spoiler", entities &lt; &gt; &amp; &quot; and numeric ones. Stricter than Telegram on one
 * point, on purpose: a bare `&` is rejected (Telegram keeps it literally), because in our output it
 * always means an interpolated value was not escaped.
 */
export function parseTelegramHtml(html: string): ParsedText {
  let text = '';
  const entities: MessageEntity[] = [];
  const stack: OpenTag[] = [];
  const at = (i: number): string => `at byte offset ${Buffer.byteLength(html.slice(0, i))}`;
  let i = 0;
  while (i < html.length) {
    const c = html[i] as string;
    if (c === '&') {
      const decoded = decodeEntity(html, i);
      if (!decoded) throw new HtmlParseError(`Unsupported HTML entity ${at(i)}: escape "&" as "&amp;"`);
      text += decoded.char;
      i = decoded.end;
      continue;
    }
    if (c !== '<') {
      text += c;
      i++;
      continue;
    }
    if (html[i + 1] === '/') {
      const close = html.indexOf('>', i);
      if (close < 0) throw new HtmlParseError(`Unclosed end tag ${at(i)}`);
      const name = html
        .slice(i + 2, close)
        .trim()
        .toLowerCase();
      const open = stack.pop();
      if (!open) throw new HtmlParseError(`Unexpected end tag ${at(i)}`);
      if (open.name !== name) {
        throw new HtmlParseError(`Unmatched end tag ${at(i)}, expected "</${open.name}>", found "</${name}>"`);
      }
      closeTag(open, text, entities, stack);
      i = close + 1;
      continue;
    }
    // Start tag: the name runs to the first space or '>' (so "a < b" is the unsupported tag "").
    let j = i + 1;
    while (j < html.length && !/\s/.test(html[j] as string) && html[j] !== '>') j++;
    if (j >= html.length) throw new HtmlParseError(`Unclosed start tag ${at(i)}`);
    const name = html.slice(i + 1, j).toLowerCase();
    if (!(name in TAG_KIND)) throw new HtmlParseError(`Unsupported start tag "${name}" ${at(i)}`);
    const attrs: Record<string, string> = {};
    for (;;) {
      while (j < html.length && /\s/.test(html[j] as string)) j++;
      if (j >= html.length) throw new HtmlParseError(`Unclosed start tag ${at(i)}`);
      if (html[j] === '>') break;
      const attrStart = j;
      while (j < html.length && /[A-Za-z0-9_-]/.test(html[j] as string)) j++;
      const attr = html.slice(attrStart, j).toLowerCase();
      if (attr === '') throw new HtmlParseError(`Empty attribute name in the tag "${name}" ${at(i)}`);
      while (j < html.length && /\s/.test(html[j] as string)) j++;
      if (html[j] !== '=') {
        if (name === 'blockquote' && attr === 'expandable') {
          attrs.expandable = '';
          continue;
        }
        throw new HtmlParseError(`Expected equal sign in declaration of an attribute of the tag "${name}" ${at(i)}`);
      }
      j++;
      while (j < html.length && /\s/.test(html[j] as string)) j++;
      let value: string;
      const quote = html[j];
      if (quote === '"' || quote === "'") {
        const end = html.indexOf(quote, j + 1);
        if (end < 0) throw new HtmlParseError(`Unclosed end of attribute value ${at(i)}`);
        value = html.slice(j + 1, end);
        j = end + 1;
      } else {
        const valueStart = j;
        while (j < html.length && !/[\s>]/.test(html[j] as string)) j++;
        value = html.slice(valueStart, j);
      }
      attrs[attr] = decodeAttribute(value);
    }
    if (name === 'span' && attrs.class !== 'tg-spoiler') {
      throw new HtmlParseError(`Tag "span" must have class "tg-spoiler" ${at(i)}`);
    }
    if (name === 'tg-emoji' && !/^\d+$/.test(attrs['emoji-id'] ?? '')) {
      throw new HtmlParseError(`Custom emoji entity must have a valid "emoji-id" attribute ${at(i)}`);
    }
    stack.push({ name, offset: text.length, attrs });
    i = j + 1;
  }
  const unclosed = stack[stack.length - 1];
  if (unclosed) throw new HtmlParseError(`Can't find end tag corresponding to start tag "${unclosed.name}"`);
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { text, entities };
}

function closeTag(open: OpenTag, text: string, entities: MessageEntity[], stack: OpenTag[]): void {
  const offset = open.offset;
  const length = text.length - offset;
  const parent = stack[stack.length - 1];
  // <pre><code class="language-x"> is one pre entity with a language, not two entities.
  if (open.name === 'code' && parent?.name === 'pre' && parent.offset === offset) {
    const language = /^language-(.+)$/.exec(open.attrs.class ?? '')?.[1];
    if (language) parent.language = language;
    return;
  }
  if (length === 0) return;
  const kind = TAG_KIND[open.name];
  switch (kind) {
    case 'text_link': {
      const url = open.attrs.href ?? '';
      if (/^(https?|tg):\/\/\S+$/i.test(url)) entities.push({ type: 'text_link', offset, length, url });
      return;
    }
    case 'pre':
      entities.push(open.language ? { type: 'pre', offset, length, language: open.language } : { type: 'pre', offset, length });
      return;
    case 'blockquote':
      entities.push({ type: 'expandable' in open.attrs ? 'expandable_blockquote' : 'blockquote', offset, length });
      return;
    case 'custom_emoji':
      entities.push({ type: 'custom_emoji', offset, length, custom_emoji_id: open.attrs['emoji-id'] ?? '' });
      return;
    default:
      entities.push({ type: kind as 'bold', offset, length });
  }
}

function decodeEntity(html: string, i: number): { char: string; end: number } | undefined {
  const m = /^&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|(lt|gt|amp|quot));/.exec(html.slice(i, i + 12));
  if (!m) return undefined;
  const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };
  let char: string;
  if (m[3]) char = named[m[3]] as string;
  else {
    const code = m[1] !== undefined ? Number(m[1]) : parseInt(m[2] as string, 16);
    if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
    char = String.fromCodePoint(code);
  }
  return { char, end: i + m[0].length };
}

/** Attribute values are lenient about '&' (URLs with query strings), like Telegram. */
function decodeAttribute(value: string): string {
  let out = '';
  for (let i = 0; i < value.length;) {
    const decoded = value[i] === '&' ? decodeEntity(value, i) : undefined;
    if (decoded) {
      out += decoded.char;
      i = decoded.end;
    } else {
      out += value[i];
      i++;
    }
  }
  return out;
}

const BUTTON_ACTIONS = [
  'callback_data',
  'url',
  'switch_inline_query',
  'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat',
  'copy_text',
  'login_url',
  'web_app',
  'callback_game',
  'pay',
];

/** A ForceReply markup, validated as Telegram does (placeholder 1-64 characters); undefined for other kinds. */
function parseForceReply(raw: unknown): FakeMessage['forceReply'] {
  if (typeof raw !== 'object' || raw === null || !('force_reply' in raw)) return undefined;
  const markup = raw as { force_reply?: unknown; selective?: unknown; input_field_placeholder?: unknown };
  if (markup.force_reply !== true) throw new ApiFailure(400, "Bad Request: can't parse reply keyboard markup JSON object");
  const placeholder = markup.input_field_placeholder;
  if (placeholder !== undefined && (typeof placeholder !== 'string' || [...placeholder].length < 1 || [...placeholder].length > 64)) {
    throw new ApiFailure(400, 'Bad Request: INPUT_FIELD_PLACEHOLDER_INVALID');
  }
  return { selective: markup.selective === true, ...(typeof placeholder === 'string' ? { placeholder } : {}) };
}

/** Validates reply_markup; returns the inline keyboard to store (undefined for none or other kinds). */
function parseMarkup(raw: unknown): InlineKeyboardMarkup | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'object') throw new ApiFailure(400, "Bad Request: can't parse reply keyboard markup JSON object");
  const markup = raw as Record<string, unknown>;
  if (!('inline_keyboard' in markup)) return undefined; // reply keyboard / remove / force_reply: not stored
  const rows = markup.inline_keyboard;
  if (!Array.isArray(rows) || rows.some((r) => !Array.isArray(r))) {
    throw new ApiFailure(400, 'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays');
  }
  for (const row of rows as unknown[][]) {
    for (const button of row) {
      if (typeof button !== 'object' || button === null || typeof (button as { text?: unknown }).text !== 'string') {
        throw new ApiFailure(400, "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
      }
      const b = button as Record<string, unknown>;
      const actions = BUTTON_ACTIONS.filter((k) => b[k] !== undefined);
      if (actions.length === 0) throw new ApiFailure(400, 'Bad Request: text buttons are unallowed in the inline keyboard');
      if (b.callback_data !== undefined) {
        const bytes = typeof b.callback_data === 'string' ? Buffer.byteLength(b.callback_data, 'utf8') : 0;
        if (bytes < 1 || bytes > 64) throw new ApiFailure(400, 'Bad Request: BUTTON_DATA_INVALID');
      }
      if (b.url !== undefined && (typeof b.url !== 'string' || !/^(https?|tg):\/\/\S+$/i.test(b.url))) {
        throw new ApiFailure(400, 'Bad Request: BUTTON_URL_INVALID');
      }
    }
  }
  const nonEmpty = (rows as unknown[][]).filter((r) => r.length > 0);
  if (nonEmpty.length === 0) return undefined;
  return JSON.parse(JSON.stringify({ inline_keyboard: nonEmpty })) as InlineKeyboardMarkup;
}
