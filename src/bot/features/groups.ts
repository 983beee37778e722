import { Composer } from 'grammy';
import type { AccountRoles } from '../../accounts/roles.js';
import type { Clock } from '../../shared/clock.js';
import type { OrderTracker } from '../../tracking/tracker.js';
import type { ChatStore } from '../chats.js';
import type { BotContext } from '../context.js';

export interface GroupFeatureDeps {
  roles: AccountRoles;
  chats: ChatStore;
  tracker: OrderTracker;
  clock: Clock;
}

const ADMIN_STATUSES = new Set(['creator', 'administrator']);

/**
 * Staff groups, before the access gate (an unlinked group has no account yet):
 *   /link    the sender owns an account and administers the group (getChatMember): the group becomes
 *            the account's staff group; anyone else gets one short refusal (no user id published)
 *   /unlink  the owner of the group's account ends the link
 *   the bot removed from a group (my_chat_member: left or kicked): the link ends; added to one: how to link it
 *   a group upgraded to a supergroup (migrate_to_chat_id / migrate_from_chat_id, Telegram sends both):
 *            the link, the group's language and its followed orders move to the new chat id
 */
export function groupsFeature(deps: GroupFeatureDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const groups = composer.chatType(['group', 'supergroup']);

  groups.command('link', async (ctx) => {
    const accountId = await deps.roles.ownedBy(ctx.from.id);
    const owned = accountId === undefined ? undefined : ((await deps.roles.actingInPrivate(ctx.from.id)) ?? undefined);
    // The account they act for in their private chat when they own it, else the one they own.
    const target = owned?.role === 'owner' ? owned.accountId : accountId;
    if (target === undefined) {
      await ctx.reply(ctx.t('group-link-owner-only'), { parse_mode: 'HTML' });
      return;
    }
    const member = await ctx.api.getChatMember(ctx.chat.id, ctx.from.id);
    if (!ADMIN_STATUSES.has(member.status)) {
      await ctx.reply(ctx.t('group-link-admin-only'), { parse_mode: 'HTML' });
      return;
    }
    // A group another owner linked stays theirs until they /unlink it.
    const current = await deps.roles.groups.accountOf(ctx.chat.id);
    if (current !== undefined && current !== target && !(await deps.roles.isOwner(current, ctx.from.id))) {
      await ctx.reply(ctx.t('group-linked-other'), { parse_mode: 'HTML' });
      return;
    }
    await deps.roles.groups.link(ctx.chat.id, target, ctx.from.id, new Date(deps.clock.now()), ctx.chat.title);
    await ctx.reply(ctx.t('group-linked', { bot: ctx.me.username }), { parse_mode: 'HTML' });
  });

  groups.command('unlink', async (ctx) => {
    const accountId = await deps.roles.groups.accountOf(ctx.chat.id);
    if (accountId === undefined) {
      await ctx.reply(ctx.t('group-not-linked', { bot: ctx.me.username }), { parse_mode: 'HTML' });
      return;
    }
    if (!(await deps.roles.isOwner(accountId, ctx.from.id))) {
      await ctx.reply(ctx.t('group-unlink-owner-only'), { parse_mode: 'HTML' });
      return;
    }
    await deps.roles.groups.unlink(ctx.chat.id);
    await ctx.reply(ctx.t('group-unlinked', { bot: ctx.me.username }), { parse_mode: 'HTML' });
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

async function migrate(deps: GroupFeatureDeps, from: number, to: number): Promise<void> {
  await deps.roles.groups.migrate(from, to);
  await deps.tracker.migrateChat(from, to);
  await deps.chats.migrate(from, to);
}
