import { Schema, type Connection, type Model } from 'mongoose';
import type { Clock } from '../shared/clock.js';
import { retryOnLostRace } from '../shared/lost-race.js';
import type { AccountStore } from './account-store.js';

/**
 * Notices owed to an account's owner outside any update of theirs (collection `owner_notices`): their
 * linked key rejected by the provider later, a staff member joining with their invite. Recorded here
 * (the accounts layer) by the code that detects the event, delivered by the bot's worker
 * (bot/owner-notices.ts), which claims each due notice with a lease (`sendLease*` fields, see
 * tracking/leases.ts) and marks it delivered.
 *
 * `_id` is the event's own key, so recording is idempotent: the same detection made twice (two
 * processes, a retried handler) records one notice. A notice keeps only what its text shows (the
 * provider username and environment, the member's display name), never a key or another user's id.
 * MongoDB deletes notices RETENTION_DAYS after they were recorded (TTL index on `createdAt`, set at
 * start-up with the orders' ones).
 */
export type OwnerNoticeKind = 'key-rejected' | 'staff-joined';

export type OwnerNoticeData = { kind: 'key-rejected'; username: string; environment: string } | { kind: 'staff-joined'; name: string };

export interface OwnerNoticeDoc {
  _id: string;
  accountId: string;
  /** The owner's Telegram user id: their private chat, where the notice goes. */
  userId: number;
  kind: OwnerNoticeKind;
  /** What the text shows (rendered at delivery time, in the recipient's language then). */
  data: Record<string, string>;
  /** When the worker should (next) try to deliver it; null once delivered or given up. */
  dueAt: Date | null;
  deliveredAt: Date | null;
  /** Why it was given up (the owner blocked the bot, Telegram refused the text); null otherwise. */
  gaveUp: string | null;
  /** Failed attempts so far (network errors, 5xx): the backoff grows with it. */
  attempts: number;
  createdAt: Date;
  sendLeaseUntil?: Date | null;
  sendLeaseOwner?: string | null;
  sendLeaseToken?: string | null;
}

const ownerNoticeSchema = new Schema<OwnerNoticeDoc>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    userId: { type: Number, required: true },
    kind: { type: String, required: true },
    data: { type: Schema.Types.Mixed, required: true },
    dueAt: { type: Date, default: null },
    deliveredAt: { type: Date, default: null },
    gaveUp: { type: String, default: null },
    attempts: { type: Number, default: 0 },
    createdAt: { type: Date, required: true },
    sendLeaseUntil: { type: Date, default: null },
    sendLeaseOwner: { type: String, default: null },
    sendLeaseToken: { type: String, default: null },
  },
  { collection: 'owner_notices', versionKey: false, _id: false },
);
ownerNoticeSchema.index({ dueAt: 1 });

export class OwnerNoticeStore {
  readonly Notice: Model<OwnerNoticeDoc>;

  constructor(connection: Connection) {
    this.Notice =
      (connection.models.OwnerNotice as Model<OwnerNoticeDoc> | undefined) ??
      connection.model<OwnerNoticeDoc>('OwnerNotice', ownerNoticeSchema);
  }

  /**
   * Records a notice owed now, once per `key` (an upsert that only inserts): true when this call
   * recorded it, false when the same event was recorded before.
   */
  async record(key: string, notice: { accountId: string; userId: number } & OwnerNoticeData, now: Date): Promise<boolean> {
    const { accountId, userId, kind, ...data } = notice;
    try {
      // A lost race (a deadlock on servers built on row locks) is tried again: the upsert only inserts.
      const res = await retryOnLostRace(() =>
        this.Notice.updateOne(
          { _id: key },
          {
            $setOnInsert: { accountId, userId, kind, data, dueAt: now, deliveredAt: null, gaveUp: null, attempts: 0, createdAt: now },
          },
          { upsert: true },
        ),
      );
      return res.upsertedCount > 0;
    } catch (err) {
      // Two processes upserting the same key at once: the other one's insert won (servers that do not retry it).
      if ((err as { code?: unknown }).code === 11000) return false;
      throw err;
    }
  }
}

/** The key of "this account's key was rejected" for one rejection episode (see AccountStore.rejectionEpisode). */
export function keyRejectedNoticeKey(accountId: string, episode: string): string {
  return `key-rejected:${accountId}:${episode}`;
}

/** The key of "someone joined with this invite" (an invite is used at most once). */
export function staffJoinedNoticeKey(inviteId: string): string {
  return `staff-joined:${inviteId}`;
}

/**
 * Records the owner notices as their events are detected (each idempotently keyed, see above) and
 * wakes the worker that delivers them (`onRecorded`).
 */
export class OwnerNotices {
  constructor(private readonly opts: { store: OwnerNoticeStore; accounts: AccountStore; clock: Clock; onRecorded: () => void }) {}

  /**
   * A linked key the provider rejected: its owner is owed one notice per rejection episode. Recorded
   * before the account is marked as told, so a crash between the two writes leaves a notice (the
   * next sighting records nothing new, same key), never none.
   */
  async keyRejected(accountId: string): Promise<void> {
    const { accounts, store, clock } = this.opts;
    const pending = await accounts.pendingRejectionNotice(accountId);
    if (!pending) return;
    const { account, episode } = pending;
    const recorded = await store.record(
      keyRejectedNoticeKey(accountId, episode),
      { accountId, userId: account.ownerUserId, kind: 'key-rejected', username: account.username, environment: account.environment },
      new Date(clock.now()),
    );
    await accounts.takeRejectionNotice(accountId);
    if (recorded) this.opts.onRecorded();
  }

  /** Someone joined `accountId` as staff with invite `inviteId`: its owner hears their display name (never their id). */
  async staffJoined(invite: { inviteId: string; accountId: string }, ownerUserId: number, member: { name: string }): Promise<void> {
    const recorded = await this.opts.store.record(
      staffJoinedNoticeKey(invite.inviteId),
      { accountId: invite.accountId, userId: ownerUserId, kind: 'staff-joined', name: member.name },
      new Date(this.opts.clock.now()),
    );
    if (recorded) this.opts.onRecorded();
  }
}
