import { createHash } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import type { CallGate, IpBlockGuard } from '../provider/client.js';
import { KEY_ATTEMPT_WAIT, KEY_UNLINKED, ProviderError } from '../provider/errors.js';
import type { AccountKeyInfo } from '../provider/types.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { PENDING_RETRY_MS, type KeyAttemptBudget, type Reservation } from './key-attempt-budget.js';

/** How long (real time) a call waits for other keys' reservations in flight before it is refused. */
const RESERVE_WAIT_MS = 5_000;

/**
 * Provider key safety: a key the provider rejects is never sent again until a revalidation (GET
 * /v3/validate, with backoff, within the key-attempt budget) accepts it. State lives in MongoDB, so
 * restarts and other processes neither forget a rejection nor repeat it. Per account key:
 *
 *   unverified --validate ok / any accepted call--> valid
 *   unverified, valid --401 (validate or any call)--> rejected --revalidation ok--> valid
 *
 * While `unverified` (start-up, until this process or a recent one validated the key) calls go out
 * one at a time, each first reserving an attempt of the key-attempt budget; while `rejected` every
 * call fails at once, without network, with a `key_suspended` ProviderError whose `retryAfterMs` is
 * the time to the next revalidation (tracking parks its orders for that long). When a key becomes
 * usable again, `onUsable(accountId)` fires in every process (the app kicks the tracker with it).
 *
 * Several keys revoked at once: a `valid` key calls freely only while it has been proven (an
 * accepted call or validation, dated when the call was sent) since the newest failure in the
 * budget's window. A failure anywhere (another key's 401, a failed link attempt) makes every key
 * proven before it go back to one call at a time, each reserving an attempt first (see
 * `callNeedsAttempt`); when none is left the call is refused without network, `key_suspended` with
 * code KEY_ATTEMPT_WAIT and `retryAfterMs` until one frees up (tracking retries then; the key is
 * not said to be rejected). So keys revoked together cost reserved attempts, not one 401 each.
 * The budget's newest failure comes from this process's own writes at once and from the others'
 * at the 2 s refresh: within that lag, and for a key revoked after it was proven again, a 401 is
 * still counted after the fact (`recordFailure`); the provider's `attemptsLeft` is the backstop.
 */

/**
 * Must a call with this key reserve an attempt of the budget first? An unverified key always (it may
 * be bad); a valid one when it was last proven before the newest failure in the window
 * (`newestFailureAt`, 0 when the window holds none). A proof at the same instant counts as after.
 */
export function callNeedsAttempt(key: { state: 'unverified' | 'valid'; provenAt: number }, newestFailureAt: number): boolean {
  return key.state === 'unverified' || (newestFailureAt > 0 && key.provenAt < newestFailureAt);
}

/**
 * When a rejected key is checked again after its `failures`-th refused revalidation: `firstMs`
 * doubled each time up to `maxMs`. A linked key the provider answered 401 is capped at
 * `linkedInvalidMaxMs` instead (default 24 h): a revoked or regenerated key never comes back (its
 * owner `/link`s a new one, which starts fresh), and every such check costs a failed attempt from
 * linking's share of the budget, so many abandoned keys checked every 30 min would keep new links
 * waiting. The deployment's own key (`env`), and keys refused for other reasons (disabled, IP
 * allow-list: no failed attempt), keep the short cap: an operator may fix those in the dashboard.
 */
export function revalidationDelay(
  key: { accountId: string; unauthorized: boolean; failures: number },
  backoff: { firstMs: number; maxMs: number; linkedInvalidMaxMs?: number },
): number {
  const cap = key.accountId !== 'env' && key.unauthorized ? (backoff.linkedInvalidMaxMs ?? 24 * 3_600_000) : backoff.maxMs;
  return Math.min(backoff.firstMs * 2 ** Math.max(0, key.failures - 1), Math.max(cap, backoff.firstMs));
}

/**
 * What /readyz shows per key: `ok`, `checking` (not validated yet), `rejected`, `paused` (IP block),
 * `waiting` (it must prove itself with a reserved attempt and none is free: KEY_ATTEMPT_WAIT).
 */
