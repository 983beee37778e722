import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { createApp, type App } from '../src/app.js';
import { loadConfig, type Locale } from '../src/config.js';
import type { OrderKind } from '../src/provider/types.js';
import { createLogger, silentLogger } from '../src/shared/logger.js';
import type { StatusClass } from '../src/tracking/view.js';
import { textMessageUpdate } from '../test/support/updates.js';
import { DatabaseMonitor, measurePhase, MemorySampler, type Classifier, type PhaseMetrics } from './measure.js';
import type { Plan } from './mix.js';
import type { ContenderOptions } from './naive.js';
import { BENCH_API_KEY, sleep, World, type SentRequest } from './world.js';

/** Chats that asked about the already-final orders earlier (not measured). */
const WARM_UP_CHAT_BASE = 900_000_001;
const LOCALE: Locale = 'ar';
const STATUS_CLASSES: readonly StatusClass[] = ['pending', 'processing', 'fulfilled', 'refunded', 'verifying', 'queued', 'unknown'];
/** Telegram's per-message edit spacing in production (the app's default). */
export const PRODUCTION_EDIT_INTERVAL_MS = 2_500;

export interface FlexybotOptions extends ContenderOptions {
  mongoUri: string;
  /** Per-message edit spacing given to the app (real ms). */
  editIntervalMs: number;
}

/**
 * Runs the real flexybot (createApp: tracker, delivery, grammY bot, MongoDB) through the plan in a
 * fresh emulator, fake Telegram and database, feeding /status in-process with bot.handleUpdate.
 * Already-final orders are tracked to the end first by other chats, as earlier /status requests would
 * have done, so the measured /status for them is answered from MongoDB.
 */
export async function runFlexybot(plan: Plan, opts: FlexybotOptions): Promise<PhaseMetrics> {
  const world = await World.start(opts.timeScale);
  const dbName = `flexy_bench_${randomBytes(6).toString('hex')}`;
  // monitorCommands: the bench counts the app's MongoDB round trips.
  const connection = mongoose.createConnection(opts.mongoUri, { dbName, serverSelectionTimeoutMS: 10_000, monitorCommands: true });
  const database = new DatabaseMonitor(connection.getClient());
  const memory = new MemorySampler();
  let app: App | undefined;
  try {
    await connection.asPromise();
    const userIds = [...plan.requests.map((r) => r.chatId), ...plan.orders.map((o) => WARM_UP_CHAT_BASE + o.index)];
    const config = loadConfig({
      BOT_TOKEN: world.telegram.token,
      TELEGRAM_API_ROOT: world.telegram.apiRoot,
      ONECLICK_API_URL: world.emulator.url,
      ONECLICK_API_KEY: BENCH_API_KEY,
      ALLOWED_USER_IDS: userIds.join(','),
      DEFAULT_LOCALE: LOCALE,
      TIME_SCALE: String(opts.timeScale),
      LOG_LEVEL: 'silent',
    });
    app = createApp({
      config,
      connection,
      // BENCH_LOG=debug shows the app's own logs.
      log: process.env.BENCH_LOG ? createLogger(process.env.BENCH_LOG) : silentLogger(),
      botInfo: world.telegram.botInfo,
      editIntervalMs: opts.editIntervalMs,
    });
    await app.prepare();
    await app.start();
    const running = app;
    const handling = new Set<Promise<void>>();
    const send = (chatId: number, text: string) => {
      const update = textMessageUpdate({ chatId, fromId: chatId, text });
      world.telegram.recordIncoming(update);
      const p: Promise<void> = running.bot
        .handleUpdate(update)
        .catch((err: unknown) => void process.stderr.write(`bench: /status failed: ${String(err)}\n`))
        .finally(() => handling.delete(p));
      handling.add(p);
    };
    const classify = flexybotClassifier(app);

    // Warm-up: the already-final orders become final documents in MongoDB.
    const finals = plan.orders.filter((o) => o.category === 'already_final').map((o) => world.seed(o));
    for (const order of finals) send(WARM_UP_CHAT_BASE + order.planned.index, `/status ${order.ref}`);
    const warmedUp = await world.until(
      () =>
        finals.every((o) => {
          const last = world.telegram.lastMessage(WARM_UP_CHAT_BASE + o.planned.index);
          return last !== undefined && classify(last.html, o.kind) === o.finalClass;
        }),
      30_000,
    );
    if (!warmedUp) throw new Error('bench: the already-final orders did not reach their final state during warm-up');
    await Promise.all([...handling]);

    world.emulator.resetCounters();
    const since = Date.now();
    memory.begin();
    database.begin();
    const { sent } = await world.play(plan, ({ planned, order }) =>
      send(planned.chatId, `/status ${planned.by === 'id' ? order.id : order.ref}`),
    );
    await Promise.all([...handling]);
    const settled = await world.until(() => everyWatcherShowsFinal(world, sent, classify), opts.settleTimeoutMs);
    if (!settled) process.stderr.write('bench: some flexybot watchers did not see their final state before the settle timeout\n');
    // A short grace period, so late superfluous calls (if any) are counted too.
    await sleep(Math.max(100, 5_000 * opts.timeScale));
    const wallMs = Date.now() - since;
    const peak = memory.end();
    database.end();
    return measurePhase({
      name: 'flexybot',
      seeded: world.seeded,
      sent,
      telegram: world.telegram,
      emulator: world.emulator,
      classify,
      since,
      memory: peak,
      database: database.load(plan.orders.length),
      wallMs,
    });
  } finally {
    memory.end();
    await app?.stop();
    await connection.dropDatabase().catch(() => undefined);
    await connection.close().catch(() => undefined);
    await world.close();
  }
}

function everyWatcherShowsFinal(world: World, sent: SentRequest[], classify: Classifier): boolean {
  return sent.every((s) => {
    const last = world.telegram.lastMessage(s.planned.chatId);
    return last !== undefined && classify(last.html, s.order.kind) === s.order.finalClass;
  });
}

/** Recognises the state a flexybot status message shows by its translated headline. */
function flexybotClassifier(app: App): Classifier {
  const t = app.translatorFor(LOCALE);
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
