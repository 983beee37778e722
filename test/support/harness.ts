import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import type { CommandStartedEvent, CommandSucceededEvent } from 'mongodb';
import { inject } from 'vitest';
import { createApp, type App, type AppOptions } from '../../src/app.js';
import { loadConfig, type Config, type Locale } from '../../src/config.js';
import { silentLogger, createLogger, type Logger } from '../../src/shared/logger.js';
import type { Update } from 'grammy/types';
import type { OrderDoc } from '../../src/tracking/models.js';
import { FakeTelegram, type FakeCall, type FakeMessage, type TelegramLimits } from './fake-telegram.js';
import { OneClickEmulator, type EmulatorOptions, type RecordedRequest } from './oneclick-emulator.js';
import { callbackQueryUpdate, textMessageUpdate, type TextMessageOptions } from './updates.js';

export const TEST_API_KEY = 'sandbox-key-for-tests-0123456789';
/** The harness's ENCRYPTION_KEY (tests may set ENCRYPTION_KEY: '' in `env` to run without one). */
export const TEST_ENCRYPTION_KEY = Buffer.alloc(32, 0x5a).toString('base64');
export const RESELLER = 111_111;
export const STAFF = 222_222;
export const STRANGER = 999_999;

export interface HarnessOptions {
  timeScale?: number;
  allowedUserIds?: number[];
  /** null: no ONECLICK_API_KEY configured. */
  apiKey?: string | null;
  defaultLocale?: Locale;
  /** Telegram's per-message edit spacing; tests shorten it (production: 2.5 s). */
  editIntervalMs?: number;
  app?: Partial<Omit<AppOptions, 'config' | 'connection' | 'log'>>;
  /** Extra environment for loadConfig (e.g. RECHECK_* schedules). */
  env?: Record<string, string>;
  /** Fake Telegram enforces Telegram's flood limits (429 with retry_after when the bot sends too fast). */
  telegramLimits?: boolean | Partial<TelegramLimits>;
  /** Telegram's group privacy mode for this bot (see FakeTelegram.deliversToBot); off by default. */
  privacyMode?: boolean;
  /** Emulator account settings (key scope, starting balance...); key and time scale come from the harness. */
  emulator?: Omit<EmulatorOptions, 'apiKey' | 'timeScale'>;
  /** Every log line of every app, at trace level, with the secrets main.ts registers masked (`logLines`). */
  captureLogs?: boolean;
}

/**
 * A whole flexybot wired to real MongoDB (a fresh database per harness), the OneClickDz emulator and
 * the fake Telegram Bot API, both over real HTTP on loopback. Updates are fed in-process with
 * bot.handleUpdate; restart() builds a new app on the same database, as a new process would.
 */
export class Harness {
  app!: App;
  config!: Config;
  readonly emulator: OneClickEmulator;
  readonly telegram: FakeTelegram;
  private connection!: Connection;
  private readonly dbName = `flexy_test_${randomBytes(6).toString('hex')}`;
  log: Logger = process.env.TEST_LOG ? createLogger(process.env.TEST_LOG) : silentLogger();
  /** With `captureLogs`: every line logged, as written. */
  readonly logLines: string[] = [];
  private readonly apps: App[] = [];
  /**
   * Every command the apps sent to MongoDB (driver command monitoring), oldest first; tests may clear
   * it. `matched`: documents a write touched (a claim that found nothing is 0).
   */
  readonly mongoCommands: Array<{ name: string; collection: string; matched?: number }> = [];
  /** What the emulator received while the first app started (its key validation), before counting began. */
  startupRequests: RecordedRequest[] = [];

  constructor(private readonly opts: HarnessOptions = {}) {
    this.emulator = new OneClickEmulator({ ...opts.emulator, apiKey: TEST_API_KEY, timeScale: opts.timeScale ?? 0.01 });
    this.telegram = new FakeTelegram({ limits: opts.telegramLimits ?? false, privacyMode: opts.privacyMode ?? false });
  }

