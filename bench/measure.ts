import { loadavg } from 'node:os';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { OrderKind } from '../src/provider/types.js';
import type { StatusClass } from '../src/tracking/view.js';
import type { FakeCall, FakeTelegram } from '../test/support/fake-telegram.js';
import type { OneClickEmulator } from '../test/support/oneclick-emulator.js';
import { CATEGORY_ORDER, type Category } from './mix.js';
import type { SeededOrder, SentRequest } from './world.js';

/** Which order state a status message shows (null: not an order state, e.g. "looking up"). */
export type Classifier = (html: string, kind: OrderKind) => StatusClass | null;

export interface Stats {
  count: number;
  /** Real milliseconds. */
  p50: number | null;
  p95: number | null;
  max: number | null;
}

export interface MemoryPeak {
  startRssMb: number;
  peakRssMb: number;
  startHeapUsedMb: number;
  peakHeapUsedMb: number;
  /** How late timers ran in this process (p99, ms): high values mean the process itself was starved. */
  eventLoopDelayP99Ms: number;
  /** Machine load (1-minute average) at the end: other work on the machine skews real-time numbers. */
  loadAverage: number;
}

/** MongoDB commands the app issued during the measured run (flexybot only). */
export interface DatabaseLoad {
  commands: number;
  perOrder: number;
  perSecond: number;
  /** Command round trips, ms. */
  p50Ms: number | null;
  p95Ms: number | null;
  /** The busiest `command collection` pairs. */
  top: Array<{ command: string; count: number }>;
}

export interface PhaseMetrics {
  name: string;
  orders: number;
  watchers: number;
  provider: {
    /** Provider calls about orders (check-id, check-ref and list pages) during the measured run. */
    total: number;
    /** Of which list pages (/v3/<kind>/list): one answers for many orders. */
    listPages: number;
    perOrder: number;
    byCategory: Record<Category, { orders: number; calls: number; perOrder: number | null }>;
    /**
     * Orders watched from one chat vs from two: what a second watcher costs. A list page counts as a
     * share for each order the bot was still waiting on when it was asked (see measurePhase).
     */
    byWatchers: Array<{ watchers: number; orders: number; perOrder: number | null }>;
    /** Calls that named no order of the plan, or list pages asked while no order was waiting (should be 0). */
    unattributed: number;
  };
  telegram: {
    total: number;
    perOrder: number;
    sendMessage: number;
    editMessageText: number;
    /** Calls Telegram refused (e.g. 400 "message is not modified" for an identical edit). */
    rejected: number;
  };
  latency: {
    /** Every provider status change a watcher was already waiting for -> the first message showing it. */
    change: Stats;
    /** The same, split by orders watched from one chat and from two (already-final orders have no change). */
    changeByWatchers: Array<{ watchers: number; stats: Stats }>;
    /** Only the last change of each order (the result the reseller waits for). */
    final: Stats;
    /** /status received -> first message of any kind (e.g. "looking it up"). */
    firstReply: Stats;
    /** /status received -> first message that shows the order's state. */
    firstStatus: Stats;
    /** The same for orders already final: no provider timeline involved, only the contender's own work. */
    firstStatusAlreadyFinal: Stats;
    /** Changes never shown to a watcher that was waiting (e.g. skipped because a later one came first). */
    missed: number;
  };
  /** Watchers whose message ended on the order's final state. */
  reachedFinal: { reached: number; total: number };
  memory: MemoryPeak;
  database: DatabaseLoad | null;
  wallMs: number;
}

interface Shown {
  at: number;
  statusClass: StatusClass | null;
}

export interface MeasureInput {
  name: string;
  seeded: SeededOrder[];
  sent: SentRequest[];
  telegram: FakeTelegram;
  emulator: OneClickEmulator;
  classify: Classifier;
  /** Telegram calls before this time (warm-up) are not counted. */
  since: number;
  memory: MemoryPeak;
  database?: DatabaseLoad | undefined;
  wallMs: number;
}

