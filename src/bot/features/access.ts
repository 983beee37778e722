import { Composer } from 'grammy';
import type { ChatStore } from '../chats.js';
import type { BotContext } from '../context.js';

export interface AccessOptions {
  allowedUserIds: ReadonlySet<number>;
  accountId: string | undefined;
  chats: ChatStore;
  /** The account the user linked (and owns), if any: in a private chat they act for it. */
  linkedAccountOf: (userId: number) => Promise<string | undefined>;
}

/**
 * Decides which account the update acts for (`ctx.access`), refusing nobody yet: in a private chat a
 * user who linked an account acts for it; users in ALLOWED_USER_IDS act as owners of the deployment's
 * own account (ONECLICK_API_KEY), in private chats and groups, as before.
 */
export function resolveAccess(opts: AccessOptions): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.use(async (ctx, next) => {
    // Any update from a chat proves it can receive messages again (e.g. the user unblocked the bot).
    if (ctx.chat) await opts.chats.markReachable(ctx.chat.id);
    const userId = ctx.from?.id;
    const linked = userId !== undefined && ctx.chat?.type === 'private' ? await opts.linkedAccountOf(userId) : undefined;
    if (linked !== undefined) ctx.access = { accountId: linked, role: 'owner' };
    else if (userId !== undefined && opts.allowedUserIds.has(userId)) ctx.access = { accountId: opts.accountId, role: 'owner' };
    return next();
  });
  return composer;
}

/**
 * Only users with an account (resolveAccess) reach the features (and so the provider). Everyone else
 * gets a polite refusal that shows their Telegram id, so they can ask the administrator to add it.
 * In groups, only commands are answered, so the bot does not talk over a conversation.
 */
export function accessGate(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.use(async (ctx, next) => {
    if (ctx.access) return next();
    const userId = ctx.from?.id;
    if (userId === undefined) return; // channel posts and the like: nothing to answer
    const refusal = ctx.t('access-denied', { userId: String(userId) });
    if (ctx.callbackQuery) {
      await ctx.answerCallbackQuery({ text: ctx.t('access-denied-short'), show_alert: true });
      return;
    }
    const isCommand = ctx.message?.entities?.some((e) => e.type === 'bot_command' && e.offset === 0) ?? false;
    if (ctx.chat?.type === 'private' || isCommand) {
      await ctx.reply(refusal, { parse_mode: 'HTML' });
    }
  });
  return composer;
}