  static async start(opts: HarnessOptions = {}): Promise<Harness> {
    const h = new Harness(opts);
    await Promise.all([h.emulator.start(), h.telegram.start()]);
    h.connection = await mongoose.createConnection(inject('mongoUri'), { dbName: h.dbName, monitorCommands: true }).asPromise();
    const started = new Map<number, { name: string; collection: string; matched?: number }>();
    h.connection.getClient().on('commandStarted', (e: CommandStartedEvent) => {
      const collection = (e.command as Record<string, unknown>)[e.commandName];
      const entry = { name: e.commandName, collection: typeof collection === 'string' ? collection : '' };
      h.mongoCommands.push(entry);
      started.set(e.requestId, entry);
    });
    h.connection.getClient().on('commandSucceeded', (e: CommandSucceededEvent) => {
      const entry = started.get(e.requestId);
      started.delete(e.requestId);
      if (!entry) return;
      const reply = e.reply as { value?: unknown; n?: number };
      // Documents a write touched: findAndModify returns the document (or null), updates return n.
      if (entry.name === 'findAndModify') entry.matched = reply.value ? 1 : 0;
      else if (typeof reply.n === 'number') entry.matched = reply.n;
    });
    h.connection.getClient().on('commandFailed', (e: { requestId: number }) => started.delete(e.requestId));
    h.config = loadConfig({
      BOT_TOKEN: h.telegram.token,
      TELEGRAM_API_ROOT: h.telegram.apiRoot,
      ONECLICK_API_URL: h.emulator.url,
      ...(opts.apiKey === null ? {} : { ONECLICK_API_KEY: opts.apiKey ?? TEST_API_KEY }),
      ALLOWED_USER_IDS: (opts.allowedUserIds ?? [RESELLER, STAFF]).join(','),
      DEFAULT_LOCALE: opts.defaultLocale ?? 'ar',
      TIME_SCALE: String(opts.timeScale ?? 0.01),
      ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      ...opts.env,
    });
    if (opts.captureLogs) {
      // As main.ts builds it: the configured secrets are masked, linked keys once they are known.
      const c = h.config;
      h.log = createLogger('trace', [c.botToken, c.oneclickApiKey, c.encryptionKey, c.oldEncryptionKey], {
        write: (line: string) => void h.logLines.push(line),
      });
    }
    await h.boot();
    // The first app validated the key (one GET /v3/validate): tests count calls from here.
    h.startupRequests = [...h.emulator.requests];
    h.emulator.resetCounters();
    return h;
  }

  /** The app's MongoDB connection (its database is this harness's own), for tests that edit documents directly. */
  get db(): Connection {
    return this.connection;
  }

