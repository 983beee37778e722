/**
 * Lookup documents: a /status for a ref or id nobody tracks yet opens a `lookup` order
 * (`openLookup`, from OrderTracker.watch); the fast-poll loop hands it to `LookupResolver` to be found
 * at the provider, then converted into the real order document or merged into an existing one, or
 * ended as `unresolved` (not found, provider down, key rejected).
 */
import { isKeyUnlinked, ProviderError } from '../provider/errors.js';
import type { ProviderOrder } from '../provider/types.js';
import type { Claim } from './leases.js';
import type { LookupOutcome, OrderDoc, TrackingModels, WatcherDoc } from './models.js';
import { meansNoUsableProvider, type PollWorkOptions } from './order-checks.js';
import { toUpdate, transition, type MachinePolicy, type OrderEvent } from './order-machine.js';
import { findByQuery } from './order-source.js';
import { syncWatchersClosedAt } from './retention.js';
import { isDuplicateKey, oweDelivery, upsertWatcher } from './order-store.js';
import { retryOnLostRace } from '../shared/lost-race.js';
import type { WatchRequest } from './requests.js';

/**
 * Opens the lookup document for a /status nobody tracks yet. One lookup document per account and
 * query, shared by every chat asking the same thing.
 */
export async function openLookup(models: TrackingModels, req: WatchRequest, now: Date, policy: MachinePolicy): Promise<OrderDoc> {
  const { Order } = models;
  const providerId = `lookup:${req.query.by}:${req.query.value}`;
  const opened = transition(null, { type: 'lookup_opened' }, now, policy);
  const doc = await retryOnLostRace(() =>
    Order.findOneAndUpdate(
      { accountId: req.accountId, providerId },
      { $setOnInsert: { accountId: req.accountId, providerId, query: req.query, history: [], ...opened.set } },
      { upsert: true, returnDocument: 'after' },
    ).lean<OrderDoc>(),
  );
  if (doc.phase === 'unresolved') {
    // An earlier lookup ended (not found, outage): the user asks again, so search again.
    const reopening = transition(doc, { type: 'lookup_opened' }, now, policy);
    const again = await Order.findOneAndUpdate({ _id: doc._id, phase: 'unresolved' }, toUpdate(reopening), {
      returnDocument: 'after',
    }).lean<OrderDoc>();
    if (again) await syncWatchersClosedAt(models, again._id, reopening);
    return again ?? (await Order.findOne({ _id: doc._id }).lean<OrderDoc>()) ?? doc;
  }
  return doc;
}

export interface LookupResolverOptions extends PollWorkOptions {
  /** Wakes the tracker's loops: a delivery became due. */
  kick: () => void;
}

export class LookupResolver {
  constructor(private readonly opts: LookupResolverOptions) {}

  private now(): Date {
    return new Date(this.opts.clock.now());
  }

  /** One attempt to find a lookup's order; `claim` is its poll lease (writes apply only while it holds). */
  async resolveLookup(claim: Claim<OrderDoc>): Promise<void> {
    const lookup = claim.doc;
    const source = this.opts.sources(lookup.accountId);
    // No client for the account: its owner unlinked its key (the env account without a key has no lookups).
    if (!source) return this.finishLookup(claim, 'unlinked', 0);
    if (!lookup.query) return this.finishLookup(claim, 'unauthorized', 0);
    let found;
    const alive = claim.keepAlive();
    try {
      found = await findByQuery(source, lookup.query);
    } catch (err) {
      return await this.lookupFailed(claim, err);
    } finally {
      alive.stop();
    }
    if (!found.order) return this.finishLookup(claim, 'not_found', found.calls);
    await this.adoptLookup(claim, found.order, found.calls);
  }

  private async lookupFailed(claim: Claim<OrderDoc>, err: unknown): Promise<void> {
    if (isKeyUnlinked(err)) return this.finishLookup(claim, 'unlinked', 0);
    if (meansNoUsableProvider(err)) {
      this.opts.log.error({ code: (err as ProviderError).code, kind: (err as ProviderError).kind }, 'provider refused the API key');
      return this.finishLookup(claim, 'unauthorized', 1);
    }
    this.opts.log.warn({ kind: err instanceof ProviderError ? err.kind : 'unexpected' }, 'order lookup failed');
    const retryAfterMs = err instanceof ProviderError ? err.retryAfterMs : undefined;
    await this.commit(claim, { type: 'lookup_failed', retryAfterMs, calls: 1 });
  }

  private finishLookup(claim: Claim<OrderDoc>, outcome: LookupOutcome, calls: number): Promise<void> {
    return this.commit(claim, { type: 'lookup_ended', outcome, calls });
  }

  /** Our claim expired mid-lookup and another worker took over: only the provider calls we made are still counted. */
  private async lostClaim(lookup: OrderDoc, calls: number): Promise<void> {
    this.opts.log.warn({ orderId: lookup._id.toString() }, 'lookup claim lost mid-work; its result was dropped');
    if (calls > 0) await this.opts.models.Order.updateOne({ _id: lookup._id }, { $inc: { providerCalls: calls } });
  }

