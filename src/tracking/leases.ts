/**
 * THE claim (lease) helper of the code base: order polling, order deliveries, the watchers' send
 * claims (bot/status-delivery.ts), offer sends (resend/) and the long-tail sweep all take work with it.
 *
 * A lease lives on the document it guards, in three fields named after it (`leaseFields('pollLease')`
 * gives `pollLeaseUntil`, `pollLeaseOwner`, `pollLeaseToken`):
 *   - `<name>Until`  expiry; null or past = free. Documents written before owners existed only have
 *                    this field: their lease is honoured until it expires, then claimable as usual.
 *   - `<name>Owner`  the claiming worker's id (one random id per app/process, `newOwnerId()`).
 *   - `<name>Token`  unique per claim: a worker that lost its claim and re-claimed the same document
 *                    later cannot confuse its old claim with its new one.
 * Every write made under a claim filters on `_id` + owner + token and reports whether it applied, so
 * a worker whose claim expired (a hung provider or Telegram call, a long GC) and was taken over
 * changes nothing: `claim.write()` / `claim.release()` return false, and the caller stops.
 *
 * Usage (one document):
 *
 *   const sends = new Lease(Offer, 'sendLease', { owner, clock, leaseMs: 60_000 });
 *   const claim = await sends.claimOne({ _id: offer._id, state: { $ne: 'sent' } });
 *   if (!claim) return;                         // someone else holds it (see sends.heldUntil())
 *   const alive = claim.keepAlive();            // renews every leaseMs/3 while the work runs
 *   try {
 *     const result = await provider.send(...);  // check alive.lost / claim.lost before side effects
 *     if (!(await claim.release({ $set: { state: 'sent', ... } }))) log.warn('claim lost: wrote nothing');
 *   } finally { alive.stop(); }
 *
 * Many documents at once (the sweep): `claimMany(filter, { limit })` takes every match in one
 * updateMany (one token shared by the batch) and reads them back in one find; `batch.renew()` is one
 * updateMany; `batch.releaseAll(updates)` is one bulkWrite whose every operation is conditioned on
 * the batch's owner and token.
 *
 * Collections need no schema change to use a lease: lease writes pass `strict: false` (declaring the
 * three fields in the schema is still better, for types and readers).
 */
import { randomBytes } from 'node:crypto';
import type { Model, Types, UpdateQuery } from 'mongoose';
import type { Clock } from '../shared/clock.js';

/** A worker's id: which process holds a lease (also readable in the database when diagnosing). */
export function newOwnerId(label = 'w'): string {
  return `${label}-${process.pid}-${randomBytes(5).toString('hex')}`;
}

function newToken(owner: string): string {
  return `${owner}.${randomBytes(6).toString('hex')}`;
}

export interface LeaseFields {
  until: string;
  owner: string;
  token: string;
}

/** The three fields of the lease called `name` (`pollLease` -> `pollLeaseUntil`, ...Owner, ...Token). */
export function leaseFields(name: string): LeaseFields {
  return { until: `${name}Until`, owner: `${name}Owner`, token: `${name}Token` };
}

export interface LeaseOptions {
  /** This worker's id (`newOwnerId()`), the same for every lease it takes. */
  owner: string;
  clock: Clock;
  /** How long a claim lasts without renewal; also the longest a dead worker blocks the work. */
  leaseMs: number;
}

type Filter = Record<string, unknown>;
/** Documents keyed by an ObjectId (orders, watchers) or a string (offers: their short button key). */
type WithId = { _id: Types.ObjectId | string };

/** Adds `extra` to an update's `$set`, keeping the rest of the update as it is. */
function withSet(update: UpdateQuery<unknown> | undefined, extra: Record<string, unknown>): UpdateQuery<unknown> {
  const base = (update ?? {}) as Record<string, unknown>;
  return { ...base, $set: { ...((base.$set as Record<string, unknown> | undefined) ?? {}), ...extra } };
}

/** One lease field on one collection. */
export class Lease<T extends WithId> {
  readonly fields: LeaseFields;

  constructor(
    readonly model: Model<T>,
    name: string,
    readonly opts: LeaseOptions,
  ) {
    this.fields = leaseFields(name);
  }

  /** The model without its document type: lease writes use dynamic field names that T does not list. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  get raw(): Model<any> {
    return this.model as Model<unknown> as Model<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  }

  get owner(): string {
    return this.opts.owner;
  }

  now(): Date {
    return new Date(this.opts.clock.now());
  }

  /** Matches documents whose lease is free (never taken, released, or expired at `now`). */
  freeFilter(now = this.now()): Filter {
    const { until } = this.fields;
    return { $or: [{ [until]: null }, { [until]: { $lte: now } }] };
  }

