import { Composer } from 'grammy';
import type { AccountRoles } from '../../accounts/roles.js';
import type { ChatStore } from '../chats.js';
import type { BotContext } from '../context.js';
import { fromUnnamedSender } from './groups.js';

export interface AccessOptions {
  roles: AccountRoles;
  allowedUserIds: ReadonlySet<number>;
  chats: ChatStore;
}

/**
 * Decides which account the update acts for and the sender's role on it (`ctx.access`, see
 * accounts/roles.ts), refusing nobody yet:
 *   private chat  the account the user acts for (the one chosen in /account, else their own, else
 *                 the first they are staff of); ALLOWED_USER_IDS users own the deployment's account
 *   group         the account the group is linked to (/link): its owner and staff keep their role,
 *                 every other member acts as staff without re-send rights, and so does a sender Telegram
 *                 does not name (an anonymous administrator, someone posting as a channel); an
 *                 unlinked group: none
 */
export function resolveAccess(opts: AccessOptions): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.use(async (ctx, next) => {
    // Any update from a chat proves it can receive messages again (e.g. the user unblocked the bot).
    if (ctx.chat && !ctx.message?.migrate_to_chat_id) await opts.chats.markReachable(ctx.chat.id);
    const userId = ctx.from?.id;
    const chat = ctx.chat;
    if (userId === undefined || !chat) return next();
    if (chat.type === 'private') {
      const actor = await opts.roles.actingInPrivate(userId);
      if (actor) ctx.access = actor;
      // No provider key configured: allowed users still get the bot's answers ("no account configured").
      else if (opts.allowedUserIds.has(userId)) ctx.access = { accountId: undefined, role: 'owner', canResend: false };
    } else if (chat.type === 'group' || chat.type === 'supergroup') {
      // An anonymous administrator or a member posting as a channel reads as a member: what the bot
      // answers goes to the group, which its link already entitles; money needs a button, and a press
      // names the person (callback_query.from).
      const actor = await opts.roles.actingInGroup(chat.id, fromUnnamedSender(ctx.message) ? undefined : userId);
      if (actor) ctx.access = actor;
    }
    return next();
  });
  return composer;
}

/**
 * Only users with an account (resolveAccess) reach the features (and so the provider). In a private
 * chat everyone else gets a polite refusal that shows their Telegram id, so they can ask for an invite.
 * In a group that is not linked, a command (or a button) gets only how to link the group: no order
 * data, and no member's id published. In groups only commands are answered, so the bot does not talk
 * over a conversation.
 */
export function accessGate(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.use(async (ctx, next) => {
    if (ctx.access) return next();
    const userId = ctx.from?.id;
    if (userId === undefined) return; // channel posts and the like: nothing to answer
    const inGroup = ctx.chat !== undefined && ctx.chat.type !== 'private';
    if (ctx.callbackQuery) {
      await ctx.answerCallbackQuery({ text: ctx.t(inGroup ? 'group-not-linked-short' : 'access-denied-short'), show_alert: true });
      return;
    }
    const isCommand = ctx.message?.entities?.some((e) => e.type === 'bot_command' && e.offset === 0) ?? false;
    if (inGroup) {
      if (isCommand) await ctx.reply(ctx.t('group-not-linked', { bot: ctx.me.username }), { parse_mode: 'HTML' });
      return;
    }
    await ctx.reply(ctx.t('access-denied', { userId: String(userId) }), { parse_mode: 'HTML' });
  });
  return composer;
}
