import { Schema, type Connection, type Model } from 'mongoose';
import type { Clock } from '../shared/clock.js';

export interface PlanRange {
  code: string;
  min_amount: number;
  max_amount: number;
  isEnabled: boolean;
}

/** The part of the provider's plan list the bot needs: which plans take a chosen amount, and its range. */
export interface PlanSource {
  plans(): Promise<{ dynamicPlans: PlanRange[] }>;
}

interface PlanCacheDoc {
  _id: string; // account id
  dynamicPlans: PlanRange[];
  fetchedAt: Date;
}

const planCacheSchema = new Schema<PlanCacheDoc>(
  {
    _id: { type: String, required: true },
    dynamicPlans: [{ _id: false, code: String, min_amount: Number, max_amount: Number, isEnabled: Boolean }],
    fetchedAt: { type: Date, required: true },
  },
  { collection: 'plans', _id: false },
);

export const PLAN_REFRESH_MS = 24 * 60 * 60 * 1000;

/**
 * GET /v3/mobile/plans cached in MongoDB and refreshed daily, as the provider recommends (plans rarely
 * change). A failed refresh keeps serving the last known list.
 */
export class PlanCatalog {
  private readonly Plans: Model<PlanCacheDoc>;

  constructor(
    connection: Connection,
    private readonly sources: (accountId: string) => PlanSource | undefined,
    private readonly clock: Clock,
  ) {
    this.Plans =
      (connection.models.PlanCache as Model<PlanCacheDoc> | undefined) ?? connection.model<PlanCacheDoc>('PlanCache', planCacheSchema);
  }

  /** The amount range of a dynamic plan, or undefined for fixed/unknown plans (asks the provider when stale). */
  async dynamicRange(accountId: string, planCode: string): Promise<PlanRange | undefined> {
    const plans = await this.dynamicPlans(accountId);
    return plans?.find((p) => p.code === planCode && p.isEnabled);
  }

  /**
   * From MongoDB only (for update handlers, which never wait on the provider): the plan's range,
   * `fixed` for a plan that takes no chosen amount, or `unknown` when the list was never fetched, in
   * which case a refresh starts in the background. A stale list is used and refreshed too.
   */
  async cachedRange(
    accountId: string,
    planCode: string,
  ): Promise<{ type: 'dynamic'; range: PlanRange } | { type: 'fixed' } | { type: 'unknown' }> {
    const cached = await this.Plans.findById(accountId).lean<PlanCacheDoc>();
    if (!cached || this.clock.now() - cached.fetchedAt.getTime() >= PLAN_REFRESH_MS) this.refreshInBackground(accountId);
    if (!cached) return { type: 'unknown' };
    const range = cached.dynamicPlans.find((p) => p.code === planCode && p.isEnabled);
    return range ? { type: 'dynamic', range } : { type: 'fixed' };
  }

  private refreshing: Promise<unknown> | undefined;

  private refreshInBackground(accountId: string): void {
    if (this.refreshing) return;
    this.refreshing = this.dynamicPlans(accountId)
      .catch(() => undefined)
      .finally(() => {
        this.refreshing = undefined;
      });
  }

  /** Waits for a background refresh in flight (clean shutdown). */
  async settle(): Promise<void> {
    await this.refreshing;
  }

  private async dynamicPlans(accountId: string): Promise<PlanRange[] | undefined> {
    const cached = await this.Plans.findById(accountId).lean<PlanCacheDoc>();
    const now = this.clock.now();
    if (cached && now - cached.fetchedAt.getTime() < PLAN_REFRESH_MS) return cached.dynamicPlans;
    const source = this.sources(accountId);
    if (!source) return cached?.dynamicPlans;
    try {
      const { dynamicPlans } = await source.plans();
      const ranges = dynamicPlans.map(({ code, min_amount, max_amount, isEnabled }) => ({ code, min_amount, max_amount, isEnabled }));
      await this.Plans.updateOne({ _id: accountId }, { $set: { dynamicPlans: ranges, fetchedAt: new Date(now) } }, { upsert: true });
      return ranges;
    } catch {
      return cached?.dynamicPlans;
    }
  }
}
