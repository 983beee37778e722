import type { Model, Types } from 'mongoose';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { DueLoop, RETRY_AFTER_FAILURE_MS } from './due-loop.js';
import type { Claim, KeepAlive, Lease } from './leases.js';

export interface LeasedDueLoopOptions<T extends { _id: Types.ObjectId | string }> {
  name: string;
  /** The claim taken on each due document (its fields live on the document, see leases.ts). */
  lease: Lease<T>;
  /** The document's due time (a Date, null when nothing is due); earliest due is claimed first. */
  dueField: keyof T & string;
  /** Works one claimed document; the claim is renewed (`keepAlive`) until it returns. */
  process: (claim: Claim<T>, keepAlive: KeepAlive) => Promise<void>;
  concurrency: number;
  idleMs: number;
  /** When `process` throws, the claim expires this long after (default 5 s) instead of a full lease later. */
  retryAfterFailureMs?: number;
  clock: Clock;
  log: Logger;
}

/**
 * A DueLoop over one collection whose documents carry a due time and a lease: claims the earliest due
 * document whose lease is free, keeps the claim renewed while `process` runs, and sleeps until the
 * next free document is due. `abandon()` (crash simulation) also stops renewing the claims in flight,
 * so their work loses them as a dead process's would.
 */
export class LeasedDueLoop<T extends { _id: Types.ObjectId | string }> {
  private readonly loop: DueLoop<Claim<T>>;
  private readonly alive = new Set<KeepAlive>();

  constructor(private readonly opts: LeasedDueLoopOptions<T>) {
    const { lease, dueField, clock } = opts;
    this.loop = new DueLoop<Claim<T>>({
      name: opts.name,
      claim: () => lease.claimOne({ [dueField]: { $ne: null, $lte: new Date(clock.now()) } }, { sort: { [dueField]: 1 } }),
      process: (claim) => this.process(claim),
      failed: async (claim) => {
        await claim.expireIn(opts.retryAfterFailureMs ?? RETRY_AFTER_FAILURE_MS);
      },
      nextDueAt: () => this.nextDueAt(),
      concurrency: opts.concurrency,
      idleMs: opts.idleMs,
      clock,
      log: opts.log,
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Something became due now: look again without waiting for the timer. */
  kick(): void {
    this.loop.kick();
  }

  /** Stops claiming and waits for the work in flight. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Crash simulation: stop claiming and renewing; work in flight loses its claims. */
  abandon(): void {
    for (const keepAlive of this.alive) keepAlive.stop();
    this.loop.abandon();
  }

  private async nextDueAt(): Promise<number | null> {
    const { lease, dueField } = this.opts;
    // Due fields are read generically: the model's document type does not say which field it is.
    const model = lease.model as Model<unknown> as Model<Record<string, unknown>>;
    const doc = await model
      .findOne({ [dueField]: { $ne: null }, ...lease.freeFilter() })
      .sort({ [dueField]: 1 })
      .select({ [dueField]: 1 })
      .lean<Record<string, Date | null | undefined>>();
    const dueAt = doc?.[dueField];
    return dueAt ? dueAt.getTime() : null;
  }

  private async process(claim: Claim<T>): Promise<void> {
    const keepAlive = claim.keepAlive();
    this.alive.add(keepAlive);
    try {
      await this.opts.process(claim, keepAlive);
    } finally {
      keepAlive.stop();
      this.alive.delete(keepAlive);
    }
  }
}
