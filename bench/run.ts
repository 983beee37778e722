/**
 * `npm run bench`: the real flexybot and the guides' approach, side by side, on the same orders
 * against the in-repo OneClickDz emulator and fake Telegram. Measures only; asserts nothing.
 * Two sections:
 * - fast phase (--no-fast skips it): /status polling vs the guides' fixed 5 s and adaptive 3/5/10 s loops. Flags: --orders N
 *   (60), --time-scale X (0.1), --spread S (production seconds over which orders arrive; orders / 2),
 *   --edit-interval-ms N (2500 x TIME_SCALE). TIME_SCALE does not shrink MongoDB round trips: the
 *   defaults stay within what a slow MongoDB-compatible server (~25 ms a command) keeps up with;
 *   more orders or stronger compression saturate it, and the report says so.
 * - long tail (--no-long-tail skips it): UNKNOWN_ERROR, QUEUED and timed-out orders over 48 h of
 *   provider time vs the guides' 24 h rechecks. Flags: --long-tail-orders N (24),
 *   --long-tail-time-scale X (0.001: 48 h in about 3 min).
 * --seed N (1) drives both mixes.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PRODUCTION_EDIT_INTERVAL_MS, runFlexybot } from './flexybot.js';
import { buildPlan } from './mix.js';
import { provideMongo } from './mongo.js';
import { GUIDE_LOOPS, runNaive } from './naive.js';
import { formatReport, toJson, type BenchSettings } from './report.js';
import { runLongTail } from './long-tail.js';
import { buildLongTailPlan } from './long-tail-mix.js';
import { formatLongTailReport, longTailJson, type LongTailSettings } from './long-tail-report.js';

const USAGE =
  'usage: npm run bench -- [--orders N] [--time-scale X] [--seed N] [--spread SECONDS] [--edit-interval-ms N] [--no-fast]\n' +
  '                        [--long-tail-orders N] [--long-tail-time-scale X] [--no-long-tail]';
/** The app's long-tail sweep period (RECHECK_SWEEP_EVERY default) and its floor in app.ts. */
const SWEEP_EVERY_MS = 60_000;
const SWEEP_FLOOR_MS = 50;

interface Flags extends Omit<BenchSettings, 'mongo'> {
  fast: boolean;
  longTail: boolean;
  longTailOrders: number;
  longTailTimeScale: number;
}

