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

export class GroupLinks {
  readonly GroupLink: Model<GroupLinkDoc>;

  constructor(connection: Connection) {
    this.GroupLink =
      (connection.models.AccountGroup as Model<GroupLinkDoc> | undefined) ??
      connection.model<GroupLinkDoc>('AccountGroup', groupLinkSchema);
  }

  async init(): Promise<void> {
    await this.GroupLink.init();
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
