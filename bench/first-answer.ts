import { paramsOf, stats, type Classifier, type Stats } from './measure.js';
import { openBenchApp } from './flexybot-app.js';
import { GUIDE_LOOPS, NaiveGuideBot, classifyNaiveMessage, type GuideLoop } from './naive.js';
import { ScenarioWorld } from './scenario-world.js';
import { formatTable, type Row } from './report.js';
import { BENCH_API_KEY } from './fakes.js';
import { sleep } from './world.js';

/**
 * First-answer section: how long a reseller waits, from sending /status to the chat showing the
 * final state, for (a) an order already final at the provider (never seen by the bot before) and
 * (b) an order the provider finishes 3 s after the /status. Real time (TIME_SCALE 1), Telegram's
 * flood limits enforced; flexybot and the two guide loops, each in its own emulator and fake Telegram.
 * The target: (a) within 1 s.
 */

export const FINAL_LATER_MS = 3_000;
const FIRST_CHAT = 300_001;
/** Gap between two /status (different chats), real ms: well under Telegram's 30 messages/s. */
const GAP_MS = 250;

export interface FirstAnswerMetrics {
  name: string;
  alreadyFinal: Stats;
  finalLater: Stats;
  /** Requests whose chat never showed the final state before the timeout. */
  missed: number;
}

interface Probe {
  chatId: number;
  at: number;
  case: 'alreadyFinal' | 'finalLater';
}

export async function runFirstAnswer(opts: { mongoUri: string; orders: number }): Promise<FirstAnswerMetrics[]> {
  const results = [await runFlexybot(opts)];
  for (const loop of GUIDE_LOOPS) results.push(await runGuide(opts, loop));
  return results;
}

/** Places the orders and sends the /status one by one, alternating the two cases. */
async function play(world: ScenarioWorld, orders: number, status: (chatId: number, ref: string, id: string) => void): Promise<Probe[]> {
  const probes: Probe[] = [];
  for (let i = 0; i < orders * 2; i++) {
    const chatId = FIRST_CHAT + i;
    const ref = `first-${String(i + 1).padStart(4, '0')}`;
    const kind = i % 2 === 0 ? 'alreadyFinal' : 'finalLater';
    const id = kind === 'alreadyFinal' ? world.placeAlreadyFinal(ref) : world.placeFinalIn(ref, FINAL_LATER_MS);
    probes.push({ chatId, at: Date.now(), case: kind });
    status(chatId, ref, id);
    await sleep(GAP_MS);
  }
  return probes;
}

async function settle(world: ScenarioWorld, probes: Probe[], classify: Classifier): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && probes.some((p) => shownFinalAt(world, p, classify) === undefined)) await sleep(50);
}

function shownFinalAt(world: ScenarioWorld, probe: Probe, classify: Classifier): number | undefined {
  return world.telegram.calls.find(
    (c) =>
      c.ok &&
      c.at >= probe.at &&
      (c.method === 'sendMessage' || c.method === 'editMessageText') &&
      Number(paramsOf(c).chat_id) === probe.chatId &&
      typeof paramsOf(c).text === 'string' &&
      classify(paramsOf(c).text as string, 'mobile') === 'fulfilled',
  )?.at;
}

function measure(name: string, world: ScenarioWorld, probes: Probe[], classify: Classifier): FirstAnswerMetrics {
  const by = (kind: Probe['case']) =>
    probes
      .filter((p) => p.case === kind)
      .flatMap((p) => {
        const at = shownFinalAt(world, p, classify);
        return at === undefined ? [] : [at - p.at];
      });
  const alreadyFinal = stats(by('alreadyFinal'));
  const finalLater = stats(by('finalLater'));
  return { name, alreadyFinal, finalLater, missed: probes.length - alreadyFinal.count - finalLater.count };
}

async function runFlexybot(opts: { mongoUri: string; orders: number }): Promise<FirstAnswerMetrics> {
  const world = await ScenarioWorld.start(1);
  world.telegram.enforceLimits(true);
  const bench = await openBenchApp({
    mongoUri: opts.mongoUri,
    timeScale: 1,
    editIntervalMs: 2_500,
    userIds: Array.from({ length: opts.orders * 2 }, (_, i) => FIRST_CHAT + i),
    telegram: world.telegram,
    emulator: world.emulator,
  });
  try {
    await bench.start();
    const probes = await play(world, opts.orders, (chatId, ref) => bench.send(chatId, `/status ${ref}`));
    await settle(world, probes, bench.classify);
    return measure('flexybot', world, probes, bench.classify);
  } finally {
    await bench.close();
    await world.close();
  }
}

async function runGuide(opts: { orders: number }, loop: GuideLoop): Promise<FirstAnswerMetrics> {
  const world = await ScenarioWorld.start(1);
  world.telegram.enforceLimits(true);
  const bot = new NaiveGuideBot({
    providerUrl: world.emulator.url,
    apiKey: BENCH_API_KEY,
    telegramApiRoot: world.telegram.apiRoot,
    botToken: world.telegram.token,
    timeScale: 1,
    loop,
  });
  try {
    const probes = await play(world, opts.orders, (chatId, ref) => bot.status(chatId, { by: 'ref', value: ref }));
    await settle(world, probes, classifyNaiveMessage);
    return measure(loop.name, world, probes, classifyNaiveMessage);
  } finally {
    await bot.drain();
    await world.close();
  }
}

export function formatFirstAnswer(results: FirstAnswerMetrics[], orders: number, rttLine: string): string {
  const s = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(2)} s`);
  const col = (f: (r: FirstAnswerMetrics) => string) => results.map(f);
  const rows: Row[] = [
    ['', ...col((r) => r.name)],
    [
      'already final at the provider: p50 / p95 / max',
      ...col((r) => `${s(r.alreadyFinal.p50)} / ${s(r.alreadyFinal.p95)} / ${s(r.alreadyFinal.max)}`),
    ],
    [
      `final ${FINAL_LATER_MS / 1000} s after /status: p50 / p95 / max`,
      ...col((r) => `${s(r.finalLater.p50)} / ${s(r.finalLater.p95)} / ${s(r.finalLater.max)}`),
    ],
    ['never showed the final state', ...col((r) => String(r.missed))],
  ];
  const fb = results[0];
  const target = fb?.alreadyFinal.max ?? null;
  return [
    `First answer: /status -> the chat shows the final state. ${orders} orders per case, one chat each, ${GAP_MS} ms apart;`,
    `TIME_SCALE 1; Telegram flood limits enforced. ${rttLine}.`,
    '',
    ...formatTable(rows),
    '',
    `Target (an order already final shows its final state within 1 s): ${target !== null && target <= 1_000 ? 'MET' : 'NOT MET'} (flexybot max ${s(target)}).`,
  ].join('\n');
}
