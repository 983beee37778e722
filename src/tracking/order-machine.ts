/**
 * The order state machine: every change of an order's `phase` (and of the schedule and flags that go
 * with it) is decided here, by one pure function `transition(order, event, now, policy)`, which
 * returns the fields to write and what must follow (a delivery, a log line). No I/O: stores, loops
 * and the sweep call it and write its result under their claim (leases.ts); nothing else writes
 * `phase`.
 *
 *   lookup ──found──> fast ──FULFILLED/REFUNDED──> final
 *     │                │ └──UNKNOWN_ERROR/QUEUED, or 5 min elapsed──> long ──window over──> expired
 *     └─not found / provider down / key rejected──> unresolved        └──FULFILLED/REFUNDED──> final
 *   a chat asking again: long/expired ──> fast (a fresh fast phase); unresolved ──> lookup
 *
 * Failed checks and orders without a usable provider follow the same schedule as successful ones
 * (fast phase, then the long tail for `timeout`, then expiry), so every order ends; an order with no
 * usable provider is parked (checked again after `parkMs`, or when the provider says it may be
 * called again) instead of being re-claimed in a loop. Closing phases (final, expired, unresolved)
 * set `closedAt`, from which retention counts.
 */
import type { OrderKind, ProviderOrder } from '../provider/types.js';
import { listRoundDelay, nextFastCheckDelay } from './fast-schedule.js';
import { longTailWindowMs, nextLongTailDelay, type LongTailPolicy } from './long-tail-schedule.js';
import type { LongTailReason, LookupOutcome, OrderDoc, OrderPhase, StatusChange } from './models.js';
import { classifyStatus, endsFastPhase, isTerminal } from './status.js';
import type { StatusClass } from './view.js';

export interface SchedulingPolicy {
  timeScale: number;
  longTail: LongTailPolicy;
  random?: (() => number) | undefined;
}

export interface MachinePolicy extends SchedulingPolicy {
  /** An order with no usable provider is tried again after this long (already scaled). */
  parkMs: number;
  /** In the fast phase an unchanged order is re-rendered at most this often (already scaled). */
  fastRefreshMs: number;
  /** A lookup that cannot reach the provider gives up after this long (already scaled). */
  lookupGiveUpMs: number;
  /**
   * In the long tail an unchanged order is re-rendered ("last checked") at most this often. Not
   * scaled: it bounds the edits Telegram must carry for thousands of waiting orders, like its limits.
   */
  longRefreshMs: number;
}

/** Unscaled defaults of the machine's own durations (multiplied by TIME_SCALE, longRefreshMs aside). */
export const MACHINE_DEFAULTS = { parkMs: 5 * 60_000, fastRefreshMs: 30_000, lookupGiveUpMs: 120_000, longRefreshMs: 3_600_000 } as const;

export function machinePolicy(
  scheduling: SchedulingPolicy,
  overrides: Partial<Pick<MachinePolicy, 'parkMs' | 'lookupGiveUpMs'>> = {},
): MachinePolicy {
  const s = scheduling.timeScale;
  return {
    ...scheduling,
    parkMs: (overrides.parkMs ?? MACHINE_DEFAULTS.parkMs) * s,
    fastRefreshMs: MACHINE_DEFAULTS.fastRefreshMs * s,
    lookupGiveUpMs: (overrides.lookupGiveUpMs ?? MACHINE_DEFAULTS.lookupGiveUpMs) * s,
    longRefreshMs: MACHINE_DEFAULTS.longRefreshMs,
  };
}

export type OrderEvent =
  /** A /status nobody tracks yet opened a lookup, or an ended (unresolved) lookup is asked again. */
  | { type: 'lookup_opened' }
  /** The bot itself sent this top-up: track it at once. */
  | { type: 'sent' }
  /** A chat asks about the order (again). */
  | { type: 'watched' }
  /** The provider knows the looked-up order: the lookup document becomes the order document. */
  | { type: 'lookup_found'; fresh: ProviderOrder }
  /** A lookup attempt failed for a transient reason. */
  | { type: 'lookup_failed'; retryAfterMs?: number | undefined; calls: number }
  /** A lookup ended without an order. */
  | { type: 'lookup_ended'; outcome: LookupOutcome; calls: number }
  /** A fresh provider answer (a check by id, or a list page). */
  | { type: 'checked'; fresh: ProviderOrder; calls: number }
  /** A check failed for a transient reason (outage, timeout, 5xx, 429). */
  | { type: 'check_failed'; retryAfterMs?: number | undefined; calls: number }
  /** No usable provider for the order's account (none configured, key rejected or suspended). */
  | { type: 'parked'; retryAfterMs?: number | undefined; calls: number };