export function measurePhase(input: MeasureInput): PhaseMetrics {
  const { seeded, sent, classify } = input;
  const orders = seeded.filter(Boolean);
  const chats = new Map<number, SentRequest>(sent.map((s) => [s.planned.chatId, s]));

  // ---- Telegram: what each watcher's chat was shown, and when
  const calls = input.telegram.calls.filter((c) => c.at >= input.since && chats.has(chatOf(c)));
  const shownByChat = new Map<number, Shown[]>();
  for (const call of calls) {
    if (!call.ok || (call.method !== 'sendMessage' && call.method !== 'editMessageText')) continue;
    const request = chats.get(chatOf(call));
    const text = paramsOf(call).text;
    if (!request || typeof text !== 'string') continue;
    const list = shownByChat.get(request.planned.chatId) ?? [];
    list.push({ at: call.at, statusClass: classify(text, request.order.kind) });
    shownByChat.set(request.planned.chatId, list);
  }

  const change: number[] = [];
  const changeByWatchers = new Map<number, number[]>([
    [1, []],
    [2, []],
  ]);
  const final: number[] = [];
  /** When a watcher of each order was first shown its final state: the bot stopped waiting on it. */
  const finalShownAt = new Map<SeededOrder, number>();
  const firstReply: number[] = [];
  const firstStatus: number[] = [];
  const firstStatusAlreadyFinal: number[] = [];
  let missed = 0;
  let reached = 0;
  for (const request of sent) {
    const shown = shownByChat.get(request.planned.chatId) ?? [];
    const reply = shown.find((s) => s.at >= request.at);
    if (reply) firstReply.push(reply.at - request.at);
    const first = shown.find((s) => s.at >= request.at && s.statusClass !== null);
    if (first) {
      firstStatus.push(first.at - request.at);
      if (request.order.planned.category === 'already_final') firstStatusAlreadyFinal.push(first.at - request.at);
    }
    const changes = request.order.changes;
    changes.forEach((c, i) => {
      if (c.at <= request.at) return; // already happened when the reseller asked: not a change they waited for
      const seen = shown.find((s) => s.at >= c.at && s.statusClass === c.statusClass);
      if (!seen) {
        missed++;
        return;
      }
      change.push(seen.at - c.at);
      changeByWatchers.get(request.order.planned.requests.length)?.push(seen.at - c.at);
      if (i === changes.length - 1) final.push(seen.at - c.at);
    });
    const finalSeen = shown.find((s) => s.statusClass === request.order.finalClass);
    if (finalSeen) finalShownAt.set(request.order, Math.min(finalShownAt.get(request.order) ?? Infinity, finalSeen.at));
    const last = input.telegram.lastMessage(request.planned.chatId);
    if (last && classify(last.html, request.order.kind) === request.order.finalClass) reached++;
  }

  // ---- provider: check calls, attributed to the plan's orders by id or ref; each list page shared
  // by the orders of its kind the bot was still waiting on (asked about, final not yet shown).
  const byId = new Map(orders.map((o) => [o.id, o]));
  const byRef = new Map(orders.map((o) => [o.ref, o]));
  const firstAskedAt = new Map<SeededOrder, number>();
  for (const s of sent) firstAskedAt.set(s.order, Math.min(firstAskedAt.get(s.order) ?? Infinity, s.at));
  const callsPerOrder = new Map<SeededOrder, number>();
  let total = 0;
  let listPages = 0;
  let unattributed = 0;
  for (const r of input.emulator.requests) {
    const list = /^\/v3\/(mobile|internet)\/list$/.exec(r.path);
    if (list) {
      total++;
      listPages++;
      const waiting = orders.filter(
        (o) => o.kind === list[1] && (firstAskedAt.get(o) ?? Infinity) <= r.at && (finalShownAt.get(o) ?? Infinity) >= r.at,
      );
      if (waiting.length === 0) unattributed++;
      for (const o of waiting) callsPerOrder.set(o, (callsPerOrder.get(o) ?? 0) + 1 / waiting.length);
      continue;
    }
    const m = /^\/v3\/(?:mobile|internet)\/check-(id|ref)\/(.+)$/.exec(r.path);
    if (!m) continue;
    total++;
    const value = safeDecode(m[2] ?? '');
    const order = m[1] === 'id' ? byId.get(value) : byRef.get(value);
    if (!order) {
      unattributed++;
      continue;
    }
    callsPerOrder.set(order, (callsPerOrder.get(order) ?? 0) + 1);
  }
  const byCategory = Object.fromEntries(
    CATEGORY_ORDER.map((category) => {
      const inCategory = orders.filter((o) => o.planned.category === category);
      const sum = inCategory.reduce((acc, o) => acc + (callsPerOrder.get(o) ?? 0), 0);
      return [category, { orders: inCategory.length, calls: sum, perOrder: inCategory.length ? sum / inCategory.length : null }];
    }),
  ) as PhaseMetrics['provider']['byCategory'];
  const byWatchers = [1, 2].map((watchers) => {
    // Already-final orders are left out: their cost says nothing about sharing a polling loop.
    const group = orders.filter((o) => o.planned.requests.length === watchers && o.planned.category !== 'already_final');
    const sum = group.reduce((acc, o) => acc + (callsPerOrder.get(o) ?? 0), 0);
    return { watchers, orders: group.length, perOrder: group.length ? sum / group.length : null };
  });

  return {
    name: input.name,
    orders: orders.length,
    watchers: sent.length,
    provider: { total, listPages, perOrder: total / orders.length, byCategory, byWatchers, unattributed },
    telegram: {
      total: calls.length,
      perOrder: calls.length / orders.length,
      sendMessage: calls.filter((c) => c.method === 'sendMessage').length,
      editMessageText: calls.filter((c) => c.method === 'editMessageText').length,
      rejected: calls.filter((c) => !c.ok).length,
    },
    latency: {
      change: stats(change),
      changeByWatchers: [...changeByWatchers].map(([watchers, samples]) => ({ watchers, stats: stats(samples) })),
      final: stats(final),
      firstReply: stats(firstReply),
      firstStatus: stats(firstStatus),
      firstStatusAlreadyFinal: stats(firstStatusAlreadyFinal),
      missed,
    },
    reachedFinal: { reached, total: sent.length },
    memory: input.memory,
    database: input.database ?? null,
    wallMs: input.wallMs,
  };
}

