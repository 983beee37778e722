import { createHash, randomBytes } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { z } from 'zod';
import { retryOnLostRace } from '../shared/lost-race.js';

/**
 * Staff invites (collection `account_invites`): the owner's `/invite` makes a one-time code, sent as
 * a deep link `https://t.me/<bot>?start=<code>`. Only the code's SHA-256 is stored, so a database
 * read does not hand out invites; the invite's own id (`_id`, random, unrelated to the code) is what
 * the "revoke" button carries. A code is good for one person, for 24 h, until revoked; redeeming it
 * is one atomic update that records who used it and when (`usedBy`, `usedAt`), so two people cannot
 * both join with it. MongoDB deletes invites a day after they expire.
 *
 * Joining is three writes (redeem here, the staff membership, the owner's notice: see
 * staff-membership.ts), so the person who redeemed a code may present it again for
 * JOIN_RETRY_WINDOW_MS after redeeming it (Telegram redelivering the update a crash left
 * unanswered, or a second tap on the link) and the join completes what is missing. Never after the
 * owner removed them: removal stamps `memberRemovedAt` on the invites they used (before deleting the
 * membership), and a stamped invite is refused as used, to them as to anyone else.
 */
export interface InviteDoc {
  _id: string;
  codeHash: string;
  accountId: string;
  createdBy: number;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
  usedBy: number | null;
  revokedAt: Date | null;
  /**
   * When the owner removed the member who used this invite (set only on used invites, so always after
   * `usedAt`): the invite no longer lets them complete a join. Absent on invites written before it existed.
   */
  memberRemovedAt?: Date | null;
}

export const INVITE_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * How long after redeeming a code its user may present it again to complete an interrupted join
 * (a restart and Telegram's redelivery take seconds to a minute or two; a second tap comes soon).
 */
export const JOIN_RETRY_WINDOW_MS = 10 * 60 * 1000;

const inviteSchema = new Schema<InviteDoc>(
  {
    _id: { type: String, required: true },
    codeHash: { type: String, required: true },
    accountId: { type: String, required: true },
    createdBy: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    usedAt: { type: Date, default: null },
    usedBy: { type: Number, default: null },
    revokedAt: { type: Date, default: null },
    memberRemovedAt: { type: Date, default: null },
  },
  { collection: 'account_invites', versionKey: false, _id: false },
);
inviteSchema.index({ codeHash: 1 }, { unique: true });
inviteSchema.index({ accountId: 1, expiresAt: 1 });
inviteSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 24 * 60 * 60 });

/** A `/start` payload that may be an invite code: Telegram allows 1-64 of [A-Za-z0-9_-]. */
export const inviteCodeSchema = z.string().regex(/^[A-Za-z0-9_-]{22}$/);
/** The id a "revoke" button carries. */
export const inviteIdSchema = z.string().regex(/^[A-Za-z0-9_-]{12}$/);

/**
 * `retry`: this user had redeemed the code already, within JOIN_RETRY_WINDOW_MS and not removed since:
 * the join goes on to complete whatever an interrupted one left undone.
 */
export type RedeemResult =
  { ok: true; invite: InviteDoc; retry: boolean } | { ok: false; reason: 'unknown' | 'expired' | 'used' | 'revoked' };

/** Decided here, and only here: the same user, within the window after their redeem, never removed since. */
function mayRetry(invite: InviteDoc, userId: number, now: Date): boolean {
  if (invite.usedBy !== userId || !invite.usedAt || invite.memberRemovedAt) return false;
  return now.getTime() - invite.usedAt.getTime() <= JOIN_RETRY_WINDOW_MS;
}

const hashCode = (code: string) => createHash('sha256').update(`invite:${code}`).digest('hex');

export class InviteStore {
  readonly Invite: Model<InviteDoc>;

  constructor(connection: Connection) {
    this.Invite =
      (connection.models.AccountInvite as Model<InviteDoc> | undefined) ?? connection.model<InviteDoc>('AccountInvite', inviteSchema);
  }

