import { Composer, InlineKeyboard, type Api } from 'grammy';
import type { Message } from 'grammy/types';
import type { GroupClaimAction } from '../../accounts/group-links.js';
import type { AccountRoles } from '../../accounts/roles.js';
import type { ResendService } from '../../resend/resend-service.js';
import type { Clock } from '../../shared/clock.js';
import type { OrderTracker } from '../../tracking/tracker.js';
import { encodeCallback, onCallback } from '../callback-data.js';
import type { ChatStore } from '../chats.js';
import type { BotContext } from '../context.js';

export interface GroupFeatureDeps {
  roles: AccountRoles;
  chats: ChatStore;
  tracker: OrderTracker;
  resend: Pick<ResendService, 'migrateChat'>;
  clock: Clock;
}

const ADMIN_STATUSES = new Set(['creator', 'administrator']);

/**
 * Sent by someone Telegram does not name: an administrator posting anonymously (as the group itself:
 * `from` is GroupAnonymousBot, `sender_chat` the group) or a member posting as a channel (`sender_chat`
 * that channel). Their `from` is a placeholder bot shared by every such sender, never a person.
 */
export function fromUnnamedSender(message: Pick<Message, 'sender_chat'> | undefined): boolean {
  return message?.sender_chat !== undefined;
}

/**
 * Staff groups, before the access gate (an unlinked group has no account yet):
 *   /link    the sender owns an account and administers the group (getChatMember): the group becomes
 *            the account's staff group; anyone else gets one short refusal (no user id published)
 *   /unlink  the owner of the group's account ends the link
 *   anonymous /link or /unlink (an administrator posting as the group, or someone posting as a channel):
 *            Telegram does not say who sent it, so the bot explains and offers one "I am the owner"
 *            button (10 minutes, works once): the presser is known (callback_query.from) and checked
 *            exactly like a /link or /unlink sender; a refusal is an alert only the presser sees
 *   the bot removed from a group (my_chat_member: left or kicked): the link ends; added to one: how to link it
 *   a group upgraded to a supergroup (migrate_to_chat_id / migrate_from_chat_id, Telegram sends both):
 *            the link, the group's language, its followed orders and the offers shown there move to the
 *            new chat id (the old group's messages cannot be edited any more: what is still owed
 *            comes as new messages, see OrderTracker.migrateChat and ResendService.migrateChat)
 */
