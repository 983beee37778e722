import { randomBytes } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import type { KeyVault } from './key-vault.js';

/**
 * Linked OneClickDz accounts (collection `accounts`): who linked it (the owner), the key sealed by the
 * key vault (never in plain text), and what `/v3/validate` said about it (username, environment,
 * scope; never the rest of that answer, which echoes the key). The account id (`_id`, random) is what
 * orders, watchers and offers carry; the deployment's own account (`ONECLICK_API_KEY`) is `env` and
 * has no document here.
 *
 * One provider account (username + environment) is linked at most once at a time: `activeFor` holds
 * `<environment>:<username>` while a key is linked, under a unique sparse index, and is removed by
 * `/unlink`. The owner linking again (the same or a new key of that provider account) gets the same
 * account id back, so the account's orders stay its own.
 */
export interface AccountDoc {
  _id: string;
  ownerUserId: number;
  /** `v1.…` from KeyVault.seal; null once unlinked. */
  sealedKey: string | null;
  activeFor?: string | undefined;
  providerAccount: string;
  username: string;
  environment: string;
  scope: string;
  linkedAt: Date;
  unlinkedAt: Date | null;
  /** The owner was told the provider rejected the key (once per rejection; cleared when it is accepted again). */
  rejectionNoticeAt?: Date | null;
  /** When a rejection notice was last cleared (the key accepted again): starts a new rejection episode. */
  rejectionNoticeClearedAt?: Date | null;
}

const accountSchema = new Schema<AccountDoc>(
  {
    _id: { type: String, required: true },
    ownerUserId: { type: Number, required: true },
    sealedKey: { type: String, default: null },
    activeFor: { type: String },
    providerAccount: { type: String, required: true },
    username: { type: String, required: true },
    environment: { type: String, required: true },
    scope: { type: String, required: true },
    linkedAt: { type: Date, required: true },
    unlinkedAt: { type: Date, default: null },
    rejectionNoticeAt: { type: Date, default: null },
    rejectionNoticeClearedAt: { type: Date, default: null },
  },
  { collection: 'accounts', versionKey: false, timestamps: true },
);
accountSchema.index({ activeFor: 1 }, { unique: true, sparse: true });
accountSchema.index({ ownerUserId: 1, providerAccount: 1 });

export function accountModel(connection: Connection): Model<AccountDoc> {
  return (connection.models.Account as Model<AccountDoc> | undefined) ?? connection.model<AccountDoc>('Account', accountSchema);
}

/** What `/v3/validate` said about a key, as kept on the account. */
export interface ValidatedKey {
  username: string;
  environment: string;
  scope: string;
}

export type LinkResult =
  | { ok: true; account: AccountDoc; relinked: boolean }
  /** The provider account is linked by someone else: ask its owner for an invite. */
  | { ok: false; reason: 'linked_by_other' }
  /** This user already owns another linked account (one at a time here: /unlink it first). */
  | { ok: false; reason: 'owns_other'; current: AccountDoc };

export class AccountStore {
  readonly Account: Model<AccountDoc>;

  constructor(connection: Connection) {
    this.Account = accountModel(connection);
  }

  /** The account this user owns and has a key linked for, if any. */
  async ownedBy(userId: number): Promise<AccountDoc | null> {
    return this.Account.findOne({ ownerUserId: userId, sealedKey: { $ne: null } }).lean<AccountDoc>();
  }

  async byId(accountId: string): Promise<AccountDoc | null> {
    return this.Account.findById(accountId).lean<AccountDoc>();
  }

  /** Every account with a linked key (the provider clients are built from these). */
  async linked(): Promise<AccountDoc[]> {
    return this.Account.find({ sealedKey: { $ne: null } }).lean<AccountDoc[]>();
  }