  private async commit(claim: Claim<OrderDoc>, event: OrderEvent): Promise<void> {
    const t = transition(claim.doc, event, this.now(), this.opts.policy);
    if (!(await claim.release(toUpdate(t)))) return this.lostClaim(claim.doc, 'calls' in event ? event.calls : 0);
    await syncWatchersClosedAt(this.opts.models, claim.doc._id, t);
    if (t.deliver) this.opts.kick();
  }

  /**
   * The provider knows the order. If nobody tracked it yet, the lookup document becomes the order
   * document; otherwise the lookup's watchers join the existing one (one polling loop per order).
   */
  private async adoptLookup(claim: Claim<OrderDoc>, fresh: ProviderOrder, calls: number): Promise<void> {
    const lookup = claim.doc;
    const { Order } = this.opts.models;
    let existing = await Order.findOne({ accountId: lookup.accountId, providerId: fresh.id }).lean<OrderDoc>();
    if (!existing) {
      try {
        const found = transition(lookup, { type: 'lookup_found', fresh }, this.now(), this.opts.policy);
        // Another worker took the lookup over: it finishes it.
        if (!(await claim.write(toUpdate(found)))) return this.lostClaim(lookup, calls);
        const doc = { ...lookup, ...found.set };
        return await this.opts.checks.applyFresh(claim.withDoc(doc), fresh, calls);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        existing = await Order.findOne({ accountId: lookup.accountId, providerId: fresh.id }).lean<OrderDoc>();
        if (!existing) throw err;
      }
    }
    // Marked first, while still ours (a worker whose claim expired mid-lookup leaves the merge to the
    // new holder): a chat joining the lookup from now on moves its own watcher (OrderTracker.watch),
    // and one that joined before is among the watchers moved here.
    if (!(await claim.write({ $set: { mergedInto: existing._id } }))) return;
    await moveLookupWatchers(this.opts.models, lookup._id, existing);
    await Order.deleteOne(claim.filter());
    // Its (new) watchers are owed a delivery whatever the answer in hand does: an answer that changes
    // nothing (an order another chat's lookup just created, already showing this status) writes no
    // delivery of its own, and the chat would wait for its message until the status changed.
    await oweDelivery(this.opts.models, existing._id, this.now());
    this.opts.kick();
    // The existing order is polled under its own lease: apply the answer only if we can claim it;
    // otherwise its current poller checks it soon. A final order keeps its state (the answer in hand
    // may predate its resolution).
    const existingClaim = await this.opts.pollLease.claimOne({ _id: existing._id, phase: { $ne: 'final' } });
    if (existingClaim) await this.opts.checks.applyFresh(existingClaim, fresh, calls);
  }
}

/**
 * Moves the watchers still on a lookup document to the order it found, which was already tracked.
 * Run by the lookup's resolver, and by a chat that joined the lookup while it was being merged; each
 * move applies only while the watcher is still on the lookup, so running it twice moves nothing twice.
 */
export async function moveLookupWatchers(
  models: TrackingModels,
  lookupId: OrderDoc['_id'],
  target: Pick<OrderDoc, '_id' | 'closedAt'>,
): Promise<void> {
  const { Watcher } = models;
  for (const w of await Watcher.find({ orderId: lookupId }).lean<WatcherDoc[]>()) {
    // Re-point the same watcher document (same _id): a delivery sending its first message right
    // now records the message id on it, so the message is neither lost nor sent a second time.
    try {
      await Watcher.updateOne({ _id: w._id, orderId: lookupId }, { $set: { orderId: target._id, closedAt: target.closedAt ?? null } });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // Merged before it is deleted, so a crash in between loses nothing; a second run merging it again
      // only repeats an entry of \`replaced\`, whose edits go by message id.
      await mergeWatcher(models, w, target._id);
      await Watcher.deleteOne({ _id: w._id, orderId: lookupId });
    }
  }
}

/**
 * The chat already follows the order the lookup found (it asked by ref and by id): one watcher keeps
 * both requests' messages. The newest message stays live and the other is replaced (never left
 * behind); a request still owed its message gets it, as the newest, replacing the other.
 */
async function mergeWatcher(models: TrackingModels, w: WatcherDoc, orderId: OrderDoc['_id']): Promise<void> {
  const { Watcher } = models;
  const other = await Watcher.findOne({ orderId, chatId: w.chatId }).select({ messageId: 1 }).lean<Pick<WatcherDoc, '_id' | 'messageId'>>();
  const mine = [...(w.replaced ?? []), ...(w.messageId !== null ? [{ messageId: w.messageId, shownHash: w.shownHash }] : [])];
  if (other?.messageId != null && w.messageId !== null && other.messageId > w.messageId) {
    const kept = await Watcher.updateOne({ _id: other._id, messageId: other.messageId }, { $push: { replaced: { $each: mine } } });
    if (kept.matchedCount > 0) return;
  }
  const { accountId, chatId, locale, messageId, replyTo, requestKey, shownHash, lastEditAt } = w;
  await upsertWatcher(
    models,
    orderId,
    { accountId, chatId, locale, messageId, replyTo, requestKey, shownHash, lastEditAt },
    w.replaced ?? [],
  );
}
