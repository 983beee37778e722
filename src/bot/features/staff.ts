import { Composer, InlineKeyboard } from 'grammy';
import type { User } from 'grammy/types';
import type { InviteStore } from '../../accounts/invites.js';
import type { AccountRoles } from '../../accounts/roles.js';
import type { StaffMembership } from '../../accounts/staff-membership.js';
import type { StaffDoc } from '../../accounts/staff.js';
import type { Locale } from '../../config.js';
import type { ResendService } from '../../resend/resend-service.js';
import type { Clock } from '../../shared/clock.js';
import type { OrderTracker } from '../../tracking/tracker.js';
import { encodeCallback, onCallback } from '../callback-data.js';
import type { BotContext } from '../context.js';
import { formatAmount, formatTime } from '../render/format.js';
import { escapeHtml } from '../render/html.js';

export interface StaffFeatureDeps {
  roles: AccountRoles;
  invites: InviteStore;
  tracker: OrderTracker;
  clock: Clock;
  /** Joining with an invite (the owner told who joined) and removal by the owner. */
  membership: StaffMembership;
}

/** How a member is named in /staff: what Telegram showed when they joined (never their user id). */
export function displayName(user: Pick<User, 'first_name' | 'last_name' | 'username'>): string {
  const name = [user.first_name, user.last_name].filter(Boolean).join(' ').trim();
  return (user.username ? `${name} (@${user.username})` : name).slice(0, 64) || '—';
}

/**
 * Joining with an invite: `/start <code>` in a private chat, before the access gate (the person is not
 * staff yet). Anything else that starts with /start goes on (onboarding, the welcome). What a join
 * writes, and how a retried one completes an interrupted one, is accounts/staff-membership.ts.
 */
export function inviteRedemption(deps: StaffFeatureDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.chatType('private').command('start', async (ctx, next) => {
    const code = ctx.match.trim();
    if (!/^[A-Za-z0-9_-]{22}$/.test(code)) return next();
    const result = await deps.membership.join(code, { id: ctx.from.id, name: displayName(ctx.from) }, new Date(deps.clock.now()));
    const text =
      result.type === 'refused'
        ? ctx.t(`invite-failed-${result.reason}`)
        : ctx.t(result.type === 'own-account' ? 'invite-own-account' : result.type === 'joined' ? 'invite-joined' : 'invite-already-staff');
    await ctx.reply(text, { parse_mode: 'HTML' });
  });
  return composer;
}

/**
 * The owner's staff management in a private chat: /invite (a one-time link, revocable), /staff (each
 * member with buttons to remove them or to allow / forbid re-sends, and the open invites). Buttons
 * carry random ids (accounts/staff.ts, accounts/invites.ts) and act only on the presser's own account.
 */
