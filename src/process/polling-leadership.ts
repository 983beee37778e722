import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { Lease, type Claim } from '../tracking/leases.js';
import type { PollingEnd, PollingSession } from './polling.js';

/**
 * Which process of a deployment takes Telegram updates by long polling. Telegram allows one poller
 * per bot token (a second getUpdates answers 409 Conflict), so every process started with
 * BOT_MODE=polling competes for one lease in MongoDB (tracking/leases.ts, on the `process_roles`
 * document `{ role: 'telegram-polling' }`):
 *
 *   - the holder polls and renews the lease every third of its lifetime; a graceful stop handles
 *     what it fetched, then releases the lease so another process takes over at once;
 *   - every other process runs as a worker (background work only), says so in one log line, and
 *     tries to take the lease every third of its lifetime: when the holder dies (kill -9, lost
 *     host), one of them starts polling within a lease lifetime;
 *   - a holder that cannot renew (MongoDB unreachable until the lease ran out, or another process
 *     took it over) stops polling first and competes again, so two holders never poll for long;
 *   - Telegram's 409 Conflict (a poller outside this database: another deployment, an old version,
 *     a developer's laptop with the same token) is not fatal: the holder logs it once, stops polling
 *     and retries after a growing pause (up to 5 min), working as a worker meanwhile.
 */

export const POLLING_ROLE = 'telegram-polling';

interface RoleDoc {
  _id: Types.ObjectId;
  role: string;
  holderUntil?: Date | null;
  holderOwner?: string | null;
  holderToken?: string | null;
}

export function processRoleModel(connection: Connection): Model<RoleDoc> {
  const existing = connection.models.ProcessRole as Model<RoleDoc> | undefined;
  if (existing) return existing;
  const schema = new Schema<RoleDoc>(
    {
      role: { type: String, required: true, unique: true },
      holderUntil: { type: Date, default: null },
      holderOwner: { type: String, default: null },
      holderToken: { type: String, default: null },
    },
    { collection: 'process_roles', versionKey: false },
  );
  return connection.model<RoleDoc>('ProcessRole', schema);
}

export interface PollingLeadershipOptions {
  connection: Connection;
  /** This process's id on the lease (the app's owner id). */
  owner: string;
  clock: Clock;
  /** How long the lease lasts without renewal: the longest a killed poller leaves updates untaken. */
  leaseMs: number;
  /** Starts a polling session (startPolling on the app's bot). */
  poll: () => PollingSession;
  /** Called once, the first time this process becomes the poller (set the command menu...). */
  onFirstLeadership?: () => Promise<void>;
  log: Logger;
  /** First pause after a 409 Conflict (doubles up to 5 min). */
  conflictBackoffMs?: number;
}

type State =
  | { kind: 'idle' }
  | { kind: 'worker' }
  | { kind: 'leader'; claim: Claim<RoleDoc>; session: PollingSession | undefined; sessionStartedAt: number; pausedUntil: number }
  | { kind: 'stopped' };

export class PollingLeadership {
  private readonly Role: Model<RoleDoc>;
  private readonly lease: Lease<RoleDoc>;
  private state: State = { kind: 'idle' };
  private timer: NodeJS.Timeout | undefined;
  private tick: Promise<void> = Promise.resolve();
  private announcedWorker = false;
  private stopping = false;
  private everLeader = false;
  private conflictPauseMs: number;
  private readonly firstConflictPauseMs: number;

  constructor(private readonly opts: PollingLeadershipOptions) {
    this.Role = processRoleModel(opts.connection);
    this.lease = new Lease(this.Role, 'holder', { owner: opts.owner, clock: opts.clock, leaseMs: opts.leaseMs });
    this.firstConflictPauseMs = opts.conflictBackoffMs ?? 10_000;
    this.conflictPauseMs = this.firstConflictPauseMs;
  }

  /** True while this process holds the lease and polls (or pauses after a conflict). */
  get isLeader(): boolean {
    return this.state.kind === 'leader';
  }

  /** Competes for the lease now, then every third of its lifetime. */
  async start(): Promise<void> {
    await this.Role.init();
    await this.Role.updateOne({ role: POLLING_ROLE }, { $setOnInsert: { role: POLLING_ROLE } }, { upsert: true }).catch((err: unknown) => {
      // Two processes creating it at once: the unique index lets one insert win; the other is fine.
      if ((err as { code?: number }).code !== 11000) throw err;
    });
    if (this.stopping) return;
    this.state = { kind: 'worker' };
    // Kept as the current tick: a stop() during start-up waits for it instead of racing it.
    this.tick = this.step().catch((err: unknown) => this.opts.log.warn({ err }, 'polling lease check failed; retrying'));
    await this.tick;
    this.schedule();
  }

