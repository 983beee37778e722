import { classifyStatus } from '../src/tracking/status.js';
import type { StatusClass } from '../src/tracking/view.js';
import type { OrderKind } from '../src/provider/types.js';
import { BenchFakes } from './fakes.js';
import { timelineOf, type Plan, type PlannedOrder, type PlannedRequest } from './mix.js';

export { BENCH_API_KEY } from './fakes.js';

/** A provider status change, at the real time the emulator starts reporting it. */
export interface StatusChange {
  at: number;
  status: string;
  statusClass: StatusClass;
}

/** An order as it exists in the emulator, with its timeline in real time. */
export interface SeededOrder {
  planned: PlannedOrder;
  id: string;
  ref: string;
  kind: OrderKind;
  createdAt: number;
  /** Changes after creation (the initial status is not a change). */
  changes: StatusChange[];
  finalClass: StatusClass;
}

/** A /status as it was actually sent, in real time. */
export interface SentRequest {
  planned: PlannedRequest;
  order: SeededOrder;
  at: number;
}

/** One contender's surroundings (see BenchFakes) plus the helpers that play the plan in real time. */
export class World extends BenchFakes {
  readonly seeded: SeededOrder[] = [];

  static async start(timeScale: number): Promise<World> {
    const world = new World(timeScale);
    await world.startFakes();
    return world;
  }

  /** Sends the order to the emulator now; an already-final order is frozen at FULFILLED at once. */
  seed(order: PlannedOrder): SeededOrder {
    const topupId = this.place(order);
    if (order.category === 'already_final') this.emulator.setStatus(topupId, 'FULFILLED');
    const view = this.emulator.getOrder(topupId);
    const createdAt = Date.parse(String(view?.created_at));
    const { steps, initial } = timelineOf(order.category);
    const changes = steps.map<StatusChange>((s) => ({
      at: createdAt + s.afterMs * this.timeScale,
      status: s.status,
      statusClass: classifyStatus(order.kind, s.status),
    }));
    const last = steps[steps.length - 1]?.status ?? initial;
    const seeded: SeededOrder = {
      planned: order,
      id: topupId,
      ref: order.ref,
      kind: order.kind,
      createdAt,
      changes,
      finalClass: classifyStatus(order.kind, last),
    };
    this.seeded[order.index] = seeded;
    return seeded;
  }

  /**
   * Plays the plan from now: creates each new order at its time and hands each /status to `send`
   * (which must not wait for the answer). Already-final orders must have been seeded before.
   */
  async play(plan: Plan, send: (request: SentRequest) => void): Promise<{ start: number; sent: SentRequest[] }> {
    type Event = { atMs: number; run: () => void };
    const sent: SentRequest[] = [];
    const events: Event[] = [];
    for (const order of plan.orders) {
      if (order.category !== 'already_final') events.push({ atMs: order.createAtMs, run: () => void this.seed(order) });
    }
    for (const request of plan.requests) {
      events.push({
        atMs: request.atMs,
        run: () => {
          const order = this.seeded[request.orderIndex];
          if (!order) throw new Error(`bench: order ${request.orderIndex} was not seeded before its /status`);
          const s: SentRequest = { planned: request, order, at: Date.now() };
          sent.push(s);
          send(s);
        },
      });
    }
    // Creation before requests at the same instant (stable sort keeps that order).
    events.sort((a, b) => a.atMs - b.atMs);
    const start = Date.now();
    for (const event of events) {
      const wait = start + event.atMs * this.timeScale - Date.now();
      if (wait > 0) await sleep(wait);
      event.run();
    }
    return { start, sent };
  }

  /** Waits until `done()` holds or `timeoutMs` passes; returns whether it held. */
  async until(done: () => boolean, timeoutMs: number, everyMs = 20): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() >= deadline) return false;
      await sleep(everyMs);
    }
    return true;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