export function staffFeature(deps: StaffFeatureDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const priv = composer.chatType('private');

  priv.command('invite', async (ctx) => {
    const accountId = ownedAccount(ctx);
    if (accountId === undefined) {
      await ctx.reply(ctx.t('staff-owner-only'), { parse_mode: 'HTML' });
      return;
    }
    const { code, invite } = await deps.invites.create(accountId, ctx.from.id, new Date(deps.clock.now()));
    const link = `https://t.me/${ctx.me.username}?start=${code}`;
    await ctx.reply(ctx.t('invite-created', { link: escapeHtml(link) }), {
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
      reply_markup: new InlineKeyboard().text(
        ctx.t('button-invite-revoke'),
        encodeCallback({ type: 'invite_revoke', inviteId: invite._id, fromList: false }),
      ),
    });
  });

  priv.command('staff', async (ctx) => {
    const accountId = ownedAccount(ctx);
    if (accountId === undefined) {
      await ctx.reply(ctx.t('staff-owner-only'), { parse_mode: 'HTML' });
      return;
    }
    const { html, keyboard } = await renderStaff(ctx, deps, accountId);
    await ctx.reply(html, { parse_mode: 'HTML', ...(keyboard ? { reply_markup: keyboard } : {}) });
  });

  onCallback(composer, 'staff_remove', async (ctx, data) => {
    const accountId = ownedAccount(ctx);
    const removed = accountId === undefined ? null : await deps.membership.remove(accountId, data.staffId, new Date(deps.clock.now()));
    if (!removed || accountId === undefined) {
      await ctx.answerCallbackQuery({ text: ctx.t('staff-stale'), show_alert: true });
      return;
    }
    // They stop following this account's orders at once: no more pushes, no more edits.
    await deps.tracker.forgetChat(accountId, removed.userId);
    await ctx.answerCallbackQuery({ text: ctx.t('staff-removed', { name: removed.name }) });
    await refresh(ctx, deps, accountId);
  });

  onCallback(composer, 'staff_resend', async (ctx, data) => {
    const accountId = ownedAccount(ctx);
    const member = accountId === undefined ? null : await deps.roles.staff.setResend(accountId, data.staffId, data.allow);
    if (!member || accountId === undefined) {
      await ctx.answerCallbackQuery({ text: ctx.t('staff-stale'), show_alert: true });
      return;
    }
    await ctx.answerCallbackQuery({ text: ctx.t(data.allow ? 'staff-resend-allowed' : 'staff-resend-forbidden', { name: member.name }) });
    await refresh(ctx, deps, accountId);
  });

  // /account's buttons: which account this user acts for in private chats (only one they belong to).
  onCallback(composer, 'act_for', async (ctx, data) => {
    const chosen = ctx.chat?.type === 'private' && (await deps.roles.chooseActing(ctx.callbackQuery.from.id, data.accountId));
    if (!chosen) {
      await ctx.answerCallbackQuery({ text: ctx.t('staff-stale-account'), show_alert: true });
      return;
    }
    const name = await accountName(ctx, deps, data.accountId);
    await ctx.answerCallbackQuery({ text: ctx.t('account-acting-now', { name }) });
    await ctx.reply(ctx.t('account-acting-now', { name: escapeHtml(name) }), { parse_mode: 'HTML' });
  });

  onCallback(composer, 'invite_revoke', async (ctx, data) => {
    const accountId = ownedAccount(ctx);
    const revoked = accountId !== undefined && (await deps.invites.revoke(accountId, data.inviteId, new Date(deps.clock.now())));
    await ctx.answerCallbackQuery({ text: ctx.t(revoked ? 'invite-revoked' : 'invite-not-revocable'), show_alert: !revoked });
    if (!revoked || accountId === undefined) return;
    // The invite's own message no longer shows a working link; /staff is listed again.
    if (data.fromList) await refresh(ctx, deps, accountId);
    else await ctx.editMessageText(ctx.t('invite-revoked'), { parse_mode: 'HTML' }).catch(() => undefined);
  });

  return composer;
}

/** The account the caller owns and acts for now, if they are its owner (only owners manage staff). */
function ownedAccount(ctx: BotContext): string | undefined {
  const access = ctx.access;
  return access?.role === 'owner' && access.accountId !== undefined && ctx.chat?.type === 'private' ? access.accountId : undefined;
}

async function refresh(ctx: BotContext, deps: StaffFeatureDeps, accountId: string): Promise<void> {
  const { html, keyboard } = await renderStaff(ctx, deps, accountId);
  await ctx.editMessageText(html, { parse_mode: 'HTML', ...(keyboard ? { reply_markup: keyboard } : {}) }).catch(() => undefined);
}

