import { Schema, type Connection, type Model } from 'mongoose';
import type { Locale } from '../config.js';

/** Per-chat settings and reachability, stored so that background jobs (no update context) can use them. */
export interface ChatDoc {
  _id: number; // Telegram chat id
  locale?: Locale | undefined;
  /** The bot was blocked, the user deactivated, or the chat is gone: stop sending to it. */
  unreachable: boolean;
  unreachableReason?: string | undefined;
  updatedAt: Date;
}

const chatSchema = new Schema<ChatDoc>(
  {
    _id: { type: Number, required: true },
    locale: String,
    unreachable: { type: Boolean, default: false },
    unreachableReason: String,
  },
  { collection: 'chats', timestamps: { createdAt: false, updatedAt: true }, _id: false },
);

export class ChatStore {
  private readonly Chat: Model<ChatDoc>;

  constructor(connection: Connection) {
    this.Chat = (connection.models.Chat as Model<ChatDoc> | undefined) ?? connection.model<ChatDoc>('Chat', chatSchema);
  }

  async init(): Promise<void> {
    await this.Chat.init();
  }

  async locale(chatId: number): Promise<Locale | undefined> {
    const chat = await this.Chat.findById(chatId).select({ locale: 1 }).lean();
    return chat?.locale;
  }

  async setLocale(chatId: number, locale: Locale): Promise<void> {
    await this.Chat.updateOne({ _id: chatId }, { $set: { locale } }, { upsert: true });
  }

  async isUnreachable(chatId: number): Promise<boolean> {
    const chat = await this.Chat.findById(chatId).select({ unreachable: 1 }).lean();
    return chat?.unreachable === true;
  }

  async markUnreachable(chatId: number, reason: string): Promise<void> {
    await this.Chat.updateOne({ _id: chatId }, { $set: { unreachable: true, unreachableReason: reason } }, { upsert: true });
  }

  /** The chat wrote to us again (e.g. unblocked the bot): it can receive messages. */
  async markReachable(chatId: number): Promise<void> {
    await this.Chat.updateOne({ _id: chatId, unreachable: true }, { $set: { unreachable: false }, $unset: { unreachableReason: 1 } });
  }
}
