import type { Conversation } from '@grammyjs/conversations';
import { Composer, InlineKeyboard, type MiddlewareFn } from 'grammy';
import { asApiKey, containsApiKey, type AccountLinking, type LinkOutcome } from '../../accounts/account-linking.js';
import { SUPPORTED_LOCALES, type Locale, type OnboardingMode } from '../../config.js';
import type { AccountBalances } from '../../accounts/balances.js';
import { stripInvisibleMarks } from '../../shared/invisible-marks.js';
import type { Logger } from '../../shared/logger.js';
import { formatAmount, formatTime } from '../render/format.js';
import type { OrderTracker } from '../../tracking/tracker.js';
import type { ChatStore } from '../chats.js';
import type { BotContext } from '../context.js';

export const ONBOARDING_CONVERSATION = 'onboarding';
const LANGUAGE_CALLBACK = /^onboard:(ar|fr|en)$/;

export interface AccountFeatureDeps {
  linking: AccountLinking;
  allowedUserIds: ReadonlySet<number>;
  onboarding: OnboardingMode;
  chats: ChatStore;
  tracker: OrderTracker;
  /** Edits a message from background work (the key check's result), paced like every edit. */
  editMessage: (chatId: number, messageId: number, html: string) => Promise<void>;
  /** Runs work after the update was answered (the app waits for it on stop). */
  background: (work: Promise<unknown>) => void;
  log: Logger;
}

/** Who may link a key: anyone with ONBOARDING=open, else only ALLOWED_USER_IDS. */
function mayLink(deps: AccountFeatureDeps, userId: number): boolean {
  return deps.onboarding === 'open' || deps.allowedUserIds.has(userId);
}

