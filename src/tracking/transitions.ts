import type { ProviderOrder } from '../provider/types.js';
import { nextFastDelay } from './fast-schedule.js';
import { longTailWindowMs, nextLongTailDelay, type LongTailPolicy } from './long-tail-schedule.js';
import type { LongTailReason, OrderDoc, OrderPhase } from './models.js';
import { classifyStatus, endsFastPhase, isTerminal } from './status.js';
import type { StatusClass } from './view.js';

export interface SchedulingPolicy {
  timeScale: number;
  longTail: LongTailPolicy;
  random?: () => number;
}

/** The fields a fresh provider answer changes on an order document. Pure: easy to test, no I/O. */
export interface CheckOutcome {
  status: string;
  statusClass: StatusClass;
  statusChanged: boolean;
  phase: OrderPhase;
  nextCheckAt: Date | null;
  longTail: OrderDoc['longTail'];
}

function longTailReasonFor(statusClass: StatusClass): LongTailReason {
  if (statusClass === 'verifying') return 'verifying';
  if (statusClass === 'queued') return 'queued';
  return 'timeout';
}

/**
 * Decides what happens to an order after a successful check:
 * - FULFILLED/REFUNDED end tracking;
 * - in the fast phase, UNKNOWN_ERROR/QUEUED or the end of the fast schedule move it to the long tail;
 * - in the long tail, it is rescheduled by the long-tail policy, and a change of reason (e.g. a
 *   timed-out order that turns UNKNOWN_ERROR) starts that reason's own window.
 */
export function afterCheck(
  order: Pick<OrderDoc, 'phase' | 'status' | 'trackingSince' | 'longTail'>,
  fresh: ProviderOrder,
  now: Date,
  policy: SchedulingPolicy,
): CheckOutcome {
  const statusClass = classifyStatus(fresh.kind, fresh.status);
  const statusChanged = fresh.status !== order.status;
  const base = { status: fresh.status, statusClass, statusChanged };

  if (isTerminal(statusClass)) {
    return { ...base, phase: 'final', nextCheckAt: null, longTail: order.longTail };
  }
  if (order.phase === 'fast' || order.phase === 'lookup') {
    if (!endsFastPhase(statusClass)) {
      const delay = nextFastDelay(now.getTime() - order.trackingSince.getTime(), policy.timeScale);
      if (delay !== null) {
        return { ...base, phase: 'fast', nextCheckAt: new Date(now.getTime() + delay), longTail: order.longTail };
      }
    }
  }
  return { ...base, ...scheduleLongTail(order.longTail, longTailReasonFor(statusClass), now, policy) };
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
