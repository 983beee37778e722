import { z } from 'zod';
import { isProviderError, ProviderError } from '../provider/errors.js';
import type { OrderKind, ProviderOrder } from '../provider/types.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { DueLoop } from './due-loop.js';
import { DEFAULT_LONG_TAIL_POLICY, type LongTailPolicy } from './long-tail-schedule.js';
import type { LookupOutcome, OrderDoc, TrackingModels, WatcherDoc } from './models.js';
import { checkById, findByQuery, type OrderSourceFor } from './order-source.js';
import { MAX_REF_LENGTH } from './order-query.js';
import { afterCheck, type SchedulingPolicy } from './transitions.js';

/** Brings watchers' messages up to date with an order. Implemented by the bot layer (Telegram). */
export interface OrderDelivery {
  /** Returns a time (ms) to try again when something could not be delivered yet (rate limit, 429). */
  deliver(order: OrderDoc, watchers: WatcherDoc[]): Promise<{ retryAt?: number | undefined }>;
}

/** In the fast phase an unchanged order is re-rendered at most this often (scaled): elapsed time. */
const FAST_REFRESH_MS = 30_000;

/** Every value from a chat is validated here before it reaches a MongoDB query. */
const accountIdSchema = z.string().min(1).max(64);
const chatIdSchema = z.number().int();
const objectIdSchema = z.string().regex(/^[0-9a-f]{24}$/);
const orderQuerySchema = z.discriminatedUnion('by', [
  z.object({ by: z.literal('id'), value: objectIdSchema }),
  z.object({ by: z.literal('ref'), value: z.string().min(1).max(MAX_REF_LENGTH).regex(/^[A-Za-z0-9_\-.+:@]+$/) }),
]);

export const watchRequestSchema = z.object({
  accountId: accountIdSchema,
  chatId: chatIdSchema,
  locale: z.string().regex(/^[a-z]{2}$/),
  query: orderQuerySchema,
  /** `<chat>:<message id>` of the user's request; a redelivered update with the same key is ignored. */
  requestKey: z.string().max(64).nullable(),
  replyTo: z.number().int().nullable(),
});
export type WatchRequest = z.infer<typeof watchRequestSchema>;

export interface TrackerOptions {
  models: TrackingModels;
  sources: OrderSourceFor;
  clock: Clock;
  timeScale: number;
  log: Logger;
  longTail?: LongTailPolicy;
  /** Poll lease: longer than the provider client's worst case (timeout x attempts + back-off). */
  pollLeaseMs?: number;
  deliveryLeaseMs?: number;
  /** A lookup that cannot reach the provider gives up after this long (scaled). */
  lookupGiveUpMs?: number;
  concurrency?: number;
  idleMs?: number;
  random?: () => number;
}

/**
 * The order-tracking domain: turns a /status request into a tracked order document, polls the
 * provider on the fast schedule, and asks the delivery port to update watchers whenever what they
 * should see changes. Knows nothing about Telegram; all state lives in MongoDB.
 */
export class OrderTracker {
  private readonly models: TrackingModels;
  private readonly policy: SchedulingPolicy;
  private readonly pollLeaseMs: number;
  private readonly deliveryLeaseMs: number;
  private readonly lookupGiveUpMs: number;
  private readonly pollLoop: DueLoop<OrderDoc>;
  private deliveryLoop: DueLoop<OrderDoc> | undefined;

  constructor(private readonly opts: TrackerOptions) {
    this.models = opts.models;
    this.policy = { timeScale: opts.timeScale, longTail: opts.longTail ?? DEFAULT_LONG_TAIL_POLICY, random: opts.random };
    this.pollLeaseMs = opts.pollLeaseMs ?? 60_000;
    this.deliveryLeaseMs = opts.deliveryLeaseMs ?? 60_000;
    this.lookupGiveUpMs = (opts.lookupGiveUpMs ?? 120_000) * opts.timeScale;
    this.pollLoop = new DueLoop<OrderDoc>({
      name: 'fast-poll',
      claim: () => this.claimFastPoll(),
      process: (order) => this.pollClaimed(order),
      nextDueAt: () => this.nextDue({ phase: { $in: ['lookup', 'fast'] } }, 'nextCheckAt'),
      concurrency: opts.concurrency ?? 16,
      idleMs: opts.idleMs ?? 1_000,
      clock: opts.clock,
      log: opts.log,
    });
  }

