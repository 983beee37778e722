import type { Clock } from '../shared/clock.js';
import type { OrderPhase, TrackingModels } from '../tracking/models.js';
import type { OrderStats } from './metrics.js';

/** Every phase, so a phase added to the model without being listed here fails to compile. */
const PHASES: Record<OrderPhase, true> = { lookup: true, fast: true, long: true, final: true, expired: true, unresolved: true };

/** A scrape must never hold MongoDB busy: each query gives up after this long. */
const QUERY_LIMIT_MS = 2_000;

/**
 * Order gauges for /metrics: one count per phase and the oldest overdue long-tail recheck. Each query
 * is served by the `{ phase, nextCheckAt }` index and capped with maxTimeMS, so its cost stays
 * bounded however many orders are kept.
 */
export function orderStatsSource(models: TrackingModels, clock: Clock): () => Promise<OrderStats> {
  const { Order } = models;
  return async () => {
    const now = clock.now();
    const phases = Object.keys(PHASES) as OrderPhase[];
    const [counts, overdue] = await Promise.all([
      Promise.all(phases.map((phase) => Order.countDocuments({ phase }).maxTimeMS(QUERY_LIMIT_MS))),
      Order.findOne({ phase: 'long', nextCheckAt: { $lt: new Date(now) } }, { nextCheckAt: 1 })
        .sort({ nextCheckAt: 1 })
        .maxTimeMS(QUERY_LIMIT_MS)
        .lean<{ nextCheckAt: Date | null }>(),
    ]);
    const byPhase = Object.fromEntries(phases.map((phase, i) => [phase, counts[i] ?? 0]));
    const due = overdue?.nextCheckAt?.getTime();
    return { byPhase, oldestOverdueRecheckMs: due === undefined ? 0 : Math.max(0, now - due) };
  };
}