  private takeSet(token: string, now: Date): Record<string, unknown> {
    return {
      [this.fields.until]: new Date(now.getTime() + this.opts.leaseMs),
      [this.fields.owner]: this.opts.owner,
      [this.fields.token]: token,
    };
  }

  /** The fields that mark the lease free again. */
  releaseSet(): Record<string, unknown> {
    return { [this.fields.until]: null, [this.fields.owner]: null, [this.fields.token]: null };
  }

  /**
   * Atomically claims the first free document matching `filter` (in `sort` order), optionally applying
   * `update` in the same write. Null when none is free.
   */
  async claimOne(filter: Filter, opts: { sort?: Record<string, 1 | -1>; update?: UpdateQuery<T> } = {}): Promise<Claim<T> | null> {
    const now = this.now();
    const token = newToken(this.opts.owner);
    const doc = await this.raw
      .findOneAndUpdate({ ...filter, ...this.freeFilter(now) }, withSet(opts.update as UpdateQuery<unknown>, this.takeSet(token, now)), {
        ...(opts.sort ? { sort: opts.sort } : {}),
        returnDocument: 'after',
        strict: false,
      })
      .lean<T>();
    return doc ? new Claim(this, doc, token, new Date(now.getTime() + this.opts.leaseMs)) : null;
  }

  /**
   * Claims every free document matching `filter` with one updateMany (one token for the batch) and
   * reads them back with one find. `ids` bounds the batch (pick candidates first, then claim them).
   */
  async claimMany(filter: Filter, opts: { ids?: Array<T['_id']>; sort?: Record<string, 1 | -1> } = {}): Promise<ClaimBatch<T>> {
    const now = this.now();
    const token = newToken(this.opts.owner);
    const scope = opts.ids ? { _id: { $in: opts.ids } } : {};
    const taken = await this.raw.updateMany(
      { ...filter, ...scope, ...this.freeFilter(now) },
      { $set: this.takeSet(token, now) },
      {
        strict: false,
      },
    );
    const docs =
      taken.modifiedCount === 0
        ? []
        : await this.raw
            .find({ [this.fields.owner]: this.opts.owner, [this.fields.token]: token }, undefined, { strict: false })
            .sort(opts.sort ?? { _id: 1 })
            .lean<T[]>();
    const until = new Date(now.getTime() + this.opts.leaseMs);
    return new ClaimBatch(this, token, until, docs);
  }

  /** When the current holder's lease on the document matching `filter` ends (null: free or no such document). */
  async heldUntil(filter: Filter): Promise<Date | null> {
    const doc = await this.raw
      .findOne(filter)
      .select({ [this.fields.until]: 1 })
      .lean<Record<string, unknown>>();
    const until = doc?.[this.fields.until];
    return until instanceof Date && until.getTime() > this.opts.clock.now() ? until : null;
  }

  /** Filter matching the document(s) still held by this owner under `token`. */
  ownedFilter(token: string, extra: Filter = {}): Filter {
    return { ...extra, [this.fields.owner]: this.opts.owner, [this.fields.token]: token };
  }
}

/** A claim on one document. Every write through it applies only while the claim is still ours. */
export class Claim<T extends WithId> {
  private lostFlag = false;
  private released = false;

  constructor(
    readonly lease: Lease<T>,
    /** The document as it was when claimed (lease fields included). */
    readonly doc: T,
    readonly token: string,
    public until: Date,
  ) {}

  get id(): T['_id'] {
    return this.doc._id;
  }

  /** True once a renewal or a write found that another worker holds the document now. */
  get lost(): boolean {
    return this.lostFlag;
  }

  /** The filter of writes made under this claim: this document, this owner, this token (plus `extra`). */
  filter(extra: Filter = {}): Filter {
    return this.lease.ownedFilter(this.token, { _id: this.doc._id, ...extra });
  }

  /** Writes under the claim (the claim is kept). False when it did not apply: the claim was lost (or `extra` did not match). */
  async write(update: UpdateQuery<T>, extra: Filter = {}): Promise<boolean> {
    const res = await this.lease.raw.updateOne(this.filter(extra), update, { strict: false });
    if (res.matchedCount === 0 && Object.keys(extra).length === 0) this.lostFlag = true;
    return res.matchedCount > 0;
  }

  /** Writes `update` (if any) and frees the lease in the same conditioned write. False: the claim was lost, nothing written. */
  async release(update?: UpdateQuery<T>, extra: Filter = {}): Promise<boolean> {
    const ok = await this.write(withSet(update, this.lease.releaseSet()), extra);
    if (ok) this.released = true;
    return ok;
  }