/** 14:05 UTC: when the user may try again (the provider's windows are in real time). */
function clockTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 16)} UTC`;
}

/** The `/link` command's argument, when the message is one (with or without @botname; invisible marks ignored). */
function linkArgument(text: string): string | undefined {
  const m = /^\/link(?:@\w+)?(?:\s+([\s\S]*))?$/i.exec(stripInvisibleMarks(text).trim());
  return m ? (m[1] ?? '') : undefined;
}

/**
 * First of all (before conversations and before any feature, so no conversation state, ref or log
 * ever holds it): a text message containing something shaped like a OneClickDz API key (a UUID) is
 * deleted at once, whoever sent it and wherever. In a private chat the key is then linked when the
 * user asked for it (`/link <key>`, or the message right after `/link` / onboarding, or a user with
 * no account yet); otherwise they are told how to link it. In a group it is never linked.
 */
export function keyIntake(deps: AccountFeatureDeps): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    const msg = ctx.message ?? ctx.editedMessage;
    const text = msg?.text ?? msg?.caption;
    if (!msg || !text || !containsApiKey(text)) return next();
    const chatId = msg.chat.id;
    try {
      await ctx.api.deleteMessage(chatId, msg.message_id);
    } catch (err) {
      ctx.log.warn({ err }, 'could not delete a message that carries an API key');
    }
    const userId = ctx.from?.id;
    if (msg.chat.type !== 'private' || userId === undefined) {
      await ctx.reply(ctx.t('key-deleted-group'), { parse_mode: 'HTML' });
      return;
    }
    if (!mayLink(deps, userId)) {
      await ctx.reply(ctx.t('link-not-allowed', { userId: String(userId) }), { parse_mode: 'HTML' });
      return;
    }
    const argument = linkArgument(text);
    const key = asApiKey(argument ?? text);
    const asked = argument !== undefined || !ctx.access || (await deps.linking.promptOpen(userId));
    if (!key || !asked || ctx.editedMessage) {
      await ctx.reply(ctx.t('key-deleted-offer'), { parse_mode: 'HTML' });
      return;
    }
    await startLink(ctx, deps, userId, chatId, key);
  };
}

/** Admits the attempt, answers "checking…" at once and validates in the background (never in the update). */
async function startLink(ctx: BotContext, deps: AccountFeatureDeps, userId: number, chatId: number, key: string): Promise<void> {
  const admission = await deps.linking.admit(userId);
  if (!admission.ok) {
    const text = admission.reason === 'no_vault' ? ctx.t('link-no-vault') : ctx.t('link-too-many', { time: clockTime(admission.retryAt) });
    await ctx.reply(text, { parse_mode: 'HTML' });
    return;
  }
  const status = await ctx.reply(ctx.t('link-checking'), { parse_mode: 'HTML' });
  const log = ctx.log;
  deps.background(
    deps.linking
      .link(userId, key, admission)
      .then((outcome) => renderOutcome(ctx, outcome))
      .catch((err: unknown) => {
        log.error({ err }, 'linking a key failed');
        return ctx.t('link-unavailable');
      })
      .then((html) => deps.editMessage(chatId, status.message_id, html)),
  );
}

function renderOutcome(ctx: BotContext, outcome: LinkOutcome): string {
  switch (outcome.type) {
    case 'linked': {
      const { username, environment, scope } = outcome.account;
      const lines = [ctx.t(outcome.relinked ? 'link-done-again' : 'link-done', { username, environment, scope })];
      if (scope === 'READ-ONLY') lines.push(ctx.t('link-read-only'));
      return lines.join('\n\n');
    }
    case 'invalid':
      return ctx.t('link-invalid');
    case 'disabled':
      return ctx.t('link-disabled');
    case 'ip_not_allowed':
      return ctx.t('link-ip-not-allowed');
    case 'busy':
      return ctx.t('link-busy', { time: clockTime(outcome.retryAt) });
    case 'unavailable':
      return ctx.t('link-unavailable');
    case 'linked_by_other':
      return ctx.t('link-taken');
    case 'owns_other':
      return ctx.t('link-owns-other', { username: outcome.current.username, environment: outcome.current.environment });
  }
}

/**
 * Onboarding for a private chat without an account: the language (buttons), then the key. The key
 * itself never passes through the conversation (keyIntake takes it first), so its state never holds it.
 */
export function onboardingConversation(deps: AccountFeatureDeps) {
  return async function onboarding(conversation: Conversation<BotContext, BotContext>, ctx: BotContext) {
    const keyboard = new InlineKeyboard();
    for (const locale of SUPPORTED_LOCALES) keyboard.text(ctx.t(`language-name-${locale}`), `onboard:${locale}`);
    await ctx.reply(ctx.t('onboarding-welcome'), { parse_mode: 'HTML', reply_markup: keyboard });
    const pick = await conversation.waitForCallbackQuery(LANGUAGE_CALLBACK, { next: true });
    const locale = pick.match[1] as Locale;
    const chatId = pick.chat?.id;
    const userId = pick.from.id;
    await pick.answerCallbackQuery();
    await conversation.external(async () => {
      if (chatId !== undefined) {
        await deps.chats.setLocale(chatId, locale);
        await deps.tracker.setChatLocale(chatId, locale);
      }
      await deps.linking.openPrompt(userId);
    });
    pick.i18n.useLocale(locale);
    await pick.editMessageText(pick.t('language-set'), { parse_mode: 'HTML' });
    await pick.reply(pick.t(deps.linking.canStore ? 'link-prompt' : 'link-no-vault'), { parse_mode: 'HTML' });
  };
}

/** /start (without an account), /link, /unlink: before the access gate, so people without an account can link one. */
export function linkFeature(deps: AccountFeatureDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const privateChats = composer.chatType('private');

  privateChats.command('start', async (ctx, next) => {
    if (ctx.access || !mayLink(deps, ctx.from.id)) return next();
    // /start again while the language question is open: it starts over.
    await ctx.conversation.exit(ONBOARDING_CONVERSATION);
    await ctx.conversation.enter(ONBOARDING_CONVERSATION);
  });

  privateChats.command('link', async (ctx) => {
    if (!mayLink(deps, ctx.from.id)) {
      await ctx.reply(ctx.t('link-not-allowed', { userId: String(ctx.from.id) }), { parse_mode: 'HTML' });
      return;
    }
    if (!deps.linking.canStore) {
      await ctx.reply(ctx.t('link-no-vault'), { parse_mode: 'HTML' });
      return;
    }
    if (ctx.match.trim() !== '') {
      // A key would have been taken by keyIntake: this is something else.
      await ctx.reply(ctx.t('link-bad-shape'), { parse_mode: 'HTML' });
      return;
    }
    await deps.linking.openPrompt(ctx.from.id);
    await ctx.reply(ctx.t('link-prompt'), { parse_mode: 'HTML' });
  });

  privateChats.command('unlink', async (ctx) => {
    const removed = await deps.linking.unlink(ctx.from.id);
    await ctx.reply(removed ? ctx.t('unlink-done', { username: removed.username }) : ctx.t('unlink-none'), { parse_mode: 'HTML' });
  });

  // In groups /link and /unlink link the group itself (features/groups.ts, before this feature).

  // Someone who may link but has no account yet: point them to /link rather than refusing them.
  privateChats.on('message', async (ctx, next) => {
    if (ctx.access || !mayLink(deps, ctx.from.id)) return next();
    await ctx.reply(ctx.t('link-needed'), { parse_mode: 'HTML' });
  });
  return composer;
}

export interface AccountInfoDeps {
  linking: AccountLinking;
  balances: AccountBalances;
  /** The deployment's own account id (ONECLICK_API_KEY): it has no `accounts` document. */
  envAccountId: string;
  editMessage: (chatId: number, messageId: number, html: string) => Promise<void>;
  background: (work: Promise<unknown>) => void;
  /** More of /account (features/staff.ts: staff, groups, last re-sends, the accounts to act for). */
  details?: (ctx: BotContext, accountId: string) => Promise<{ html: string; keyboard?: InlineKeyboard }>;
}

/**
 * /balance and /account (private chats; after the access gate): what the chat's account is and holds.
 * /balance answers from the 30 s cache, or "loading…" at once and the balance edited in when the
 * provider answers: the update never waits on it.
 */
export function accountInfoFeature(deps: AccountInfoDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer
    .chatType(['group', 'supergroup'])
    .command(['balance', 'account'], (ctx) => ctx.reply(ctx.t('account-private-only'), { parse_mode: 'HTML' }));
  const privateChats = composer.chatType('private');

  privateChats.command('balance', async (ctx) => {
    const accountId = ctx.access?.accountId;
    if (accountId === undefined) {
      await ctx.reply(ctx.t('status-no-account'), { parse_mode: 'HTML' });
      return;
    }
    const locale = (await ctx.i18n.getLocale()) as Locale;
    const show = (balance: number, at: number) =>
      ctx.t('balance-shown', { amount: formatAmount(balance, locale), time: formatTime(new Date(at), locale) });
    const hit = deps.balances.cached(accountId);
    if (hit) {
      await ctx.reply(show(hit.balance, hit.at), { parse_mode: 'HTML' });
      return;
    }
    const loading = await ctx.reply(ctx.t('balance-loading'), { parse_mode: 'HTML' });
    const chatId = ctx.chat.id;
    deps.background(
      deps.balances.fetch(accountId).then((result) => {
        const html = result.ok ? show(result.balance, result.at) : ctx.t(balanceProblem(result.kind, accountId === deps.envAccountId));
        return deps.editMessage(chatId, loading.message_id, html);
      }),
    );
  });

  privateChats.command('account', async (ctx) => {
    const accountId = ctx.access?.accountId;
    if (accountId === undefined) {
      await ctx.reply(ctx.t('status-no-account'), { parse_mode: 'HTML' });
      return;
    }
    const role = ctx.t(`account-role-${ctx.access!.role}`);
    let html: string;
    if (accountId === deps.envAccountId) {
      html = ctx.t('account-env', { role });
    } else {
      const account = await deps.linking.store.byId(accountId);
      if (!account) {
        await ctx.reply(ctx.t('status-no-account'), { parse_mode: 'HTML' });
        return;
      }
      html = ctx.t('account-linked', { username: account.username, environment: account.environment, scope: account.scope, role });
    }
    const more = await deps.details?.(ctx, accountId);
    await ctx.reply(more?.html ? `${html}\n\n${more.html}` : html, {
      parse_mode: 'HTML',
      ...(more?.keyboard ? { reply_markup: more.keyboard } : {}),
    });
  });
  return composer;
}

/** Why /balance shows no balance: the key unlinked by its owner (a linked account with no key), refused, or no answer. */
function balanceProblem(kind: string, envAccount: boolean): string {
  if (kind === 'key_unlinked' || (kind === 'no_account' && !envAccount)) return 'balance-key-unlinked';
  return ['unauthorized', 'key_suspended', 'forbidden', 'ip_blocked'].includes(kind) ? 'balance-key-problem' : 'balance-unavailable';
}
