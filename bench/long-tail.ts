import type { App } from '../src/app.js';
import type { OrderDoc } from '../src/tracking/models.js';
import { openBenchApp, type BenchApp } from './flexybot-app.js';
import { GuidesLongTailBot } from './long-tail-guides.js';
import { measureLongTail, type LongTailMetrics, type OrderTimeline, type SweepPass } from './long-tail-measure.js';
import { MemorySampler } from './measure.js';
import type { LongTailPlan } from './long-tail-mix.js';
import { LongTailWorld } from './long-tail-world.js';
import { classifyNaiveMessage } from './naive.js';
import { BENCH_API_KEY } from './world.js';

/** Real time a contender may take after the plan's end to show results it still owes. */
const SETTLE_TIMEOUT_MS = 15_000;

export interface LongTailOptions {
  mongoUri: string;
  timeScale: number;
  /** Per-message edit spacing given to the app (real ms). */
  editIntervalMs: number;
}

/**
 * The long-tail section: the guides' 24 h rechecks and flexybot play the same plan side by side, each
 * against its own emulator and fake Telegram. The default compression (0.001: 48 h in ~3 min) leaves
 * room for both in one process; at much stronger compression every real millisecond one of them takes
 * from the event loop reads as minutes of delay for the other, and the report flags it.
 */
export async function runLongTail(plan: LongTailPlan, opts: LongTailOptions, progress: (line: string) => void): Promise<LongTailMetrics[]> {
  progress('guides (24 h rechecks) and flexybot, side by side');
  const [guides, flexybot] = await Promise.all([runLongTailGuides(plan, opts.timeScale), runLongTailFlexybot(plan, opts)]);
  return [flexybot, guides];
}

/** The real app (createApp, production RECHECK_* defaults) through the plan; /status by ref. */
export async function runLongTailFlexybot(plan: LongTailPlan, opts: LongTailOptions): Promise<LongTailMetrics> {
  const world = await LongTailWorld.start(opts.timeScale);
  const memory = new MemorySampler();
  let bench: BenchApp | undefined;
  try {
    bench = await openBenchApp({
      mongoUri: opts.mongoUri,
      timeScale: opts.timeScale,
      editIntervalMs: opts.editIntervalMs,
      userIds: plan.orders.flatMap((o) => o.requests.map((r) => r.chatId)),
      telegram: world.telegram,
      emulator: world.emulator,
    });
    const running = bench;
    const idleRoundTripMs = await running.idleRoundTripMs();
    const sweeps = recordSweepPasses(running.app);
    await running.start();
    running.database.begin();
    const since = Date.now();
    memory.begin();
    await world.play(plan, ({ chatId, order }) => running.send(chatId, `/status ${order.planned.ref}`));
    await running.handled();
    if (!(await world.settle(running.classify, SETTLE_TIMEOUT_MS))) {
      process.stderr.write("bench: some flexybot chats did not see their order's result before the settle timeout\n");
    }
    const loop = memory.end();
    running.database.end();
    const wallMs = Date.now() - since;
    const timeline = await flexybotTimeline(running.app);
    const load = running.database.load(plan.orders.length);
    // Stop first (Agenda drains): a message sent while stopping still counts.
    bench = undefined;
    await running.close();
    return measureLongTail({
      name: 'flexybot',
      world,
      classify: running.classify,
      timeline,
      database: { load, idleRoundTripMs },
      sweeps,
      loop,
      wallMs,
    });
  } finally {
    memory.end();
    await bench?.close();
    await world.close();
  }
}

/** The guides' baseline through the same plan; it knows each order's id (it sent them). */
export async function runLongTailGuides(plan: LongTailPlan, timeScale: number): Promise<LongTailMetrics> {
  const world = await LongTailWorld.start(timeScale);
  const bot = new GuidesLongTailBot({
    providerUrl: world.emulator.url,
    apiKey: BENCH_API_KEY,
    telegramApiRoot: world.telegram.apiRoot,
    botToken: world.telegram.token,
    timeScale,
  });
  const memory = new MemorySampler();
  try {
    const since = Date.now();
    memory.begin();
    await world.play(plan, ({ chatId, order }) => bot.status(chatId, { kind: order.kind, id: order.id, ref: order.planned.ref }));
    if (!(await world.settle(classifyNaiveMessage, SETTLE_TIMEOUT_MS))) {
      process.stderr.write("bench: some guides chats did not see their order's result before the settle timeout\n");
    }
    const loop = memory.end();
    const wallMs = Date.now() - since;
    await bot.stop();
    return measureLongTail({
      name: 'guides (24 h rechecks)',
      world,
      classify: classifyNaiveMessage,
      timeline: bot.timeline(),
      loop,
      wallMs,
    });
  } finally {
    memory.end();
    await bot.stop();
    await world.close();
  }
}

/**
 * Times every pass of the app's long-tail sweep (Agenda runs one at a time). The scheduler calls the
 * same LongTailSweep instance, so wrapping its `run` before start() sees every pass.
 */
function recordSweepPasses(app: App): SweepPass[] {
  const passes: SweepPass[] = [];
  const sweep = app.sweep;
  const run = sweep.run.bind(sweep);
  sweep.run = async (heartbeat) => {
    const start = Date.now();
    let checked = 0;
    try {
      const result = await run(heartbeat);
      checked = result.checked;
      return result;
    } finally {
      passes.push({ start, end: Date.now(), checked });
    }
  };
  return passes;
}

/** When each order entered the long tail and when a check first saw its resolution, from MongoDB. */
async function flexybotTimeline(app: App): Promise<OrderTimeline> {
  const docs = await app.models.Order.find({}).lean<OrderDoc[]>();
  return new Map(
    docs.map((d) => [
      d.providerId,
      {
        longTailSince: d.longTail?.since ? new Date(d.longTail.since).getTime() : undefined,
        resolvedAt: d.history.find((h) => h.status === 'FULFILLED' || h.status === 'REFUNDED')?.at.getTime(),
      },
    ]),
  );
}
