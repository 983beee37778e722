import { randomUUID } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';

/**
 * The provider's brute-force rule, shared by every process on one MongoDB: each request with an
 * invalid key is a failed attempt, and 5 of them within 15 minutes block the IP for 15 minutes
 * (`IP_BLOCKED`, every key). The bot spends at most `KEY_ATTEMPT_BUDGET` of those 5 in any window,
 * so a crash-looping container or two replicas can never reach the block. Provider rules: not
 * scaled by TIME_SCALE.
 */
export const PROVIDER_ATTEMPT_WINDOW_MS = 15 * 60_000;
export const PROVIDER_MAX_FAILED_ATTEMPTS = 5;
export const KEY_ATTEMPT_BUDGET = 3;

/** One failed attempt, or a reserved one whose answer is not in yet (it counts until released). */
interface Attempt {
  id: string;
  at: Date;
}

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
    attempts: { type: [{ _id: false, id: { type: String, required: true }, at: { type: Date, required: true } }], default: [] },
    spentUntil: { type: Date, default: null },
    blockedUntil: { type: Date, default: null },
  },
  { collection: 'provider_key_attempts', versionKey: false },
);

export type Reservation = { ok: true; token: string } | { ok: false; freeAt: number };

export interface KeyAttemptSnapshot {
  /** Failed (or reserved) attempts in the current window. */
  attempts: number;
  /** Earliest time another attempt may be made (now when one may be made now). */
  freeAt: number;
  blockedUntil: number;
}

/**
 * The key-attempt budget in MongoDB. A call whose key may be invalid (a revalidation) first
 * `reserve`s an attempt atomically; the reservation is `release`d when the provider accepted the key
 * (or never judged it: network error, 5xx), and kept as the failure when it rejected it. A 401 that
 * nobody reserved for (a key revoked while in use) is `recordFailure`d: the provider counted it.
 */
export class KeyAttemptBudget {
  private readonly Attempts: Model<KeyAttemptsDoc>;
  private readonly budget: number;
  private readonly windowMs: number;

  constructor(connection: Connection, opts: { budget?: number; windowMs?: number } = {}) {
    this.Attempts =
      (connection.models.ProviderKeyAttempts as Model<KeyAttemptsDoc> | undefined) ??
      connection.model<KeyAttemptsDoc>('ProviderKeyAttempts', keyAttemptsSchema);
    this.budget = opts.budget ?? KEY_ATTEMPT_BUDGET;
    this.windowMs = opts.windowMs ?? PROVIDER_ATTEMPT_WINDOW_MS;
  }

  /** Takes one attempt from the budget, or says when one frees up. Never over-spends, even in a race. */
  async reserve(now: number): Promise<Reservation> {
    await this.prune(now);
    const token = randomUUID();
    const at = new Date(now);
    const reserved = await this.Attempts.findOneAndUpdate(
      {
        _id: DOC_ID,
        [`attempts.${this.budget - 1}`]: { $exists: false }, // fewer than `budget` attempts in the window
        $and: [
          { $or: [{ spentUntil: null }, { spentUntil: { $lte: at } }] },
          { $or: [{ blockedUntil: null }, { blockedUntil: { $lte: at } }] },
        ],
      },
      { $push: { attempts: { id: token, at } } },
      { returnDocument: 'after', projection: { _id: 1 } },
    ).lean();
    if (reserved) return { ok: true, token };
    const { freeAt } = await this.snapshot(now);
    // A concurrent prune or release may have freed a slot since: try again soon rather than never.
    return { ok: false, freeAt: Math.max(freeAt, now + 1_000) };
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
    await this.Attempts.updateOne({ _id: DOC_ID, 'attempts.id': token }, { $set: { 'attempts.$.at': new Date(now) } });
    await this.noteAttemptsLeft(now, attemptsLeft);
  }

  /** A 401 that had no reservation (a key revoked while in use): it happened, so it counts. */
  async recordFailure(now: number, attemptsLeft: number | undefined): Promise<void> {
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

  async snapshot(now: number): Promise<KeyAttemptSnapshot> {
    const doc = await this.Attempts.findById(DOC_ID).lean<KeyAttemptsDoc>();
    const inWindow = (doc?.attempts ?? [])
      .map((a) => a.at.getTime())
      .filter((t) => t > now - this.windowMs)
      .sort((a, b) => a - b);
    // With n >= budget attempts in the window, the (n - budget + 1)-th oldest must leave it first.
    const budgetFreeAt = inWindow.length < this.budget ? now : inWindow[inWindow.length - this.budget]! + this.windowMs;
    const spentUntil = doc?.spentUntil?.getTime() ?? 0;
    const blockedUntil = doc?.blockedUntil?.getTime() ?? 0;
    return { attempts: inWindow.length, freeAt: Math.max(now, budgetFreeAt, spentUntil, blockedUntil), blockedUntil };
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
