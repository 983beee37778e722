import { Schema, type Connection, type Model } from 'mongoose';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { AccountStore, type AccountDoc } from './account-store.js';
import type { KeyVault } from './key-vault.js';
import type { ProviderAccounts } from './provider-accounts.js';

export { asApiKey, containsApiKey } from './api-key-shape.js';

/** Validation attempts per Telegram user (the global budget is the key-attempt budget, shared with the key guard). */
export const LINK_ATTEMPTS_PER_USER = 3;
export const LINK_ATTEMPT_WINDOW_MS = 15 * 60_000;

interface LinkRequestDoc {
  _id: number; // Telegram user id
  /** When this user's key checks reached the provider, within the window. */
  attempts: Date[];
  /** Until when the next key-shaped message of this user is taken as the key to link (/link, onboarding). */
  promptUntil: Date | null;
}

const linkRequestSchema = new Schema<LinkRequestDoc>(
  {
    _id: { type: Number, required: true },
    attempts: { type: [Date], default: [] },
    promptUntil: { type: Date, default: null },
  },
  { collection: 'link_requests', versionKey: false },
);

export type LinkAdmission = { ok: true; at: Date } | { ok: false; reason: 'no_vault' } | { ok: false; reason: 'too_many'; retryAt: number };

export type LinkOutcome =
  | { type: 'linked'; account: AccountDoc; relinked: boolean }
  | { type: 'invalid' }
  | { type: 'disabled' }
  | { type: 'ip_not_allowed' }
  | { type: 'busy'; retryAt: number }
  | { type: 'unavailable' }
  | { type: 'linked_by_other' }
  | { type: 'owns_other'; current: AccountDoc };

/**
 * Linking a OneClickDz key to a Telegram user (no Telegram here): per-user attempt limit (persisted),
 * the shared key-attempt budget and IP-block pause (through ProviderAccounts), GET /v3/validate, then
 * the sealed key in `accounts` and a provider client for it. Only the username, environment and scope
 * of the validate answer are kept (it echoes the key).
 */
export class AccountLinking {
  readonly store: AccountStore;
  private readonly Requests: Model<LinkRequestDoc>;

  constructor(
    private readonly opts: {
      connection: Connection;
      accounts: ProviderAccounts;
      vault: KeyVault | undefined;
      clock: Clock;
      log: Logger;
    },
  ) {
    this.store = new AccountStore(opts.connection);
    this.Requests =
      (opts.connection.models.LinkRequest as Model<LinkRequestDoc> | undefined) ??
      opts.connection.model<LinkRequestDoc>('LinkRequest', linkRequestSchema);
  }

  /** Keys can be stored only with ENCRYPTION_KEY set. */
  get canStore(): boolean {
    return this.opts.vault !== undefined;
  }

  /** The next key this user sends (within 10 min) is the one to link. */
  async openPrompt(userId: number): Promise<void> {
    const until = new Date(this.opts.clock.now() + 10 * 60_000);
    await this.Requests.updateOne({ _id: userId }, { $set: { promptUntil: until }, $setOnInsert: { attempts: [] } }, { upsert: true });
  }

  async promptOpen(userId: number): Promise<boolean> {
    const doc = await this.Requests.findById(userId).select({ promptUntil: 1 }).lean<LinkRequestDoc>();
    return (doc?.promptUntil?.getTime() ?? 0) > this.opts.clock.now();
  }

