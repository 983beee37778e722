import { randomBytes } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { z } from 'zod';
import { lostRace } from '../shared/lost-race.js';

/**
 * Staff of an account (collection `account_staff`): users who joined with an invite. The owner is
 * not here (the account's `ownerUserId`, or ALLOWED_USER_IDS for the deployment's own account).
 * `_id` is random: it is what the /staff buttons carry, and says nothing about the user. A removed
 * member's document is deleted; joining again makes a new one (re-send right off again). Joining and
 * removal go through staff-membership.ts, which keeps the invites in step.
 */
export interface StaffDoc {
  _id: string;
  accountId: string;
  userId: number;
  /** The name Telegram showed when they joined (first name, @username), for /staff. */
  name: string;
  /** May confirm suggested offers (money leaves the account). Off until the owner allows it. */
  canResend: boolean;
  invitedBy: number;
  /** The invite they joined with (a retried join of the same invite completes this membership); absent on older members. */
  inviteId?: string | null;
  joinedAt: Date;
}

const staffSchema = new Schema<StaffDoc>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    userId: { type: Number, required: true },
    name: { type: String, required: true },
    canResend: { type: Boolean, default: false },
    invitedBy: { type: Number, required: true },
    inviteId: { type: String, default: null },
    joinedAt: { type: Date, required: true },
  },
  { collection: 'account_staff', versionKey: false, _id: false },
);
staffSchema.index({ accountId: 1, userId: 1 }, { unique: true });
staffSchema.index({ userId: 1 });

/** The id a /staff button carries. */
export const staffIdSchema = z.string().regex(/^[A-Za-z0-9_-]{12}$/);

export class StaffStore {
  readonly Staff: Model<StaffDoc>;

  constructor(connection: Connection) {
    this.Staff = (connection.models.AccountStaff as Model<StaffDoc> | undefined) ?? connection.model<StaffDoc>('AccountStaff', staffSchema);
  }

  /**
   * Adds the user to the account's staff (an upsert that only inserts, so two processes adding the same
   * user make one member, the loser reading the winner's); a member already there is left as they are. `member.inviteId` says which
   * invite the membership came from.
   */
  async add(
    input: { accountId: string; userId: number; name: string; invitedBy: number; inviteId: string },
    now: Date,
  ): Promise<{ member: StaffDoc; added: boolean }> {
    for (let attempt = 1; ; attempt++) {
      const existing = await this.member(input.accountId, input.userId);
      if (existing) return { member: existing, added: false };
      try {
        const member = await this.Staff.findOneAndUpdate(
          { accountId: input.accountId, userId: input.userId },
          {
            $setOnInsert: {
              _id: randomBytes(9).toString('base64url'),
              name: input.name.slice(0, 64),
              canResend: false,
              invitedBy: input.invitedBy,
              inviteId: input.inviteId,
              joinedAt: now,
            },
          },
          { upsert: true, returnDocument: 'after' },
        ).lean<StaffDoc>();
        return { member: member, added: true };
      } catch (err) {
        // Another process's insert of the same member won (E11000, or a deadlock on servers built on row
        // locks): read theirs on the next turn.
        if (!lostRace(err) || attempt >= 4) throw err;
        await new Promise((resolve) => setTimeout(resolve, 5 * attempt));
      }
    }
  }

  async member(accountId: string, userId: number): Promise<StaffDoc | null> {
    return this.Staff.findOne({ accountId, userId }).lean<StaffDoc>();
  }

  async list(accountId: string): Promise<StaffDoc[]> {
    return this.Staff.find({ accountId }).sort({ joinedAt: 1 }).limit(100).lean<StaffDoc[]>();
  }

  /** The accounts this user is staff of. */
  async accountsOf(userId: number): Promise<StaffDoc[]> {
    return this.Staff.find({ userId }).sort({ joinedAt: 1 }).limit(50).lean<StaffDoc[]>();
  }

  /** A member of this account by the /staff button's id; null when not (or no longer) staff. */
  async byId(accountId: string, staffId: string): Promise<StaffDoc | null> {
    const input = staffIdSchema.safeParse(staffId);
    if (!input.success) return null;
    return this.Staff.findOne({ _id: input.data, accountId }).lean<StaffDoc>();
  }

  /** Deletes the membership this user got from this invite, if any (a join undone: they were removed meanwhile). */
  async removeJoinedWith(accountId: string, userId: number, inviteId: string): Promise<void> {
    await this.Staff.deleteOne({ accountId, userId, inviteId });
  }

  /**
   * Removes a member of this account (by the button's id); the removed member, or null when gone already.
   * Use StaffMembership.remove, which first closes the invites they used.
   */
  async remove(accountId: string, staffId: string): Promise<StaffDoc | null> {
    const input = staffIdSchema.safeParse(staffId);
    if (!input.success) return null;
    return this.Staff.findOneAndDelete({ _id: input.data, accountId }).lean<StaffDoc>();
  }

  /** Allows or forbids re-sends to a member of this account; null when they are not (or no longer) staff. */
  async setResend(accountId: string, staffId: string, allowed: boolean): Promise<StaffDoc | null> {
    const input = staffIdSchema.safeParse(staffId);
    if (!input.success) return null;
    return this.Staff.findOneAndUpdate(
      { _id: input.data, accountId },
      { $set: { canResend: allowed } },
      { returnDocument: 'after' },
    ).lean<StaffDoc>();
  }
}