/** What the machine reads of an order. */
export type MachineOrder = Pick<
  OrderDoc,
  | 'phase'
  | 'kind'
  | 'status'
  | 'statusClass'
  | 'history'
  | 'payload'
  | 'ref'
  | 'trackingSince'
  | 'longTail'
  | 'providerTrouble'
  | 'consecutiveFailures'
  | 'refreshedAt'
  | 'closedAt'
>;

export interface Transition {
  /** Fields to `$set` (for creation events: the new document's fields). */
  set: Record<string, unknown>;
  unset: string[];
  inc: { version?: number; providerCalls?: number; consecutiveFailures?: number };
  push?: StatusChange | undefined;
  /** Watchers' messages must be brought up to date (a delivery was scheduled: `deliverAt` is set). */
  deliver: boolean;
  statusChanged: boolean;
  /** The phase after the transition. */
  phase: OrderPhase;
  /** `closedAt` after the transition when it changed (null: reopened), undefined when unchanged. */
  closedAt?: Date | null | undefined;
}

const CLOSED: ReadonlySet<OrderPhase> = new Set(['final', 'expired', 'unresolved']);

export function isClosed(phase: OrderPhase): boolean {
  return CLOSED.has(phase);
}

/** The one place order phases change. Pure: same inputs, same result; no clock, no database. */
export function transition(order: MachineOrder | null, event: OrderEvent, now: Date, policy: MachinePolicy): Transition {
  switch (event.type) {
    case 'lookup_opened':
      return finish(order, 'lookup', now, {
        set: {
          phase: 'lookup',
          lookupOutcome: 'searching',
          trackingSince: now,
          nextCheckAt: now,
          consecutiveFailures: 0,
          providerTrouble: false,
          parkedUntil: null,
        },
      });
    case 'sent':
      return finish(order, 'fast', now, {
        set: {
          phase: 'fast',
          history: [],
          trackingSince: now,
          nextCheckAt: now,
          providerTrouble: false,
          consecutiveFailures: 0,
          parkedUntil: null,
        },
      });
    case 'watched':
      return watched(need(order), now);
    case 'lookup_found':
      return finish(order, 'fast', now, {
        set: { providerId: event.fresh.id, kind: event.fresh.kind, ref: event.fresh.ref, phase: 'fast' },
        unset: ['query', 'lookupOutcome'],
      });
    case 'lookup_failed':
      return lookupFailed(need(order), event, now, policy);
    case 'lookup_ended':
      return finish(order, 'unresolved', now, {
        set: { phase: 'unresolved', lookupOutcome: event.outcome, nextCheckAt: null, parkedUntil: null, deliverAt: now },
        inc: { version: 1, providerCalls: event.calls },
        deliver: true,
      });
    case 'checked':
      return checked(need(order), event.fresh, event.calls, now, policy);
    case 'check_failed':
    case 'parked':
      return unchecked(need(order), event, now, policy);
  }
}

function need(order: MachineOrder | null): MachineOrder {
  if (!order) throw new Error('this order event needs the current order');
  return order;
}

/** Completes a transition: `closedAt` follows the phase (set when it closes, cleared when it reopens). */
function finish(
  order: MachineOrder | null,
  phase: OrderPhase,
  now: Date,
  rest: Partial<Omit<Transition, 'phase' | 'closedAt'>>,
  opts: { reclose?: boolean } = {},
): Transition {
  const wasClosed = order ? isClosed(order.phase) : false;
  let closedAt: Date | null | undefined;
  if (isClosed(phase) && (!wasClosed || !order?.closedAt || opts.reclose)) closedAt = now;
  else if (!isClosed(phase) && (wasClosed || order?.closedAt)) closedAt = null;
  const set = { ...rest.set };
  if (closedAt !== undefined) set.closedAt = closedAt;
  return {
    set,
    unset: rest.unset ?? [],
    inc: rest.inc ?? {},
    push: rest.push,
    deliver: rest.deliver ?? false,
    statusChanged: rest.statusChanged ?? false,
    phase,
    closedAt,
  };
}

