import type { InviteStore } from './invites.js';
import type { OwnerNotices } from './owner-notices.js';
import type { AccountRoles } from './roles.js';
import type { StaffDoc } from './staff.js';

/**
 * Joining an account's staff with an invite, and being removed from it: the invite (invites.ts), the
 * membership (staff.ts) and the owner's "X joined" notice (owner-notices.ts) kept in step without a
 * transaction.
 *
 * A join is three consecutive writes: redeem the code (records who used it and when), add the member,
 * record the owner's notice. Each is idempotent, and the redeem lets the same user present the same
 * code again within JOIN_RETRY_WINDOW_MS (invites.ts), so a join interrupted anywhere (a crash, a
 * restart) is completed by its retry: Telegram redelivering the unanswered update, or the user tapping
 * the link again. The retry adds the member if missing (one member, whichever process inserts it),
 * records the notice if missing (keyed by the invite: once), and tells the user they joined. Two
 * processes handling two taps at once end the same way: one member, one notice, both told they joined.
 *
 * A removed member never rejoins through a used invite: removal stamps the invites they used before
 * deleting the membership, the redeem refuses a stamped invite (as used), and a join re-reads the stamp
 * right after its add and undoes that add when the owner removed them meanwhile.
 */
export type JoinResult =
  /** Member through this invite (just now or by an earlier, interrupted, try of it). */
  | { type: 'joined'; accountId: string }
  /** Already staff of that account through another invite: nothing changed, the owner is told nothing. */
  | { type: 'already-staff'; accountId: string }
  /** The account's owner opened their own invite (it is used up, they stay owner). */
  | { type: 'own-account' }
  | { type: 'refused'; reason: 'unknown' | 'expired' | 'used' | 'revoked' };

export class StaffMembership {
  constructor(private readonly opts: { invites: InviteStore; roles: AccountRoles; notices: Pick<OwnerNotices, 'staffJoined'> }) {}

  /** `user` presents invite `code` (`/start <code>`); `name` is what Telegram shows of them, for /staff and the owner's notice. */
  async join(code: string, user: { id: number; name: string }, now: Date): Promise<JoinResult> {
    const { invites, roles, notices } = this.opts;
    const redeemed = await invites.redeem(code, user.id, now);
    if (!redeemed.ok) return { type: 'refused', reason: redeemed.reason };
    const { invite } = redeemed;
    const { accountId, createdBy } = invite;
    if (await roles.isOwner(accountId, user.id)) return { type: 'own-account' };

    const { member } = await roles.staff.add(
      { accountId, userId: user.id, name: user.name, invitedBy: createdBy, inviteId: invite._id },
      now,
    );
    if (member.inviteId !== invite._id) {
      await roles.chooseActing(user.id, accountId);
      return { type: 'already-staff', accountId };
    }
    // The owner may have removed them between the redeem's read and the add (a retry while the owner
    // presses "remove"): the stamp is written before the delete, so reading it after the add sees it.
    if (await invites.removedSinceUse(invite._id)) {
      await roles.staff.removeJoinedWith(accountId, user.id, invite._id);
      return { type: 'refused', reason: 'used' };
    }
    // The owner who made the invite hears who used it (or the account's owner now, if that changed):
    // keyed by the invite, so a retry or a second process records nothing new; delivered by the notice worker.
    const owner = (await roles.isOwner(accountId, createdBy)) ? createdBy : await roles.ownerOf(accountId);
    if (owner !== undefined) await notices.staffJoined({ inviteId: invite._id, accountId }, owner, { name: member.name });
    // They act for the account they just joined (another one can be chosen in /account).
    await roles.chooseActing(user.id, accountId);
    return { type: 'joined', accountId };
  }

  /**
   * The owner removes a member (by the /staff button's id): the removed member, or null when they are
   * not (or no longer) staff. The invites they used are closed first (see invites.ts `memberRemoved`).
   */
  async remove(accountId: string, staffId: string, now: Date): Promise<StaffDoc | null> {
    const { invites, roles } = this.opts;
    const member = await roles.staff.byId(accountId, staffId);
    if (!member) return null;
    await invites.memberRemoved(accountId, member.userId, now);
    return roles.staff.remove(accountId, staffId);
  }
}