  /**
   * Another process on the same database and fakes (e.g. a second worker, or a restart). `overrides`
   * change this process only (e.g. a clock that runs ahead of the others').
   */
  async boot(overrides: HarnessOptions['app'] = {}): Promise<App> {
    const app = createApp({
      config: this.config,
      connection: this.connection,
      log: this.log,
      botInfo: this.telegram.botInfo,
      editIntervalMs: this.opts.editIntervalMs ?? 100,
      tracker: { idleMs: 200, pollLeaseMs: 2_000, deliveryLeaseMs: 2_000 },
      offers: { idleMs: 200, leaseMs: 2_000 },
      notices: { idleMs: 200, leaseMs: 2_000 },
      sweepLockLifetimeMs: 2_000,
      provider: { timeoutMs: 1_000, retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 200 } },
      keyGuard: { tickMs: 250 }, // key-safety tests tick faster
      ...this.opts.app,
      ...overrides,
    });
    await app.prepare();
    await app.start();
    await app.keys?.settled();
    this.apps.push(app);
    this.app = app;
    return app;
  }

  /** Simulates kill -9 of the current app (leases stay held) and starts a fresh one. */
  async crashAndRestart(): Promise<App> {
    this.app.crash();
    return this.boot();
  }

  /**
   * A user sends `text` (by default the reseller, in their private chat). `replyTo`: the bot message in
   * that chat it replies to. `postedAs`: in a group, sent anonymously as the group (an administrator)
   * or as a channel, so Telegram does not name `userId`. Telegram's group privacy mode applies
   * (FakeTelegram `privacyMode`): a group message Telegram would not deliver never reaches the bot.
   */
  async send(
    text: string,
    from: { chatId?: number; userId?: number; languageCode?: string; replyTo?: number; postedAs?: TextMessageOptions['postedAs'] } = {},
  ): Promise<number> {
    const userId = from.userId ?? RESELLER;
    const chatId = from.chatId ?? userId;
    const replyTo = from.replyTo === undefined ? undefined : this.telegram.apiMessage(chatId, from.replyTo);
    if (from.replyTo !== undefined && !replyTo) throw new Error(`Harness.send: no bot message ${from.replyTo} in chat ${chatId}`);
    const update = textMessageUpdate({
      chatId,
      fromId: userId,
      text,
      ...(from.languageCode ? { languageCode: from.languageCode } : {}),
      ...(replyTo ? { replyTo } : {}),
      ...(from.postedAs ? { postedAs: from.postedAs } : {}),
    });
    this.telegram.recordIncoming(update);
    if (this.telegram.deliversToBot(update)) await this.app.bot.handleUpdate(update);
    return update.message!.message_id;
  }

  /** A user forwards a bot message (from any chat) to the bot in their private chat, as Telegram delivers it. */
  async forward(original: { chatId: number; messageId: number }, from: { userId?: number } = {}): Promise<number> {
    const userId = from.userId ?? RESELLER;
    const source = this.telegram.apiMessage(original.chatId, original.messageId);
    if (!source) throw new Error(`Harness.forward: no bot message ${original.messageId} in chat ${original.chatId}`);
    const update = textMessageUpdate({
      chatId: userId,
      fromId: userId,
      text: source.text ?? '',
      ...(source.entities ? { entities: source.entities } : {}),
      // A bot's message forwarded keeps its sender, not the original message id (MessageOriginUser).
      forwardOrigin: { type: 'user', date: source.date, sender_user: source.from! },
    });
    this.telegram.recordIncoming(update);
    await this.app.bot.handleUpdate(update);
    return update.message!.message_id;
  }

  async press(messageId: number, data: string, from: { chatId?: number; userId?: number; languageCode?: string } = {}): Promise<void> {
    const userId = from.userId ?? RESELLER;
    const update = callbackQueryUpdate({
      chatId: from.chatId ?? userId,
      fromId: userId,
      messageId,
      data,
      bot: this.telegram.botInfo,
      ...(from.languageCode ? { languageCode: from.languageCode } : {}),
    });
    await this.app.bot.handleUpdate(update);
  }

  /** Feeds an update as Telegram would (its user message becomes known to the fake first); may be called twice with one update. */
  async handle(update: Update): Promise<void> {
    this.telegram.recordIncoming(update);
    await this.app.bot.handleUpdate(update);
  }

  /**
   * The group as its owner left it after `/link@<bot>` there (a staff group of the deployment's
   * account), without the bot's answer in the chat: groups that are not linked show no order data,
   * and tests of other features keep their message counts. test/integration/staff-groups.test.ts
   * links groups with the command itself.
   */
  async linkGroup(chatId: number, ownerId = RESELLER, accountId = 'env'): Promise<void> {
    this.telegram.setChatMember(chatId, ownerId, 'administrator');
    await this.app.roles.groups.link(chatId, accountId, ownerId, new Date());
  }

  /** The tracked order document for a provider id or ref (null when none). */
  async order(by: { providerId: string } | { ref: string }): Promise<OrderDoc | null> {
    return this.app.models.Order.findOne({ accountId: 'env', ...by }).lean<OrderDoc>();
  }

  /**
   * Telegram calls that Telegram refused as a bad request, edits of messages the user deleted aside:
   * "message is not modified" (an identical edit), unparsable HTML, a bad button... always our bug.
   */
  badRequests(): FakeCall[] {
    return this.telegram.calls.filter((c) => {
      if (c.errorCode !== 400) return false;
      if (c.method !== 'editMessageText') return true;
      const target = this.telegram.message(Number(c.params?.chat_id), Number(c.params?.message_id));
      return !target?.deleted;
    });
  }

  /**
   * Waits until every watcher's status message has been sent and recorded and no delivery is owed or
   * in flight: a quiet point to crash at, or to start counting from.
   */
  async waitUntilDelivered(timeoutMs = 15_000): Promise<void> {
    const { Order, Watcher } = this.app.models;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [owed, unsent] = await Promise.all([
        Order.countDocuments({ $or: [{ deliverAt: { $ne: null } }, { deliveryLeaseUntil: { $gt: new Date() } }] }),
        Watcher.countDocuments({ messageId: null }),
      ]);
      if (owed === 0 && unsent === 0) return;
      if (Date.now() >= deadline) throw new Error(`waitUntilDelivered: ${owed} orders still owe a delivery, ${unsent} messages unsent`);
      await sleep(10);
    }
  }

  /** Waits until the chat's latest bot message satisfies `probe` (the fake polls every 10 ms). */
  async waitForMessage(chatId: number, probe: (m: FakeMessage) => boolean, what: string, timeoutMs = 15_000): Promise<FakeMessage> {
    return this.telegram.waitFor(
      () => {
        const m = this.telegram.lastMessage(chatId);
        return m && probe(m) ? m : undefined;
      },
      { timeoutMs, what },
    );
  }

  /**
   * Stops every app, drops the database and closes the fakes; once, however often it is called.
   * Provider answers a test still holds are released first: a stopping app finishes its work in
   * flight, and must not wait out a held call.
   */
  close(): Promise<void> {
    return (this.closing ??= this.closeOnce());
  }

  private closing: Promise<void> | undefined;

  private async closeOnce(): Promise<void> {
    this.emulator.releaseHolds();
    for (const app of this.apps) await app.stop().catch(() => undefined);
    await this.connection.dropDatabase().catch(() => undefined);
    await this.connection.close();
    await Promise.all([this.emulator.close(), this.telegram.close()]);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