  /** A new invite to `accountId`; the code is returned once and never stored. */
  async create(accountId: string, createdBy: number, now: Date): Promise<{ code: string; invite: InviteDoc }> {
    const code = randomBytes(16).toString('base64url');
    const doc = await this.Invite.create({
      _id: randomBytes(9).toString('base64url'),
      codeHash: hashCode(code),
      accountId,
      createdBy,
      createdAt: now,
      expiresAt: new Date(now.getTime() + INVITE_TTL_MS),
    });
    return { code, invite: doc.toObject() };
  }

  /**
   * Uses the invite (once, recording who and when): the account it joins, or why it cannot be used. The
   * user who used it gets it again (`retry`) within JOIN_RETRY_WINDOW_MS of `usedAt`, unless the owner
   * removed them since; anyone else, or they after the window or after a removal, is refused: used.
   */
  async redeem(code: string, userId: number, now: Date): Promise<RedeemResult> {
    const input = inviteCodeSchema.safeParse(code);
    if (!input.success) return { ok: false, reason: 'unknown' };
    const codeHash = hashCode(input.data);
    // Two redeems at once (a double tap on two processes) may race on servers built on row locks: the
    // loser tries again, finds the code used, and goes on below.
    const used = await retryOnLostRace(() =>
      this.Invite.findOneAndUpdate(
        { codeHash, usedAt: null, revokedAt: null, expiresAt: { $gt: now } },
        { $set: { usedAt: now, usedBy: userId } },
        { returnDocument: 'after' },
      ).lean<InviteDoc>(),
    );
    if (used) return { ok: true, invite: used, retry: false };
    const found = await this.Invite.findOne({ codeHash }).lean<InviteDoc>();
    if (!found) return { ok: false, reason: 'unknown' };
    if (found.revokedAt) return { ok: false, reason: 'revoked' };
    if (found.usedAt) return mayRetry(found, userId, now) ? { ok: true, invite: found, retry: true } : { ok: false, reason: 'used' };
    return { ok: false, reason: 'expired' };
  }

  /**
   * The owner removed `userId` from the account: the invites they used can no longer complete a join
   * (see `memberRemovedAt`). Written before the membership is deleted, so a crash between the two
   * leaves them staff (the owner sees them in /staff and removes them again), never removable-then-back.
   */
  async memberRemoved(accountId: string, userId: number, now: Date): Promise<void> {
    await this.Invite.updateMany(
      { accountId, usedBy: userId, usedAt: { $ne: null }, memberRemovedAt: null },
      { $set: { memberRemovedAt: now } },
    );
  }

  /** Whether the owner removed the member who used this invite (read again right after a join's add). */
  async removedSinceUse(inviteId: string): Promise<boolean> {
    const invite = await this.Invite.findById(inviteId, { memberRemovedAt: 1 }).lean<Pick<InviteDoc, 'memberRemovedAt'>>();
    return Boolean(invite?.memberRemovedAt);
  }

  /** Revokes an unused invite of this account; false when there is none (used, expired, another account's). */
  async revoke(accountId: string, inviteId: string, now: Date): Promise<boolean> {
    const input = inviteIdSchema.safeParse(inviteId);
    if (!input.success) return false;
    const res = await this.Invite.updateOne(
      { _id: input.data, accountId, usedAt: null, revokedAt: null, expiresAt: { $gt: now } },
      { $set: { revokedAt: now } },
    );
    return res.modifiedCount === 1;
  }

  /** The account's invites that can still be used, oldest first. */
  async open(accountId: string, now: Date): Promise<InviteDoc[]> {
    return this.Invite.find({ accountId, usedAt: null, revokedAt: null, expiresAt: { $gt: now } })
      .sort({ createdAt: 1 })
      .limit(20)
      .lean<InviteDoc[]>();
  }
}
