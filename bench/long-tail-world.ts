import type { OrderKind } from '../src/provider/types.js';
import { classifyStatus } from '../src/tracking/status.js';
import type { StatusClass } from '../src/tracking/view.js';
import type { Classifier } from './measure.js';
import { BenchFakes } from './fakes.js';
import type { LongTailOrder, LongTailPlan } from './long-tail-mix.js';
import { sleep } from './world.js';

/** An order as it exists in the emulator; times are real ms (Date.now()). */
export interface LongTailSeeded {
  planned: LongTailOrder;
  id: string;
  kind: OrderKind;
  /** The emulator's created_at (list pages filter on it). */
  createdAt: number;
  /** When the emulator starts reporting the final status; null when it never does within the run. */
  changeAt: number | null;
  finalClass: StatusClass | null;
}

/** A /status as it was actually sent. */
export interface LongTailSent {
  chatId: number;
  order: LongTailSeeded;
  at: number;
}

/**
 * One long-tail contender's surroundings: a fresh emulator and fake Telegram (so their logs belong to
 * one contender only), and the plan played in real time at `timeScale`.
 */
export class LongTailWorld extends BenchFakes {
  readonly seeded: LongTailSeeded[] = [];
  readonly sent: LongTailSent[] = [];

  static async start(timeScale: number): Promise<LongTailWorld> {
    const world = new LongTailWorld(timeScale);
    await world.startFakes();
    return world;
  }

  /**
   * Sends the order now and scripts its provider timeline: UNKNOWN_ERROR (0600000003) and QUEUED
   * (099999991) come from the sandbox numbers, a timeout is frozen in HANDLING; the resolution is
   * scheduled in provider time (the emulator applies its timeScale).
   */
  seed(order: LongTailOrder): LongTailSeeded {
    const { emulator } = this;
    const topupId = this.place(order);
    if (order.category === 'timeout') {
      // Mobile keeps its 5 s PENDING first; internet starts in HANDLING. Either way it stays there.
      if (order.kind === 'mobile') emulator.scheduleStatus(topupId, 5_000, 'HANDLING');
      else emulator.setStatus(topupId, 'HANDLING');
    }
    let changeAt: number | null = null;
    if (order.resolveAfterMs !== null) {
      changeAt = Date.now() + order.resolveAfterMs * this.timeScale;
      emulator.scheduleStatus(topupId, order.resolveAfterMs, order.resolveTo);
    }
    const seeded: LongTailSeeded = {
      planned: order,
      id: topupId,
      kind: order.kind,
      createdAt: Date.parse(String(emulator.getOrder(topupId)?.created_at)),
      changeAt,
      finalClass: order.resolveAfterMs === null ? null : classifyStatus(order.kind, order.resolveTo),
    };
    this.seeded[order.index] = seeded;
    return seeded;
  }

  /**
   * Plays the plan from now: creates each order at its time and hands each /status to `status`
   * (which must not wait for the answer), then waits until the plan's end. Returns the real start.
   */
  async play(plan: LongTailPlan, status: (sent: LongTailSent) => void): Promise<number> {
    type Event = { atMs: number; run: () => void };
    const events: Event[] = [];
    for (const order of plan.orders) {
      events.push({ atMs: order.createAtMs, run: () => void this.seed(order) });
      for (const request of order.requests) {
        events.push({
          atMs: request.atMs,
          run: () => {
            const seeded = this.seeded[order.index];
            if (!seeded) throw new Error(`bench: order ${order.index} was not seeded before its /status`);
            const sent: LongTailSent = { chatId: request.chatId, order: seeded, at: Date.now() };
            this.sent.push(sent);
            status(sent);
          },
        });
      }
    }
    // Creation before requests at the same instant (stable sort keeps that order).
    events.sort((a, b) => a.atMs - b.atMs);
    const start = Date.now();
    for (const event of events) {
      const wait = start + event.atMs * this.timeScale - Date.now();
      if (wait > 0) await sleep(wait);
      event.run();
    }
    const end = start + plan.durationMs * this.timeScale;
    if (end > Date.now()) await sleep(end - Date.now());
    return start;
  }

  /**
   * After the plan's end, waits (at most `timeoutMs` real) until every chat that asked about a
   * resolved order shows the result in its latest message, so a contender running behind is measured
   * late rather than counted as missing. Returns whether that happened.
   */
  async settle(classify: Classifier, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const settled = () =>
      this.sent.every((s) => {
        if (s.order.finalClass === null) return true;
        const last = this.telegram.lastMessage(s.chatId);
        return last !== undefined && classify(last.html, s.order.kind) === s.order.finalClass;
      });
    while (!settled()) {
      if (Date.now() >= deadline) return false;
      await sleep(20);
    }
    return true;
  }
}
