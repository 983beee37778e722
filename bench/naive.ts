import type { OrderKind } from '../src/provider/types.js';
import { classifyStatus } from '../src/tracking/status.js';
import { measurePhase, MemorySampler, type Classifier, type PhaseMetrics } from './measure.js';
import type { Plan } from './mix.js';
import { BENCH_API_KEY, sleep, World } from './world.js';

/**
 * The baselines: what a bot built straight from the provider's guides does. Each /status starts its
 * own polling loop, with no sharing between chats asking about the same order and no memory of
 * orders already final. Two loops from the guides (see GUIDE_LOOPS): `pollTopupUntilComplete`
 * (check, then wait a fixed 5 s, up to 60 attempts) and `pollTopupAdaptive` (3 s, then 5 s once
 * 30 s have passed, 10 s once 1 min has passed, for at most 5 min). Every
 * poll result is pushed to Telegram: the first one as a message, the next ones as edits, identical or
 * not (Telegram refuses identical ones with 400 "message is not modified").
 * Final states are the guides' own: mobile FULFILLED/REFUNDED/UNKNOWN_ERROR, internet
 * FULFILLED/REFUNDED/QUEUED.
 */

const FINAL_STATES: Record<OrderKind, readonly string[]> = {
  mobile: ['FULFILLED', 'REFUNDED', 'UNKNOWN_ERROR'],
  internet: ['FULFILLED', 'REFUNDED', 'QUEUED'],
};
const MARKERS: Record<string, string> = {
  PENDING: '⏳',
  HANDLING: '⏳',
  FULFILLED: '✅',
  REFUNDED: '❌',
  UNKNOWN_ERROR: '⚠️',
  QUEUED: '⏰',
};

/** When a guide loop checks again: production ms to wait after a check, or null to stop. */
export interface GuideLoop {
  name: string;
  /** `elapsedMs`: production ms since the loop started; `attempt`: checks made so far (1-based). */
  nextDelayMs(elapsedMs: number, attempt: number): number | null;
}

/** `pollTopupUntilComplete` / `pollTopUpStatus`: a fixed 5 s, 60 attempts. */
export const FIXED_5S_LOOP: GuideLoop = {
  name: 'guides: fixed 5 s',
  nextDelayMs: (_elapsed, attempt) => (attempt < 60 ? 5_000 : null),
};

/**
 * `pollTopupAdaptive` (internet status-polling guide): 3 s; 5 s once more than 30 s have passed;
 * 10 s once more than 1 min has passed; no new check after 5 min.
 */
export const ADAPTIVE_LOOP: GuideLoop = {
  name: 'guides: adaptive 3/5/10 s',
  nextDelayMs: (elapsed) => {
    if (elapsed >= 300_000) return null;
    const interval = elapsed > 60_000 ? 10_000 : elapsed > 30_000 ? 5_000 : 3_000;
    // The guide's `while (elapsed < maxDuration)` makes no check at or past 5 min.
    return elapsed + interval < 300_000 ? interval : null;
  },
};

export const GUIDE_LOOPS: readonly GuideLoop[] = [FIXED_5S_LOOP, ADAPTIVE_LOOP];

export interface NaiveBotOptions {
  providerUrl: string;
  apiKey: string;
  telegramApiRoot: string;
  botToken: string;
  timeScale: number;
  loop: GuideLoop;
}

interface CheckedOrder {
  kind: OrderKind;
  id: string;
  ref: string;
  status: string;
}

export class NaiveGuideBot {
  private readonly loops = new Set<Promise<void>>();

  constructor(private readonly opts: NaiveBotOptions) {}

  /** A /status: starts this chat's own polling loop and returns at once. */
  status(chatId: number, query: { by: 'id' | 'ref'; value: string }): void {
    const loop = this.pollUntilComplete(chatId, query).finally(() => this.loops.delete(loop));
    this.loops.add(loop);
  }

  /** Waits for every loop to end (each ends on a final state or when its schedule stops). */
  async drain(): Promise<void> {
    while (this.loops.size > 0) await Promise.allSettled([...this.loops]);
  }

  get running(): number {
    return this.loops.size;
  }

