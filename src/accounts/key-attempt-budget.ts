import { randomUUID } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';

/**
 * The provider's brute-force rule, shared by every process on one MongoDB: each request with an
 * invalid key is a failed attempt, and 5 of them within 15 minutes block the IP for 15 minutes
 * (`IP_BLOCKED`, every key). The bot spends at most `KEY_ATTEMPT_BUDGET` of those 5 in any window,
 * so a crash-looping container or two replicas can never reach the block. Provider rules: not
 * scaled by TIME_SCALE.
 *
 * Who may spend it: a call with a key the bot believes valid but has not proven since the newest
 * failure (`reprove`: the key guard, start-up checks) may take every attempt; a key nobody has seen
 * work (`check`: a key being linked, a rejected key's revalidation) may take an attempt only while
 * one stays free for re-proving, so failed link attempts can never leave valid keys waiting.
 */
export const PROVIDER_ATTEMPT_WINDOW_MS = 15 * 60_000;
export const PROVIDER_MAX_FAILED_ATTEMPTS = 5;
export const KEY_ATTEMPT_BUDGET = 3;
/** When only reservations still in flight fill the budget: they end within a call's time, so look again this soon. */
export const PENDING_RETRY_MS = 1_000;
/**
 * A reservation still pending this long after it was taken is not in flight any more: its process
 * died mid-call (killed during a deploy, say). A reservation covers one HTTP attempt (the client's
 * gate admits each attempt, retries reserve again): at most the client's `timeoutMs` (15 s by
 * default), plus, for a revalidation, waiting for the key's one call already in flight (another
 * 15 s), plus the MongoDB writes. 60 s (`stalePendingAfterMs`: `2 * timeoutMs + 30 s`; `createProviderAccounts` derives it from the client's timeout) is above
 * that worst case. It may really have failed at the provider, so it is never dropped: it keeps its
 * place in the window like a failure, and leaves it at its time + 15 minutes.
 */
export const PENDING_STALE_MS = 60_000;

/** The stale bound for a client timeout: two calls' time (a revalidation may wait for one in flight) and 30 s for MongoDB. */
export function stalePendingAfterMs(timeoutMs: number): number {
  return 2 * timeoutMs + 30_000;
}

/** One failed attempt, or a reserved one whose answer is not in yet (it counts until released). */
interface Attempt {
  id: string;
  at: Date;
  /** Reserved, no answer yet. Absent on a failure (confirmed or recorded), and on attempts stored before this field. */
  pending?: boolean;
}

/**
 * What an attempt is for. `reprove`: a key believed valid (unverified at start-up, or not proven
 * since the newest failure): it may take every attempt of the budget. `check`: a key not known to
 * work (linking, a rejected key's revalidation): it leaves the last attempt for re-proving.
 */
export type AttemptUse = 'reprove' | 'check';

/**
 * One document per deployment: every process on one database is assumed to share the server's
 * public IP (the conservative choice when they do not).
 */
interface KeyAttemptsDoc {
  _id: string;
  attempts: Attempt[];
  /** The provider's own count (`attemptsLeft`) said our share is spent: no attempt before this. */
  spentUntil: Date | null;
  /** `IP_BLOCKED` seen: no provider call at all, with any key, before this. */
  blockedUntil: Date | null;
}

const DOC_ID = 'ip';

const keyAttemptsSchema = new Schema<KeyAttemptsDoc>(
  {
    _id: { type: String, required: true },
    attempts: {
      type: [{ _id: false, id: { type: String, required: true }, at: { type: Date, required: true }, pending: { type: Boolean } }],
      default: [],
    },
    spentUntil: { type: Date, default: null },
    blockedUntil: { type: Date, default: null },
  },
  { collection: 'provider_key_attempts', versionKey: false },
);

export type Reservation = { ok: true; token: string } | { ok: false; freeAt: number };

export interface KeyAttemptSnapshot {
  /** Failed (or reserved, stale reservations included) attempts in the current window. */
  attempts: number;
  /** Earliest time another attempt (of the use asked about) may be made (now when one may be made now). */
  freeAt: number;
  blockedUntil: number;
  /** The newest failure (confirmed or recorded, not a pending reservation) in the window; 0 when none. */
  newestFailureAt: number;
}