/** The Bot API parameters the bench reads (as the fake recorded them; any may be missing). */
export function paramsOf(call: FakeCall): { chat_id?: unknown; text?: unknown; message_id?: unknown } {
  return call.params;
}

function chatOf(call: FakeCall): number {
  return Number(paramsOf(call).chat_id);
}

/** The text a sendMessage or editMessageText call carried ('' when it carried none). */
export function textOf(call: FakeCall): string {
  return typeof call.params.text === 'string' ? call.params.text : '';
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Nearest-rank percentiles. */
export function stats(samples: number[]): Stats {
  if (samples.length === 0) return { count: 0, p50: null, p95: null, max: null };
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
  return { count: sorted.length, p50: rank(50), p95: rank(95), max: sorted[sorted.length - 1] as number };
}

/** Samples the process's memory while a contender runs (peaks only; RSS never shrinks much). */
export class MemorySampler {
  private timer: NodeJS.Timeout | undefined;
  private delay: IntervalHistogram | undefined;
  private start = process.memoryUsage();
  private peakRss = 0;
  private peakHeap = 0;

  begin(everyMs = 20): void {
    this.start = process.memoryUsage();
    this.peakRss = this.start.rss;
    this.peakHeap = this.start.heapUsed;
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
    this.delay = monitorEventLoopDelay({ resolution: 10 });
    this.delay.enable();
  }

  end(): MemoryPeak {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.delay?.disable();
    this.sample();
    const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
    return {
      startRssMb: mb(this.start.rss),
      peakRssMb: mb(this.peakRss),
      startHeapUsedMb: mb(this.start.heapUsed),
      peakHeapUsedMb: mb(this.peakHeap),
      eventLoopDelayP99Ms: this.delay ? Math.round(this.delay.percentile(99) / 1e6) : 0,
      loadAverage: Math.round((loadavg()[0] ?? 0) * 10) / 10,
    };
  }

  private sample(): void {
    const m = process.memoryUsage();
    this.peakRss = Math.max(this.peakRss, m.rss);
    this.peakHeap = Math.max(this.peakHeap, m.heapUsed);
  }
}

interface CommandEvents {
  on(event: 'commandStarted', listener: (e: { requestId: number; commandName: string; command: Record<string, unknown> }) => void): unknown;
  on(event: 'commandSucceeded' | 'commandFailed', listener: (e: { requestId: number; duration: number }) => void): unknown;
}

/**
 * Counts the MongoDB commands of a client opened with `monitorCommands: true`. On a slow
 * MongoDB-compatible server these round trips, not the polling schedule, set flexybot's latency.
 */
export class DatabaseMonitor {
  private counting = false;
  private startedAt = 0;
  private endedAt = 0;
  private readonly names = new Map<number, string>();
  private readonly durations: number[] = [];
  private readonly counts = new Map<string, number>();

  constructor(client: CommandEvents) {
    client.on('commandStarted', (e) => {
      if (!this.counting) return;
      const target = e.command[e.commandName];
      this.names.set(e.requestId, `${e.commandName} ${typeof target === 'string' ? target : ''}`.trim());
    });
    const done = (e: { requestId: number; duration: number }) => {
      const name = this.names.get(e.requestId);
      if (name === undefined) return;
      this.names.delete(e.requestId);
      this.durations.push(e.duration);
      this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    };
    client.on('commandSucceeded', done);
    client.on('commandFailed', done);
  }

  /** Commands completed since begin() (a running total, for counting over a window). */
  get completed(): number {
    return this.durations.length;
  }

  begin(): void {
    this.counting = true;
    this.startedAt = Date.now();
  }

  end(): void {
    this.counting = false;
    this.endedAt = Date.now();
  }

  load(orders: number): DatabaseLoad {
    const s = stats(this.durations);
    const seconds = Math.max(0.001, ((this.endedAt || Date.now()) - this.startedAt) / 1000);
    return {
      commands: this.durations.length,
      perOrder: this.durations.length / Math.max(1, orders),
      perSecond: this.durations.length / seconds,
      p50Ms: s.p50,
      p95Ms: s.p95,
      top: [...this.counts.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([command, count]) => ({ command, count })),
    };
  }
}
