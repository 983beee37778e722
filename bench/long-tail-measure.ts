import type { FakeCall } from '../test/support/fake-telegram.js';
import { LONG_TAIL_CATEGORIES, LONG_TAIL_WINDOW_MS, type LongTailCategory } from './long-tail-mix.js';
import type { LongTailSeeded, LongTailWorld } from './long-tail-world.js';
import { stats, textOf, type Classifier, type DatabaseLoad, type MemoryPeak, type Stats } from './measure.js';

/** What a contender knows about each order, by provider id, in real ms. */
export type OrderTimeline = Map<string, { longTailSince: number | undefined; resolvedAt: number | undefined }>;

/** One pass of flexybot's long-tail sweep, real ms; `checked`: orders it rechecked. */
export interface SweepPass {
  start: number;
  end: number;
  checked: number;
}

export interface LongTailRun {
  name: string;
  world: LongTailWorld;
  classify: Classifier;
  timeline: OrderTimeline;
  database?: { load: DatabaseLoad; idleRoundTripMs: number } | undefined;
  sweeps?: SweepPass[] | undefined;
  /** Event-loop delay and machine load during the run. */
  loop: MemoryPeak;
  wallMs: number;
}

export interface CallStats {
  orders: number;
  mean: number | null;
  max: number | null;
}

export interface LongTailMetrics {
  name: string;
  orders: number;
  calls: {
    /** Provider calls per order from entering the long tail to 48 h after creation: check-id/ref plus a share of list pages. */
    all: CallStats;
    byCategory: Record<LongTailCategory, CallStats>;
    /** Calls before the long tail (lookup and fast polling), per order. */
    fastPhasePerOrder: number;
    checkCalls: number;
    listCalls: number;
    /** Open long-tail orders a list page answered for, on average. */
    ordersPerListCall: number | null;
    /** Calls that matched no order of the plan, or a list page that covered no open order. */
    unattributed: number;
  };
  /**
   * Provider change -> first NEW message in the chat that asked first (or, for an order resolved before
   * the contender's long tail, the first message showing the result), in provider minutes.
   */
  latency: { all: Stats; byCategory: Record<LongTailCategory, Stats> };
  /** Provider change -> the contender's check that saw it: its schedule (plus lateness), provider minutes. */
  waiting: Stats;
  /** The contender's own work: the check that saw the resolution -> the message (provider minutes). */
  ownWork: Stats;
  /** Timed-out orders: first /status -> the long tail (5 min of fast polling by design), provider minutes. */
  enteredLongTail: Stats;
  /** Timed-out orders: end of the fast phase -> first provider call that answers for them (provider minutes). */
  firstRecheck: Stats;
  /** Per chat that asked about an order. */
  announcements: {
    chats: number;
    /** Chats of resolved orders that got exactly one new message showing the result. */
    exactlyOnce: number;
    expected: number;
    missed: number;
    duplicated: number;
    /** Messages beyond the status message before the resolution (or at all, for orders that did not resolve). */
    unexpected: number;
    /** The new message showed another state than the resolution. */
    wrongState: number;
    /**
     * Chats of orders the contender saw resolved before its long tail began (its first checks came
     * after the provider's change): the status message shows the result and no push is owed.
     */
    resolvedBeforeLongTail: number;
  };
  telegram: { sendMessage: number; editMessageText: number; editsPerOrder: number };
  database: { load: DatabaseLoad; idleRoundTripMs: number } | null;
  /**
   * flexybot's sweep passes: how long the ones that rechecked something took (provider minutes) and
   * the share of the run a pass was in progress. Passes run one at a time, so a long pass makes every
   * recheck due meanwhile late.
   */
  sweep: { passes: number; working: Stats; busyShare: number } | null;
  eventLoopDelayP99Ms: number;
  loadAverage: number;
  wallMs: number;
}