  private async pollUntilComplete(chatId: number, query: { by: 'id' | 'ref'; value: string }): Promise<void> {
    let kind: OrderKind | undefined;
    let messageId: number | undefined;
    const startedAt = Date.now();
    for (let attempt = 1; ; attempt++) {
      let order: CheckedOrder | 'not_found' | undefined;
      try {
        order = await this.check(query, kind);
      } catch {
        order = undefined; // the guides log and poll again
      }
      if (order === 'not_found') {
        await this.telegram('sendMessage', { chat_id: chatId, text: 'Order not found.' }).catch(() => undefined);
        return;
      }
      if (order) {
        kind = order.kind;
        const text = render(order);
        if (messageId === undefined) {
          const sent = await this.telegram('sendMessage', { chat_id: chatId, text, parse_mode: 'HTML' }).catch(() => undefined);
          messageId = (sent as { message_id?: number } | undefined)?.message_id;
        } else {
          await this.telegram('editMessageText', { chat_id: chatId, message_id: messageId, text, parse_mode: 'HTML' }).catch(
            () => undefined,
          );
        }
        if (FINAL_STATES[order.kind].includes(order.status)) return;
      }
      const delay = this.opts.loop.nextDelayMs((Date.now() - startedAt) / this.opts.timeScale, attempt);
      if (delay === null) return;
      await sleep(delay * this.opts.timeScale);
    }
  }

  /** Mobile first, then internet, until the kind is known; then only that kind. */
  private async check(query: { by: 'id' | 'ref'; value: string }, known: OrderKind | undefined): Promise<CheckedOrder | 'not_found'> {
    for (const kind of known ? [known] : (['mobile', 'internet'] as const)) {
      const res = await fetch(`${this.opts.providerUrl}/v3/${kind}/check-${query.by}/${encodeURIComponent(query.value)}`, {
        headers: { 'X-Access-Token': this.opts.apiKey },
        signal: AbortSignal.timeout(30_000),
      });
      const body = (await res.json()) as { success?: boolean; data?: { _id?: string; ref?: string; status?: string } };
      if (res.status === 404) continue;
      if (!res.ok || !body.success || !body.data?.status) throw new Error(`provider answered ${res.status}`);
      return { kind, id: body.data._id ?? '', ref: body.data.ref ?? '', status: body.data.status };
    }
    return 'not_found';
  }

  private async telegram(method: string, params: Record<string, unknown>): Promise<unknown> {
    const res = await fetch(`${this.opts.telegramApiRoot}/bot${this.opts.botToken}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(params),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await res.json()) as { ok: boolean; result?: unknown; description?: string };
    if (!body.ok) throw new Error(body.description ?? `telegram answered ${res.status}`);
    return body.result;
  }
}

function render(order: CheckedOrder): string {
  return [
    `${MARKERS[order.status] ?? '❔'} Status: <b>${escapeHtml(order.status)}</b>`,
    `Ref: <code>${escapeHtml(order.ref)}</code>`,
    `ID: <code>${escapeHtml(order.id)}</code>`,
  ].join('\n');
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export const classifyNaiveMessage: Classifier = (html, kind) => {
  const status = /Status: <b>([A-Z_]+)<\/b>/.exec(html)?.[1];
  return status ? classifyStatus(kind, status) : null;
};

export interface ContenderOptions {
  timeScale: number;
  /** Longest wait (real ms) for every watcher to see its final state after the last /status. */
  settleTimeoutMs: number;
}

/** Runs one guide loop through the plan in a fresh emulator and fake Telegram, and measures it. */
export async function runNaive(plan: Plan, opts: ContenderOptions, loop: GuideLoop): Promise<PhaseMetrics> {
  const world = await World.start(opts.timeScale);
  const memory = new MemorySampler();
  try {
    const bot = new NaiveGuideBot({
      providerUrl: world.emulator.url,
      apiKey: BENCH_API_KEY,
      telegramApiRoot: world.telegram.apiRoot,
      botToken: world.telegram.token,
      timeScale: opts.timeScale,
      loop,
    });
    // Orders that were final before anyone asked: the naive bot has no memory of them anyway.
    for (const order of plan.orders) if (order.category === 'already_final') world.seed(order);

    const since = Date.now();
    memory.begin();
    const { sent } = await world.play(plan, ({ planned, order }) =>
      bot.status(planned.chatId, { by: planned.by, value: planned.by === 'id' ? order.id : order.ref }),
    );
    let settleTimer: NodeJS.Timeout | undefined;
    await Promise.race([bot.drain(), new Promise((resolve) => (settleTimer = setTimeout(resolve, opts.settleTimeoutMs)))]);
    clearTimeout(settleTimer);
    const wallMs = Date.now() - since;
    const peak = memory.end();
    if (bot.running > 0) process.stderr.write(`bench: ${bot.running} ${loop.name} loops still running after the settle timeout\n`);
    const metrics = measurePhase({
      name: loop.name,
      seeded: world.seeded,
      sent,
      telegram: world.telegram,
      emulator: world.emulator,
      classify: classifyNaiveMessage,
      since,
      memory: peak,
      wallMs,
    });
    await bot.drain();
    return metrics;
  } finally {
    memory.end();
    await world.close();
  }
}
