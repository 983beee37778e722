import type { Classifier, PhaseMetrics } from './measure.js';
import { measurePhase, MemorySampler } from './measure.js';
import { openBenchApp, type BenchApp } from './flexybot-app.js';
import type { Plan } from './mix.js';
import type { ContenderOptions } from './naive.js';
import { sleep, World, type SentRequest } from './world.js';

/** Chats that asked about the already-final orders earlier (not measured). */
const WARM_UP_CHAT_BASE = 900_000_001;
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
  const memory = new MemorySampler();
  let bench: BenchApp | undefined;
  try {
    const userIds = [...plan.requests.map((r) => r.chatId), ...plan.orders.map((o) => WARM_UP_CHAT_BASE + o.index)];
    bench = await openBenchApp({
      mongoUri: opts.mongoUri,
      timeScale: opts.timeScale,
      editIntervalMs: opts.editIntervalMs,
      userIds,
      telegram: world.telegram,
      emulator: world.emulator,
    });
    await bench.start();
    const { send, classify, database } = bench;

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
    await bench.handled();

    world.emulator.resetCounters();
    const since = Date.now();
    memory.begin();
    database.begin();
    const { sent } = await world.play(plan, ({ planned, order }) =>
      send(planned.chatId, `/status ${planned.by === 'id' ? order.id : order.ref}`),
    );
    await bench.handled();
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
    await bench?.close();
    await world.close();
  }
}

function everyWatcherShowsFinal(world: World, sent: SentRequest[], classify: Classifier): boolean {
  return sent.every((s) => {
    const last = world.telegram.lastMessage(s.planned.chatId);
    return last !== undefined && classify(last.html, s.order.kind) === s.order.finalClass;
  });
}
