import type { App } from '../src/app.js';
import { openBenchApp } from './flexybot-app.js';
import { MemorySampler, paramsOf, stats, type MemoryPeak, type Stats } from './measure.js';
import { ScenarioWorld } from './scenario-world.js';
import { seedTracked, templateFromOwnApp } from './tracked-seed.js';
import { sleep } from './world.js';

/**
 * Scale section: N orders (10,000) tracked at once by one process: UNKNOWN_ERROR orders in the long
 * tail, spread over a number of private chats, `due` of them due for the first sweep (the rest over
 * the next 58 min), seeded in bulk. TIME_SCALE 1, production defaults, Telegram's flood limits
 * enforced. While the first sweep and the deliveries it causes run, new /status arrive (half from
 * chats that hold tracked orders, half from new chats): how long until each gets its first reply.
 */

const FIRST_CHAT = 500_001;
const FIRST_PROBE_CHAT = 600_001;
/** Probes start with the first sweep and come this often (distinct chats: far below 30/s). */
const PROBE_GAP_MS = 100;
const RECHECK_EVERY_MS = 58 * 60_000;
const TIMEOUT_MS = 180_000;

export interface ScaleOptions {
  mongoUri: string;
  orders: number;
  due: number;
  chats: number;
  probes: number;
  progress: (line: string) => void;
}

export interface SweepWindow {
  start: number;
  end: number;
  checked: number;
  commands: number;
}

export interface ScaleMetrics {
  orders: number;
  due: number;
  chats: number;
  seedSeconds: number;
  memory: MemoryPeak;
  firstSweep: { seconds: number; checked: number; commands: number; commandsPerOrder: number | null } | null;
  /** The first sweep did not end before the section's timeout. */
  sweepUnfinished: boolean;
  /** Edits and new messages Telegram accepted, and 429s, from start until the deliveries were done. */
  telegram: { edits: number; sends: number; rateLimited: number; deliveriesDoneAfterS: number | null };
  /** /status -> first reply in that chat (ms); `duringSweep`: probes sent while the first sweep ran. */
  firstReply: { all: Stats; busyChats: Stats; newChats: Stats; duringSweep: number; unanswered: number };
}

export async function runScale(opts: ScaleOptions): Promise<ScaleMetrics> {
  const world = await ScenarioWorld.start(1);
  const memory = new MemorySampler();
  try {
    const template = await templateFromOwnApp(opts.mongoUri, world);
    const chats = Array.from({ length: opts.chats }, (_, i) => FIRST_CHAT + i);
    const probeChats = Array.from({ length: opts.probes }, (_, i) =>
      i % 2 === 0 ? (chats[i % chats.length] as number) : FIRST_PROBE_CHAT + i,
    );
    const bench = await openBenchApp({
      mongoUri: opts.mongoUri,
      timeScale: 1,
      editIntervalMs: 2_500,
      userIds: [...chats, ...probeChats],
      telegram: world.telegram,
      emulator: world.emulator,
    });
    try {
      const t0 = Date.now();
      await seedTracked(bench.app, world, template, {
        count: opts.orders,
        chats,
        dueNow: opts.due,
        spreadMs: RECHECK_EVERY_MS,
        refPrefix: 'scale',
      });
      const seedSeconds = (Date.now() - t0) / 1000;
      opts.progress(`scale: seeded ${opts.orders} orders in ${seedSeconds.toFixed(1)} s; starting the app...`);
      let sweepStarted: () => void = () => undefined;
      const firstSweepStarted = new Promise<void>((resolve) => (sweepStarted = resolve));
      const sweeps = recordSweeps(
        bench.app,
        () => bench.database.completed,
        () => sweepStarted(),
      );
      world.telegram.enforceLimits(true);
      bench.database.begin();
      memory.begin();
      const since = Date.now();
      await bench.start();
      await Promise.race([firstSweepStarted, sleep(TIMEOUT_MS)]);

      // Probes: new /status while the first sweep (which runs at start) and its deliveries go on.
      const probes: Array<{ chatId: number; at: number; busy: boolean; duringSweep: boolean }> = [];
      for (let i = 0; i < opts.probes; i++) {
        const chatId = probeChats[i] as number;
        const ref = `probe-${String(i + 1).padStart(3, '0')}`;
        world.placeOrdinary(ref);
        const first = sweeps[0];
        probes.push({ chatId, at: Date.now(), busy: i % 2 === 0, duringSweep: first !== undefined && first.end === 0 });
        bench.send(chatId, `/status ${ref}`);
        await sleep(PROBE_GAP_MS);
      }
      const replyAt = (p: (typeof probes)[number]) =>
        world.telegram.calls.find((c) => c.ok && c.method === 'sendMessage' && c.at >= p.at && Number(paramsOf(c).chat_id) === p.chatId)
          ?.at;

      const deadline = since + TIMEOUT_MS;
      let deliveriesDoneAt: number | null = null;
      while (Date.now() < deadline) {
        const sweepDone = sweeps[0] !== undefined && sweeps[0].end > 0;
        const owed = await bench.app.models.Order.countDocuments({ deliverAt: { $ne: null }, phase: 'long' });
        if (sweepDone && owed === 0 && deliveriesDoneAt === null) deliveriesDoneAt = Date.now();
        if (deliveriesDoneAt !== null && probes.every((p) => replyAt(p) !== undefined)) break;
        await sleep(500);
      }
      const peak = memory.end();
      bench.database.end();
      const first = sweeps[0];
      const latencies = probes.map((p) => ({ p, ms: replyAt(p) === undefined ? undefined : (replyAt(p) as number) - p.at }));
      const answered = (pick: (p: (typeof probes)[number]) => boolean) =>
        stats(latencies.filter((l) => pick(l.p) && l.ms !== undefined).map((l) => l.ms as number));
      const calls = world.telegram.calls.filter((c) => c.at >= since);
      return {
        orders: opts.orders,
        due: opts.due,
        chats: opts.chats,
        seedSeconds,
        memory: peak,
        firstSweep:
          first && first.end > 0
            ? {
                seconds: (first.end - first.start) / 1000,
                checked: first.checked,
                commands: first.commands,
                commandsPerOrder: first.checked > 0 ? first.commands / first.checked : null,
              }
            : null,
        sweepUnfinished: !first || first.end === 0,
        telegram: {
          edits: calls.filter((c) => c.ok && c.method === 'editMessageText').length,
          sends: calls.filter((c) => c.ok && c.method === 'sendMessage').length,
          rateLimited: calls.filter((c) => c.rateLimited).length,
          deliveriesDoneAfterS: deliveriesDoneAt === null ? null : (deliveriesDoneAt - since) / 1000,
        },
        firstReply: {
          all: answered(() => true),
          busyChats: answered((p) => p.busy),
          newChats: answered((p) => !p.busy),
          duringSweep: probes.filter((p) => p.duringSweep).length,
          unanswered: latencies.filter((l) => l.ms === undefined).length,
        },
      };
    } finally {
      await bench.close();
    }
  } finally {
    memory.end();
    await world.close();
  }
}

