import type { OrderKind } from '../src/provider/types.js';

/**
 * The long-tail baseline: what a bot built from the provider's guides does with orders that do not
 * settle in the first minutes. After a /status it polls check-id every 5 s, up to 60 times (the
 * guides' `pollTopUpStatus`), and sends the result to the chat. Then, per order:
 * - UNKNOWN_ERROR: "check again after 24 hours" (the guides' daily cron): a recheck every 24 h after
 *   entering the state;
 * - QUEUED: "schedule recheck after 24 hours", again every 24 h;
 * - polling timeout: "schedule recheck in 5 minutes", then every 24 h.
 * A recheck is one check-id; when it finds FULFILLED or REFUNDED, every chat that asked gets a NEW
 * message with the result. Timers live in memory (setTimeout), scaled like everything else.
 */

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const RESOLVED = ['FULFILLED', 'REFUNDED'];
const FAST_LOOP_MS = 5 * MIN;

export type GuidesReason = 'unknown_error' | 'queued' | 'timeout';

export const GUIDES_SCHEDULE: Record<GuidesReason, { firstMs: number; everyMs: number }> = {
  unknown_error: { firstMs: DAY, everyMs: DAY },
  queued: { firstMs: DAY, everyMs: DAY },
  timeout: { firstMs: 5 * MIN, everyMs: DAY },
};

export interface GuidesBotOptions {
  providerUrl: string;
  apiKey: string;
  telegramApiRoot: string;
  botToken: string;
  timeScale: number;
}

interface TrackedOrder {
  kind: OrderKind;
  id: string;
  ref: string;
  chats: number[];
  status: string | undefined;
  /** The chats have been sent the first status. */
  shown: boolean;
  /** Real ms at which the order entered the long tail (the fast loop ended without a result). */
  longTailSince: number | undefined;
  /** Real ms at which a check first saw FULFILLED/REFUNDED. */
  resolvedAt: number | undefined;
}

export class GuidesLongTailBot {
  private readonly orders = new Map<string, TrackedOrder>();
  /** Pending rechecks. */
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly work = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly opts: GuidesBotOptions) {}

  /** A /status from `chatId` about an order the reseller sent; returns at once. */
  status(chatId: number, order: { kind: OrderKind; id: string; ref: string }): void {
    const known = this.orders.get(order.id);
    if (known) {
      known.chats.push(chatId);
      // Before the first answer the fast loop shows the status to every chat itself.
      if (known.shown) this.track(this.answerOnce(chatId, known));
      return;
    }
    const tracked: TrackedOrder = {
      ...order,
      chats: [chatId],
      status: undefined,
      shown: false,
      longTailSince: undefined,
      resolvedAt: undefined,
    };
    this.orders.set(order.id, tracked);
    this.track(this.pollFast(tracked));
  }

  /** Per provider id: when it entered the long tail and when a check saw its resolution (real ms). */
  timeline(): Map<string, { longTailSince: number | undefined; resolvedAt: number | undefined }> {
    return new Map([...this.orders].map(([id, o]) => [id, { longTailSince: o.longTailSince, resolvedAt: o.resolvedAt }]));
  }

  /** Cancels every pending recheck and waits for checks in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }

  private track(p: Promise<void>): void {
    const task = p.catch(() => undefined).finally(() => this.work.delete(task));
    this.work.add(task);
  }

  private async pollFast(order: TrackedOrder): Promise<void> {
    // 60 checks 5 s apart, i.e. 5 min. Compressed time makes every real millisecond of a check count
    // 1/TIME_SCALE times, so the loop also ends at 5 min of provider time, as it would in production.
    const deadline = Date.now() + FAST_LOOP_MS * this.opts.timeScale;
    for (let attempt = 1; attempt <= 60 && !this.stopped && Date.now() < deadline; attempt++) {
      const status = await this.check(order);
      if (status !== undefined) {
        const first = !order.shown;
        order.shown = true;
        if (first) for (const chatId of [...order.chats]) await this.message(chatId, order);
        if (RESOLVED.includes(status)) {
          // handleTopUpStatus: notifyUser with the result.
          order.resolvedAt = Date.now();
          if (!first) for (const chatId of order.chats) await this.message(chatId, order);
          return;
        }
        if (status === 'UNKNOWN_ERROR' || status === 'QUEUED')
          return this.enterLongTail(order, status === 'QUEUED' ? 'queued' : 'unknown_error');
      }
      if (attempt < 60) await this.sleep(5_000 * this.opts.timeScale);
    }
    this.enterLongTail(order, 'timeout');
  }

  private enterLongTail(order: TrackedOrder, reason: GuidesReason): void {
    order.longTailSince = Date.now();
    this.schedule(order, GUIDES_SCHEDULE[reason].firstMs, GUIDES_SCHEDULE[reason].everyMs);
  }

  private schedule(order: TrackedOrder, delayMs: number, everyMs: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.track(this.recheck(order, everyMs));
    }, delayMs * this.opts.timeScale);
    this.timers.add(timer);
  }

  private async recheck(order: TrackedOrder, everyMs: number): Promise<void> {
    const status = await this.check(order);
    if (status !== undefined && RESOLVED.includes(status)) {
      order.resolvedAt = Date.now();
      for (const chatId of order.chats) await this.message(chatId, order);
      return;
    }
    this.schedule(order, everyMs, everyMs);
  }

  /** A second chat asking: one check, one message with what the provider says now. */
  private async answerOnce(chatId: number, order: TrackedOrder): Promise<void> {
    await this.check(order);
    await this.message(chatId, order);
  }

  /** One check-id; undefined when it failed (the guides log it and carry on). */
  private async check(order: TrackedOrder): Promise<string | undefined> {
    try {
      const res = await fetch(`${this.opts.providerUrl}/v3/${order.kind}/check-id/${encodeURIComponent(order.id)}`, {
        headers: { 'X-Access-Token': this.opts.apiKey },
        signal: AbortSignal.timeout(30_000),
      });
      const body = (await res.json()) as { success?: boolean; data?: { status?: string } };
      if (!res.ok || !body.success || !body.data?.status) return undefined;
      order.status = body.data.status;
      return order.status;
    } catch {
      return undefined;
    }
  }

  private async message(chatId: number, order: TrackedOrder): Promise<void> {
    const text = [`Status: <b>${order.status ?? 'UNKNOWN'}</b>`, `Ref: <code>${order.ref}</code>`, `ID: <code>${order.id}</code>`].join(
      '\n',
    );
    await fetch(`${this.opts.telegramApiRoot}/bot${this.opts.botToken}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chat_id: chatId, text, parse_mode: 'HTML' }),
      signal: AbortSignal.timeout(30_000),
    }).catch(() => undefined);
  }

  /** Short waits of the fast loop (not cancelled by stop(): they end on their own). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