function watched(order: MachineOrder, now: Date): Transition {
  const set: Record<string, unknown> = { deliverAt: now };
  // Asking again about an order in the long tail (or past it) gets a fresh fast phase: the user is
  // looking at the chat right now.
  if (order.phase === 'long' || order.phase === 'expired') {
    Object.assign(set, { phase: 'fast', trackingSince: now, nextCheckAt: now, parkedUntil: null });
    return finish(order, 'fast', now, { set, inc: { version: 1 }, deliver: true });
  }
  // A closed order asked about again is kept for the whole retention period from now.
  return finish(order, order.phase, now, { set, inc: { version: 1 }, deliver: true }, { reclose: true });
}

function lookupFailed(
  order: MachineOrder,
  event: Extract<OrderEvent, { type: 'lookup_failed' }>,
  now: Date,
  policy: MachinePolicy,
): Transition {
  if (now.getTime() - order.trackingSince.getTime() >= policy.lookupGiveUpMs) {
    return transition(order, { type: 'lookup_ended', outcome: 'provider_down', calls: event.calls }, now, policy);
  }
  const failures = order.consecutiveFailures + 1;
  const backoffMs = Math.min(3_000 * 2 ** (failures - 1), 30_000) * policy.timeScale;
  return finish(order, 'lookup', now, {
    set: {
      nextCheckAt: honourRetryAfter(new Date(now.getTime() + backoffMs), event.retryAfterMs, now),
      providerTrouble: true,
      ...(order.providerTrouble ? {} : { deliverAt: now }),
    },
    inc: { consecutiveFailures: 1, providerCalls: event.calls, version: 1 },
    deliver: !order.providerTrouble,
  });
}

function checked(order: MachineOrder, fresh: ProviderOrder, calls: number, now: Date, policy: MachinePolicy): Transition {
  const statusClass = classifyStatus(fresh.kind, fresh.status);
  // A settled order stays settled: an answer that is not final can only be an older one arriving late
  // (a lookup's answer held since before the order resolved). Its provider calls still count.
  if (order.phase === 'final' && !isTerminal(statusClass)) return finish(order, 'final', now, { inc: { providerCalls: calls } });
  const statusChanged = fresh.status !== order.status;
  const next = schedule(order, statusClass, now, policy, { kind: fresh.kind, inStatusMs: statusChanged ? 0 : inStatusMs(order, now) });
  // Watchers are only re-rendered when something they see may have changed: a new status, phase or
  // payload, the end of an outage, in the long tail at most every `longRefreshMs` ("last checked":
  // thousands of rechecked orders must not crowd out replies), and in the fast phase at most every
  // `fastRefreshMs` (elapsed time). An unchanged 3-second check costs one write, no more.
  const sinceRefresh = now.getTime() - (order.refreshedAt?.getTime() ?? 0);
  const visible =
    statusChanged ||
    next.phase !== order.phase ||
    order.providerTrouble ||
    (next.phase !== 'fast' && next.phase !== 'long') ||
    (next.phase === 'long' && sinceRefresh >= policy.longRefreshMs) ||
    JSON.stringify(fresh.raw) !== JSON.stringify(order.payload?.raw) ||
    (next.phase === 'fast' && sinceRefresh >= policy.fastRefreshMs);
  return finish(order, next.phase, now, {
    set: {
      kind: fresh.kind,
      ref: fresh.ref || order.ref,
      payload: fresh,
      status: fresh.status,
      statusClass,
      phase: next.phase,
      nextCheckAt: next.nextCheckAt,
      longTail: next.longTail,
      lastCheckedAt: now,
      providerTrouble: false,
      consecutiveFailures: 0,
      parkedUntil: null,
      ...(visible ? { deliverAt: now, refreshedAt: now } : {}),
    },
    inc: { version: visible ? 1 : 0, providerCalls: calls },
    push: statusChanged ? { status: fresh.status, at: now } : undefined,
    deliver: visible,
    statusChanged,
  });
}