  /**
   * Graceful stop: no more fetching, every update already fetched is handled, then the lease is
   * released so a worker takes over polling at once.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await this.tick;
    const state = this.state;
    this.state = { kind: 'stopped' };
    if (state.kind !== 'leader') return;
    await state.session?.stop();
    await state.claim.release().catch((err: unknown) => this.opts.log.warn({ err }, 'could not release the polling lease'));
  }

  private schedule(): void {
    if (this.stopping) return;
    this.timer = setTimeout(
      () => {
        this.tick = this.step()
          .catch((err: unknown) => this.opts.log.warn({ err }, 'polling lease check failed; retrying'))
          .finally(() => this.schedule());
      },
      Math.max(50, Math.floor(this.opts.leaseMs / 3)),
    );
    this.timer.unref?.();
  }

  private async step(): Promise<void> {
    const state = this.state;
    if (state.kind === 'worker') await this.tryLead();
    else if (state.kind === 'leader') await this.keepLeading(state);
  }

  private async tryLead(): Promise<void> {
    const claim = await this.lease.claimOne({ role: POLLING_ROLE });
    if (this.stopping || this.state.kind !== 'worker') {
      // stop() ran meanwhile: give the lease back at once.
      if (claim) await claim.release();
      return;
    }
    if (!claim) {
      if (!this.announcedWorker) {
        this.announcedWorker = true;
        const holder = await this.Role.findOne({ role: POLLING_ROLE }).lean();
        this.opts.log.warn(
          { owner: holder?.holderOwner ?? 'unknown', until: holder?.holderUntil },
          `another process is polling Telegram (owner ${holder?.holderOwner ?? 'unknown'}); running as a worker and taking over if it stops`,
        );
      }
      return;
    }
    const tookOver = this.announcedWorker;
    this.announcedWorker = false;
    this.state = { kind: 'leader', claim, session: undefined, sessionStartedAt: 0, pausedUntil: 0 };
    if (tookOver) this.opts.log.warn('the polling process stopped renewing its lease: this process takes over polling');
    if (!this.everLeader) {
      this.everLeader = true;
      await this.opts.onFirstLeadership?.().catch((err: unknown) => this.opts.log.warn({ err }, 'start-up call failed'));
    }
    if (this.state.kind === 'leader') this.beginSession(this.state);
  }

  private beginSession(state: Extract<State, { kind: 'leader' }>): void {
    const session = this.opts.poll();
    state.session = session;
    state.sessionStartedAt = this.opts.clock.now();
    void session.ended.then((end) => this.onSessionEnd(state, session, end));
  }

  private onSessionEnd(state: Extract<State, { kind: 'leader' }>, session: PollingSession, end: PollingEnd): void {
    if (this.state !== state || state.session !== session || end.kind === 'stopped') return;
    state.session = undefined;
    // A conflict after a long quiet run starts the back-off afresh.
    if (this.opts.clock.now() - state.sessionStartedAt > 5 * 60_000) this.conflictPauseMs = this.firstConflictPauseMs;
    state.pausedUntil = this.opts.clock.now() + this.conflictPauseMs;
    if (end.kind === 'conflict') {
      this.opts.log.warn(
        { telegram: end.description, retryInMs: this.conflictPauseMs },
        'Telegram says another bot instance takes updates for this token (409 Conflict), outside this database: not polling, running as a worker, retrying later',
      );
    } else {
      this.opts.log.error({ reason: end.description, retryInMs: this.conflictPauseMs }, 'long polling gave up; retrying later');
    }
    this.conflictPauseMs = Math.min(this.conflictPauseMs * 2, 5 * 60_000);
  }

  private async keepLeading(state: Extract<State, { kind: 'leader' }>): Promise<void> {
    let renewed: boolean;
    try {
      renewed = await state.claim.renew();
    } catch (err) {
      // MongoDB unreachable: keep polling while the lease may still be ours, not one moment longer.
      if (this.opts.clock.now() < state.claim.until.getTime() - this.opts.leaseMs / 3) return;
      this.opts.log.warn({ err }, 'could not renew the polling lease before it ran out: stopping polling');
      renewed = false;
    }
    if (!renewed) {
      if (this.state === state) this.state = { kind: 'worker' };
      this.opts.log.warn('lost the polling lease: stopping polling, running as a worker');
      await state.session?.stop({ confirmOffset: false });
      return;
    }
    if (!state.session && this.opts.clock.now() >= state.pausedUntil) {
      this.opts.log.info('retrying long polling');
      this.beginSession(state);
    }
  }
}
