import { MongoBackend } from '@agendajs/mongo-backend';
import { Agenda } from 'agenda';
import type { Connection } from 'mongoose';
import type { Logger } from '../shared/logger.js';
import type { LongTailSweep } from '../tracking/long-tail-sweep.js';

export const LONG_TAIL_SWEEP_JOB = 'long-tail-sweep';

export interface SchedulerOptions {
  connection: Connection;
  sweep: LongTailSweep;
  /** Scaled period of the sweep. */
  sweepEveryMs: number;
  /**
   * How long a worker may hold the sweep before others treat it as dead. The sweep touches the lock
   * between groups; after a kill -9 the next sweep waits at most this long.
   */
  lockLifetimeMs: number;
  log: Logger;
}

/**
 * Background jobs on Agenda 6, sharing mongoose's connection (one MongoDB driver). Agenda polls its
 * collection (`processEvery`) rather than listening to change streams, which some MongoDB-compatible
 * servers lack. The job itself holds no state: due orders live in the `orders` collection.
 */
export class JobScheduler {
  private readonly agenda: Agenda;

  constructor(private readonly opts: SchedulerOptions) {
    const db = opts.connection.db;
    if (!db) throw new Error('the MongoDB connection is not open');
    this.agenda = new Agenda({
      backend: new MongoBackend({ mongo: db, collection: 'agendaJobs' }),
      processEvery: Math.max(50, Math.min(5_000, Math.floor(opts.sweepEveryMs / 2))),
      defaultLockLifetime: opts.lockLifetimeMs,
    });
    this.agenda.on('error', (err) => opts.log.error({ err }, 'agenda error'));
    this.agenda.define(
      LONG_TAIL_SWEEP_JOB,
      async (job) => {
        await opts.sweep.run(() => job.touch());
      },
      { concurrency: 1, lockLifetime: opts.lockLifetimeMs },
    );
  }

  async start(): Promise<void> {
    await this.agenda.start();
    // `every` upserts one job by name, so several workers share a single schedule.
    await this.agenda.every(this.opts.sweepEveryMs, LONG_TAIL_SWEEP_JOB, undefined, { skipImmediate: false });
  }

  /** Lets running jobs finish, then stops (never `stop()`: it unlocks running jobs for others to rerun). */
  async drain(): Promise<void> {
    await this.agenda.drain({ timeout: 30_000 });
  }

  /** Test hook: what a crash leaves behind (locked jobs stay locked until their lifetime expires). */
  abandon(): void {
    void this.agenda.drain({ timeout: 1 }).catch(() => undefined);
  }
}