/**
 * A check that could not be made (failed, or no usable provider) keeps the last known status (never
 * reads as a failure of the order), flags provider trouble for the watchers, and follows the same
 * schedule as if the status had not changed: the fast phase ends on time and the long tail expires on
 * time, so an order whose checks keep failing still ends. A parked order waits at least `parkMs`.
 */
function unchecked(
  order: MachineOrder,
  event: Extract<OrderEvent, { type: 'check_failed' | 'parked' }>,
  now: Date,
  policy: MachinePolicy,
): Transition {
  const statusClass: StatusClass = order.statusClass ?? (order.status ? 'unknown' : 'pending');
  const next = schedule(order, isTerminal(statusClass) ? 'unknown' : statusClass, now, policy, {
    kind: order.kind,
    inStatusMs: inStatusMs(order, now),
  });
  let nextCheckAt = honourRetryAfter(next.nextCheckAt, event.retryAfterMs, now);
  const parked = event.type === 'parked';
  if (parked && nextCheckAt) nextCheckAt = new Date(Math.max(nextCheckAt.getTime(), now.getTime() + policy.parkMs));
  const deliver = !order.providerTrouble || next.phase !== order.phase;
  return finish(order, next.phase, now, {
    set: {
      phase: next.phase,
      nextCheckAt,
      longTail: next.longTail,
      providerTrouble: true,
      parkedUntil: parked ? nextCheckAt : null,
      ...(deliver ? { deliverAt: now } : {}),
    },
    inc: { consecutiveFailures: parked ? 0 : 1, providerCalls: event.calls, version: deliver || !parked ? 1 : 0 },
    deliver,
  });
}

/** What the fast schedule reads besides the status class: the kind, and how long the status has held. */
interface StatusSeen {
  kind: OrderKind | undefined;
  /** Real ms since the current status was first seen (0 when this check saw it first). */
  inStatusMs: number;
}

/** Real ms since the order's current status was first seen (its last history entry; else since tracking began). */
function inStatusMs(order: Partial<Pick<OrderDoc, 'history'>> & Pick<OrderDoc, 'trackingSince'>, now: Date): number {
  const since = order.history?.at(-1)?.at ?? order.trackingSince;
  return Math.max(0, now.getTime() - since.getTime());
}

/**
 * Where an order goes given its status class now:
 * - FULFILLED/REFUNDED end tracking;
 * - in the fast phase, the next check follows the status (`nextFastCheckDelay`: mobile PENDING every
 *   5 s, HANDLING 3 s after it is first seen then every 2 s, the guide's steps otherwise);
 *   UNKNOWN_ERROR/QUEUED or the end of the fast phase move it to the long tail;
 * - in the long tail, it is rescheduled by the long-tail policy, and a change of reason (e.g. a
 *   timed-out order that turns UNKNOWN_ERROR) starts that reason's own window.
 */
function schedule(
  order: Pick<OrderDoc, 'phase' | 'trackingSince' | 'longTail'>,
  statusClass: StatusClass,
  now: Date,
  policy: SchedulingPolicy,
  seen: StatusSeen,
): Pick<CheckOutcome, 'phase' | 'nextCheckAt' | 'longTail'> {
  if (isTerminal(statusClass)) return { phase: 'final', nextCheckAt: null, longTail: order.longTail };
  if ((order.phase === 'fast' || order.phase === 'lookup') && !endsFastPhase(statusClass)) {
    const delay = nextFastCheckDelay(
      { kind: seen.kind, statusClass, elapsedMs: now.getTime() - order.trackingSince.getTime(), inStatusMs: seen.inStatusMs },
      policy.timeScale,
    );
    if (delay !== null) return { phase: 'fast', nextCheckAt: new Date(now.getTime() + delay), longTail: order.longTail };
  }
  return scheduleLongTail(order.longTail, longTailReasonFor(statusClass), now, policy);
}

/** The fields a fresh provider answer changes on an order document (see `afterCheck`). */
export interface CheckOutcome {
  status: string;
  statusClass: StatusClass;
  statusChanged: boolean;
  phase: OrderPhase;
  nextCheckAt: Date | null;
  longTail: OrderDoc['longTail'];
}