export type KeyStateName = 'ok' | 'checking' | 'rejected' | 'paused' | 'waiting';
export interface KeyStateReport {
  accountId: string;
  state: KeyStateName;
  /** ISO time: the next revalidation (`rejected`), the end of the IP block (`paused`), when an attempt frees up (`waiting`). */
  until?: string;
  /** The provider's code: INVALID_ACCESS_TOKEN, IP_BLOCKED, KEY_DISABLED (validated but disabled)... */
  reason?: string;
}

/**
 * One line for /readyz: `ok`, `checking`, `rejected (INVALID_ACCESS_TOKEN) until <ISO>`, `paused
 * (IP_BLOCKED) until <ISO>`, `waiting (KEY_ATTEMPT_WAIT) until <ISO>`.
 */
export function describeKeyState(k: KeyStateReport): string {
  return `${k.state}${k.reason ? ` (${k.reason})` : ''}${k.until ? ` until ${k.until}` : ''}`;
}

type PersistedState = 'unverified' | 'valid' | 'rejected';

interface KeyStateDoc {
  /** `<accountId>:<fingerprint>`: a new key (the operator fixed it) starts fresh, and is validated at once. */
  _id: string;
  accountId: string;
  state: PersistedState;
  reason: string | null;
  validatedAt: Date | null;
  rejectedAt: Date | null;
  nextProbeAt: Date | null;
  /** Consecutive revalidations the provider refused: drives the backoff. */
  probeFailures: number;
  /** One process revalidates at a time. */
  probeLeaseUntil: Date | null;
}

const keyStateSchema = new Schema<KeyStateDoc>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    state: { type: String, required: true },
    reason: { type: String, default: null },
    validatedAt: { type: Date, default: null },
    rejectedAt: { type: Date, default: null },
    nextProbeAt: { type: Date, default: null },
    probeFailures: { type: Number, default: 0 },
    probeLeaseUntil: { type: Date, default: null },
  },
  { collection: 'provider_key_states', versionKey: false, timestamps: true },
);

export interface GuardedKey {
  accountId: string;
  apiKey: string;
  /** GET /v3/validate with this key, not through the guard (the guard decides when it may run). */
  validate: () => Promise<AccountKeyInfo>;
}

export interface KeyGuardOptions {
  connection: Connection;
  budget: KeyAttemptBudget;
  /** The process's IP-block memory, shared by every client: the guard persists and adopts blocks. */
  ipBlock: IpBlockGuard;
  clock: Clock;
  log: Logger;
  /** How often the guard reads shared state and runs due revalidations (real time). Default 2 s. */
  tickMs?: number;
  /** A key validated this recently (by any process) is trusted at start-up. Default 10 min. */
  trustMs?: number;
  /**
   * Revalidation after a rejection: first delay, doubled each time up to the cap. Default 1 min /
   * 30 min, and 24 h for a linked key answered 401 (`revalidationDelay`).
   */
  backoff?: { firstMs: number; maxMs: number; linkedInvalidMaxMs?: number };
  /** A revalidation that got no answer (network, 5xx): first delay, doubled up to the cap. Default 5 s / 5 min. */
  transientBackoff?: { firstMs: number; maxMs: number };
  /** A refused call asks to be retried no sooner than this (parked orders are kicked when the key is back). */
  minRetryAfterMs?: number;
}

interface Entry {
  key: GuardedKey;
  docId: string;
  state: PersistedState;
  reason: string | undefined;
  /** When this process last learnt of a rejection: an older "valid" in MongoDB does not undo it. */
  rejectedAt: number;
  /**
   * When the key was last proven (validated, or any call it made accepted; dated when the call was
   * sent), by this process or, at the refresh, another: an older rejection in MongoDB does not undo
   * it, and a failure newer than it makes the key re-prove itself (`callNeedsAttempt`).
   */
  validatedAt: number;
  nextProbeAt: number;
  transientFailures: number;
  /** While unverified: the one call (or revalidation) in flight; others wait for it. */
  flight: Promise<void> | undefined;
}