  /**
   * Links `apiKey` (already validated) for `userId`. The same owner linking the same provider account
   * again keeps the account id; anyone else is refused while it is linked. Race-safe: the unique
   * `activeFor` index lets only one of two concurrent links of one provider account win.
   */
  async link(userId: number, apiKey: string, info: ValidatedKey, vault: KeyVault, now: Date): Promise<LinkResult> {
    const providerAccount = `${info.environment}:${info.username}`;
    const sealedKey = vault.seal(apiKey);
    const fields = { sealedKey, activeFor: providerAccount, username: info.username, environment: info.environment, scope: info.scope };
    const active = await this.Account.findOne({ activeFor: providerAccount }).lean<AccountDoc>();
    if (active && active.ownerUserId !== userId) return { ok: false, reason: 'linked_by_other' };
    const current = await this.ownedBy(userId);
    if (current && current.providerAccount !== providerAccount) return { ok: false, reason: 'owns_other', current };
    // Sets the new key on an existing account document (same id, so its orders stay its own).
    const relink = (filter: Record<string, unknown>) =>
      this.Account.findOneAndUpdate(
        filter,
        { $set: { ...fields, linkedAt: now, unlinkedAt: null, rejectionNoticeAt: null } },
        { returnDocument: 'after' },
      ).lean<AccountDoc>();
    if (active) {
      const updated = await relink({ _id: active._id, ownerUserId: userId });
      if (updated) return { ok: true, account: updated, relinked: true };
    }
    // The owner's earlier link of this provider account (unlinked since): same id, so its orders are back.
    const earlier = await this.Account.findOne({ ownerUserId: userId, providerAccount, sealedKey: null })
      .sort({ unlinkedAt: -1 })
      .lean<AccountDoc>();
    try {
      if (earlier) {
        const back = await relink({ _id: earlier._id, sealedKey: null });
        if (back) return { ok: true, account: back, relinked: true };
      }
      const created = await this.Account.create({
        _id: newAccountId(),
        ownerUserId: userId,
        providerAccount,
        ...fields,
        linkedAt: now,
        unlinkedAt: null,
      });
      return { ok: true, account: created.toObject(), relinked: false };
    } catch (err) {
      if ((err as { code?: unknown }).code === 11000) return { ok: false, reason: 'linked_by_other' };
      throw err;
    }
  }

  /**
   * The account, if its owner is still to be told its key was rejected, with the rejection episode the
   * notice belongs to: the same until the key is accepted again or relinked, so every process that
   * sees the rejection names the same episode (the notice is recorded once, keyed by it).
   */
  async pendingRejectionNotice(accountId: string): Promise<{ account: AccountDoc; episode: string } | null> {
    const account = await this.Account.findOne({ _id: accountId, sealedKey: { $ne: null }, rejectionNoticeAt: null }).lean<AccountDoc>();
    if (!account) return null;
    return { account, episode: `${account.linkedAt.getTime()}-${account.rejectionNoticeClearedAt?.getTime() ?? 0}` };
  }

  /** Marks the owner as told for this rejection (after the notice was recorded): later sightings skip it. */
  async takeRejectionNotice(accountId: string): Promise<void> {
    await this.Account.updateOne(
      { _id: accountId, sealedKey: { $ne: null }, rejectionNoticeAt: null },
      { $set: { rejectionNoticeAt: new Date() } },
    );
  }

  async clearRejectionNotice(accountId: string): Promise<void> {
    await this.Account.updateOne(
      { _id: accountId, rejectionNoticeAt: { $ne: null } },
      { $set: { rejectionNoticeAt: null, rejectionNoticeClearedAt: new Date() } },
    );
  }

  /** Removes the owner's key (the account and its orders stay, for a later re-link). */
  async unlink(userId: number, now: Date): Promise<AccountDoc | null> {
    return this.Account.findOneAndUpdate(
      { ownerUserId: userId, sealedKey: { $ne: null } },
      { $set: { sealedKey: null, unlinkedAt: now }, $unset: { activeFor: 1 } },
      { returnDocument: 'before' },
    ).lean<AccountDoc>();
  }
}

/** Random, never derived from the key or the username. */
export function newAccountId(): string {
  return `acc_${randomBytes(8).toString('hex')}`;
}
