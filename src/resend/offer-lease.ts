/**
 * The offer worker's claim on one offer document: an owner id and an expiry, renewed while the work
 * runs, and a filter that conditions every write on still holding it.
 *
 * Kept in this one small module so it can be replaced by the project's shared lease helper
 * (src/tracking/leases.ts) without touching the worker.
 */
import type { Model } from 'mongoose';
import type { OfferDoc } from './offers.js';

export interface OfferLease {
  owner: string;
  leaseMs: number;
}

/** Filter fragment: the caller still holds the offer (same owner, not expired). */
export function ownedBy(lease: OfferLease, now: Date): Record<string, unknown> {
  return { leaseOwner: lease.owner, leaseUntil: { $gt: now } };
}

/** Atomically claims the earliest due offer whose lease is free or expired. */
export function claimDueOffer(Offer: Model<OfferDoc>, lease: OfferLease, now: Date): Promise<OfferDoc | null> {
  return Offer.findOneAndUpdate(
    { dueAt: { $ne: null, $lte: now }, $or: [{ leaseUntil: null }, { leaseUntil: { $lte: now } }] },
    { $set: { leaseOwner: lease.owner, leaseUntil: new Date(now.getTime() + lease.leaseMs) } },
    { sort: { dueAt: 1 }, returnDocument: 'after' },
  ).lean<OfferDoc>();
}

/** Earliest time (ms) an unleased offer becomes due, or null. */
export async function nextDueOffer(Offer: Model<OfferDoc>, now: Date): Promise<number | null> {
  const doc = await Offer.findOne({ dueAt: { $ne: null }, $or: [{ leaseUntil: null }, { leaseUntil: { $lte: now } }] })
    .sort({ dueAt: 1 })
    .select({ dueAt: 1 })
    .lean<Pick<OfferDoc, 'dueAt'>>();
  return doc?.dueAt ? doc.dueAt.getTime() : null;
}

/** Extends the claim; false when it was lost (expired and taken, or released). */
export async function renewOffer(Offer: Model<OfferDoc>, key: string, lease: OfferLease, now: Date): Promise<boolean> {
  const res = await Offer.updateOne(
    { _id: key, ...ownedBy(lease, now) },
    { $set: { leaseUntil: new Date(now.getTime() + lease.leaseMs) } },
  );
  return res.matchedCount > 0;
}

/**
 * Lets go of the offer and sets when it is due next. `dueAt` is only written while the offer is still in
 * `state` (a press may have changed it meanwhile and set its own due time).
 */
export async function releaseOffer(
  Offer: Model<OfferDoc>,
  offer: Pick<OfferDoc, '_id' | 'state'>,
  lease: OfferLease,
  dueAt: Date | null,
): Promise<void> {
  const free = { leaseOwner: null, leaseUntil: null };
  const res = await Offer.updateOne({ _id: offer._id, state: offer.state, leaseOwner: lease.owner }, { $set: { ...free, dueAt } });
  if (res.matchedCount === 0) await Offer.updateOne({ _id: offer._id, leaseOwner: lease.owner }, { $set: free });
}