  private now(): Date {
    return new Date(this.opts.clock.now());
  }

  start(delivery: OrderDelivery): void {
    this.deliveryLoop = new DueLoop<OrderDoc>({
      name: 'delivery',
      claim: () => this.claimDelivery(),
      process: (order) => this.deliverClaimed(order, delivery),
      nextDueAt: () => this.nextDue({}, 'deliverAt'),
      concurrency: this.opts.concurrency ?? 16,
      idleMs: this.opts.idleMs ?? 1_000,
      clock: this.opts.clock,
      log: this.opts.log,
    });
    this.pollLoop.start();
    this.deliveryLoop.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.pollLoop.stop(), this.deliveryLoop?.stop()]);
  }

  /** Test hook: stop as a crash would, leaving leases and half-done work behind. */
  abandon(): void {
    this.pollLoop.abandon();
    this.deliveryLoop?.abandon();
  }

  kick(): void {
    this.pollLoop.kick();
    this.deliveryLoop?.kick();
  }

  /**
   * A chat asks for an order. Creates (or shares) the order's document and the chat's watcher, and
   * schedules a delivery, which sends the status message at once. Never calls the provider itself.
   */
  async watch(input: WatchRequest): Promise<{ orderId: string; duplicate: boolean }> {
    const req = watchRequestSchema.parse(input);
    const { Order, Watcher } = this.models;
    const now = this.now();

    let order = await this.findKnown(req.accountId, req.query);
    if (!order) order = await this.openLookup(req, now);

    const existing = await Watcher.findOne({ orderId: order._id, chatId: req.chatId }).lean();
    if (existing && req.requestKey !== null && existing.requestKey === req.requestKey) {
      return { orderId: order._id.toString(), duplicate: true };
    }
    await this.upsertWatcher(order._id, {
      accountId: req.accountId,
      chatId: req.chatId,
      locale: req.locale,
      messageId: null,
      replyTo: req.replyTo,
      requestKey: req.requestKey,
      shownHash: null,
      lastEditAt: null,
    });

    const set: Record<string, unknown> = { deliverAt: now };
    // Asking again about an order in the long tail (or past it) gets a fresh fast phase: the user is
    // looking at the chat right now.
    if (order.phase === 'long' || order.phase === 'expired') {
      Object.assign(set, { phase: 'fast', trackingSince: now, nextCheckAt: now });
    }
    await Order.updateOne({ _id: order._id }, { $set: set, $inc: { version: 1 } });
    this.kick();
    return { orderId: order._id.toString(), duplicate: false };
  }

  /**
   * A top-up the bot itself just sent: track it at once, with `messageId` (the confirmation message)
   * becoming its live status message.
   */
  async trackSent(input: {
    accountId: string;
    kind: OrderKind;
    providerId: string;
    ref: string;
    chatId: number;
    locale: string;
    messageId: number;
  }): Promise<string> {
    const { Order } = this.models;
    const now = this.now();
    const order = await retryOnDuplicateKey(() =>
      Order.findOneAndUpdate(
        { accountId: input.accountId, providerId: input.providerId },
        {
          $setOnInsert: {
            accountId: input.accountId,
            providerId: input.providerId,
            kind: input.kind,
            ref: input.ref,
            phase: 'fast',
            history: [],
            trackingSince: now,
            nextCheckAt: now,
            providerTrouble: false,
            consecutiveFailures: 0,
          },
        },
        { upsert: true, returnDocument: 'after' },
      ).lean<OrderDoc>(),
    );
    await this.upsertWatcher(order!._id, {
      accountId: input.accountId,
      chatId: input.chatId,
      locale: input.locale,
      messageId: input.messageId,
      replyTo: null,
      requestKey: null,
      shownHash: null,
      lastEditAt: null,
    });
    await Order.updateOne({ _id: order!._id }, { $set: { deliverAt: now }, $inc: { version: 1 } });
    this.kick();
    return order!._id.toString();
  }

  /** "Stop notifications" for one chat: no more edits or pushes for this order there; others unaffected. */
  async mute(orderId: string, chatId: number): Promise<boolean> {
    const input = z.object({ orderId: objectIdSchema, chatId: chatIdSchema }).safeParse({ orderId, chatId });
    if (!input.success) return false;
    const result = await this.models.Watcher.updateOne(input.data, { $set: { muted: true } });
    return result.matchedCount > 0;
  }

  /** /unwatch <ref>: mutes the chat's watcher of the order the query names. */
  async unwatch(accountId: string, chatId: number, query: WatchRequest['query']): Promise<boolean> {
    const input = z.object({ accountId: accountIdSchema, query: orderQuerySchema }).parse({ accountId, query });
    const order = await this.findKnown(input.accountId, input.query);
    return order ? this.mute(order._id.toString(), chatId) : false;
  }

  /** The chat's orders that are still being tracked (not muted), oldest first. */
  async pendingFor(chatId: number): Promise<OrderDoc[]> {
    const watchers = await this.models.Watcher.find({ chatId: chatIdSchema.parse(chatId), muted: false }).select({ orderId: 1 }).lean<WatcherDoc[]>();
    if (watchers.length === 0) return [];
    return this.models.Order.find({ _id: { $in: watchers.map((w) => w.orderId) }, phase: { $in: ['lookup', 'fast', 'long'] } })
      .sort({ createdAt: 1 })
      .limit(50)
      .lean<OrderDoc[]>();
  }

  /** Later messages to this chat (including live status updates) use its new language. */
  async setChatLocale(chatId: number, locale: string): Promise<void> {
    await this.models.Watcher.updateMany({ chatId }, { $set: { locale } });
  }

  private async findKnown(accountId: string, query: WatchRequest['query']): Promise<OrderDoc | null> {
    const filter: Record<string, unknown> =
      query.by === 'id'
        ? { accountId, providerId: query.value }
        : { accountId, ref: query.value, phase: { $nin: ['lookup', 'unresolved'] } };
    return this.models.Order.findOne(filter).lean<OrderDoc>();
  }

  /** One lookup document per account and query, shared by every chat asking the same thing. */
  private async openLookup(req: WatchRequest, now: Date): Promise<OrderDoc> {
    const { Order } = this.models;
    const providerId = `lookup:${req.query.by}:${req.query.value}`;
    const fresh = {
      phase: 'lookup',
      lookupOutcome: 'searching',
      trackingSince: now,
      nextCheckAt: now,
      consecutiveFailures: 0,
      providerTrouble: false,
    };
    const doc = await retryOnDuplicateKey(() =>
      Order.findOneAndUpdate(
        { accountId: req.accountId, providerId },
        { $setOnInsert: { accountId: req.accountId, providerId, query: req.query, history: [], ...fresh } },
        { upsert: true, returnDocument: 'after' },
      ).lean<OrderDoc>(),
    );
    if (doc!.phase === 'unresolved') {
      // An earlier lookup ended (not found, outage): the user asks again, so search again.
      return (await Order.findOneAndUpdate({ _id: doc!._id }, { $set: fresh }, { returnDocument: 'after' }).lean<OrderDoc>())!;
    }
    return doc!;
  }

  private async upsertWatcher(
    orderId: OrderDoc['_id'],
    fields: Pick<WatcherDoc, 'accountId' | 'chatId' | 'locale' | 'messageId' | 'replyTo' | 'requestKey' | 'shownHash' | 'lastEditAt'>,
  ): Promise<void> {
    await retryOnDuplicateKey(() =>
      this.models.Watcher.updateOne(
        { orderId, chatId: fields.chatId },
        { $set: { ...fields, muted: false }, $setOnInsert: { announcedStatus: null } },
        { upsert: true },
      ),
    );
  }

  // ---- fast polling -------------------------------------------------------------------------

  private async claimFastPoll(): Promise<OrderDoc | null> {
    const now = this.now();
    return this.models.Order.findOneAndUpdate(
      {
        phase: { $in: ['lookup', 'fast'] },
        nextCheckAt: { $lte: now },
        $or: [{ pollLeaseUntil: null }, { pollLeaseUntil: { $lte: now } }],
      },
      { $set: { pollLeaseUntil: new Date(now.getTime() + this.pollLeaseMs) } },
      { sort: { nextCheckAt: 1 }, returnDocument: 'after' },
    ).lean<OrderDoc>();
  }

  private async nextDue(filter: Record<string, unknown>, field: 'nextCheckAt' | 'deliverAt'): Promise<number | null> {
    const now = this.now();
    const leaseField = field === 'nextCheckAt' ? 'pollLeaseUntil' : 'deliveryLeaseUntil';
    const doc = await this.models.Order.findOne({
      ...filter,
      [field]: { $ne: null },
      $or: [{ [leaseField]: null }, { [leaseField]: { $lte: now } }],
    })
      .sort({ [field]: 1 })
      .select({ [field]: 1 })
      .lean<Pick<OrderDoc, 'nextCheckAt' | 'deliverAt'>>();
    const at = doc?.[field];
    return at ? at.getTime() : null;
  }

  private async pollClaimed(order: OrderDoc): Promise<void> {
    if (order.phase === 'lookup') await this.resolveLookup(order);
    else await this.checkOrder(order);
  }

  /**
   * One provider check of a known order; used by the fast loop and by the long-tail jobs. The caller
   * holds the order's poll lease (`pollLeaseUntil` as claimed).
   */
  async checkOrder(order: OrderDoc): Promise<void> {
    const source = this.opts.sources(order.accountId);
    if (!source || !order.kind) return this.releasePoll(order);
    try {
      const fresh = await checkById(source, order.kind, order.providerId);
      await this.applyFresh(order, fresh, 1);
    } catch (err) {
      await this.recordCheckFailure(order, err, 1);
    }
  }

  /** Stores a fresh provider answer and decides the next step; a delivery follows every check. */
  async applyFresh(order: OrderDoc, fresh: ProviderOrder, calls: number): Promise<void> {
    const now = this.now();
    const outcome = afterCheck(order, fresh, now, this.policy);
    // Watchers are only re-rendered when something they see may have changed: a new status, phase or
    // payload, the end of an outage, every long-tail check ("last checked"), and in the fast phase at
    // most every REFRESH (elapsed time). An unchanged 3-second check costs one MongoDB write, no more.
    const visible =
      outcome.statusChanged ||
      outcome.phase !== order.phase ||
      order.providerTrouble ||
      outcome.phase !== 'fast' ||
      JSON.stringify(fresh.raw) !== JSON.stringify(order.payload?.raw) ||
      now.getTime() - (order.refreshedAt?.getTime() ?? 0) >= FAST_REFRESH_MS * this.opts.timeScale;
    const update: Record<string, unknown> = {
      $set: {
        kind: fresh.kind,
        ref: fresh.ref || order.ref,
        payload: fresh,
        status: outcome.status,
        statusClass: outcome.statusClass,
        phase: outcome.phase,
        nextCheckAt: outcome.nextCheckAt,
        longTail: outcome.longTail,
        lastCheckedAt: now,
        providerTrouble: false,
        consecutiveFailures: 0,
        pollLeaseUntil: null,
        ...(visible ? { deliverAt: now, refreshedAt: now } : {}),
      },
      $inc: { version: visible ? 1 : 0, providerCalls: calls },
      ...(outcome.statusChanged ? { $push: { history: { status: outcome.status, at: now } } } : {}),
    };
    await this.models.Order.updateOne({ _id: order._id }, update);
    await this.followLinkedOrders(order, fresh);
    if (outcome.statusChanged) {
      this.opts.log.info(
        { orderId: order._id.toString(), kind: fresh.kind, from: order.status ?? null, to: fresh.status, phase: outcome.phase },
        'order status changed',
      );
    }
    this.opts.log.debug({ orderId: order._id.toString(), status: fresh.status, next: outcome.nextCheckAt }, 'order checked');
    if (visible) this.kick();
  }

  /**
   * `follow_orderid` / `retry_orderid` are undocumented: we read them as links to related orders, log
   * what the provider sends, and have every chat watching this order follow the linked one too (its own
   * status message, replying to this one). Only a newly seen link does this, not every poll.
   */
  private async followLinkedOrders(order: OrderDoc, fresh: ProviderOrder): Promise<void> {
    if (fresh.kind !== 'mobile') return;
    const before = order.payload?.kind === 'mobile' ? order.payload : undefined;
    for (const field of ['follow_orderid', 'retry_orderid'] as const) {
      const linked = fresh[field]?.trim();
      if (!linked || linked === before?.[field]) continue;
      this.opts.log.info({ orderId: order._id.toString(), field, linked }, 'provider linked another order');
      if (!/^[0-9a-f]{24}$/i.test(linked)) continue;
      const watchers = await this.models.Watcher.find({ orderId: order._id, muted: false }).lean<WatcherDoc[]>();
      for (const w of watchers) {
        await this.watch({
          accountId: order.accountId,
          chatId: w.chatId,
          locale: w.locale,
          query: { by: 'id', value: linked.toLowerCase() },
          requestKey: `link:${order._id.toString()}:${field}`,
          // Before the chat's status message exists (a lookup resolved first), reply to the request it answers.
          replyTo: w.messageId ?? w.replyTo,
        });
      }
    }
  }

  /**
   * A check that failed keeps the last known status (never reads as a failure of the order), flags
   * provider trouble for the watchers, and tries again on the same schedule.
   */
  private async recordCheckFailure(order: OrderDoc, err: unknown, calls: number): Promise<void> {
    const now = this.now();
    const kind = err instanceof ProviderError ? err.kind : 'unexpected';
    this.opts.log.warn({ orderId: order._id.toString(), kind, code: (err as ProviderError).code }, 'order check failed');
    // Reschedule as if the status had not changed.
    const outcome = order.payload
      ? afterCheck(order, order.payload, now, this.policy)
      : { phase: order.phase, nextCheckAt: new Date(now.getTime() + 5_000 * this.opts.timeScale), longTail: order.longTail };
    const troubleChanged = !order.providerTrouble;
    await this.models.Order.updateOne(
      { _id: order._id },
      {
        $set: {
          phase: outcome.phase,
          nextCheckAt: honourRetryAfter(outcome.nextCheckAt, err, now),
          longTail: outcome.longTail,
          providerTrouble: true,
          pollLeaseUntil: null,
          ...(troubleChanged || outcome.phase !== order.phase ? { deliverAt: now } : {}),
        },
        $inc: { consecutiveFailures: 1, providerCalls: calls, version: 1 },
      },
    );
    this.kick();
  }

  private async releasePoll(order: OrderDoc): Promise<void> {
    await this.models.Order.updateOne({ _id: order._id }, { $set: { pollLeaseUntil: null } });
  }

  // ---- lookups ------------------------------------------------------------------------------

  private async resolveLookup(lookup: OrderDoc): Promise<void> {
    const source = this.opts.sources(lookup.accountId);
    if (!source || !lookup.query) return this.finishLookup(lookup, 'unauthorized', 0);
    let found;
    try {
      found = await findByQuery(source, lookup.query);
    } catch (err) {
      return this.lookupFailed(lookup, err);
    }
    if (!found.order) return this.finishLookup(lookup, 'not_found', found.calls);
    await this.adoptLookup(lookup, found.order, found.calls);
  }

  private async lookupFailed(lookup: OrderDoc, err: unknown): Promise<void> {
    const now = this.now();
    if (isProviderError(err, 'unauthorized') || isProviderError(err, 'ip_blocked') || isProviderError(err, 'forbidden')) {
      this.opts.log.error({ code: (err as ProviderError).code }, 'provider rejected the API key');
      return this.finishLookup(lookup, 'unauthorized', 1);
    }
    this.opts.log.warn({ kind: err instanceof ProviderError ? err.kind : 'unexpected' }, 'order lookup failed');
    if (now.getTime() - lookup.trackingSince.getTime() >= this.lookupGiveUpMs) {
      return this.finishLookup(lookup, 'provider_down', 1);
    }
    const failures = lookup.consecutiveFailures + 1;
    const backoffMs = Math.min(3_000 * 2 ** (failures - 1), 30_000) * this.opts.timeScale;
    await this.models.Order.updateOne(
      { _id: lookup._id },
      {
        $set: {
          nextCheckAt: honourRetryAfter(new Date(now.getTime() + backoffMs), err, now),
          providerTrouble: true,
          pollLeaseUntil: null,
          ...(lookup.providerTrouble ? {} : { deliverAt: now }),
        },
        $inc: { consecutiveFailures: 1, providerCalls: 1, version: 1 },
      },
    );
  }

  private async finishLookup(lookup: OrderDoc, outcome: LookupOutcome, calls: number): Promise<void> {
    const now = this.now();
    await this.models.Order.updateOne(
      { _id: lookup._id },
      {
        $set: { phase: 'unresolved', lookupOutcome: outcome, nextCheckAt: null, pollLeaseUntil: null, deliverAt: now },
        $inc: { version: 1, providerCalls: calls },
      },
    );
    this.kick();
  }

  /**
   * The provider knows the order. If nobody tracked it yet, the lookup document becomes the order
   * document; otherwise the lookup's watchers join the existing one (one polling loop per order).
   */
  private async adoptLookup(lookup: OrderDoc, fresh: ProviderOrder, calls: number): Promise<void> {
    const { Order, Watcher } = this.models;
    let existing = await Order.findOne({ accountId: lookup.accountId, providerId: fresh.id }).lean<OrderDoc>();
    if (!existing) {
      try {
        await Order.updateOne(
          { _id: lookup._id },
          { $set: { providerId: fresh.id, kind: fresh.kind, ref: fresh.ref, phase: 'fast' }, $unset: { query: 1, lookupOutcome: 1 } },
        );
        const converted = { ...lookup, providerId: fresh.id, kind: fresh.kind, ref: fresh.ref, phase: 'fast' as const };
        return await this.applyFresh(converted, fresh, calls);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        existing = await Order.findOne({ accountId: lookup.accountId, providerId: fresh.id }).lean<OrderDoc>();
        if (!existing) throw err;
      }
    }
    for (const w of await Watcher.find({ orderId: lookup._id }).lean<WatcherDoc[]>()) {
      const { accountId, chatId, locale, messageId, replyTo, requestKey, shownHash, lastEditAt } = w;
      await this.upsertWatcher(existing._id, { accountId, chatId, locale, messageId, replyTo, requestKey, shownHash, lastEditAt });
      await Watcher.deleteOne({ _id: w._id });
    }
    await Order.deleteOne({ _id: lookup._id });
    if (existing.phase === 'final') {
      await Order.updateOne({ _id: existing._id }, { $set: { deliverAt: this.now() }, $inc: { version: 1 } });
      this.kick();
    } else {
      await this.applyFresh(existing, fresh, calls);
    }
  }

  // ---- delivery -----------------------------------------------------------------------------

  private async claimDelivery(): Promise<OrderDoc | null> {
    const now = this.now();
    return this.models.Order.findOneAndUpdate(
      {
        deliverAt: { $ne: null, $lte: now },
        $or: [{ deliveryLeaseUntil: null }, { deliveryLeaseUntil: { $lte: now } }],
      },
      { $set: { deliveryLeaseUntil: new Date(now.getTime() + this.deliveryLeaseMs) } },
      { sort: { deliverAt: 1 }, returnDocument: 'after' },
    ).lean<OrderDoc>();
  }

  private async deliverClaimed(order: OrderDoc, delivery: OrderDelivery): Promise<void> {
    const { Order, Watcher } = this.models;
    let retryAt: number | undefined;
    try {
      const watchers = await Watcher.find({ orderId: order._id }).lean<WatcherDoc[]>();
      ({ retryAt } = await delivery.deliver(order, watchers));
    } catch (err) {
      this.opts.log.error({ err, orderId: order._id.toString() }, 'delivery failed; will retry');
      retryAt = this.opts.clock.now() + 5_000;
    }
    if (retryAt !== undefined) {
      await Order.updateOne({ _id: order._id }, { $set: { deliverAt: new Date(retryAt), deliveryLeaseUntil: null } });
      return;
    }
    // Only clear the debt if nothing changed while we were delivering; otherwise deliver again.
    const cleared = await Order.updateOne(
      { _id: order._id, version: order.version },
      { $set: { deliverAt: null, deliveryLeaseUntil: null } },
    );
    if (cleared.matchedCount === 0) {
      await Order.updateOne({ _id: order._id }, { $set: { deliveryLeaseUntil: null } });
      this.kick();
    }
  }
}

/**
 * A provider that asked us to wait (429 Retry-After longer than the client will sleep, an IP block) is
 * not called again before then. That wait is the provider's rule, so TIME_SCALE does not shorten it.
 */
function honourRetryAfter(next: Date | null, err: unknown, now: Date): Date | null {
  const waitMs = err instanceof ProviderError ? err.retryAfterMs : undefined;
  if (next === null || waitMs === undefined) return next;
  return new Date(Math.max(next.getTime(), now.getTime() + waitMs));
}

function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

/** Two concurrent upserts on a unique key: one loses with E11000 and simply tries again. */
async function retryOnDuplicateKey<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    return op();
  }
}