  /**
   * Lets the claim expire `ms` from now instead of a full lease later (nothing else written): the
   * work failed midway (a database error) and may be taken up again soon, by this worker or another,
   * which starts from what the document records. False when the claim was already lost or released.
   */
  async expireIn(ms: number): Promise<boolean> {
    if (this.lostFlag || this.released) return false;
    const until = new Date(this.lease.opts.clock.now() + ms);
    const res = await this.lease.raw.updateOne(this.filter(), { $set: { [this.lease.fields.until]: until } }, { strict: false });
    if (res.matchedCount === 0) return false;
    this.until = until;
    return true;
  }

  /** A copy of this claim (same token) carrying `doc`: the document as the holder changed it. */
  withDoc(doc: T): Claim<T> {
    return new Claim(this.lease, doc, this.token, this.until);
  }

  /** Extends the claim by a full lease; false (and `lost`) when another worker took it meanwhile. */
  async renew(): Promise<boolean> {
    if (this.lostFlag || this.released) return false;
    const until = new Date(this.lease.opts.clock.now() + this.lease.opts.leaseMs);
    const res = await this.lease.raw.updateOne(this.filter(), { $set: { [this.lease.fields.until]: until } }, { strict: false });
    if (res.matchedCount === 0) this.lostFlag = true;
    else this.until = until;
    return !this.lostFlag;
  }

  /**
   * Renews the claim every third of a lease while the work runs. `signal` aborts when a renewal finds
   * the claim lost: the worker must stop (its writes would not apply anyway). Call `stop()` when done.
   */
  keepAlive(): KeepAlive {
    return keepAlive(() => this.renew(), this.lease.opts.leaseMs);
  }
}

/** Documents claimed together (one token). Each has its own `Claim` for per-document writes. */
export class ClaimBatch<T extends WithId> {
  readonly claims: Claim<T>[];

  constructor(
    readonly lease: Lease<T>,
    readonly token: string,
    until: Date,
    docs: T[],
  ) {
    this.claims = docs.map((d) => new Claim(lease, d, token, until));
  }

  get docs(): T[] {
    return this.claims.map((c) => c.doc);
  }

  /** Extends every claim of the batch still held (one updateMany); returns how many are still ours. */
  async renew(): Promise<number> {
    if (this.claims.length === 0) return 0;
    const until = new Date(this.lease.opts.clock.now() + this.lease.opts.leaseMs);
    const res = await this.lease.raw.updateMany(
      this.lease.ownedFilter(this.token),
      { $set: { [this.lease.fields.until]: until } },
      { strict: false },
    );
    return res.matchedCount;
  }

  /** `Claim.expireIn` for every document of the batch still held (one updateMany). */
  async expireIn(ms: number): Promise<void> {
    if (this.claims.length === 0) return;
    const until = new Date(this.lease.opts.clock.now() + ms);
    await this.lease.raw.updateMany(this.lease.ownedFilter(this.token), { $set: { [this.lease.fields.until]: until } }, { strict: false });
  }

  /** Renews the batch every third of a lease while it is worked (one updateMany each time). Call `stop()` when done. */
  keepAlive(): KeepAlive {
    return keepAlive(async () => (await this.renew()) > 0 || this.claims.length === 0, this.lease.opts.leaseMs);
  }

  /**
   * Writes each claimed document's update and frees its lease, all in one bulkWrite; every operation
   * is conditioned on this batch's owner and token, so a document another worker took over is left
   * alone. Returns how many writes applied (bulkWrite reports counts, not which operation matched).
   */
  async releaseAll(updates: Array<{ id: T['_id']; update?: UpdateQuery<T> }>): Promise<number> {
    if (updates.length === 0) return 0;
    const ops = updates.map(({ id, update }) => ({
      updateOne: {
        filter: this.lease.ownedFilter(this.token, { _id: id }),
        update: withSet(update as UpdateQuery<unknown>, this.lease.releaseSet()),
      },
    }));
    const res = await this.lease.raw.bulkWrite(ops, { ordered: false, strict: false });
    return res.matchedCount;
  }
}

export interface KeepAlive {
  /** Aborted when a renewal found the claim lost. */
  readonly signal: AbortSignal;
  readonly lost: boolean;
  stop(): void;
}

function keepAlive(renew: () => Promise<boolean>, leaseMs: number): KeepAlive {
  const controller = new AbortController();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    timer = setTimeout(
      () => {
        renew()
          .then((ok) => {
            if (!ok) controller.abort(new Error('lease lost'));
            else if (!stopped) tick();
          })
          .catch(() => {
            if (!stopped) tick(); // a failed renewal is retried; the lease may still be ours
          });
      },
      Math.max(10, Math.floor(leaseMs / 3)),
    );
    timer.unref?.();
  };
  tick();
  return {
    signal: controller.signal,
    get lost() {
      return controller.signal.aborted;
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