export class KeyGuard {
  private readonly States: Model<KeyStateDoc>;
  private readonly entries = new Map<string, Entry>();
  private readonly usableListeners: Array<(accountId: string) => void> = [];
  private readonly rejectedListeners: Array<(accountId: string, reason: string) => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private firstRound: Promise<void> | undefined;
  private persisting: Promise<unknown> = Promise.resolve();
  private ipWasBlocked = false;
  private stopped = false;
  /** When the budget frees an attempt for a key re-proving itself, as of the last refresh (every tick): /readyz reads it, no MongoDB work. */
  private attemptFreeAt = 0;

  constructor(
    private readonly opts: KeyGuardOptions,
    keys: GuardedKey[],
  ) {
    this.States =
      (opts.connection.models.ProviderKeyState as Model<KeyStateDoc> | undefined) ??
      opts.connection.model<KeyStateDoc>('ProviderKeyState', keyStateSchema);
    for (const key of keys) this.entries.set(key.accountId, newEntry(key));
  }

  /**
   * A key linked at run time (or learnt from MongoDB). `validatedNow`: the linking flow just had it
   * accepted by GET /v3/validate, so it is trusted at once; otherwise it is validated like at start-up.
   * Replaces the account's previous key, if any.
   */
  async addKey(key: GuardedKey, opts: { validatedNow?: boolean } = {}): Promise<void> {
    const e = newEntry(key);
    const now = this.now();
    this.entries.set(key.accountId, e);
    await this.States.updateOne(
      { _id: e.docId },
      { $setOnInsert: { accountId: key.accountId, state: 'unverified', nextProbeAt: new Date(now), probeFailures: 0 } },
      { upsert: true },
    );
    if (opts.validatedNow) {
      Object.assign(e, { state: 'valid', validatedAt: now });
      await this.persistValid(e, now);
    }
  }

  /** The account's key was unlinked: its calls stop being admitted (its client is dropped by the caller). */
  removeKey(accountId: string): void {
    this.entries.delete(accountId);
  }

  hasKey(accountId: string): boolean {
    return this.entries.has(accountId);
  }

  /** Called in the process that saw it when an account's key becomes rejected (a 401, a disabled key). */
  onRejected(listener: (accountId: string, reason: string) => void): void {
    this.rejectedListeners.push(listener);
  }

  private now(): number {
    return this.opts.clock.now();
  }

  /** Called with the account id whenever its key becomes usable again (and when an IP block ends). */
  onUsable(listener: (accountId: string) => void): void {
    this.usableListeners.push(listener);
  }

  /**
   * Loads what MongoDB knows (a rejection or IP block from an earlier run is honoured before any
   * call), then validates keys in the background. `settled()` resolves after that first round.
   */
  async start(): Promise<void> {
    const now = this.now();
    for (const e of this.entries.values()) {
      await this.States.updateOne(
        { _id: e.docId },
        { $setOnInsert: { accountId: e.key.accountId, state: 'unverified', nextProbeAt: new Date(now), probeFailures: 0 } },
        { upsert: true },
      );
    }
    await this.refresh(true);
    this.stopped = false;
    this.firstRound = this.tick();
    this.schedule();
  }

  /** Resolves once every key had its first chance to be validated (tests and start-up logs wait on it). */
  async settled(): Promise<void> {
    await this.firstRound;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking;
    await this.persisting;
  }

  /** Each key's state, for /readyz (from memory: no MongoDB work): a rejected or waiting key does not make the process unready. */
  keyStates(): KeyStateReport[] {
    const now = this.now();
    const blockedMs = this.opts.ipBlock.remainingMs(now);
    return [...this.entries.values()].map((e): KeyStateReport => {
      const accountId = e.key.accountId;
      if (blockedMs > 0) return { accountId, state: 'paused', until: new Date(now + blockedMs).toISOString(), reason: 'IP_BLOCKED' };
      // Must prove itself with a reserved attempt and none is free (beyond reservations still in flight).
      const waiting =
        e.state !== 'rejected' && callNeedsAttempt({ state: e.state, provenAt: e.validatedAt }, this.opts.budget.newestFailureAt(now));
      if (waiting && this.attemptFreeAt - now > PENDING_RETRY_MS) {
        return { accountId, state: 'waiting', until: new Date(this.attemptFreeAt).toISOString(), reason: KEY_ATTEMPT_WAIT };
      }
      if (e.state === 'valid') return { accountId, state: 'ok' };
      if (e.state === 'unverified') return { accountId, state: 'checking' };
      return { accountId, state: 'rejected', until: new Date(e.nextProbeAt).toISOString(), ...(e.reason ? { reason: e.reason } : {}) };
    });
  }