/**
 * The key-attempt budget in MongoDB. A call whose key may be invalid (a revalidation, a key being
 * linked, a call with a key not proven since the newest failure) first `reserve`s an attempt
 * atomically; the reservation is `release`d when the provider accepted the key (or never judged it:
 * network error, 5xx), and kept as the failure when it rejected it (`confirmFailure`). A 401 that
 * nobody reserved for (a key revoked while in use, proven after the newest failure) is
 * `recordFailure`d: the provider counted it.
 */
export class KeyAttemptBudget {
  private readonly Attempts: Model<KeyAttemptsDoc>;
  private readonly budget: number;
  private readonly windowMs: number;
  /** The newest failure this process knows of: its own writes at once, other processes' at each snapshot. */
  private newestFailureSeen = 0;

  /** A pending reservation older than this is taken as a failure (its process died mid-call): `PENDING_STALE_MS`. */
  private readonly staleAfterMs: number;

  constructor(connection: Connection, opts: { budget?: number; windowMs?: number; staleAfterMs?: number } = {}) {
    this.Attempts =
      (connection.models.ProviderKeyAttempts as Model<KeyAttemptsDoc> | undefined) ??
      connection.model<KeyAttemptsDoc>('ProviderKeyAttempts', keyAttemptsSchema);
    this.budget = opts.budget ?? KEY_ATTEMPT_BUDGET;
    this.windowMs = opts.windowMs ?? PROVIDER_ATTEMPT_WINDOW_MS;
    this.staleAfterMs = opts.staleAfterMs ?? PENDING_STALE_MS;
  }

  /**
   * Takes one attempt from the budget (all of it for `reprove`, all but one for `check`), or says
   * when one frees up. Never over-spends, even in a race.
   */
  async reserve(now: number, use: AttemptUse = 'reprove'): Promise<Reservation> {
    await this.prune(now);
    const token = randomUUID();
    const at = new Date(now);
    const reserved = await this.Attempts.findOneAndUpdate(
      {
        _id: DOC_ID,
        [`attempts.${this.limitFor(use) - 1}`]: { $exists: false }, // fewer attempts in the window than this use may reach
        $and: [
          { $or: [{ spentUntil: null }, { spentUntil: { $lte: at } }] },
          { $or: [{ blockedUntil: null }, { blockedUntil: { $lte: at } }] },
        ],
      },
      { $push: { attempts: { id: token, at, pending: true } } },
      { returnDocument: 'after', projection: { _id: 1 } },
    ).lean();
    if (reserved) return { ok: true, token };
    const { freeAt } = await this.snapshot(now, use);
    // A concurrent prune or release may have freed a slot since: try again soon rather than never.
    return { ok: false, freeAt: Math.max(freeAt, now + PENDING_RETRY_MS) };
  }

  /** The reserved attempt did not fail on the key: it no longer counts. */
  async release(token: string): Promise<void> {
    await this.Attempts.updateOne({ _id: DOC_ID }, { $pull: { attempts: { id: token } } });
  }

  /**
   * The reserved attempt was rejected by the provider at `now` (the provider's window starts at its
   * answer, so the attempt is dated then). `attemptsLeft` is the provider's own count, when given.
   */
  async confirmFailure(token: string, now: number, attemptsLeft: number | undefined): Promise<void> {
    this.noteFailure(now);
    await this.Attempts.updateOne(
      { _id: DOC_ID, 'attempts.id': token },
      { $set: { 'attempts.$.at': new Date(now) }, $unset: { 'attempts.$.pending': '' } },
    );
    await this.noteAttemptsLeft(now, attemptsLeft);
  }

  /** A 401 that had no reservation (a key revoked while in use): it happened, so it counts. */
  async recordFailure(now: number, attemptsLeft: number | undefined): Promise<void> {
    this.noteFailure(now);
    await this.Attempts.updateOne(
      { _id: DOC_ID },
      { $push: { attempts: { id: randomUUID(), at: new Date(now) } } },
      { upsert: true, setDefaultsOnInsert: true },
    );
    await this.noteAttemptsLeft(now, attemptsLeft);
  }