function parseFlags(): Flags {
  const { values } = parseArgs({
    options: {
      orders: { type: 'string', default: '60' },
      'time-scale': { type: 'string', default: '0.1' },
      seed: { type: 'string', default: '1' },
      spread: { type: 'string' },
      'edit-interval-ms': { type: 'string' },
      'no-fast': { type: 'boolean', default: false },
      'long-tail-orders': { type: 'string', default: '24' },
      'long-tail-time-scale': { type: 'string', default: '0.001' },
      'no-long-tail': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const orders = Number(values.orders);
  const timeScale = Number(values['time-scale']);
  const seed = Number(values.seed);
  const spreadSeconds = values.spread === undefined ? orders / 2 : Number(values.spread);
  // Telegram's 2.5 s edit spacing is real time in production; scaled here like every other delay,
  // or it alone would dominate every latency by 1/TIME_SCALE.
  const editIntervalMs =
    values['edit-interval-ms'] === undefined
      ? Math.max(1, Math.round(PRODUCTION_EDIT_INTERVAL_MS * timeScale))
      : Number(values['edit-interval-ms']);
  const longTailOrders = Number(values['long-tail-orders']);
  const longTailTimeScale = Number(values['long-tail-time-scale']);
  const problems = [
    Number.isInteger(orders) && orders >= 1 && orders <= 5_000 ? null : '--orders must be an integer from 1 to 5000',
    timeScale > 0 && timeScale <= 1 ? null : '--time-scale must be > 0 and <= 1',
    Number.isInteger(seed) ? null : '--seed must be an integer',
    spreadSeconds >= 0 ? null : '--spread must be >= 0',
    editIntervalMs >= 0 ? null : '--edit-interval-ms must be >= 0',
    Number.isInteger(longTailOrders) && longTailOrders >= 1 && longTailOrders <= 1_000
      ? null
      : '--long-tail-orders must be an integer from 1 to 1000',
    longTailTimeScale > 0 && longTailTimeScale <= 0.01
      ? null
      : '--long-tail-time-scale must be > 0 and <= 0.01 (48 h of provider time must fit in a run)',
  ].filter((p): p is string => p !== null);
  if (problems.length > 0) {
    for (const p of problems) process.stderr.write(`bench: ${p}\n`);
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  return {
    orders,
    timeScale,
    seed,
    spreadSeconds,
    editIntervalMs,
    fast: !values['no-fast'],
    longTail: !values['no-long-tail'],
    longTailOrders,
    longTailTimeScale,
  };
}

async function main(): Promise<void> {
  const flags = parseFlags();
  const mongo = await provideMongo();
  const json: Record<string, unknown> = { generatedAt: new Date().toISOString() };
  try {
    if (flags.fast) {
      const plan = buildPlan({ orders: flags.orders, seed: flags.seed, spreadSeconds: flags.spreadSeconds });
      const settings: BenchSettings = {
        orders: flags.orders,
        timeScale: flags.timeScale,
        seed: flags.seed,
        spreadSeconds: flags.spreadSeconds,
        editIntervalMs: flags.editIntervalMs,
        mongo: mongo.embedded ? 'mongodb-memory-server' : 'MONGODB_URI',
      };
      // Real time allowed after the last /status for every watcher to see its final state: the last
      // order's timeline plus room for a contender that falls behind (its counts stay complete).
      const settleTimeoutMs = 30_000 + 120_000 * flags.timeScale;
      process.stdout.write(`running flexybot (${plan.orders.length} orders, TIME_SCALE ${flags.timeScale})...\n`);
      const flexybot = await runFlexybot(plan, {
        mongoUri: mongo.uri,
        timeScale: flags.timeScale,
        settleTimeoutMs,
        editIntervalMs: flags.editIntervalMs,
      });
      const results = [flexybot];
      for (const loop of GUIDE_LOOPS) {
        process.stdout.write(`running ${loop.name} on the same mix...\n`);
        results.push(await runNaive(plan, { timeScale: flags.timeScale, settleTimeoutMs }, loop));
      }
      process.stdout.write('\n');
      process.stdout.write(`${formatReport(settings, plan, results)}\n`);
      json.fast = toJson(settings, plan, results);
    }
    if (flags.longTail) {
      const ts = flags.longTailTimeScale;
      const plan = buildLongTailPlan({ orders: flags.longTailOrders, seed: flags.seed });
      const settings: LongTailSettings = {
        orders: plan.orders.length,
        timeScale: ts,
        seed: flags.seed,
        // Scaled like the fast section, or Telegram's 2.5 s spacing would read as hours here.
        editIntervalMs: Math.max(1, Math.round(PRODUCTION_EDIT_INTERVAL_MS * ts)),
        sweepEveryMs: Math.max(SWEEP_FLOOR_MS, SWEEP_EVERY_MS * ts),
      };
      const seconds = ((plan.durationMs * ts) / 1000).toFixed(0);
      if (flags.fast) process.stdout.write('\n\n');
      const results = await runLongTail(plan, { mongoUri: mongo.uri, timeScale: ts, editIntervalMs: settings.editIntervalMs }, (name) =>
        process.stdout.write(
          `running the long tail with ${name} (${plan.orders.length} orders, TIME_SCALE ${ts}, about ${seconds} s)...\n`,
        ),
      );
      process.stdout.write(`\n${formatLongTailReport(settings, plan, results)}\n`);
      json.longTail = longTailJson(settings, plan, results);
    }
    const dir = join(tmpdir(), 'flexybot-bench');
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'latest.json');
    await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
    process.stdout.write(`\nresults written to ${file}\n`);
  } finally {
    await mongo.stop();
  }
}

main().then(
  () => {
    // Everything the bench opened is closed, so the process should end on its own. A library timer
    // may still be pending (Agenda 6 leaves a lockLifetime/2 timer behind after drain()): name what is
    // left instead of waiting for it, and end.
    setTimeout(() => {
      const left = process.getActiveResourcesInfo().filter((r) => r !== 'PipeWrap' && r !== 'TTYWrap');
      const kinds = new Map<string, number>();
      for (const r of left) kinds.set(r, (kinds.get(r) ?? 0) + 1);
      const summary = [...kinds].map(([kind, n]) => `${n} ${kind}`).join(', ');
      process.stderr.write(`bench: done; not waiting for what libraries left behind (${summary || 'nothing'})\n`);
      process.exit(0);
    }, 2_000).unref();
  },
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