  /**
   * The gate every provider call with this account's key goes through. A valid key proven since the
   * newest failure passes at once (no MongoDB work); otherwise the call waits for the key's one call
   * in flight, then reserves an attempt (or is refused until one frees up).
   */
  gateFor(accountId: string): CallGate {
    const e = this.entries.get(accountId);
    if (!e) throw new Error(`KeyGuard: no key for account ${accountId}`);
    return {
      admit: async () => {
        for (;;) {
          if (this.entries.get(accountId) !== e) {
            throw new ProviderError('key_suspended', `OneClickDz: account ${accountId} has no linked key any more`, {
              code: KEY_UNLINKED,
              retryAfterMs: this.opts.minRetryAfterMs ?? 60_000,
            });
          }
          if (e.state === 'rejected') throw this.suspended(e);
          const sentAt = this.now();
          const key = { state: e.state, provenAt: e.validatedAt };
          if (!callNeedsAttempt(key, this.opts.budget.newestFailureAt(sentAt))) return (err) => this.callEnded(e, err, sentAt);
          if (e.flight) {
            await e.flight;
            continue;
          }
          const release = this.hold(e);
          let reservation: Reservation;
          try {
            reservation = await this.reserveSoon();
          } catch (err) {
            release();
            this.opts.log.warn({ err, accountId }, 'key guard: could not reserve a key attempt in MongoDB');
            throw this.waiting(e, this.now() + (this.opts.tickMs ?? 2_000));
          }
          if (!reservation.ok) {
            release();
            throw this.waiting(e, reservation.freeAt);
          }
          const token = reservation.token;
          const reservedSentAt = this.now(); // what an accepted answer proves the key at
          return (err) => {
            this.reservedCallEnded(e, token, err, reservedSentAt);
            release();
          };
        }
      },
    };
  }

  /**
   * An attempt to re-prove a key with. When only other keys' reservations in flight fill the budget
   * (several keys re-proving at once after a failure), waits for them (real time, a few seconds at
   * most) rather than refusing the call. A reservation left pending by a dead process is not in
   * flight (the budget counts it as a failure after `PENDING_STALE_MS`): no waiting for it.
   */
  private async reserveSoon(): Promise<Reservation> {
    const giveUpAt = Date.now() + RESERVE_WAIT_MS;
    for (;;) {
      const now = this.now();
      const reservation = await this.opts.budget.reserve(now, 'reprove');
      if (reservation.ok || reservation.freeAt - now > PENDING_RETRY_MS || Date.now() >= giveUpAt || this.stopped) return reservation;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
    }
  }

  /** No attempt left to re-prove the key with: the call is not made, and the key is not said to be rejected. */
  private waiting(e: Entry, freeAt: number): ProviderError {
    const waitMs = Math.max(0, freeAt - this.now());
    return new ProviderError(
      'key_suspended',
      `OneClickDz: not calling with the key of account ${e.key.accountId} yet: it must prove itself again (${e.state === 'unverified' ? 'not validated yet' : 'a key failed since it was last accepted'}) and no key attempt is free for ${Math.ceil(waitMs / 1000)} s`,
      { code: KEY_ATTEMPT_WAIT, retryAfterMs: Math.max(waitMs, 1_000) },
    );
  }

  private suspended(e: Entry): ProviderError {
    const retryAfterMs = Math.max(e.nextProbeAt - this.now(), this.opts.minRetryAfterMs ?? 60_000);
    return new ProviderError(
      'key_suspended',
      `OneClickDz: not calling with the key of account ${e.key.accountId}: the provider rejected it (${e.reason ?? 'unauthorized'}); revalidating in ${Math.ceil(Math.max(0, e.nextProbeAt - this.now()) / 1000)} s`,
      { code: e.reason, retryAfterMs },
    );
  }