export function measureLongTail(run: LongTailRun): LongTailMetrics {
  const { world, timeline, classify } = run;
  const scale = world.timeScale;
  const minutes = (ms: number) => ms / scale / 60_000;
  const orders = world.seeded.filter(Boolean);
  const byId = new Map(orders.map((o) => [o.id, o]));
  const byRef = new Map(orders.map((o) => [o.planned.ref, o]));
  const chatsOf = new Map<LongTailSeeded, number[]>();
  for (const s of [...world.sent].sort((x, y) => x.at - y.at)) append(chatsOf, s.order, s.chatId);

  // ---- Telegram: messages sent to each chat (the status message, then at most the announcement)
  const sendsByChat = new Map<number, FakeCall[]>();
  for (const call of world.telegram.calls) {
    if (call.method !== 'sendMessage' || !call.ok) continue;
    const chatId = Number(call.params?.chat_id);
    append(sendsByChat, chatId, call);
  }

  // ---- provider calls, attributed to orders
  const sinceOf = (o: LongTailSeeded) => timeline.get(o.id)?.longTailSince ?? Infinity;
  const windowEnd = (o: LongTailSeeded) => o.createdAt + LONG_TAIL_WINDOW_MS * scale;
  // Waiting in the long tail: entered it, and the contender has not yet seen the result (the list page
  // that shows it is answered just before the contender records it).
  const open = (o: LongTailSeeded, at: number) => sinceOf(o) <= at && at <= (timeline.get(o.id)?.resolvedAt ?? Infinity);
  const longCalls = new Map<LongTailSeeded, number>();
  let fastCalls = 0;
  let checkCalls = 0;
  let listCalls = 0;
  let listCovered = 0;
  let unattributed = 0;
  const charge = (o: LongTailSeeded, share: number, at: number) => {
    if (at < sinceOf(o)) fastCalls += share;
    else if (at <= windowEnd(o)) longCalls.set(o, (longCalls.get(o) ?? 0) + share);
  };
  /** Calls that answered for an order: its own checks and list pages whose date range holds it. */
  const answeredFor = new Map<LongTailSeeded, number[]>();
  for (const r of world.emulator.requests) {
    const check = /^\/v3\/(?:mobile|internet)\/check-(id|ref)\/(.+)$/.exec(r.path);
    if (check) {
      checkCalls++;
      const value = safeDecode(check[2] ?? '');
      const order = check[1] === 'id' ? byId.get(value) : byRef.get(value);
      if (!order) {
        unattributed++;
        continue;
      }
      charge(order, 1, r.at);
      append(answeredFor, order, r.at);
      continue;
    }
    const list = /^\/v3\/(mobile|internet)\/list$/.exec(r.path);
    if (!list) continue;
    listCalls++;
    const from = Date.parse(r.query.from ?? '');
    const to = Date.parse(r.query.to ?? '');
    const inRange = orders.filter((o) => o.kind === list[1] && (Number.isNaN(from) || (o.createdAt >= from && o.createdAt <= to)));
    for (const o of inRange) append(answeredFor, o, r.at);
    // A page is shared by the orders it answered for that were still waiting (an approximation: the
    // app may have used it for fewer of them; the total is exact).
    const covered = inRange.filter((o) => open(o, r.at));
    if (covered.length === 0) {
      unattributed++;
      continue;
    }
    listCovered += covered.length;
    for (const o of covered) charge(o, 1 / covered.length, r.at);
  }
  const callStats = (group: LongTailSeeded[]): CallStats => {
    const values = group.map((o) => longCalls.get(o) ?? 0);
    return {
      orders: group.length,
      mean: values.length ? values.reduce((a, b) => a + b, 0) / values.length : null,
      max: values.length ? Math.max(...values) : null,
    };
  };
  const inCategory = (c: LongTailCategory) => orders.filter((o) => o.planned.category === c);

  // ---- latency and announcements
  const latencyAll: number[] = [];
  const latencyBy = new Map<LongTailCategory, number[]>(LONG_TAIL_CATEGORIES.map((c) => [c, []]));
  const waiting: number[] = [];
  const ownWork: number[] = [];
  const firstRecheck: number[] = [];
  const enteredLongTail: number[] = [];
  const ann = { chats: 0, exactlyOnce: 0, expected: 0, missed: 0, duplicated: 0, unexpected: 0, wrongState: 0, resolvedBeforeLongTail: 0 };
  for (const o of orders) {
    const chats = chatsOf.get(o) ?? [];
    const seen = timeline.get(o.id)?.resolvedAt;
    const since = sinceOf(o);
    for (const [i, chatId] of chats.entries()) {
      ann.chats++;
      // Every message sent to the chat: its status message, then (at most) the announcement.
      const sends = sendsByChat.get(chatId) ?? [];
      if (o.changeAt === null) {
        ann.unexpected += Math.max(0, sends.length - 1);
        continue;
      }
      const changeAt = o.changeAt;
      let shownAt: number | undefined;
      if (seen !== undefined && seen < since) {
        // The contender saw the result before its long tail began (its first checks came late): the
        // status message shows it, no push is owed. Latency runs to the first message showing it.
        ann.resolvedBeforeLongTail++;
        shownAt = world.telegram.calls.find(
          (c) =>
            c.ok &&
            c.at >= changeAt &&
            (c.method === 'sendMessage' || c.method === 'editMessageText') &&
            Number(c.params?.chat_id) === chatId &&
            classify(textOf(c), o.kind) === o.finalClass,
        )?.at;
      } else {
        ann.expected++;
        // Before the change only the status message; after it exactly one new message. (A status
        // message first sent after the change carries the result itself: it is that one message.)
        ann.unexpected += Math.max(0, sends.filter((p) => p.at < changeAt).length - 1);
        const after = sends.filter((p) => p.at >= changeAt);
        if (after.length === 0) ann.missed++;
        else if (after.length > 1) ann.duplicated++;
        const first = after[0];
        if (!first) continue;
        if (classify(textOf(first), o.kind) !== o.finalClass) ann.wrongState++;
        else if (after.length === 1) ann.exactlyOnce++;
        shownAt = first.at;
      }
      // Latency from the chat that asked first (one sample per order).
      if (i === 0 && shownAt !== undefined) {
        latencyAll.push(minutes(shownAt - changeAt));
        latencyBy.get(o.planned.category)?.push(minutes(shownAt - changeAt));
        if (seen !== undefined && seen >= changeAt) {
          waiting.push(minutes(seen - changeAt));
          ownWork.push(minutes(shownAt - seen));
        }
      }
    }
    if (o.planned.category === 'timeout' && Number.isFinite(since)) {
      const asked = Math.min(...world.sent.filter((x) => x.order === o).map((x) => x.at));
      if (Number.isFinite(asked)) enteredLongTail.push(minutes(since - asked));
      const next = (answeredFor.get(o) ?? []).filter((at) => at > since).sort((x, y) => x - y)[0];
      if (next !== undefined) firstRecheck.push(minutes(next - since));
    }
  }

  const tg = world.telegram.calls.filter((c) => c.ok);
  const editMessageText = tg.filter((c) => c.method === 'editMessageText').length;
  return {
    name: run.name,
    orders: orders.length,
    calls: {
      all: callStats(orders),
      byCategory: Object.fromEntries(LONG_TAIL_CATEGORIES.map((c) => [c, callStats(inCategory(c))])) as Record<LongTailCategory, CallStats>,
      fastPhasePerOrder: fastCalls / Math.max(1, orders.length),
      checkCalls,
      listCalls,
      ordersPerListCall: listCalls > 0 ? listCovered / listCalls : null,
      unattributed,
    },
    latency: {
      all: stats(latencyAll),
      byCategory: Object.fromEntries(LONG_TAIL_CATEGORIES.map((c) => [c, stats(latencyBy.get(c) ?? [])])) as Record<
        LongTailCategory,
        Stats
      >,
    },
    waiting: stats(waiting),
    ownWork: stats(ownWork),
    enteredLongTail: stats(enteredLongTail),
    firstRecheck: stats(firstRecheck),
    announcements: ann,
    telegram: {
      sendMessage: tg.filter((c) => c.method === 'sendMessage').length,
      editMessageText,
      editsPerOrder: editMessageText / Math.max(1, orders.length),
    },
    database: run.database ?? null,
    sweep: run.sweeps
      ? {
          passes: run.sweeps.length,
          working: stats(run.sweeps.filter((p) => p.checked > 0).map((p) => minutes(p.end - p.start))),
          busyShare: run.sweeps.reduce((sum, p) => sum + (p.end - p.start), 0) / Math.max(1, run.wallMs),
        }
      : null,
    eventLoopDelayP99Ms: run.loop.eventLoopDelayP99Ms,
    loadAverage: run.loop.loadAverage,
    wallMs: run.wallMs,
  };
}

function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
