/**
 * Stores the offer machine's decisions in MongoDB. Every write is conditioned on the state the
 * decision was taken from, so two presses, or a press and the worker, never both win; the worker's
 * writes are also conditioned on still holding its claim (tracking/leases.ts), so a worker whose
 * claim expired and was taken over (a hung call, a long pause) changes nothing.
 */
import type { Model } from 'mongoose';
import type { Claim } from '../tracking/leases.js';
import { transition, type OfferDecision, type OfferEvent, type OfferPolicy } from './offer-machine.js';
import type { OfferDoc } from './offers.js';

export type Applied =
  | { ok: true; offer: OfferDoc; decision: Extract<OfferDecision, { ok: true }> }
  /** Not applied: `decision` says why (absent when the offer is gone, the claim was lost or the race went on). */
  | { ok: false; offer: OfferDoc | null; decision?: Extract<OfferDecision, { ok: false }> };

/** Confirmations closed by Cancel that an offer remembers (a press on an older one is answered "expired"). */
const CANCELLED_KEPT = 50;

/**
 * Applies `event` to the offer as stored now: decides on a fresh read and writes conditioned on that
 * state; a press that loses a race to another writer decides again on the newer state (up to
 * `attempts` times, 5 by default). With `claim`, the write also requires the caller to still hold the
 * worker's claim.
 */
export async function applyOfferEvent(
  Offer: Model<OfferDoc>,
  key: string,
  event: OfferEvent,
  opts: { now: Date; policy: OfferPolicy; claim?: Claim<OfferDoc>; current?: OfferDoc; attempts?: number },
): Promise<Applied> {
  let current: OfferDoc | null = opts.current ?? (await Offer.findById(key).lean<OfferDoc>());
  for (let attempt = 0; attempt < (opts.attempts ?? 5) && current; attempt++) {
    const decision = transition(current, event, opts.now, opts.policy);
    if (!decision.ok) return { ok: false, offer: current, decision };
    const { change } = decision;
    // A message that follows the send is this chat's only one: no other may have joined meanwhile
    // (nor filled the chat's message-less target, see OfferTarget.messageId).
    const guard = change.addTarget
      ? { state: current.state, 'targets.chatId': { $ne: change.addTarget.chatId } }
      : change.fillTarget
        ? { state: current.state, targets: { $elemMatch: { chatId: change.fillTarget.chatId, messageId: null } } }
        : { state: current.state };
    const filter = opts.claim ? opts.claim.filter(guard) : { _id: key, ...guard };
    // Effects owed (messages to edit, chats to hand over to tracking) make the offer due at once: if the
    // caller dies before settling them, the worker does it. The caller sets the real next time after.
    const set: Record<string, unknown> = {
      state: change.state,
      ...change.set,
      ...(decision.effects.length > 0 ? { dueAt: opts.now } : {}),
    };
    if (change.fillTarget) set['targets.$[moved]'] = change.fillTarget;
    const arrayFilters = change.fillTarget ? [{ 'moved.chatId': change.fillTarget.chatId, 'moved.messageId': null }] : undefined;
    const update: Record<string, unknown> = { $set: set, $inc: { version: 1 } };
    if (change.addTarget) update.$push = { targets: change.addTarget };
    if (change.addCancelled) update.$push = { cancelledIn: { $each: [change.addCancelled], $slice: -CANCELLED_KEPT } };
    const written = await Offer.findOneAndUpdate(filter, update, {
      returnDocument: 'after',
      strict: false,
      ...(arrayFilters ? { arrayFilters } : {}),
    }).lean<OfferDoc>();
    if (written) return { ok: true, offer: written, decision };
    // The worker's state only changes under its claim: no match means the claim was lost, and it must
    // not decide again on someone else's newer state.
    if (opts.claim) return { ok: false, offer: null };
    current = await Offer.findById(key).lean<OfferDoc>();
  }
  return { ok: false, offer: current };
}

/**
 * A group became a supergroup: offers shown there follow it (see ResendService.migrateChat). Targets
 * move without their message (OfferTarget.messageId null), `version` is bumped so a worker settling an
 * offer meanwhile leaves it due; a chat that already has a target in the supergroup keeps that one
 * (the group's is dropped).
 * Confirmations still waiting for their fill-in there are dropped. Idempotent.
 */
export async function moveOffersToChat(Offer: Model<OfferDoc>, from: number, to: number): Promise<void> {
  await Offer.updateMany(
    { $and: [{ 'targets.chatId': from }, { 'targets.chatId': { $ne: to } }] },
    { $set: { 'targets.$[moved].chatId': to, 'targets.$[moved].messageId': null }, $inc: { version: 1 } },
    { arrayFilters: [{ 'moved.chatId': from }] },
  );
  // Those that already had a target there: the old one goes (nothing can show anything in it any more).
  await Offer.updateMany({ 'targets.chatId': from }, { $pull: { targets: { chatId: from } }, $inc: { version: 1 } });
  await Offer.updateMany({ 'previews.chatId': from }, { $pull: { previews: { chatId: from } } });
}

/**
 * A chat's target without a message (see OfferTarget.messageId) now has one, a new message that
 * shows `key` (as long as the offer is still in `state` and no press gave the chat another first).
 */
export async function markShownInNew(
  Offer: Model<OfferDoc>,
  offer: Pick<OfferDoc, 'state'>,
  chatId: number,
  messageId: number,
  key: string,
  claim: Claim<OfferDoc>,
): Promise<void> {
  await Offer.updateOne(
    claim.filter({ state: offer.state }),
    { $set: { 'targets.$[moved].messageId': messageId, 'targets.$[moved].shown': key } },
    { arrayFilters: [{ 'moved.chatId': chatId, 'moved.messageId': null }] },
  );
}

/** Records that these target messages now show `key` (as long as the offer is still in `state`). */
export async function markShown(
  Offer: Model<OfferDoc>,
  offer: Pick<OfferDoc, 'state'>,
  targets: Array<{ chatId: number; messageId: number | null }>,
  key: string,
  claim: Claim<OfferDoc>,
): Promise<void> {
  if (targets.length === 0) return;
  await Offer.updateOne(
    claim.filter({ state: offer.state }),
    { $set: { 'targets.$[t].shown': key } },
    { arrayFilters: [{ $or: targets.map((t) => ({ 't.chatId': t.chatId, 't.messageId': t.messageId })) }] },
  );
}