  private hold(e: Entry): () => void {
    let release!: () => void;
    e.flight = new Promise<void>((resolve) => (release = resolve));
    return () => {
      e.flight = undefined;
      release();
    };
  }

  /** How a call with the key that went out freely ended (`sentAt`: when it was admitted). */
  private callEnded(e: Entry, err: ProviderError | undefined, sentAt: number): void {
    if (err?.kind === 'unauthorized') {
      this.rejectedInUse(e, err);
      return;
    }
    if (provesKey(err)) this.proven(e, sentAt);
  }

  /** How a call that reserved an attempt ended: a 401 keeps the attempt as the failure, anything else gives it back. */
  private reservedCallEnded(e: Entry, token: string, err: ProviderError | undefined, sentAt: number): void {
    if (err?.kind === 'unauthorized') {
      this.rejectedInUse(e, err, token);
      return;
    }
    if (provesKey(err)) this.proven(e, sentAt);
    this.queue(() => this.opts.budget.release(token));
  }

  /**
   * A call sent at `sentAt` was accepted. The newest proof is kept in memory (every call: no MongoDB
   * work); a key that was unverified or had to re-prove itself also records it for other processes.
   */
  private proven(e: Entry, sentAt: number): void {
    if (e.state === 'rejected' || sentAt <= e.validatedAt) return;
    const record = e.state === 'unverified' || e.validatedAt < this.opts.budget.newestFailureAt(this.now());
    Object.assign(e, { state: 'valid', validatedAt: sentAt, transientFailures: 0 });
    if (record) this.queue(() => this.persistValid(e, sentAt));
  }

  /**
   * A 401 on an ordinary call: suspend the key now, count the attempt (as the reserved one, `token`,
   * when the call had reserved it), tell other processes.
   */
  private rejectedInUse(e: Entry, err: ProviderError, token?: string): void {
    const now = this.now();
    const attemptsLeft = attemptsLeftOf(err);
    const wasRejected = e.state === 'rejected';
    const reason = err.code ?? 'INVALID_ACCESS_TOKEN';
    this.opts.budget.noteFailure(now); // every other key proven before it re-proves itself from now on
    if (!wasRejected) {
      const backoff = this.opts.backoff ?? { firstMs: 60_000, maxMs: 30 * 60_000 };
      Object.assign(e, { state: 'rejected', reason, rejectedAt: now, nextProbeAt: now + backoff.firstMs });
      this.opts.log.error(
        { accountId: e.key.accountId, code: reason, attemptsLeft, nextCheck: new Date(e.nextProbeAt).toISOString() },
        `OneClickDz rejected the API key: calls with it are suspended until it validates again (${fixHint(e.key.accountId)})`,
      );
      this.rejected(e, reason);
    }
    this.queue(async () => {
      if (token) await this.opts.budget.confirmFailure(token, now, attemptsLeft);
      else await this.opts.budget.recordFailure(now, attemptsLeft);
      if (wasRejected) return;
      await this.States.updateOne(
        { _id: e.docId, $or: [{ state: { $ne: 'rejected' } }, { rejectedAt: { $lt: new Date(now) } }] },
        { $set: { state: 'rejected', reason, rejectedAt: new Date(now), nextProbeAt: new Date(e.nextProbeAt), probeFailures: 1 } },
      );
    });
  }

