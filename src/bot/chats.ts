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

/** Reachability is read on every delivery; a short in-process cache spares MongoDB a query each time. */
const REACHABILITY_TTL_MS = 60_000;

export class ChatStore {
  private readonly Chat: Model<ChatDoc>;
  private readonly reachability = new Map<number, { unreachable: boolean; at: number }>();

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
