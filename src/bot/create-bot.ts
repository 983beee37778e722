import type { I18n } from '@grammyjs/i18n';
import { sequentialize } from '@grammyjs/runner';
import { Bot, type Transformer } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { Logger } from '../shared/logger.js';
import type { OrderTracker } from '../tracking/tracker.js';
import type { ChatStore } from './chats.js';
import type { BotContext } from './context.js';
import { accessGate, resolveAccess } from './features/access.js';
import {
  accountInfoFeature,
  keyIntake,
  linkFeature,
  ONBOARDING_CONVERSATION,
  onboardingConversation,
  type AccountFeatureDeps,
  type AccountInfoDeps,
} from './features/accounts.js';
import { groupsFeature } from './features/groups.js';
import { accountDetails, inviteRedemption, staffFeature } from './features/staff.js';
import type { AccountRoles } from '../accounts/roles.js';
import type { InviteStore } from '../accounts/invites.js';
import type { StaffMembership } from '../accounts/staff-membership.js';
import { helpFeature } from './features/help.js';
import { languageFeature } from './features/language.js';
import { translatorFor } from './i18n.js';
import { statusFeature } from './features/status.js';
import { watchlistFeature } from './features/watchlist.js';
import type { Clock } from '../shared/clock.js';
import { createAutoRetry, installAutoRetry } from './telegram/auto-retry.js';
import { conversations, createConversation } from '@grammyjs/conversations';
import type { Connection } from 'mongoose';
import type { ResendService } from '../resend/resend-service.js';
import type { TrackingModels } from '../tracking/models.js';
import { CUSTOM_AMOUNT_CONVERSATION, customAmountConversation } from './conversations/custom-amount.js';
import { mongoConversationStorage } from './conversations/mongo-storage.js';
import { offersFeature } from './features/offers.js';
import { oncePerUpdate } from './once-per-update.js';
import type { TelegramOfferMessages } from './offer-messages.js';
import { ChatPacer } from '../outbox/chat-pacer.js';
import { answerOrder, installPacing, type PacingHooks } from './telegram/pacing.js';

export interface BotDeps {
  tracker: OrderTracker;
  chats: ChatStore;
  resend: ResendService;
  /** Edits of offer confirmations, shared with the background offer work (see TelegramOfferMessages). */
  offerMessages: TelegramOfferMessages;
  models: TrackingModels;
  /** Conversation state is kept in MongoDB through this connection. */
  connection: Connection;
  i18n: I18n<BotContext>;
  allowedUserIds: ReadonlySet<number>;
  /** Linking OneClickDz accounts (/start onboarding, /link, /unlink) and the account a user linked. */
  accounts: Omit<AccountFeatureDeps, 'allowedUserIds' | 'chats' | 'tracker' | 'log'>;
  /** /balance and /account. */
  accountInfo: AccountInfoDeps;
  /** Roles on accounts (owner, staff, group members), the account a chat acts for, staff groups. */
  roles: AccountRoles;
  invites: InviteStore;
  /** Joining with an invite and removal from the staff (the owner told who joined). */
  membership: StaffMembership;
  clock: Clock;
  log: Logger;
}

export interface BotOptions {
  apiRoot: string;
  /** Known bot identity: skips getMe (tests, and restarts that already know it). */
  botInfo?: UserFromGetMe | undefined;
  /** Installed before auto-retry, on bot.api and inside conversations, so they see every attempt (metrics). */
  apiTransformers?: Transformer[] | undefined;
  /** Paces every message per chat (shared with the background messenger); a private one by default. */
  pacer?: ChatPacer;
  /** Observes Telegram calls made by update handlers (metrics). */
  telegramHooks?: PacingHooks;
}

/**
 * Conversation state is kept per chat AND user: in a group, another member's message is never taken
 * as the answer to someone else's question (it does not even load that question).
 */
export function conversationKey(ctx: Pick<BotContext, 'chatId' | 'from'>): string | undefined {
  return ctx.chatId !== undefined && ctx.from ? `${ctx.chatId}:${ctx.from.id}` : undefined;
}

/**
 * Middleware order matters:
 *   0. sequentialize  updates of one chat are handled one after another, in order; different chats
 *                  run concurrently (long polling uses @grammyjs/runner, which does not wait)
 *   0b. once       an update_id delivered again (webhook retry, another replica) is skipped
 *   0c. answer order  each update takes its place in its chat's answer order (src/outbox): replies,
 *                  and status messages that answer a /status, go out in the order the updates came
 *   1. i18n        every later step (refusals included) answers in the chat's language
 *   1b. account    which account the update acts for, and the sender's role on it (accounts/roles.ts)
 *   1c. key intake a message carrying something shaped like an API key is deleted at once, and linked
 *                  or explained: nothing after this (conversations, refs, logs) ever sees a key
 *   1d. staff & groups  /start <invite code> (joining as staff), /link and /unlink in groups, the bot
 *                  removed from a group, a group upgraded to a supergroup: before the gate, since
 *                  neither a newcomer nor an unlinked group has an account yet
 *   1e. linking    conversations plugin, onboarding (/start without an account), /link, /unlink
 *   2. access      only users acting for an account go further; in private chats everyone else is
 *                  refused with their id, in an unlinked group a command gets how to link it
 *   2b. conversations  the "other amount" question (state in MongoDB, one per chat and user: in a
 *                  group only the member who asked answers it); /cancel when no question is open
 *   3. features    /start /help, /language, /status (and bare refs in private chats),
 *                  /pending, /unwatch and the "stop notifications" button, suggested-offer buttons
 *   4. fallback    anything else in a private chat gets a pointer to /help
 * Errors are caught once, logged without message contents, and answered with a generic message.
 */