async function renderStaff(
  ctx: BotContext,
  deps: StaffFeatureDeps,
  accountId: string,
): Promise<{ html: string; keyboard?: InlineKeyboard }> {
  const [members, invites] = await Promise.all([
    deps.roles.staff.list(accountId),
    deps.invites.open(accountId, new Date(deps.clock.now())),
  ]);
  const lines: string[] = [members.length === 0 ? ctx.t('staff-none') : ctx.t('staff-header', { count: members.length })];
  const keyboard = new InlineKeyboard();
  members.forEach((m: StaffDoc, i) => {
    const name = escapeHtml(m.name);
    lines.push(ctx.t(m.canResend ? 'staff-line-resend' : 'staff-line', { index: String(i + 1), name }));
    keyboard
      .text(ctx.t('button-staff-remove', { index: String(i + 1) }), encodeCallback({ type: 'staff_remove', staffId: m._id }))
      .text(
        ctx.t(m.canResend ? 'button-staff-forbid' : 'button-staff-allow', { index: String(i + 1) }),
        encodeCallback({ type: 'staff_resend', staffId: m._id, allow: !m.canResend }),
      )
      .row();
  });
  if (invites.length > 0) {
    lines.push('', ctx.t('staff-invites-open', { count: invites.length }));
    invites.forEach((inv, i) => {
      keyboard
        .text(
          ctx.t('button-invite-revoke-n', { index: String(i + 1) }),
          encodeCallback({ type: 'invite_revoke', inviteId: inv._id, fromList: true }),
        )
        .row();
    });
  }
  lines.push('', ctx.t('staff-hint'));
  const hasButtons = members.length > 0 || invites.length > 0;
  return { html: lines.join('\n'), ...(hasButtons ? { keyboard } : {}) };
}

/** How an account is named in /account: its provider username and environment, or the bot's own account. */
async function accountName(ctx: BotContext, deps: StaffFeatureDeps, accountId: string): Promise<string> {
  const described = await deps.roles.describe(accountId);
  return described ? `${described.username} (${described.environment})` : ctx.t('account-env-name');
}

/**
 * The roles part of /account (features/accounts.ts shows what is linked and the caller's role): for the
 * owner, the staff, the linked groups and the last re-sends with who confirmed them; for anyone who
 * belongs to several accounts, buttons to choose the one this private chat acts for.
 */
export function accountDetails(deps: StaffFeatureDeps & { resend: ResendService }) {
  return async (ctx: BotContext, accountId: string): Promise<{ html: string; keyboard?: InlineKeyboard }> => {
    const lines: string[] = [];
    const userId = ctx.from?.id;
    if (ctx.access?.role === 'owner') {
      const locale = (await ctx.i18n.getLocale()) as Locale;
      const [members, groups, resends] = await Promise.all([
        deps.roles.staff.list(accountId),
        deps.roles.groups.groupsOf(accountId),
        deps.resend.lastConfirmed(accountId, 5),
      ]);
      lines.push(
        members.length === 0
          ? ctx.t('account-staff-none')
          : ctx.t('account-staff', { count: members.length, names: escapeHtml(members.map((m) => m.name).join(', ')) }),
      );
      lines.push(
        groups.length === 0
          ? ctx.t('account-groups-none')
          : ctx.t('account-groups', { count: groups.length, names: escapeHtml(groups.map((g) => g.title ?? String(g._id)).join(', ')) }),
      );
      if (resends.length > 0) {
        lines.push('', ctx.t('account-resends-header'));
        for (const r of resends) {
          // A confirmation withdrawn before its send (the confirmer lost the re-send right) says it was not sent.
          lines.push(
            ctx.t(r.state === 'withdrawn' ? 'account-resend-line-withdrawn' : 'account-resend-line', {
              name: escapeHtml(r.confirmedBy.name),
              offer: escapeHtml(r.typename),
              amount: formatAmount(r.amount, locale),
              time: formatTime(r.confirmedAt, locale),
            }),
          );
        }
      }
    }
    const actors = userId === undefined ? [] : await deps.roles.accountsOf(userId);
    if (actors.length < 2) return { html: lines.join('\n') };
    lines.push('', ctx.t('account-choose'));
    const keyboard = new InlineKeyboard();
    for (const actor of actors) {
      const name = await accountName(ctx, deps, actor.accountId);
      const label = ctx.t(actor.accountId === accountId ? 'button-account-current' : 'button-account-act', { name });
      keyboard.text(label, encodeCallback({ type: 'act_for', accountId: actor.accountId })).row();
    }
    return { html: lines.join('\n'), keyboard };
  };
}
