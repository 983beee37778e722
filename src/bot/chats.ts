import { Schema, type Connection, type Model } from 'mongoose';
import type { Locale } from '../config.js';
import type { MenuScope } from './commands.js';

/** Per-chat settings and reachability, stored so that background jobs (no update context) can use them. */
export interface ChatDoc {
  _id: number; // Telegram chat id
  /** The language picked with /language; absent until the chat picks one (see chat-language.ts). */
  locale?: Locale | undefined;
  /** Which command menu the chat gets (set with the language): a private chat's or a group's. */
  kind?: MenuScope | undefined;
  /** The /language message whose button set `locale` (a second tap on it changes nothing). */
  pickedWith?: number | undefined;
  /** What the chat's own command menu (scope `chat`) was last set to; see commands.ts. */
  menuHash?: string | undefined;
  /** The bot was blocked, the user deactivated, or the chat is gone: stop sending to it. */
  unreachable: boolean;
  unreachableReason?: string | undefined;
  updatedAt: Date;
}

const chatSchema = new Schema<ChatDoc>(
  {
    _id: { type: Number, required: true },
    locale: String,
    kind: String,
    pickedWith: Number,
    menuHash: String,
    unreachable: { type: Boolean, default: false },
    unreachableReason: String,
  },
  { collection: 'chats', timestamps: { createdAt: false, updatedAt: true }, _id: false },
);

/** Reachability is read on every delivery; a short in-process cache spares MongoDB a query each time. */
const REACHABILITY_TTL_MS = 60_000;

export class ChatStore {
  private readonly Chat: Model<ChatDoc>;
  private readonly reachability = new Map<number, { unreachable: boolean; at: number }>();

  constructor(connection: Connection) {
    this.Chat = (connection.models.Chat as Model<ChatDoc> | undefined) ?? connection.model<ChatDoc>('Chat', chatSchema);
  }

  async locale(chatId: number): Promise<Locale | undefined> {
    const chat = await this.Chat.findById(chatId).select({ locale: 1 }).lean();
    return chat?.locale;
  }

  /** `kind` says which command menu the chat gets in its language; tests may leave it out. */
  async setLocale(chatId: number, locale: Locale, kind?: MenuScope): Promise<void> {
    await this.Chat.updateOne({ _id: chatId }, { $set: { locale, ...(kind ? { kind } : {}) } }, { upsert: true });
  }

  /**
   * The chat picked `locale` with a button of the /language message `pickerMessageId`. Returns true
   * when it is a repeat (the same button of the same message: a double tap), which changes nothing.
   */
  async pickLocale(chatId: number, locale: Locale, kind: MenuScope | undefined, pickerMessageId: number): Promise<boolean> {
    const before = await this.Chat.findOneAndUpdate(
      { _id: chatId },
      { $set: { locale, pickedWith: pickerMessageId, ...(kind ? { kind } : {}) } },
      { upsert: true, returnDocument: 'before' },
    )
      .select({ locale: 1, pickedWith: 1 })
      .lean();
    return before?.locale === locale && before.pickedWith === pickerMessageId;
  }

  async recordMenu(chatId: number, menuHash: string): Promise<void> {
    await this.Chat.updateOne({ _id: chatId }, { $set: { menuHash } });
  }

  /** Chats that picked a language and whose own command menu is not `currentHash(locale, kind)`. */
  async staleMenus(
    currentHash: (locale: Locale, kind: MenuScope) => string,
  ): Promise<Array<{ chatId: number; locale: Locale; kind: MenuScope }>> {
    const chats = await this.Chat.find({ locale: { $exists: true }, kind: { $exists: true }, unreachable: { $ne: true } })
      .select({ locale: 1, kind: 1, menuHash: 1 })
      .lean();
    return chats
      .filter((c) => c.locale && c.kind && c.menuHash !== currentHash(c.locale, c.kind))
      .map((c) => ({ chatId: c._id, locale: c.locale!, kind: c.kind! }));
  }

  /** A group became a supergroup: its settings (language) follow it to the new chat id. */
  async migrate(fromChatId: number, toChatId: number): Promise<void> {
    const old = await this.Chat.findById(fromChatId).select({ locale: 1 }).lean();
    if (old?.locale)
      await this.Chat.updateOne({ _id: toChatId, locale: { $exists: false } }, { $set: { locale: old.locale } }, { upsert: true }).catch(
        () => undefined,
      );
    this.remember(fromChatId, true);
    await this.Chat.updateOne(
      { _id: fromChatId },
      { $set: { unreachable: true, unreachableReason: 'migrated to a supergroup' } },
      { upsert: true },
    );
  }

  async isUnreachable(chatId: number): Promise<boolean> {
    const cached = this.reachability.get(chatId);
    if (cached && Date.now() - cached.at < REACHABILITY_TTL_MS) return cached.unreachable;
    const chat = await this.Chat.findById(chatId).select({ unreachable: 1 }).lean();
    const unreachable = chat?.unreachable === true;
    this.remember(chatId, unreachable);
    return unreachable;
  }

  async markUnreachable(chatId: number, reason: string): Promise<void> {
    this.remember(chatId, true);
    await this.Chat.updateOne({ _id: chatId }, { $set: { unreachable: true, unreachableReason: reason } }, { upsert: true });
  }

  /** The chat wrote to us again (e.g. unblocked the bot): it can receive messages. */
  async markReachable(chatId: number): Promise<void> {
    const cached = this.reachability.get(chatId);
    if (cached && !cached.unreachable && Date.now() - cached.at < REACHABILITY_TTL_MS) return;
    this.remember(chatId, false);
    await this.Chat.updateOne({ _id: chatId, unreachable: true }, { $set: { unreachable: false }, $unset: { unreachableReason: 1 } });
  }

  private remember(chatId: number, unreachable: boolean): void {
    if (this.reachability.size > 10_000) this.reachability.clear();
    this.reachability.set(chatId, { unreachable, at: Date.now() });
  }
}
