import type { ConversationFlavor } from '@grammyjs/conversations';
import type { I18nFlavor } from '@grammyjs/i18n';
import type { Context } from 'grammy';
import type { Role } from '../accounts/roles.js';
import type { Logger } from '../shared/logger.js';
import type { AnswerOrderFlavor } from './telegram/pacing.js';

/** Set by the access gate for users allowed on an account; absent for everyone else. */
export interface AccountAccess {
  /** The account whose orders this user may see (undefined: no provider account configured). */
  accountId: string | undefined;
  /** The caller's role on it (accounts/roles.ts): owner, staff, or a member of a linked group. */
  role: Role;
  /** May confirm a re-send (the domain checks it again before anything is recorded). */
  canResend: boolean;
}

/** Set by the first middleware (once-per-update.ts): every line it logs carries the update id. */
export interface UpdateLogFlavor {
  log: Logger;
}

export type BotContext = ConversationFlavor<Context & I18nFlavor & AnswerOrderFlavor & UpdateLogFlavor & { access?: AccountAccess }>;