export function createBot(token: string, deps: BotDeps, options: BotOptions): Bot<BotContext> {
  const bot = new Bot<BotContext>(token, {
    client: { apiRoot: options.apiRoot, timeoutSeconds: 30 },
    ...(options.botInfo ? { botInfo: options.botInfo } : {}),
  });
  // Order, innermost first: the given transformers (metrics) see every attempt; pacing makes every
  // send or edit wait for its chat's turn and keeps a handler's reply until Telegram accepts it;
  // auto-retry then only sees the other methods' 429s and errors.
  const transformers = options.apiTransformers ?? [];
  bot.api.config.use(...transformers);
  const pacer = options.pacer ?? new ChatPacer();
  const pacing = { pacer, retryUntilAccepted: true, ...(options.telegramHooks ? { hooks: options.telegramHooks } : {}) };
  installPacing(bot.api, pacing);
  installAutoRetry(bot.api);

  bot.use(sequentialize((ctx) => ctx.chat?.id.toString()));
  bot.use(oncePerUpdate({ connection: deps.connection, clock: deps.clock, log: deps.log }));
  bot.use(answerOrder(pacer));
  bot.use(deps.i18n);
  bot.use(resolveAccess({ roles: deps.roles, allowedUserIds: deps.allowedUserIds, chats: deps.chats }));
  const accountDeps: AccountFeatureDeps = {
    ...deps.accounts,
    allowedUserIds: deps.allowedUserIds,
    chats: deps.chats,
    tracker: deps.tracker,
    log: deps.log,
  };
  bot.use(keyIntake(accountDeps));
  const staffDeps = { roles: deps.roles, invites: deps.invites, tracker: deps.tracker, clock: deps.clock, membership: deps.membership };
  bot.use(inviteRedemption(staffDeps));
  bot.use(groupsFeature({ roles: deps.roles, chats: deps.chats, tracker: deps.tracker, resend: deps.resend, clock: deps.clock }));
  // Conversations v2 build their own Api: pacing, auto-retry and i18n must be installed inside them too.
  bot.use(
    conversations<BotContext, BotContext>({
      storage: { type: 'key', adapter: mongoConversationStorage(deps.connection), getStorageKey: conversationKey },
      plugins: [
        async (ctx, next) => {
          ctx.api.config.use(...transformers);
          installPacing(ctx.api, pacing);
          ctx.api.config.use(createAutoRetry());
          await next();
        },
        deps.i18n,
      ],
    }),
  );
  bot.use(createConversation(onboardingConversation(accountDeps), ONBOARDING_CONVERSATION));
  bot.use(linkFeature(accountDeps));
  bot.use(accessGate());
  bot.use(createConversation(customAmountConversation(deps.resend), CUSTOM_AMOUNT_CONVERSATION));
  // /cancel with a question open is answered by the question itself; this is /cancel with none.
  bot.command('cancel', (ctx) => ctx.reply(ctx.t('cancel-nothing'), { parse_mode: 'HTML' }));
  bot.use(helpFeature());
  bot.use(accountInfoFeature({ ...deps.accountInfo, details: accountDetails({ ...staffDeps, resend: deps.resend }) }));
  bot.use(staffFeature(staffDeps));
  bot.use(languageFeature({ chats: deps.chats, tracker: deps.tracker, translatorFor: (locale) => translatorFor(deps.i18n, locale) }));
  bot.use(statusFeature({ tracker: deps.tracker }));
  bot.use(watchlistFeature({ tracker: deps.tracker, clock: deps.clock }));
  bot.use(offersFeature({ resend: deps.resend, models: deps.models, messages: deps.offerMessages, clock: deps.clock }));
  // A button this bot no longer knows (old deploy, tampered data): a clear answer, nothing else.
  bot.on('callback_query:data', (ctx) => ctx.answerCallbackQuery({ text: ctx.t('offer-expired'), show_alert: true }));
  bot.chatType('private').on('message', (ctx) => ctx.reply(ctx.t('help'), { parse_mode: 'HTML' }));

  bot.catch(async (err) => {
    // ctx.log carries the update id; it is missing only when the first middleware itself failed.
    (err.ctx.log ?? deps.log.child({ updateId: err.ctx.update.update_id })).error({ err: err.error }, 'update handling failed');
    try {
      if (err.ctx.callbackQuery) await err.ctx.answerCallbackQuery({ text: err.ctx.t('error-generic') });
      else if (err.ctx.chat) await err.ctx.reply(err.ctx.t('error-generic'), { parse_mode: 'HTML' });
    } catch {
      // The chat may be unreachable; the error is logged above.
    }
  });
  return bot;
}
