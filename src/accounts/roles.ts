import { Schema, type Connection, type Model } from 'mongoose';
import type { AccountStore } from './account-store.js';
import type { GroupLinks } from './group-links.js';
import type { StaffStore } from './staff.js';
import { retryOnLostRace } from '../shared/lost-race.js';

/**
 * Who a user is on an account:
 *   owner   linked the account's key (or, on the deployment's own account `env`, is in ALLOWED_USER_IDS):
 *           every right, re-sends included; invites and manages staff, links groups
 *   staff   joined with the owner's invite: looks orders up and follows them; confirms re-sends only
 *           when the owner allowed it
 *   member  a member of a group linked to the account: staff without re-send rights
 */
export type Role = 'owner' | 'staff' | 'member';

export interface Actor {
  accountId: string;
  role: Role;
  /** May confirm a suggested offer (money leaves the account). */
  canResend: boolean;
}

/** The account a user acts for in private chats when they belong to several (chosen in /account). */
interface ActingChoiceDoc {
  _id: number; // Telegram user id
  accountId: string;
}

const actingChoiceSchema = new Schema<ActingChoiceDoc>(
  { _id: { type: Number, required: true }, accountId: { type: String, required: true } },
  { collection: 'acting_accounts', versionKey: false, _id: false },
);

export interface AccountRolesOptions {
  connection: Connection;
  accounts: AccountStore;
  staff: StaffStore;
  groups: GroupLinks;
  /** The deployment's own account (ONECLICK_API_KEY), owned by every ALLOWED_USER_IDS user; undefined without a key. */
  envAccountId: string | undefined;
  allowedUserIds: ReadonlySet<number>;
}

/** Roles, the account a chat acts for, and the re-send right the domain checks before money leaves. */
export class AccountRoles {
  private readonly Choice: Model<ActingChoiceDoc>;

  constructor(private readonly opts: AccountRolesOptions) {
    const { connection } = opts;
    this.Choice =
      (connection.models.ActingAccount as Model<ActingChoiceDoc> | undefined) ??
      connection.model<ActingChoiceDoc>('ActingAccount', actingChoiceSchema);
  }

  get staff(): StaffStore {
    return this.opts.staff;
  }

  get groups(): GroupLinks {
    return this.opts.groups;
  }

  /** How an account is named to its members: the provider's username and environment; undefined for `env`. */
  async describe(accountId: string): Promise<{ username: string; environment: string } | undefined> {
    if (accountId === this.opts.envAccountId) return undefined;
    const account = await this.opts.accounts.byId(accountId);
    return account ? { username: account.username, environment: account.environment } : undefined;
  }

  /** The owner's user id of a linked account (undefined for `env`, which ALLOWED_USER_IDS own, and unlinked ones). */
  async ownerOf(accountId: string): Promise<number | undefined> {
    if (accountId === this.opts.envAccountId) return undefined;
    const account = await this.opts.accounts.byId(accountId);
    return account && account.sealedKey !== null ? account.ownerUserId : undefined;
  }

  async isOwner(accountId: string, userId: number): Promise<boolean> {
    if (accountId === this.opts.envAccountId) return this.opts.allowedUserIds.has(userId);
    return (await this.ownerOf(accountId)) === userId;
  }

  /** The account this user owns (their linked one first, else `env` when they are in ALLOWED_USER_IDS). */
  async ownedBy(userId: number): Promise<string | undefined> {
    const linked = await this.opts.accounts.ownedBy(userId);
    if (linked) return linked._id;
    return this.opts.envAccountId !== undefined && this.opts.allowedUserIds.has(userId) ? this.opts.envAccountId : undefined;
  }

  /** The user's role on the account outside groups (owner or staff), or undefined when they have none. */
  async actorOn(accountId: string, userId: number): Promise<Actor | undefined> {
    if (await this.isOwner(accountId, userId)) return { accountId, role: 'owner', canResend: true };
    const member = await this.opts.staff.member(accountId, userId);
    return member ? { accountId, role: 'staff', canResend: member.canResend } : undefined;
  }

  /**
   * Whether this user may confirm a re-send on this account (the owner, or staff the owner allowed).
   * Checked by the domain when a press would confirm (ResendService.press) and again by the offer
   * worker right before the POST; a group member is only allowed when they are such staff themselves.
   */
  async mayResend(accountId: string, userId: number): Promise<boolean> {
    return (await this.actorOn(accountId, userId))?.canResend === true;
  }

  /** Every account the user belongs to outside groups: owned first, then staff memberships. */
  async accountsOf(userId: number): Promise<Actor[]> {
    const actors: Actor[] = [];
    const linked = await this.opts.accounts.ownedBy(userId);
    if (linked) actors.push({ accountId: linked._id, role: 'owner', canResend: true });
    if (this.opts.envAccountId !== undefined && this.opts.allowedUserIds.has(userId)) {
      actors.push({ accountId: this.opts.envAccountId, role: 'owner', canResend: true });
    }
    for (const member of await this.opts.staff.accountsOf(userId)) {
      if (actors.some((a) => a.accountId === member.accountId)) continue;
      // A staff membership of an account whose key was unlinked gives nothing to act on.
      if (member.accountId !== this.opts.envAccountId && (await this.ownerOf(member.accountId)) === undefined) continue;
      actors.push({ accountId: member.accountId, role: 'staff', canResend: member.canResend });
    }
    return actors;
  }

  /** The account the user acts for in a private chat: the one chosen in /account, else the first of accountsOf. */
  async actingInPrivate(userId: number): Promise<Actor | undefined> {
    const [actors, choice] = await Promise.all([this.accountsOf(userId), this.Choice.findById(userId).lean<ActingChoiceDoc>()]);
    return actors.find((a) => a.accountId === choice?.accountId) ?? actors[0];
  }

  /** Chooses the account the user acts for in private chats; false when they do not belong to it. */
  async chooseActing(userId: number, accountId: string): Promise<boolean> {
    const actors = await this.accountsOf(userId);
    if (!actors.some((a) => a.accountId === accountId)) return false;
    // Two processes choosing at once (a join's retry) may race on the upsert: the same write again is harmless.
    await retryOnLostRace(() => this.Choice.updateOne({ _id: userId }, { $set: { accountId } }, { upsert: true }));
    return true;
  }

  /**
   * In a group: the account it is linked to and the user's role there (members act as staff without
   * re-sends). `userId` undefined: a sender Telegram does not name (an administrator posting as the
   * group, a member posting as a channel): a member, whatever their role elsewhere.
   */
  async actingInGroup(chatId: number, userId: number | undefined): Promise<Actor | undefined> {
    const accountId = await this.opts.groups.accountOf(chatId);
    if (accountId === undefined) return undefined;
    // A group whose account's key was unlinked shows nothing until it is linked again.
    if (accountId !== this.opts.envAccountId && (await this.ownerOf(accountId)) === undefined) return undefined;
    const actor = userId === undefined ? undefined : await this.actorOn(accountId, userId);
    return actor ?? { accountId, role: 'member', canResend: false };
  }
}
