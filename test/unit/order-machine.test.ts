import { describe, expect, it } from 'vitest';
import type { InternetOrder, MobileOrder } from '../../src/provider/types.js';
import { DEFAULT_LONG_TAIL_POLICY } from '../../src/tracking/long-tail-schedule.js';
import type { OrderDoc } from '../../src/tracking/models.js';
import {
  afterCheck,
  machinePolicy,
  scheduleLongTail,
  shareListRound,
  toUpdate,
  transition,
  type MachineOrder,
  type OrderEvent,
  type SchedulingPolicy,
  type Transition,
} from '../../src/tracking/order-machine.js';

const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const T0 = new Date('2025-10-29T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

/** No jitter: every delay is the policy's nominal value. */
const policy: SchedulingPolicy = { timeScale: 1, longTail: DEFAULT_LONG_TAIL_POLICY, random: () => 0 };
const TIMEOUT = DEFAULT_LONG_TAIL_POLICY.timeout;

type Tracked = Pick<OrderDoc, 'phase' | 'status' | 'trackingSince' | 'longTail'>;

function fastOrder(status = 'PENDING'): Tracked {
  return { phase: 'fast', status, trackingSince: T0, longTail: undefined };
}

function mobile(status: string): MobileOrder {
  return { kind: 'mobile', id: '6901616fe9e88196b4eb64b0', ref: 'order-1', status, raw: {} };
}

function internet(status: string): InternetOrder {
  return { kind: 'internet', id: '6901616fe9e88196b4eb64b2', ref: 'net-1', status, raw: {} };
}

describe('afterCheck: what a fresh provider answer does to an order', () => {
  it('keeps a pending order in the fast phase, next check on the fast schedule', () => {
    const out = afterCheck(fastOrder('PENDING'), mobile('HANDLING'), at(10 * S), policy);
    expect(out).toMatchObject({ phase: 'fast', status: 'HANDLING', statusClass: 'processing', statusChanged: true });
    expect(out.nextCheckAt).toEqual(at(13 * S));
  });

  it('reports no status change when the provider says the same thing again', () => {
    const out = afterCheck(fastOrder('HANDLING'), mobile('HANDLING'), at(40 * S), policy);
    expect(out.statusChanged).toBe(false);
    expect(out.nextCheckAt).toEqual(at(45 * S));
  });

  it.each([
    ['mobile FULFILLED', mobile('FULFILLED'), 'fulfilled'],
    ['mobile REFUNDED', mobile('REFUNDED'), 'refunded'],
    ['internet FULFILLED', internet('FULFILLED'), 'fulfilled'],
    ['internet REFUNDED', internet('REFUNDED'), 'refunded'],
  ] as const)('ends tracking on %s: final, never checked again', (_what, fresh, statusClass) => {
    const out = afterCheck(fastOrder('HANDLING'), fresh, at(12 * S), policy);
    expect(out).toMatchObject({ phase: 'final', statusClass, nextCheckAt: null });
  });

  it('ends tracking on FULFILLED even from the long tail', () => {
    const longTail = { reason: 'verifying' as const, since: at(0), until: at(72 * HOUR), checks: 3 };
    const out = afterCheck(
      { phase: 'long', status: 'UNKNOWN_ERROR', trackingSince: T0, longTail },
      mobile('FULFILLED'),
      at(3 * HOUR),
      policy,
    );
    expect(out).toMatchObject({ phase: 'final', nextCheckAt: null });
  });

  it('moves mobile UNKNOWN_ERROR to the long tail (being verified, not a failure), rechecked within the hour', () => {
    const now = at(20 * S);
    const out = afterCheck(fastOrder('HANDLING'), mobile('UNKNOWN_ERROR'), now, policy);
    expect(out).toMatchObject({ phase: 'long', statusClass: 'verifying' });
    expect(out.longTail).toMatchObject({ reason: 'verifying', since: now, checks: 0 });
    expect(out.nextCheckAt!.getTime() - now.getTime()).toBeLessThanOrEqual(HOUR);
    expect(out.nextCheckAt!.getTime()).toBeGreaterThan(now.getTime() + 10 * S); // not fast polling any more
  });

  it('moves internet QUEUED to the long tail (scheduled, not a failure)', () => {
    const now = at(15 * S);
    const out = afterCheck(fastOrder('HANDLING'), internet('QUEUED'), now, policy);
    expect(out).toMatchObject({ phase: 'long', statusClass: 'queued' });
    expect(out.longTail).toMatchObject({ reason: 'queued', since: now });
    expect(out.nextCheckAt!.getTime()).toBeGreaterThan(now.getTime() + 10 * S);
  });

  it('moves an order still processing after 5 minutes to the long tail (timeout)', () => {
    const now = at(5 * MIN);
    const out = afterCheck(fastOrder('HANDLING'), mobile('HANDLING'), now, policy);
    expect(out).toMatchObject({ phase: 'long', statusClass: 'processing' });
    expect(out.longTail).toMatchObject({ reason: 'timeout', since: now, until: new Date(now.getTime() + TIMEOUT.forMs) });
    expect(out.nextCheckAt).toEqual(new Date(now.getTime() + TIMEOUT.firstMs));
  });

  it('keeps an undocumented status polled like a pending one (never a crash, never final)', () => {
    const out = afterCheck(fastOrder('PENDING'), mobile('ON_HOLD'), at(3 * S), policy);
    expect(out).toMatchObject({ phase: 'fast', statusClass: 'unknown' });
  });

  it('treats QUEUED on a mobile order as unknown (kept polling), since only internet orders queue', () => {
    const out = afterCheck(fastOrder('PENDING'), mobile('QUEUED'), at(3 * S), policy);
    expect(out).toMatchObject({ phase: 'fast', statusClass: 'unknown' });
  });

  it('scales the fast schedule by TIME_SCALE', () => {
    const scaled = { ...policy, timeScale: 0.01 };
    const out = afterCheck(fastOrder('PENDING'), mobile('PENDING'), at(100), scaled);
    expect(out).toMatchObject({ phase: 'fast' });
    // Mobile PENDING every 5 s; internet HANDLING on the guide's 3 s; both x TIME_SCALE.
    expect(out.nextCheckAt!.getTime() - at(100).getTime()).toBeCloseTo(50);
    const net = afterCheck(fastOrder('HANDLING'), internet('HANDLING'), at(100), scaled);
    expect(net.nextCheckAt!.getTime() - at(100).getTime()).toBeCloseTo(30);
    expect(afterCheck(fastOrder('PENDING'), mobile('PENDING'), at(3 * S), scaled).phase).toBe('long');
  });

  it('follows the status: a mobile order is checked every 5 s while PENDING, 3 s after HANDLING is first seen, then every 2 s', () => {
    const pending = afterCheck(fastOrder('PENDING'), mobile('PENDING'), at(4 * S), policy);
    expect(pending.nextCheckAt).toEqual(at(9 * S));
    const handlingSeen = afterCheck(fastOrder('PENDING'), mobile('HANDLING'), at(6 * S), policy);
    expect(handlingSeen.nextCheckAt).toEqual(at(9 * S));
    // HANDLING first seen at 6 s (the status history), checked again at 9 s: every 2 s from then on.
    const handling = { ...fastOrder('HANDLING'), history: [{ status: 'HANDLING', at: at(6 * S) }] };
    expect(afterCheck(handling, mobile('HANDLING'), at(9 * S), policy).nextCheckAt).toEqual(at(11 * S));
    // Past the documented 8 s of HANDLING: every 3 s.
    expect(afterCheck(handling, mobile('HANDLING'), at(15 * S), policy).nextCheckAt).toEqual(at(18 * S));
  });

  it("starts the new reason's own window when a timed-out order turns UNKNOWN_ERROR", () => {
    const longTail = { reason: 'timeout' as const, since: at(5 * MIN), until: at(5 * MIN + 24 * HOUR), checks: 4 };
    const now = at(2 * HOUR);
    const out = afterCheck({ phase: 'long', status: 'HANDLING', trackingSince: T0, longTail }, mobile('UNKNOWN_ERROR'), now, policy);
    const window = DEFAULT_LONG_TAIL_POLICY.verifying.forMs;
    expect(out.longTail).toEqual({ reason: 'verifying', since: now, until: new Date(now.getTime() + window), checks: 0 });
  });
});

describe('scheduleLongTail: back-off and expiry', () => {
  it('backs a timed-out order off by a factor per check, capped', () => {
    const first = scheduleLongTail(undefined, 'timeout', T0, policy);
    expect(first.nextCheckAt).toEqual(at(TIMEOUT.firstMs));
    const second = scheduleLongTail(first.longTail, 'timeout', at(TIMEOUT.firstMs), policy);
    expect(second.longTail?.checks).toBe(1);
    expect(second.nextCheckAt).toEqual(at(TIMEOUT.firstMs + TIMEOUT.firstMs * TIMEOUT.factor));
    const late = scheduleLongTail({ reason: 'timeout', since: T0, until: at(TIMEOUT.forMs), checks: 40 }, 'timeout', at(HOUR), policy);
    expect(late.nextCheckAt).toEqual(at(HOUR + TIMEOUT.maxMs));
  });

  it('never schedules past the end of the window: the last check lands on it', () => {
    const longTail = { reason: 'queued' as const, since: T0, until: at(7 * 24 * HOUR), checks: 50 };
    const out = scheduleLongTail(longTail, 'queued', at(7 * 24 * HOUR - 10 * MIN), policy);
    expect(out).toMatchObject({ phase: 'long', nextCheckAt: at(7 * 24 * HOUR) });
  });

  it('expires an order whose window has closed: no more checks', () => {
    const longTail = { reason: 'verifying' as const, since: T0, until: at(72 * HOUR), checks: 70 };
    const out = scheduleLongTail(longTail, 'verifying', at(72 * HOUR), policy);
    expect(out).toMatchObject({ phase: 'expired', nextCheckAt: null });
  });

  it('expires through afterCheck too when the provider still says UNKNOWN_ERROR at the end', () => {
    const longTail = { reason: 'verifying' as const, since: T0, until: at(72 * HOUR), checks: 70 };
    const out = afterCheck(
      { phase: 'long', status: 'UNKNOWN_ERROR', trackingSince: T0, longTail },
      mobile('UNKNOWN_ERROR'),
      at(73 * HOUR),
      policy,
    );
    expect(out).toMatchObject({ phase: 'expired', nextCheckAt: null, statusClass: 'verifying' });
  });

  it('only ever shortens a wait with jitter', () => {
    const jittered = { ...policy, random: () => 0.999 };
    const out = scheduleLongTail(undefined, 'verifying', T0, jittered);
    const wait = out.nextCheckAt!.getTime() - T0.getTime();
    const nominal = DEFAULT_LONG_TAIL_POLICY.verifying.everyMs;
    expect(wait).toBeLessThanOrEqual(nominal);
    expect(wait).toBeGreaterThanOrEqual(nominal * (1 - DEFAULT_LONG_TAIL_POLICY.jitter));
  });

  it('scales long-tail windows and waits by TIME_SCALE', () => {
    const out = scheduleLongTail(undefined, 'verifying', T0, { ...policy, timeScale: 0.01 });
    const { everyMs, forMs } = DEFAULT_LONG_TAIL_POLICY.verifying;
    expect(out.nextCheckAt!.getTime() - T0.getTime()).toBe(Math.round(everyMs * 0.01));
    expect(out.longTail!.until.getTime() - T0.getTime()).toBeCloseTo(forMs * 0.01);
  });
});

describe('transition: the one place order phases change', () => {
  const mp = machinePolicy(policy); // timeScale 1: park 5 min, fast refresh 30 s, lookup give-up 2 min
  type Doc = MachineOrder & { nextCheckAt: Date | null };

  /** Applies a transition's $set / $inc to a plain order, as MongoDB would. */
  function apply(order: Doc, t: Transition): Doc {
    const next = { ...order, ...(t.set as Partial<Doc>) };
    next.consecutiveFailures = order.consecutiveFailures + (t.inc.consecutiveFailures ?? 0);
    return next;
  }

  function sentOrder(): Doc {
    const t = transition(null, { type: 'sent' }, T0, mp);
    return {
      ...(t.set as Partial<Doc>),
      status: undefined,
      statusClass: undefined,
      payload: undefined,
      ref: 'resent-1',
      longTail: undefined,
      refreshedAt: null,
      closedAt: null,
    } as Doc;
  }

  /** Runs `event` at every scheduled check until the order stops being checked (or `max` events). */
  function runUntilStopped(start: Doc, event: OrderEvent, max = 10_000): { order: Doc; events: number; phases: string[] } {
    let order = start;
    const phases: string[] = [order.phase];
    let events = 0;
    while (order.nextCheckAt && events < max) {
      order = apply(order, transition(order, event, order.nextCheckAt, mp));
      events += 1;
      if (phases.at(-1) !== order.phase) phases.push(order.phase);
    }
    return { order, events, phases };
  }

  it('a re-sent order whose every check fails still ends: fast schedule, then the long tail (timeout), then expiry', () => {
    const { order, events, phases } = runUntilStopped(sentOrder(), { type: 'check_failed', calls: 1 });
    expect(phases).toEqual(['fast', 'long', 'expired']);
    expect(order.longTail?.reason).toBe('timeout');
    expect(order.providerTrouble).toBe(true);
    expect(order.closedAt).toBeInstanceOf(Date);
    // 5 min of fast checks (~43) plus ~17 long-tail rechecks in 24 h: not one every 5 s forever.
    expect(events).toBeLessThan(80);
  });

  it('reaches the long tail at the end of the fast phase, not later', () => {
    let order = sentOrder();
    while (order.phase === 'fast') order = apply(order, transition(order, { type: 'check_failed', calls: 1 }, order.nextCheckAt!, mp));
    expect(order.phase).toBe('long');
    expect(order.longTail?.since.getTime()).toBeLessThanOrEqual(T0.getTime() + 5 * MIN);
  });

  it('parks an order with no usable provider for minutes instead of re-claiming it at once, and it still ends', () => {
    const first = transition(sentOrder(), { type: 'parked', calls: 0 }, at(2 * S), mp);
    expect(first.phase).toBe('fast');
    expect((first.set.nextCheckAt as Date).getTime()).toBe(at(2 * S).getTime() + 5 * MIN);
    expect(first.set.parkedUntil).toEqual(first.set.nextCheckAt);
    expect(first.deliver).toBe(true); // the watchers learn that the provider cannot be reached
    const { phases, events, order } = runUntilStopped(sentOrder(), { type: 'parked', calls: 0 });
    expect(phases).toEqual(['fast', 'long', 'expired']);
    expect(order.longTail?.reason).toBe('timeout');
    expect(events).toBeLessThan(25);
  });

  it("parks until the key guard's retry time when it is later than the park time (never scaled)", () => {
    const t = transition(sentOrder(), { type: 'parked', retryAfterMs: 15 * MIN, calls: 0 }, at(S), mp);
    expect(t.set.nextCheckAt).toEqual(at(S + 15 * MIN));
    const failed = transition(sentOrder(), { type: 'check_failed', retryAfterMs: 90 * S, calls: 1 }, at(S), mp);
    expect(failed.set.nextCheckAt).toEqual(at(S + 90 * S));
    expect(failed.set.parkedUntil).toBeNull();
  });

  it('a successful check un-parks, clears provider trouble, and closes a final order (closedAt)', () => {
    const parked = apply(sentOrder(), transition(sentOrder(), { type: 'parked', calls: 0 }, at(S), mp));
    const t = transition(parked, { type: 'checked', fresh: mobile('FULFILLED'), calls: 1 }, at(10 * S), mp);
    expect(t).toMatchObject({ phase: 'final', statusChanged: true, deliver: true, closedAt: at(10 * S) });
    expect(t.set).toMatchObject({ parkedUntil: null, providerTrouble: false, nextCheckAt: null, closedAt: at(10 * S) });
    expect(t.push).toEqual({ status: 'FULFILLED', at: at(10 * S) });
  });

  it('an unchanged fast-phase check is not re-rendered within the refresh interval', () => {
    const order = {
      ...sentOrder(),
      status: 'HANDLING',
      statusClass: 'processing' as const,
      payload: mobile('HANDLING'),
      refreshedAt: at(S),
    };
    const quiet = transition(order, { type: 'checked', fresh: mobile('HANDLING'), calls: 1 }, at(10 * S), mp);
    expect(quiet).toMatchObject({ deliver: false, statusChanged: false, inc: { version: 0, providerCalls: 1 } });
    expect(quiet.set.deliverAt).toBeUndefined();
    const refreshed = transition(order, { type: 'checked', fresh: mobile('HANDLING'), calls: 1 }, at(31 * S), mp);
    expect(refreshed.deliver).toBe(true);
  });

  it('an unchanged long-tail recheck re-renders at most hourly; a status change at once', () => {
    const since = at(10 * MIN);
    const order = {
      ...sentOrder(),
      phase: 'long' as const,
      status: 'UNKNOWN_ERROR',
      statusClass: 'verifying' as const,
      payload: mobile('UNKNOWN_ERROR'),
      longTail: { reason: 'verifying' as const, since, until: at(72 * HOUR), checks: 1 },
      refreshedAt: since,
    };
    const check = (status: string, when: number) => transition(order, { type: 'checked', fresh: mobile(status), calls: 1 }, at(when), mp);
    const quiet = check('UNKNOWN_ERROR', 10 * MIN + 58 * MIN);
    expect(quiet).toMatchObject({ phase: 'long', deliver: false, inc: { version: 0 } });
    expect(quiet.set.lastCheckedAt).toEqual(at(68 * MIN)); // /pending still shows the real last check
    expect(check('UNKNOWN_ERROR', 10 * MIN + HOUR).deliver).toBe(true);
    expect(check('FULFILLED', 10 * MIN + 58 * MIN)).toMatchObject({ phase: 'final', deliver: true });
  });

  it('a late answer that is not final (held since before the order resolved) never reopens a final order', () => {
    const final = {
      ...sentOrder(),
      phase: 'final' as const,
      status: 'FULFILLED',
      statusClass: 'fulfilled' as const,
      payload: mobile('FULFILLED'),
      nextCheckAt: null,
      closedAt: at(HOUR),
    };
    const late = transition(final, { type: 'checked', fresh: mobile('PENDING'), calls: 1 }, at(2 * HOUR), mp);
    expect(late).toMatchObject({ phase: 'final', deliver: false, statusChanged: false, inc: { providerCalls: 1 } });
    expect(late.set).toEqual({});
    expect(late.push).toBeUndefined();
  });

  it('asking again about an expired order reopens it in a fresh fast phase; about a final one keeps it final', () => {
    const expired = { ...sentOrder(), phase: 'expired' as const, nextCheckAt: null, closedAt: at(HOUR) };
    const again = transition(expired, { type: 'watched' }, at(2 * HOUR), mp);
    expect(again).toMatchObject({ phase: 'fast', deliver: true, closedAt: null });
    expect(again.set).toMatchObject({ phase: 'fast', trackingSince: at(2 * HOUR), nextCheckAt: at(2 * HOUR), closedAt: null });
    const final = { ...sentOrder(), phase: 'final' as const, nextCheckAt: null, closedAt: at(HOUR) };
    const asked = transition(final, { type: 'watched' }, at(2 * HOUR), mp);
    expect(asked.phase).toBe('final');
    expect(asked.set.phase).toBeUndefined();
    expect(asked.set.closedAt).toEqual(at(2 * HOUR)); // retention counts from the last time someone asked
  });

  it('a lookup that cannot reach the provider backs off, then ends as provider_down (unresolved, closed)', () => {
    const lookup = { ...(transition(null, { type: 'lookup_opened' }, T0, mp).set as Doc), consecutiveFailures: 0, closedAt: null };
    const t1 = transition(lookup, { type: 'lookup_failed', calls: 1 }, at(S), mp);
    expect(t1.phase).toBe('lookup');
    expect(t1.set.nextCheckAt).toEqual(at(S + 3 * S));
    const late = transition({ ...lookup, providerTrouble: true }, { type: 'lookup_failed', calls: 1 }, at(2 * MIN), mp);
    expect(late).toMatchObject({ phase: 'unresolved', closedAt: at(2 * MIN) });
    expect(late.set).toMatchObject({ lookupOutcome: 'provider_down', nextCheckAt: null });
    const reopened = transition({ ...lookup, phase: 'unresolved', closedAt: at(2 * MIN) }, { type: 'lookup_opened' }, at(3 * MIN), mp);
    expect(reopened).toMatchObject({ phase: 'lookup', closedAt: null });
  });

  it('toUpdate writes only what changed: $set, $inc without zeros, history on a status change', () => {
    const t = transition(sentOrder(), { type: 'checked', fresh: mobile('PENDING'), calls: 1 }, at(S), mp);
    const update = toUpdate(t);
    expect(update.$set).toMatchObject({ phase: 'fast', status: 'PENDING' });
    expect(update.$inc).toEqual({ version: 1, providerCalls: 1 });
    expect(update.$push).toEqual({ history: { status: 'PENDING', at: at(S) } });
  });
});

describe('shareListRound: orders answered by one list page share its cadence', () => {
  const mp = machinePolicy(policy);
  const now = at(20 * S);
  const order = (status: string, historyAt: number): MachineOrder => ({
    phase: 'fast',
    kind: 'mobile',
    status,
    statusClass: status === 'PENDING' ? 'pending' : 'processing',
    payload: mobile(status),
    ref: 'order-1',
    history: [{ status, at: at(historyAt) }],
    trackingSince: at(historyAt),
    longTail: undefined,
    providerTrouble: false,
    consecutiveFailures: 0,
    refreshedAt: now,
    closedAt: null,
  });
  const nextOf = (t: Transition) => (t.set.nextCheckAt as Date | null)?.getTime() ?? null;

  it('checks every answered fast-phase order at the same time, never later than the most urgent one wants', () => {
    const planned = [
      transition(order('PENDING', 18 * S), { type: 'checked', fresh: mobile('PENDING'), calls: 1 / 3 }, now, mp), // 5 s
      transition(order('PENDING', 17 * S), { type: 'checked', fresh: mobile('PENDING'), calls: 1 / 3 }, now, mp), // 5 s
      transition(order('HANDLING', 14 * S), { type: 'checked', fresh: mobile('HANDLING'), calls: 1 / 3 }, now, mp), // 2 s
    ];
    const shared = shareListRound(planned, now, mp);
    expect(new Set(shared.map(nextOf))).toEqual(new Set([at(22 * S).getTime()]));
  });

  it('comes sooner than every member asks while that costs at most half their own checks, never closer than 1.5 s', () => {
    const planned = Array.from({ length: 10 }, () =>
      transition(order('PENDING', 18 * S), { type: 'checked', fresh: mobile('PENDING'), calls: 0.1 }, now, mp),
    );
    expect(nextOf(planned[0]!)).toBe(at(25 * S).getTime());
    expect(new Set(shareListRound(planned, now, mp).map(nextOf))).toEqual(new Set([now.getTime() + 1_500]));
  });

  it('leaves final orders, failed checks and orders leaving the fast phase on their own schedule', () => {
    const final = transition(order('HANDLING', 10 * S), { type: 'checked', fresh: mobile('FULFILLED'), calls: 0.5 }, now, mp);
    const failed = transition(order('PENDING', 18 * S), { type: 'check_failed', calls: 0.5 }, now, mp);
    const waiting = transition(order('PENDING', 18 * S), { type: 'checked', fresh: mobile('PENDING'), calls: 0.5 }, now, mp);
    const toLong = transition(order('HANDLING', 10 * S), { type: 'checked', fresh: mobile('UNKNOWN_ERROR'), calls: 0.5 }, now, mp);
    const shared = shareListRound([final, failed, waiting, toLong], now, mp);
    expect(shared[0]).toEqual(final);
    expect(shared[1]).toEqual(failed);
    expect(shared[3]).toEqual(toLong);
    expect(nextOf(shared[2]!)).toBe(at(25 * S).getTime());
  });
});