  /** Serialises background writes (stop() waits for them); a failed write is logged, never thrown. */
  private queue(write: () => Promise<unknown>): void {
    this.persisting = this.persisting
      .then(write)
      .catch((err: unknown) => this.opts.log.warn({ err }, 'key guard: could not record key state in MongoDB'));
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.tick().finally(() => this.schedule());
    }, this.opts.tickMs ?? 2_000);
    this.timer.unref();
  }

  private tick(): Promise<void> {
    if (this.ticking) return this.ticking;
    this.ticking = (async () => {
      try {
        await this.refresh(false);
        for (const e of this.entries.values()) {
          if (this.stopped) return;
          if (e.state !== 'valid' && e.nextProbeAt <= this.now()) await this.revalidate(e);
        }
      } catch (err) {
        this.opts.log.warn({ err }, 'key guard: could not read or revalidate key state');
      } finally {
        this.ticking = undefined;
      }
    })();
    return this.ticking;
  }

  /** Adopts what other processes (or an earlier run) recorded: rejections, validations, IP blocks. */
  private async refresh(starting: boolean): Promise<void> {
    const now = this.now();
    const { blockedUntil, freeAt } = await this.opts.budget.snapshot(now);
    this.attemptFreeAt = freeAt;
    if (blockedUntil > now) this.opts.ipBlock.adopt(blockedUntil);
    const blocked = this.opts.ipBlock.remainingMs(now) > 0;
    if (this.ipWasBlocked && !blocked) {
      this.opts.log.info('the provider IP block is over: calls resume');
      for (const e of this.entries.values()) if (e.state === 'valid') this.usable(e);
    }
    this.ipWasBlocked = blocked;

    const docs = await this.States.find({ _id: { $in: [...this.entries.values()].map((e) => e.docId) } }).lean<KeyStateDoc[]>();
    for (const doc of docs) {
      const e = [...this.entries.values()].find((x) => x.docId === doc._id);
      if (!e) continue;
      const validatedAt = doc.validatedAt?.getTime() ?? 0;
      if (doc.state === 'rejected') {
        const rejectedAt = doc.rejectedAt?.getTime() ?? now;
        if (e.state !== 'rejected' && rejectedAt > e.validatedAt) {
          if (e.state === 'valid' || starting) {
            this.opts.log.error(
              { accountId: e.key.accountId, code: doc.reason, nextCheck: doc.nextProbeAt?.toISOString() },
              'the OneClickDz API key was rejected (recorded in MongoDB): calls with it stay suspended until it validates again',
            );
          }
          e.state = 'rejected';
          e.rejectedAt = Math.max(e.rejectedAt, rejectedAt);
        }
        if (e.state === 'rejected') {
          e.reason = doc.reason ?? undefined;
          e.nextProbeAt = doc.nextProbeAt?.getTime() ?? now;
        }
      } else if (doc.state === 'valid') {
        // Another process proved the key again (after a failure): this one need not re-prove it too.
        if (e.state === 'valid') e.validatedAt = Math.max(e.validatedAt, validatedAt);
        const fresh = validatedAt > e.rejectedAt && (e.state === 'rejected' || now - validatedAt <= (this.opts.trustMs ?? 10 * 60_000));
        if (e.state !== 'valid' && fresh) {
          const wasRejected = e.state === 'rejected';
          Object.assign(e, { state: 'valid', reason: undefined, validatedAt, transientFailures: 0 });
          if (wasRejected) this.usable(e);
        }
      } else if (e.state === 'unverified') {
        e.nextProbeAt = Math.max(e.nextProbeAt, doc.nextProbeAt?.getTime() ?? now);
      }
    }
  }

  /** One revalidation, if no other process is running one and the attempt budget allows it. */
  private async revalidate(e: Entry): Promise<void> {
    const now = this.now();
    const at = new Date(now);
    const trustFrom = new Date(now - (this.opts.trustMs ?? 10 * 60_000));
    const claimed = await this.States.findOneAndUpdate(
      {
        _id: e.docId,
        $and: [
          {
            $or: [
              { state: { $ne: 'valid' }, $or: [{ nextProbeAt: null }, { nextProbeAt: { $lte: at } }] },
              { state: 'valid', $or: [{ validatedAt: null }, { validatedAt: { $lt: trustFrom } }] },
            ],
          },
          { $or: [{ probeLeaseUntil: null }, { probeLeaseUntil: { $lte: at } }] },
        ],
      },
      { $set: { probeLeaseUntil: new Date(now + 2 * 60_000) } },
      { returnDocument: 'after' },
    ).lean<KeyStateDoc>();
    if (!claimed) {
      // Another process is on it, or its result is already recorded: look again shortly.
      e.nextProbeAt = Math.max(e.nextProbeAt, now + (this.opts.tickMs ?? 2_000));
      return;
    }
    if (this.opts.ipBlock.remainingMs(now) > 0) {
      return this.reschedule(e, now + this.opts.ipBlock.remainingMs(now), claimed.probeFailures);
    }
    // A rejected key is most likely still bad: it leaves the last attempt for keys re-proving themselves.
    const reservation = await this.opts.budget.reserve(now, e.state === 'rejected' ? 'check' : 'reprove');
    if (!reservation.ok) {
      this.opts.log.warn(
        { accountId: e.key.accountId, nextCheck: new Date(reservation.freeAt).toISOString() },
        'key attempt budget spent: not validating the OneClickDz key before the provider window allows it',
      );
      return this.reschedule(e, Math.max(reservation.freeAt, e.nextProbeAt), claimed.probeFailures);
    }

    // An unverified key may have a call in flight: the revalidation is that key's one attempt meanwhile.
    while (e.flight) await e.flight;
    const release = e.state === 'unverified' ? this.hold(e) : () => undefined;
    try {
      let info: AccountKeyInfo;
      const sentAt = this.now();
      try {
        info = await e.key.validate();
      } catch (err) {
        await this.revalidationFailed(e, err, reservation.token, claimed.probeFailures);
        return;
      }
      await this.opts.budget.release(reservation.token);
      await this.markValid(e, this.now(), info, sentAt);
    } finally {
      release();
    }
  }

  private async revalidationFailed(e: Entry, err: unknown, token: string, probeFailures: number): Promise<void> {
    const now = this.now();
    const pe = err instanceof ProviderError ? err : undefined;
    const keyProblem = pe?.kind === 'unauthorized' || pe?.kind === 'forbidden' || (pe?.kind === 'ip_blocked' && pe.code !== 'IP_BLOCKED');
    if (pe?.kind === 'unauthorized') await this.opts.budget.confirmFailure(token, now, attemptsLeftOf(pe));
    else await this.opts.budget.release(token);

    if (keyProblem) {
      const failures = probeFailures + 1;
      const backoff = this.opts.backoff ?? { firstMs: 60_000, maxMs: 30 * 60_000 };
      const { freeAt } = await this.opts.budget.snapshot(now);
      const delay = revalidationDelay({ accountId: e.key.accountId, unauthorized: pe.kind === 'unauthorized', failures }, backoff);
      const next = Math.max(now + delay, freeAt);
      const reason = pe.code ?? pe.kind.toUpperCase();
      if (e.state !== 'rejected') this.rejected(e, reason);
      if (e.state !== 'rejected' || failures === 1) {
        this.opts.log.error(
          { accountId: e.key.accountId, code: reason, attemptsLeft: attemptsLeftOf(pe), nextCheck: new Date(next).toISOString() },
          `OneClickDz rejected the API key: calls with it are suspended until it validates again (${fixHint(e.key.accountId)})`,
        );
      } else {
        this.opts.log.warn(
          { accountId: e.key.accountId, code: reason, nextCheck: new Date(next).toISOString() },
          'the OneClickDz API key is still rejected',
        );
      }
      Object.assign(e, { state: 'rejected', reason, rejectedAt: now, nextProbeAt: next, transientFailures: 0 });
      await this.States.updateOne(
        { _id: e.docId },
        {
          $set: {
            state: 'rejected',
            reason,
            rejectedAt: new Date(now),
            nextProbeAt: new Date(next),
            probeFailures: failures,
            probeLeaseUntil: null,
          },
        },
      );
      return;
    }
    // No verdict on the key (network, timeout, 5xx, IP block): ask again soon; calls are not affected.
    const blockedMs = this.opts.ipBlock.remainingMs(now);
    const transient = this.opts.transientBackoff ?? { firstMs: 5_000, maxMs: 5 * 60_000 };
    e.transientFailures += 1;
    const next = now + Math.max(blockedMs, Math.min(transient.firstMs * 2 ** (e.transientFailures - 1), transient.maxMs));
    this.opts.log.warn(
      { accountId: e.key.accountId, kind: pe?.kind ?? 'unexpected' },
      'could not validate the OneClickDz API key now; trying again later',
    );
    await this.reschedule(e, next, probeFailures);
  }

  private async reschedule(e: Entry, next: number, probeFailures: number): Promise<void> {
    e.nextProbeAt = next;
    await this.States.updateOne({ _id: e.docId }, { $set: { nextProbeAt: new Date(next), probeFailures, probeLeaseUntil: null } });
  }

  /** The provider accepted the key (a revalidation, or any call while it was unverified). */
  private async markValid(e: Entry, now: number, info: AccountKeyInfo | undefined, provenAt = now): Promise<void> {
    if (info && !info.isEnabled) {
      // Accepted but switched off in the dashboard: calls would be refused, so treat it as rejected.
      const backoff = this.opts.backoff ?? { firstMs: 60_000, maxMs: 30 * 60_000 };
      const next = now + backoff.firstMs;
      this.opts.log.error({ accountId: e.key.accountId }, 'the OneClickDz API key is disabled: calls with it are suspended');
      if (e.state !== 'rejected') this.rejected(e, 'KEY_DISABLED');
      Object.assign(e, { state: 'rejected', reason: 'KEY_DISABLED', rejectedAt: now, nextProbeAt: next });
      await this.States.updateOne(
        { _id: e.docId },
        {
          $set: {
            state: 'rejected',
            reason: 'KEY_DISABLED',
            rejectedAt: new Date(now),
            nextProbeAt: new Date(next),
            probeLeaseUntil: null,
          },
        },
      );
      return;
    }
    const wasRejected = e.state === 'rejected';
    const wasValid = e.state === 'valid';
    if (info) {
      this.opts.log.info(
        { accountId: e.key.accountId, environment: info.type, scope: info.scope },
        wasRejected ? 'OneClickDz accepts the API key again: calls resume' : 'OneClickDz API key is valid',
      );
    }
    Object.assign(e, { state: 'valid', reason: undefined, validatedAt: Math.max(e.validatedAt, provenAt), transientFailures: 0 });
    await this.persistValid(e, provenAt);
    if (!wasValid) this.usable(e);
  }

  /** Records an acceptance, unless a rejection newer than it is already recorded. */
  private async persistValid(e: Entry, now: number): Promise<void> {
    await this.States.updateOne(
      { _id: e.docId, $or: [{ rejectedAt: null }, { rejectedAt: { $lte: new Date(now) } }] },
      { $set: { state: 'valid', reason: null, validatedAt: new Date(now), nextProbeAt: null, probeFailures: 0, probeLeaseUntil: null } },
    );
  }

  private rejected(e: Entry, reason: string): void {
    for (const listener of this.rejectedListeners) {
      try {
        listener(e.key.accountId, reason);
      } catch (err) {
        this.opts.log.warn({ err }, 'key guard: onRejected listener failed');
      }
    }
  }

  private usable(e: Entry): void {
    for (const listener of this.usableListeners) {
      try {
        listener(e.key.accountId);
      } catch (err) {
        this.opts.log.warn({ err }, 'key guard: onUsable listener failed');
      }
    }
  }
}

function newEntry(key: GuardedKey): Entry {
  return {
    key,
    docId: `${key.accountId}:${fingerprint(key.apiKey)}`,
    state: 'unverified',
    reason: undefined,
    rejectedAt: 0,
    validatedAt: 0,
    nextProbeAt: 0,
    transientFailures: 0,
    flight: undefined,
  };
}

/** Which key a state belongs to, without storing the key: a truncated SHA-256. */
function fingerprint(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex').slice(0, 16);
}

/** An answer the provider only gives past authentication proves the key (404, 400, 403 send refusals). */
function provesKey(err: ProviderError | undefined): boolean {
  if (!err) return true;
  return ['not_found', 'validation', 'insufficient_balance', 'duplicated_ref', 'out_of_stock'].includes(err.kind);
}

function attemptsLeftOf(err: ProviderError): number | undefined {
  const left = err.details?.attemptsLeft;
  return typeof left === 'number' && Number.isFinite(left) ? left : undefined;
}

/** Who fixes a rejected key, for the operator's log: the deployment's own key is ONECLICK_API_KEY (account `env`). */
function fixHint(accountId: string): string {
  return accountId === 'env' ? 'fix ONECLICK_API_KEY' : 'a linked key: its owner must /link a new one';
}