export function groupsFeature(deps: GroupFeatureDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const groups = composer.chatType(['group', 'supergroup']);
  const now = () => new Date(deps.clock.now());

  groups.command('link', async (ctx) => {
    if (fromUnnamedSender(ctx.message)) return askOwnerToIdentify(ctx, 'link');
    const verdict = await linkVerdict(deps, ctx.api, ctx.chat.id, ctx.from.id);
    if (verdict.type === 'refused') {
      await ctx.reply(ctx.t(verdict.reason), { parse_mode: 'HTML' });
      return;
    }
    await deps.roles.groups.link(ctx.chat.id, verdict.accountId, ctx.from.id, now(), ctx.chat.title);
    await ctx.reply(ctx.t('group-linked', { bot: ctx.me.username }), { parse_mode: 'HTML' });
  });

  groups.command('unlink', async (ctx) => {
    const verdict = await unlinkVerdict(deps, ctx.chat.id, fromUnnamedSender(ctx.message) ? undefined : ctx.from.id);
    if (verdict === 'group-not-linked') {
      await ctx.reply(ctx.t('group-not-linked', { bot: ctx.me.username }), { parse_mode: 'HTML' });
      return;
    }
    if (fromUnnamedSender(ctx.message)) return askOwnerToIdentify(ctx, 'unlink');
    if (verdict !== 'ok') {
      await ctx.reply(ctx.t(verdict), { parse_mode: 'HTML' });
      return;
    }
    await deps.roles.groups.unlink(ctx.chat.id);
    await ctx.reply(ctx.t('group-unlinked', { bot: ctx.me.username }), { parse_mode: 'HTML' });
  });

  /** The anonymous sender is asked to identify: one button, which works once, for GROUP_CLAIM_TTL_MS. */
  async function askOwnerToIdentify(ctx: BotContext & { chat: { id: number } }, action: GroupClaimAction): Promise<void> {
    const requestId = await deps.roles.groups.openClaim(ctx.chat.id, action, now());
    const keyboard = new InlineKeyboard().text(
      ctx.t(action === 'link' ? 'group-claim-link-button' : 'group-claim-unlink-button'),
      encodeCallback({ type: 'group_claim', requestId }),
    );
    await ctx.reply(ctx.t(action === 'link' ? 'group-anonymous-link' : 'group-anonymous-unlink'), {
      parse_mode: 'HTML',
      reply_markup: keyboard,
    });
  }

  // "I am the owner": callback_query.from is the real person, checked like a /link or /unlink sender.
  onCallback(composer, 'group_claim', async (ctx, data) => {
    const chat = ctx.chat;
    if (chat?.type !== 'group' && chat?.type !== 'supergroup') {
      await ctx.answerCallbackQuery({ text: ctx.t('group-claim-expired'), show_alert: true });
      return;
    }
    const action = await deps.roles.groups.openClaimOf(data.requestId, chat.id, now());
    if (action === undefined) {
      await ctx.answerCallbackQuery({ text: ctx.t('group-claim-expired'), show_alert: true });
      return;
    }
    const userId = ctx.callbackQuery.from.id;
    let done: () => Promise<unknown>;
    if (action === 'link') {
      const verdict = await linkVerdict(deps, ctx.api, chat.id, userId);
      // Only the presser sees why (an alert): nothing is published in the group, no user id anywhere.
      if (verdict.type === 'refused') return ctx.answerCallbackQuery({ text: ctx.t(verdict.reason), show_alert: true });
      done = () => deps.roles.groups.link(chat.id, verdict.accountId, userId, now(), chat.title);
    } else {
      const verdict = await unlinkVerdict(deps, chat.id, userId);
      if (verdict === 'group-not-linked') return ctx.answerCallbackQuery({ text: ctx.t('group-not-linked-short'), show_alert: true });
      if (verdict !== 'ok') return ctx.answerCallbackQuery({ text: ctx.t(verdict), show_alert: true });
      done = () => deps.roles.groups.unlink(chat.id);
    }
    // Used up before acting: of two presses at once, one acts and the other reads "expired".
    if (!(await deps.roles.groups.useClaim(data.requestId, chat.id, now()))) {
      await ctx.answerCallbackQuery({ text: ctx.t('group-claim-expired'), show_alert: true });
      return;
    }
    await done();
    await ctx.answerCallbackQuery();
    // The question becomes the answer (the button goes with it); a question deleted meanwhile: a new message.
    const answer = ctx.t(action === 'link' ? 'group-linked' : 'group-unlinked', { bot: ctx.me.username });
    await ctx.editMessageText(answer, { parse_mode: 'HTML' }).catch(() => ctx.reply(answer, { parse_mode: 'HTML' }));
  });

  composer.on('my_chat_member', async (ctx) => {
    const { chat, new_chat_member: now } = ctx.myChatMember;
    if (chat.type !== 'group' && chat.type !== 'supergroup') return;
    if (now.status === 'left' || now.status === 'kicked') {
      const link = await deps.roles.groups.unlink(chat.id);
      await deps.chats.markUnreachable(chat.id, `bot ${now.status}`);
      if (link) ctx.log.info({ accountId: link.accountId }, 'bot removed from a staff group: group unlinked');
      return;
    }
    // Just added: say how the group becomes a staff group (nothing else is shown until it is linked).
    const was = ctx.myChatMember.old_chat_member.status;
    if ((was === 'left' || was === 'kicked') && (await deps.roles.groups.accountOf(chat.id)) === undefined) {
      await ctx.reply(ctx.t('group-not-linked', { bot: ctx.me.username }), { parse_mode: 'HTML' });
    }
  });

  composer.on('message:migrate_to_chat_id', async (ctx) => {
    await migrate(deps, ctx.chat.id, ctx.message.migrate_to_chat_id);
  });
  composer.on('message:migrate_from_chat_id', async (ctx) => {
    await migrate(deps, ctx.message.migrate_from_chat_id, ctx.chat.id);
  });

  return composer;
}

type LinkVerdict =
  { type: 'ok'; accountId: string } | { type: 'refused'; reason: 'group-link-owner-only' | 'group-link-admin-only' | 'group-linked-other' };

/** Whether this user may link the group, and to which account: they own one and administer the group. */
async function linkVerdict(deps: GroupFeatureDeps, api: Api, chatId: number, userId: number): Promise<LinkVerdict> {
  const accountId = await deps.roles.ownedBy(userId);
  const owned = accountId === undefined ? undefined : ((await deps.roles.actingInPrivate(userId)) ?? undefined);
  // The account they act for in their private chat when they own it, else the one they own.
  const target = owned?.role === 'owner' ? owned.accountId : accountId;
  if (target === undefined) return { type: 'refused', reason: 'group-link-owner-only' };
  const member = await api.getChatMember(chatId, userId);
  if (!ADMIN_STATUSES.has(member.status)) return { type: 'refused', reason: 'group-link-admin-only' };
  // A group another owner linked stays theirs until they /unlink it.
  const current = await deps.roles.groups.accountOf(chatId);
  if (current !== undefined && current !== target && !(await deps.roles.isOwner(current, userId))) {
    return { type: 'refused', reason: 'group-linked-other' };
  }
  return { type: 'ok', accountId: target };
}

/** Whether this user (undefined: not known yet) may unlink the group: the owner of its account. */
async function unlinkVerdict(
  deps: GroupFeatureDeps,
  chatId: number,
  userId: number | undefined,
): Promise<'ok' | 'group-not-linked' | 'group-unlink-owner-only'> {
  const accountId = await deps.roles.groups.accountOf(chatId);
  if (accountId === undefined) return 'group-not-linked';
  if (userId === undefined || !(await deps.roles.isOwner(accountId, userId))) return 'group-unlink-owner-only';
  return 'ok';
}

async function migrate(deps: GroupFeatureDeps, from: number, to: number): Promise<void> {
  await deps.roles.groups.migrate(from, to);
  await deps.tracker.migrateChat(from, to);
  await deps.resend.migrateChat(from, to);
  await deps.chats.migrate(from, to);
}