/**
 * Times every pass of the app's long-tail sweep and counts the MongoDB commands the app completed
 * meanwhile (every loop's, not only the sweep's). Wraps the instance Agenda calls, before start().
 */
function recordSweeps(app: App, commandsSoFar: () => number, onStart: () => void): SweepWindow[] {
  const windows: SweepWindow[] = [];
  const sweep = app.sweep;
  const run = sweep.run.bind(sweep);
  sweep.run = async (heartbeat) => {
    const w: SweepWindow = { start: Date.now(), end: 0, checked: 0, commands: 0 };
    const before = commandsSoFar();
    windows.push(w);
    onStart();
    try {
      const result = await run(heartbeat);
      w.checked = result.checked;
      return result;
    } finally {
      w.end = Date.now();
      w.commands = commandsSoFar() - before;
    }
  };
  return windows;
}

export function formatScale(m: ScaleMetrics, rttLine: string): string {
  const s = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(2)} s`);
  const trio = (st: Stats) => `p50 ${s(st.p50)}, p95 ${s(st.p95)}, max ${s(st.max)} (${st.count})`;
  const sw = m.firstSweep;
  const p95 = m.firstReply.all.p95;
  return [
    `Scale: ${m.orders} UNKNOWN_ERROR orders tracked at once by one process, over ${m.chats} private chats; ${m.due} due for the first`,
    `sweep, the rest spread over the next 58 min. Seeded in bulk in ${m.seedSeconds.toFixed(1)} s. TIME_SCALE 1, production defaults,`,
    `Telegram's flood limits enforced. ${rttLine}.`,
    '',
    `- memory: peak RSS ${m.memory.peakRssMb} MB (${m.memory.startRssMb} MB at start; the emulator and the fake Telegram, with all`,
    `  ${m.orders} orders and messages, live in the same process), peak heap ${m.memory.peakHeapUsedMb} MB`,
    `- event-loop delay p99: ${m.memory.eventLoopDelayP99Ms} ms (machine load ${m.memory.loadAverage})`,
    sw
      ? `- first sweep: ${sw.seconds.toFixed(1)} s for ${sw.checked} orders; ${sw.commands} MongoDB commands meanwhile (all loops;` +
        ` ${sw.commandsPerOrder === null ? '-' : sw.commandsPerOrder.toFixed(1)} per order checked)`
      : '- first sweep: DID NOT FINISH within the section timeout',
    `- Telegram after start: ${m.telegram.edits} edits, ${m.telegram.sends} new messages, ${m.telegram.rateLimited} answered 429;` +
      ` every owed delivery done after ${m.telegram.deliveriesDoneAfterS === null ? 'NOT within the timeout' : `${m.telegram.deliveriesDoneAfterS.toFixed(1)} s`}`,
    `- new /status during all that (${m.firstReply.duringSweep} of them sent while the first sweep ran), first reply: ${trio(m.firstReply.all)};` +
      ` in chats holding tracked orders ${trio(m.firstReply.busyChats)}; new chats ${trio(m.firstReply.newChats)}; unanswered ${m.firstReply.unanswered}`,
    `Target (first reply p95 <= 1 s with ${m.orders} orders tracked): ${p95 !== null && p95 <= 1_000 && m.firstReply.unanswered === 0 ? 'MET' : 'NOT MET'} (p95 ${s(p95)}).`,
  ].join('\n');
}
