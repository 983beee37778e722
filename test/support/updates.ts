import type { Chat, Message, MessageEntity, MessageOrigin, Update, User } from 'grammy/types';

/**
 * Builders of realistic incoming updates, shaped like what Telegram delivers. update_id increases
 * across the process. User message ids start at 10 000 so they never collide with the ids the fake
 * gives the bot's own messages (1, 2, 3... per chat) in a test.
 */

let nextUpdateId = 500_000_000;
let nextUserMessageId = 10_000;
let nextCallbackId = 1;

export type ChatType = 'private' | 'group' | 'supergroup';

export interface TextMessageOptions {
  chatId: number;
  fromId: number;
  text: string;
  /** Omitted when not given (some clients send none). */
  languageCode?: string;
  /** Defaults from the id: positive → private, -100… → supergroup, other negative → group. */
  chatType?: ChatType;
  messageId?: number;
  firstName?: string;
  username?: string;
  /** The message this one replies to, as Telegram includes it (e.g. `FakeTelegram.apiMessage`). */
  replyTo?: Message;
  /** A forwarded message: where it came from (its text and entities are the original's). */
  forwardOrigin?: MessageOrigin;
  /** Formatting entities of the text (a forwarded bot message keeps its `code` spans). */
  entities?: MessageEntity[];
  /**
   * Sent without naming the person, as Telegram delivers it: `'group'` an administrator posting
   * anonymously (`from` GroupAnonymousBot, `sender_chat` the group itself), or a member posting as one
   * of their channels (`from` Channel_Bot, `sender_chat` that channel). `fromId` is then not sent.
   */
  postedAs?: 'group' | { channelId: number; title: string };
}

/** The placeholder `from` of messages an administrator sends anonymously, as the group. */
export const GROUP_ANONYMOUS_BOT: User = { id: 1087968824, is_bot: true, first_name: 'Group', username: 'GroupAnonymousBot' };
/** The placeholder `from` of messages sent on behalf of a channel. */
export const CHANNEL_BOT: User = { id: 136817688, is_bot: true, first_name: 'Channel', username: 'Channel_Bot' };

export interface CallbackQueryOptions {
  chatId: number;
  fromId: number;
  /** The bot message that carries the pressed button. */
  messageId: number;
  data: string;
  languageCode?: string;
  /** Text of the message with the button (defaults to a placeholder). */
  messageText?: string;
  /** The bot that sent the message (defaults to a generic bot user; pass `fake.botInfo`). */
  bot?: User;
}

export function textMessageUpdate(opts: TextMessageOptions): Update {
  const person = user(opts.fromId, opts.languageCode, opts.firstName, opts.username);
  const inChat = chat(opts.chatId, opts.chatType ?? chatTypeOf(opts.chatId), person);
  const postedAs = opts.postedAs;
  const from = postedAs === undefined ? person : postedAs === 'group' ? GROUP_ANONYMOUS_BOT : CHANNEL_BOT;
  const message: Record<string, unknown> = {
    message_id: opts.messageId ?? nextUserMessageId++,
    from,
    chat: inChat,
    date: nowSeconds(),
    text: opts.text,
  };
  if (postedAs === 'group') message.sender_chat = inChat;
  else if (postedAs) message.sender_chat = { id: postedAs.channelId, type: 'channel', title: postedAs.title };
  const command = opts.forwardOrigin ? null : /^\/\S+/.exec(opts.text);
  if (command) {
    const entity: MessageEntity = { type: 'bot_command', offset: 0, length: command[0].length };
    message.entities = [entity];
  }
  if (opts.entities && opts.entities.length > 0) message.entities = opts.entities;
  if (opts.replyTo) message.reply_to_message = opts.replyTo;
  if (opts.forwardOrigin) message.forward_origin = opts.forwardOrigin;
  return { update_id: nextUpdateId++, message: message as unknown as Update['message'] };
}

export function callbackQueryUpdate(opts: CallbackQueryOptions): Update {
  const from = user(opts.fromId, opts.languageCode);
  const bot: User = opts.bot ?? { id: 7000000001, is_bot: true, first_name: 'Flexy Test Bot', username: 'flexy_test_bot' };
  const message = {
    message_id: opts.messageId,
    from: bot,
    chat: chat(opts.chatId, chatTypeOf(opts.chatId), from),
    date: nowSeconds() - 5,
    text: opts.messageText ?? '…',
  } as unknown as Message;
  return {
    update_id: nextUpdateId++,
    callback_query: {
      id: `${opts.fromId}${String(nextCallbackId++).padStart(6, '0')}`,
      from,
      message,
      chat_instance: String(-Math.abs(opts.chatId) * 7919),
      data: opts.data,
    },
  };
}

function user(id: number, languageCode?: string, firstName = 'Test', username?: string): User {
  return {
    id,
    is_bot: false,
    first_name: firstName,
    ...(username !== undefined ? { username } : {}),
    ...(languageCode !== undefined ? { language_code: languageCode } : {}),
  };
}

function chatTypeOf(chatId: number): ChatType {
  if (chatId > 0) return 'private';
  return chatId <= -1_000_000_000_000 ? 'supergroup' : 'group';
}

function chat(id: number, type: ChatType, from: User): Chat {
  if (type === 'private') {
    return { id, type, first_name: from.first_name, ...(from.username ? { username: from.username } : {}) };
  }
  return { id, type, title: 'Test Group' };
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