/** The schedule part of a `checked` transition, on its own (used by unit tests of the schedule). */
export function afterCheck(
  order: Pick<OrderDoc, 'phase' | 'status' | 'trackingSince' | 'longTail'> & Partial<Pick<OrderDoc, 'history'>>,
  fresh: ProviderOrder,
  now: Date,
  policy: SchedulingPolicy,
): CheckOutcome {
  const statusClass = classifyStatus(fresh.kind, fresh.status);
  const statusChanged = fresh.status !== order.status;
  const seen = { kind: fresh.kind, inStatusMs: statusChanged ? 0 : inStatusMs(order, now) };
  return { status: fresh.status, statusClass, statusChanged, ...schedule(order, statusClass, now, policy, seen) };
}

/**
 * Orders answered by one list page (fast-list.ts) share its cadence: every one the page answered
 * that stays in the fast phase is next checked at the same time, when the most urgent of them wants
 * it or sooner while that stays cheap (`listRoundDelay`). Failed or parked ones keep their own time.
 */
export function shareListRound(transitions: readonly Transition[], now: Date, policy: SchedulingPolicy): Transition[] {
  const answered = (t: Transition) => t.phase === 'fast' && t.set.nextCheckAt instanceof Date && t.set.providerTrouble === false;
  const delays = transitions.filter(answered).map((t) => (t.set.nextCheckAt as Date).getTime() - now.getTime());
  const delay = listRoundDelay(delays, policy.timeScale);
  if (delay === null) return [...transitions];
  const nextCheckAt = new Date(now.getTime() + delay);
  return transitions.map((t) => (answered(t) ? { ...t, set: { ...t.set, nextCheckAt } } : t));
}

function longTailReasonFor(statusClass: StatusClass): LongTailReason {
  if (statusClass === 'verifying') return 'verifying';
  if (statusClass === 'queued') return 'queued';
  return 'timeout';
}

/** Enters (or continues) the long tail for `reason`; past the window the order expires. */
export function scheduleLongTail(
  current: OrderDoc['longTail'],
  reason: LongTailReason,
  now: Date,
  policy: SchedulingPolicy,
): Pick<CheckOutcome, 'phase' | 'nextCheckAt' | 'longTail'> {
  const longTail =
    current && current.reason === reason
      ? { ...current, checks: current.checks + 1 }
      : {
          reason,
          since: now,
          until: new Date(now.getTime() + longTailWindowMs(policy.longTail, reason, policy.timeScale)),
          checks: 0,
        };
  if (now.getTime() >= longTail.until.getTime()) {
    return { phase: 'expired', nextCheckAt: null, longTail };
  }
  const delay = nextLongTailDelay(policy.longTail, reason, longTail.checks, policy.timeScale, policy.random);
  // The last check lands on the window's end, so the window is covered to its last minute.
  const next = Math.min(now.getTime() + delay, longTail.until.getTime());
  return { phase: 'long', nextCheckAt: new Date(next), longTail };
}

/**
 * A provider that asked us to wait (429 Retry-After longer than the client will sleep, an IP block, a
 * suspended key) is not called again before then. That wait is the provider's rule, so TIME_SCALE
 * does not shorten it.
 */
export function honourRetryAfter(next: Date | null, retryAfterMs: number | undefined, now: Date): Date | null {
  if (next === null || retryAfterMs === undefined) return next;
  return new Date(Math.max(next.getTime(), now.getTime() + retryAfterMs));
}

/** The MongoDB update that applies a transition (for creation events, use `transition.set` on insert). */
export function toUpdate(t: Transition): Record<string, unknown> {
  const update: Record<string, unknown> = { $set: t.set };
  if (t.unset.length > 0) update.$unset = Object.fromEntries(t.unset.map((f) => [f, 1]));
  const inc = Object.fromEntries(Object.entries(t.inc).filter(([, v]) => v !== 0 && v !== undefined));
  if (Object.keys(inc).length > 0) update.$inc = inc;
  if (t.push) update.$push = { history: t.push };
  return update;
}

/** Orders parked for want of a provider, made due now (the account's provider became usable again). */
export function unparkUpdate(accountId: string, now: Date): { filter: Record<string, unknown>; update: Record<string, unknown> } {
  return {
    filter: { accountId, parkedUntil: { $ne: null }, nextCheckAt: { $ne: null } },
    update: { $set: { nextCheckAt: now, parkedUntil: null } },
  };
}
