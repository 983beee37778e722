/**
 * Stores the offer machine's decisions in MongoDB. Every write is conditioned on the state the
 * decision was taken from, so two presses, or a press and the worker, never both win; the worker's
 * writes are also conditioned on still holding its claim (tracking/leases.ts), so a worker whose
 * claim expired and was taken over (a hung call, a long pause) changes nothing. The one exception is
 * recording a message that exists (`markShownInNew`): a message sent is recorded whoever holds the
 * claim, so that it is never left behind unknown.
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
 * The worker sent a new message (`messageId`, showing `key`) for a chat whose target had no message
 * (see OfferTarget.messageId). A press in that chat may have filled that target with its own new
 * message meanwhile (`follow`, between the worker's read and Telegram's answer): the first message
 * recorded is the chat's, whoever wrote it.
 * - `recorded`: the target had no message yet and now has this one. Written whatever the offer's
 *   state or the worker's claim now: the message exists, and `shown` says what it shows, so a state
 *   reached since (or a worker that took the offer over) edits it rather than sending yet another.
 * - `replaced`: the chat already had a message; this one is remembered in `replacedIn` (the offer made
 *   due at once, so a crash before the edit leaves it owed) and the worker edits it to point to the
 *   chat's message (`settleReplaced`). Returns the offer as stored after that, or null when it is gone.
 * The press's own write is conditioned on the target still having no message, so of the two exactly
 * one is recorded, and the other message is told where to look (the press edits its own, see
 * ResendService.press).
 */
export async function markShownInNew(
  Offer: Model<OfferDoc>,
  offerId: string,
  chatId: number,
  messageId: number,
  key: string,
  now: Date,
): Promise<{ type: 'recorded' } | { type: 'replaced'; offer: OfferDoc | null }> {
  const filled = await Offer.updateOne(
    { _id: offerId, targets: { $elemMatch: { chatId, messageId: null } } },
    { $set: { 'targets.$[moved].messageId': messageId, 'targets.$[moved].shown': key } },
    { arrayFilters: [{ 'moved.chatId': chatId, 'moved.messageId': null }] },
  );
  if (filled.matchedCount > 0) return { type: 'recorded' };
  const offer = await Offer.findOneAndUpdate(
    { _id: offerId },
    { $addToSet: { replacedIn: { chatId, messageId } }, $set: { dueAt: now } },
    { returnDocument: 'after', strict: false },
  ).lean<OfferDoc>();
  return { type: 'replaced', offer };
}

/** A message of `replacedIn` was told where to look (or cannot be edited any more): forget it. */
export async function forgetReplaced(
  Offer: Model<OfferDoc>,
  offerId: string,
  message: { chatId: number; messageId: number },
): Promise<void> {
  await Offer.updateOne({ _id: offerId }, { $pull: { replacedIn: { chatId: message.chatId, messageId: message.messageId } } });
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
