/**
 * `npm run bench`: the real flexybot and the guides' approach, side by side in one run, against the
 * in-repo OneClickDz emulator and fake Telegram. Measures only; asserts nothing. Sections (flags in
 * bench/flags.ts; `--only a,b` or `--no-a` to select):
 * - fast: /status polling of a seeded order mix vs the guides' fixed 5 s and adaptive 3/5/10 s loops;
 * - first-answer: /status -> final state shown, for an order already final and one final 3 s later;
 * - announcements: 300 long-tail orders resolving at once, Telegram's flood limits enforced;
 * - scale: 10,000 orders tracked in one process (memory, event loop, the sweep, replies meanwhile);
 * - long-tail: UNKNOWN_ERROR, QUEUED and timed-out orders over 48 h vs the guides' 24 h rechecks.
 * Every section prints the MongoDB round trip (ping) measured just before it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatAnnouncements, runAnnouncements } from './announcements.js';
import { parseFlags, type Flags, type Section } from './flags.js';
import { runFlexybot } from './flexybot.js';
import { formatFirstAnswer, runFirstAnswer } from './first-answer.js';
import { buildPlan } from './mix.js';
import { provideMongo } from './mongo.js';
import { formatRoundTrip, measureMongoRoundTrip, type MongoRoundTrip } from './mongo-ping.js';
import { GUIDE_LOOPS, runNaive } from './naive.js';
import { formatReport, toJson, type BenchSettings } from './report.js';
import { runLongTail } from './long-tail.js';
import { buildLongTailPlan } from './long-tail-mix.js';
import { formatLongTailReport, longTailJson, type LongTailSettings } from './long-tail-report.js';
import { formatScale, runScale } from './scale.js';
import { PRODUCTION_EDIT_INTERVAL_MS } from './flexybot.js';

/** The app's long-tail sweep period (RECHECK_SWEEP_EVERY default) and its floor in app.ts. */
const SWEEP_EVERY_MS = 60_000;
const SWEEP_FLOOR_MS = 50;

interface SectionContext {
  flags: Flags;
  mongoUri: string;
  mongoSource: BenchSettings['mongo'];
  rtt: MongoRoundTrip;
  /** Prints a progress line. */
  say: (line: string) => void;
}

type SectionRunner = (ctx: SectionContext) => Promise<{ text: string; json: unknown }>;

const RUNNERS: Record<Section, SectionRunner> = {
  fast: async ({ flags, mongoUri, mongoSource, rtt, say }) => {
    const plan = buildPlan({ orders: flags.orders, seed: flags.seed, spreadSeconds: flags.spreadSeconds });
    const settings: BenchSettings = {
      orders: flags.orders,
      timeScale: flags.timeScale,
      seed: flags.seed,
      spreadSeconds: flags.spreadSeconds,
      editIntervalMs: flags.editIntervalMs,
      mongo: mongoSource,
    };
    // Real time allowed after the last /status for every watcher to see its final state: the last
    // order's timeline plus room for a contender that falls behind (its counts stay complete).
    const settleTimeoutMs = 30_000 + 120_000 * flags.timeScale;
    say(`fast phase: flexybot (${plan.orders.length} orders, TIME_SCALE ${flags.timeScale})...`);
    const results = [
      await runFlexybot(plan, { mongoUri, timeScale: flags.timeScale, settleTimeoutMs, editIntervalMs: flags.editIntervalMs }),
    ];
    for (const loop of GUIDE_LOOPS) {
      say(`fast phase: ${loop.name} on the same mix...`);
      results.push(await runNaive(plan, { timeScale: flags.timeScale, settleTimeoutMs }, loop));
    }
    return { text: formatReport(settings, plan, results, formatRoundTrip(rtt)), json: toJson(settings, plan, results) };
  },

  'first-answer': async ({ flags, mongoUri, rtt, say }) => {
    say(`first answer: flexybot and the guide loops (${flags.firstAnswerOrders} orders per case)...`);
    const results = await runFirstAnswer({ mongoUri, orders: flags.firstAnswerOrders });
    return { text: formatFirstAnswer(results, flags.firstAnswerOrders, formatRoundTrip(rtt)), json: results };
  },

  announcements: async ({ flags, mongoUri, rtt, say }) => {
    say(`announcements: ${flags.announceOrders} long-tail orders resolving at once...`);
    const result = await runAnnouncements({ mongoUri, orders: flags.announceOrders });
    return { text: formatAnnouncements(result, formatRoundTrip(rtt)), json: result };
  },

  scale: async ({ flags, mongoUri, rtt, say }) => {
    say(`scale: ${flags.scaleOrders} orders tracked at once, ${flags.scaleDue} due for the first sweep...`);
    const result = await runScale({
      mongoUri,
      orders: flags.scaleOrders,
      due: flags.scaleDue,
      chats: flags.scaleChats,
      probes: flags.scaleProbes,
      progress: say,
    });
    return { text: formatScale(result, formatRoundTrip(rtt)), json: result };
  },

  'long-tail': async ({ flags, mongoUri, rtt, say }) => {
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
    const results = await runLongTail(plan, { mongoUri, timeScale: ts, editIntervalMs: settings.editIntervalMs }, (name) =>
      say(`long tail: ${name} (${plan.orders.length} orders, TIME_SCALE ${ts}, about ${seconds} s)...`),
    );
    return {
      text: `${formatLongTailReport(settings, plan, results)}\n${formatRoundTrip(rtt)}.`,
      json: longTailJson(settings, plan, results),
    };
  },
};

async function main(): Promise<void> {
  const flags = parseFlags();
  const mongo = await provideMongo();
  const json: Record<string, unknown> = { generatedAt: new Date().toISOString() };
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const started = Date.now();
  const texts: string[] = [];
  try {
    for (const section of [...flags.sections]) {
      const t0 = Date.now();
      const rtt = await measureMongoRoundTrip(mongo.uri);
      const { text, json: sectionJson } = await RUNNERS[section]({
        flags,
        mongoUri: mongo.uri,
        mongoSource: mongo.embedded ? 'mongodb-memory-server' : 'MONGODB_URI',
        rtt,
        say,
      });
      const seconds = ((Date.now() - t0) / 1000).toFixed(0);
      texts.push(`==== ${section} (${seconds} s)\n${text}`);
      json[section] = { mongoRoundTrip: rtt, wallSeconds: Number(seconds), ...(sectionJson as object) };
      // Print as we go: a long run shows each section's figures as soon as they exist.
      say(`\n${texts[texts.length - 1]}\n`);
    }
    json.wallSeconds = Math.round((Date.now() - started) / 1000);
    const dir = join(tmpdir(), 'flexybot-bench');
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'latest.json');
    await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
    say(`whole run: ${String(json.wallSeconds)} s; results written to ${file}`);
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
