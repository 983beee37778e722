import { randomBytes } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';

/**
 * Staff groups (collection `account_groups`): a Telegram group linked to one account by its owner
 * (`/link` in the group). `_id` is the group's chat id; a group upgraded to a supergroup gets the
 * new id (`migrate`), a group that removed the bot is unlinked.
 */
export interface GroupLinkDoc {
  _id: number;
  accountId: string;
  linkedBy: number;
  linkedAt: Date;
  title?: string | undefined;
}

const groupLinkSchema = new Schema<GroupLinkDoc>(
  {
    _id: { type: Number, required: true },
    accountId: { type: String, required: true },
    linkedBy: { type: Number, required: true },
    linkedAt: { type: Date, required: true },
    title: { type: String },
  },
  { collection: 'account_groups', versionKey: false, _id: false },
);
groupLinkSchema.index({ accountId: 1 });

/** What an anonymous sender asked for in the group, to be done once its owner identifies. */
export type GroupClaimAction = 'link' | 'unlink';

/**
 * An anonymous `/link` or `/unlink` in a group (collection `group_link_requests`): sent by an
 * administrator posting as the group (or by someone posting as a channel), so Telegram does not say
 * who sent it. The bot answers with one "I am the owner" button carrying `_id`; pressing it reveals
 * the real user (callback_query.from), who is then checked like the sender of a plain /link. Usable
 * once, until `expiresAt`; a refused press does not use it up (a member cannot spoil the owner's button).
 */
interface GroupClaimDoc {
  _id: string;
  chatId: number;
  action: GroupClaimAction;
  expiresAt: Date;
  usedAt: Date | null;
}

const groupClaimSchema = new Schema<GroupClaimDoc>(
  {
    _id: { type: String, required: true },
    chatId: { type: Number, required: true },
    action: { type: String, enum: ['link', 'unlink'], required: true },
    expiresAt: { type: Date, required: true },
    usedAt: { type: Date, default: null },
  },
  { collection: 'group_link_requests', versionKey: false, _id: false },
);
// MongoDB deletes them a day after they expire (a press meanwhile reads "expired" either way).
groupClaimSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 24 * 60 * 60 });

/** How long the "I am the owner" button under an anonymous /link or /unlink works. */
export const GROUP_CLAIM_TTL_MS = 10 * 60_000;

export class GroupLinks {
  readonly GroupLink: Model<GroupLinkDoc>;
  private readonly Claim: Model<GroupClaimDoc>;

  constructor(connection: Connection) {
    this.GroupLink =
      (connection.models.AccountGroup as Model<GroupLinkDoc> | undefined) ??
      connection.model<GroupLinkDoc>('AccountGroup', groupLinkSchema);
    this.Claim =
      (connection.models.GroupLinkRequest as Model<GroupClaimDoc> | undefined) ??
      connection.model<GroupClaimDoc>('GroupLinkRequest', groupClaimSchema);
  }

  /** Records an anonymous /link or /unlink of this group; the id goes in its "I am the owner" button. */
  async openClaim(chatId: number, action: GroupClaimAction, now: Date): Promise<string> {
    const _id = randomBytes(9).toString('base64url');
    await this.Claim.create({ _id, chatId, action, expiresAt: new Date(now.getTime() + GROUP_CLAIM_TTL_MS), usedAt: null });
    return _id;
  }

  /** What the button asks for, while it is usable in this group (not used, not expired); undefined otherwise. */
  async openClaimOf(claimId: string, chatId: number, now: Date): Promise<GroupClaimAction | undefined> {
    const claim = await this.Claim.findOne({ _id: claimId, chatId, usedAt: null, expiresAt: { $gt: now } }).lean<GroupClaimDoc>();
    return claim?.action;
  }

  /** Uses the button up; false when it was used (a concurrent press) or expired meanwhile. */
  async useClaim(claimId: string, chatId: number, now: Date): Promise<boolean> {
    const res = await this.Claim.updateOne({ _id: claimId, chatId, usedAt: null, expiresAt: { $gt: now } }, { $set: { usedAt: now } });
    return res.modifiedCount > 0;
  }

  /** The account this group is linked to, if any. */
  async accountOf(chatId: number): Promise<string | undefined> {
    const link = await this.GroupLink.findById(chatId).select({ accountId: 1 }).lean<GroupLinkDoc>();
    return link?.accountId;
  }

  /** Links the group to the account (re-linking it to another account of the same owner moves it). */
  async link(chatId: number, accountId: string, linkedBy: number, now: Date, title?: string): Promise<void> {
    await this.GroupLink.updateOne(
      { _id: chatId },
      { $set: { accountId, linkedBy, linkedAt: now, ...(title ? { title: title.slice(0, 128) } : {}) } },
      { upsert: true },
    );
  }

  /** Ends the group's link; the link that ended, or null when there was none. */
  async unlink(chatId: number): Promise<GroupLinkDoc | null> {
    return this.GroupLink.findOneAndDelete({ _id: chatId }).lean<GroupLinkDoc>();
  }

  /** The account's groups. */
  async groupsOf(accountId: string): Promise<GroupLinkDoc[]> {
    return this.GroupLink.find({ accountId }).sort({ linkedAt: 1 }).limit(50).lean<GroupLinkDoc[]>();
  }

  /** The group became a supergroup: its link follows it to the new chat id. */
  async migrate(fromChatId: number, toChatId: number): Promise<boolean> {
    const old = await this.GroupLink.findById(fromChatId).lean<GroupLinkDoc>();
    if (!old) return false;
    try {
      await this.GroupLink.updateOne(
        { _id: toChatId },
        {
          $setOnInsert: {
            accountId: old.accountId,
            linkedBy: old.linkedBy,
            linkedAt: old.linkedAt,
            ...(old.title ? { title: old.title } : {}),
          },
        },
        { upsert: true },
      );
    } catch (err) {
      // Both service messages (old chat, new chat) handled at once: the other one inserted it.
      if ((err as { code?: unknown }).code !== 11000) throw err;
    }
    await this.GroupLink.deleteOne({ _id: fromChatId });
    return true;
  }
}