  /**
   * Takes one of the user's validation attempts (3 per 15 min), atomically, before anything is sent to
   * the provider; or says when the next one is allowed.
   */
  async admit(userId: number): Promise<LinkAdmission> {
    if (!this.opts.vault) return { ok: false, reason: 'no_vault' };
    const now = this.opts.clock.now();
    const at = new Date(now);
    const windowStart = new Date(now - LINK_ATTEMPT_WINDOW_MS);
    await this.Requests.updateOne(
      { _id: userId },
      { $pull: { attempts: { $lte: windowStart } }, $setOnInsert: { promptUntil: null } },
      { upsert: true },
    ).catch((err: unknown) => {
      if ((err as { code?: unknown }).code !== 11000) throw err;
    });
    const taken = await this.Requests.findOneAndUpdate(
      { _id: userId, [`attempts.${LINK_ATTEMPTS_PER_USER - 1}`]: { $exists: false } },
      { $push: { attempts: at }, $set: { promptUntil: null } },
      { returnDocument: 'after', projection: { _id: 1 } },
    ).lean();
    if (taken) return { ok: true, at };
    const doc = await this.Requests.findById(userId).lean<LinkRequestDoc>();
    const inWindow = (doc?.attempts ?? []).map((d) => d.getTime()).filter((t) => t > now - LINK_ATTEMPT_WINDOW_MS);
    inWindow.sort((a, b) => a - b);
    const oldest = inWindow[inWindow.length - LINK_ATTEMPTS_PER_USER] ?? now;
    return { ok: false, reason: 'too_many', retryAt: oldest + LINK_ATTEMPT_WINDOW_MS };
  }

  /** Gives back an attempt that never reached the provider (budget spent, IP blocked) or got no verdict. */
  private async giveBack(userId: number, at: Date): Promise<void> {
    await this.Requests.updateOne({ _id: userId }, { $pull: { attempts: at } });
  }

  /** Validates `apiKey` with the provider and links it to `userId` (after `admit`). Runs in the background. */
  async link(userId: number, apiKey: string, admission: { at: Date }): Promise<LinkOutcome> {
    const vault = this.opts.vault;
    if (!vault) throw new Error('AccountLinking.link without a key vault');
    const check = await this.opts.accounts.checkCandidate(apiKey);
    if (check.type === 'busy' || check.type === 'unavailable') {
      await this.giveBack(userId, admission.at);
      return check;
    }
    if (check.type !== 'valid') return check;
    const info = { username: check.info.username, environment: check.info.type, scope: check.info.scope };
    const result = await this.store.link(userId, apiKey, info, vault, new Date(this.opts.clock.now()));
    if (!result.ok) return result.reason === 'owns_other' ? { type: 'owns_other', current: result.current } : { type: 'linked_by_other' };
    await this.opts.accounts.register(result.account._id, apiKey, { validatedNow: true });
    this.registered.add(result.account._id);
    this.seen.add(`${result.account._id}:${result.account.sealedKey}`);
    this.opts.log.info(
      { accountId: result.account._id, environment: info.environment, scope: info.scope, relinked: result.relinked },
      'OneClickDz account linked',
    );
    return { type: 'linked', account: result.account, relinked: result.relinked };
  }

  /** /unlink by the owner: the key is forgotten, calls with it stop; the account and its orders stay. */
  async unlink(userId: number): Promise<AccountDoc | null> {
    const removed = await this.store.unlink(userId, new Date(this.opts.clock.now()));
    if (removed) {
      this.opts.accounts.unregister(removed._id);
      this.registered.delete(removed._id);
      this.opts.log.info({ accountId: removed._id }, 'OneClickDz account unlinked by its owner');
    }
    return removed;
  }

  /**
   * Builds the provider clients of linked accounts this process does not have yet (start-up, and
   * accounts linked by another process), and drops those unlinked meanwhile.
   */
  async syncLinked(): Promise<void> {
    const vault = this.opts.vault;
    const linked = await this.store.linked();
    const ids = new Set(linked.map((a) => a._id));
    for (const id of this.registered) {
      if (!ids.has(id)) {
        this.opts.accounts.unregister(id);
        this.registered.delete(id);
      }
    }
    if (!vault) return;
    for (const account of linked) {
      const stamp = `${account._id}:${account.sealedKey}`;
      if (this.seen.has(stamp)) continue;
      try {
        await this.opts.accounts.register(account._id, vault.open(account.sealedKey!));
        this.registered.add(account._id);
        this.seen.add(stamp);
      } catch (err) {
        this.opts.log.error(
          { accountId: account._id, err },
          'a linked key does not open with ENCRYPTION_KEY (was it rotated without npm run keys:rotate?)',
        );
        this.seen.add(stamp);
      }
    }
  }

  private readonly registered = new Set<string>();
  private readonly seen = new Set<string>();
}