  /** The provider blocked the IP until `until`: persisted so other processes and restarts wait too. */
  async blockIp(until: number): Promise<void> {
    await this.Attempts.updateOne(
      { _id: DOC_ID },
      { $max: { blockedUntil: new Date(until) }, $setOnInsert: { attempts: [], spentUntil: null } },
      { upsert: true },
    );
  }

  /** What the budget holds at `now`; `freeAt` is for an attempt of `use`. Also refreshes `newestFailureAt`. */
  async snapshot(now: number, use: AttemptUse = 'reprove'): Promise<KeyAttemptSnapshot> {
    const doc = await this.Attempts.findById(DOC_ID).lean<KeyAttemptsDoc>();
    const attempts = (doc?.attempts ?? []).filter((a) => a.at.getTime() > now - this.windowMs);
    const failures = attempts
      .filter((a) => !a.pending)
      .map((a) => a.at.getTime())
      .sort((a, b) => a - b);
    this.noteFailure(failures.at(-1) ?? 0);
    // Failures, and reservations whose process died mid-call (pending longer than a call can take):
    // these leave the window only at their time + 15 minutes. Only young reservations may end soon.
    const staying = attempts
      .filter((a) => !a.pending || a.at.getTime() <= now - this.staleAfterMs)
      .map((a) => a.at.getTime())
      .sort((a, b) => a - b);
    const limit = this.limitFor(use);
    let budgetFreeAt = now;
    // With n >= limit of those in the window, the (n - limit + 1)-th oldest must leave it first; when
    // reservations still in flight fill the rest, they are given back (or fail) within a call's time.
    if (staying.length >= limit) budgetFreeAt = staying[staying.length - limit]! + this.windowMs;
    else if (attempts.length >= limit) budgetFreeAt = now + PENDING_RETRY_MS;
    const spentUntil = doc?.spentUntil?.getTime() ?? 0;
    const blockedUntil = doc?.blockedUntil?.getTime() ?? 0;
    return {
      attempts: attempts.length,
      freeAt: Math.max(now, budgetFreeAt, spentUntil, blockedUntil),
      blockedUntil,
      newestFailureAt: this.newestFailureAt(now),
    };
  }

  /**
   * The newest failure in the window at `now` (0 when none), as this process knows it: its own
   * failures at once, other processes' as of the last `snapshot` (the key guard takes one every 2 s).
   * No MongoDB read: the key guard asks on every call.
   */
  newestFailureAt(now: number): number {
    return this.newestFailureSeen > now - this.windowMs ? this.newestFailureSeen : 0;
  }

  /** A failure this process just saw (a 401), known at once, before it is written. */
  noteFailure(at: number): void {
    this.newestFailureSeen = Math.max(this.newestFailureSeen, at);
  }

  /** How many attempts in the window an attempt of `use` may bring the budget to. */
  private limitFor(use: AttemptUse): number {
    return use === 'check' ? Math.max(1, this.budget - 1) : this.budget;
  }

  /**
   * Keeps 5 - budget attempts in reserve by the provider's own count too: other software on the same
   * IP, or a replica on a database of its own, spends from the same 5.
   */
  private async noteAttemptsLeft(now: number, attemptsLeft: number | undefined): Promise<void> {
    if (attemptsLeft === undefined || attemptsLeft > PROVIDER_MAX_FAILED_ATTEMPTS - this.budget) return;
    await this.Attempts.updateOne({ _id: DOC_ID }, { $max: { spentUntil: new Date(now + this.windowMs) } }, { upsert: true });
  }

  /** Forgets attempts that left the window (creating the document on first use). */
  private async prune(now: number): Promise<void> {
    try {
      await this.pruneOnce(now);
    } catch (err) {
      // Two first uses at once: one upsert created the document, the other may lose the race once.
      if ((err as { code?: unknown }).code !== 11000) throw err;
      await this.pruneOnce(now);
    }
  }

  private async pruneOnce(now: number): Promise<void> {
    await this.Attempts.updateOne(
      { _id: DOC_ID },
      {
        $pull: { attempts: { at: { $lte: new Date(now - this.windowMs) } } },
        $setOnInsert: { spentUntil: null, blockedUntil: null },
      },
      { upsert: true },
    );
  }
}
