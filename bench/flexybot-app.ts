import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import mongoose, { type Connection } from 'mongoose';
import { createApp, type App } from '../src/app.js';
import { loadConfig, type Locale } from '../src/config.js';
import type { OrderKind } from '../src/provider/types.js';
import { createLogger, silentLogger } from '../src/shared/logger.js';
import type { StatusClass } from '../src/tracking/view.js';
import type { FakeTelegram } from '../test/support/fake-telegram.js';
import type { OneClickEmulator } from '../test/support/oneclick-emulator.js';
import { textMessageUpdate } from '../test/support/updates.js';
import { DatabaseMonitor, type Classifier } from './measure.js';
import { BENCH_API_KEY } from './world.js';

export const BENCH_LOCALE: Locale = 'ar';
const STATUS_CLASSES: readonly StatusClass[] = ['pending', 'processing', 'fulfilled', 'refunded', 'verifying', 'queued', 'unknown'];

export interface BenchAppOptions {
  mongoUri: string;
  timeScale: number;
  /** Per-message edit spacing given to the app (real ms). */
  editIntervalMs: number;
  /** Chats (= users) allowed to talk to the bot. */
  userIds: number[];
  telegram: FakeTelegram;
  emulator: OneClickEmulator;
}

/** The real flexybot (createApp) on a fresh database, fed updates in-process. */
export interface BenchApp {
  app: App;
  connection: Connection;
  /** Counts the app's MongoDB round trips (call begin()/end() around the measured run). */
  database: DatabaseMonitor;
  classify: Classifier;
  /** Feeds a text message from a private chat (chat id = user id); returns at once. */
  send: (chatId: number, text: string) => void;
  /** Waits until every update handed to send() so far was handled. */
  handled(): Promise<void>;
  /** Median real ms of a trivial MongoDB query while nothing else of this app runs (call before start()). */
  idleRoundTripMs(samples?: number): Promise<number>;
  start(): Promise<void>;
  /** Stops the app (drains Agenda), drops the database and closes the connection. */
  close(): Promise<void>;
}

/**
 * Builds the app with production defaults (config from loadConfig with only what the bench needs:
 * no RECHECK_* override), TIME_SCALE as given. Its database is dropped on close().
 */
export async function openBenchApp(opts: BenchAppOptions): Promise<BenchApp> {
  const dbName = `flexy_bench_${randomBytes(6).toString('hex')}`;
  // monitorCommands: the bench counts the app's MongoDB round trips.
  const connection = mongoose.createConnection(opts.mongoUri, { dbName, serverSelectionTimeoutMS: 10_000, monitorCommands: true });
  const database = new DatabaseMonitor(connection.getClient());
  let app: App | undefined;
  let started = false;
  const close = async () => {
    if (app && started) await app.stop();
    await connection.dropDatabase().catch(() => undefined);
    await connection.close().catch(() => undefined);
  };
  try {
    await connection.asPromise();
    const config = loadConfig({
      BOT_TOKEN: opts.telegram.token,
      TELEGRAM_API_ROOT: opts.telegram.apiRoot,
      ONECLICK_API_URL: opts.emulator.url,
      ONECLICK_API_KEY: BENCH_API_KEY,
      ALLOWED_USER_IDS: opts.userIds.join(','),
      DEFAULT_LOCALE: BENCH_LOCALE,
      TIME_SCALE: String(opts.timeScale),
      LOG_LEVEL: 'silent',
    });
    app = createApp({
      config,
      connection,
      // BENCH_LOG=debug shows the app's own logs.
      log: process.env.BENCH_LOG ? createLogger(process.env.BENCH_LOG) : silentLogger(),
      botInfo: opts.telegram.botInfo,
      editIntervalMs: opts.editIntervalMs,
    });
    await app.prepare();
  } catch (err) {
    await close();
    throw err;
  }
  const running = app;
  const handling = new Set<Promise<void>>();
  return {
    app: running,
    connection,
    database,
    classify: flexybotClassifier(running),
    send: (chatId, text) => {
      const update = textMessageUpdate({ chatId, fromId: chatId, text });
      opts.telegram.recordIncoming(update);
      const p: Promise<void> = running.bot
        .handleUpdate(update)
        .catch((err: unknown) => void process.stderr.write(`bench: update failed: ${String(err)}\n`))
        .finally(() => handling.delete(p));
      handling.add(p);
    },
    handled: async () => {
      while (handling.size > 0) await Promise.all([...handling]);
    },
    idleRoundTripMs: async (samples = 9) => {
      const orders = connection.collection('orders');
      const times: number[] = [];
      // The first queries of a new connection open pool sockets: not a round trip.
      for (let i = 0; i < 3; i++) await orders.findOne({ phase: 'none' });
      for (let i = 0; i < samples; i++) {
        const t0 = performance.now();
        // An indexed query that matches nothing: the round trip, not the work.
        await orders.findOne({ phase: 'none' });
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      return times[Math.floor(times.length / 2)] ?? 0;
    },
    start: async () => {
      await running.start();
      started = true;
    },
    close,
  };
}

/** Recognises the state a flexybot status message shows by its translated headline. */
function flexybotClassifier(app: App): Classifier {
  const t = app.translatorFor(BENCH_LOCALE);
  const headlines = (['mobile', 'internet'] as const).map((kind) => ({
    kind,
    entries: STATUS_CLASSES.map((statusClass) => ({ statusClass, headline: t(`order-headline-${kind}-${statusClass}`) }))
      // Longest first, so a headline that contains another one wins.
      .sort((a, b) => b.headline.length - a.headline.length),
  }));
  return (html: string, kind: OrderKind) => {
    const entries = headlines.find((h) => h.kind === kind)?.entries ?? [];
    return entries.find((e) => html.includes(e.headline))?.statusClass ?? null;
  };
}
