import type { OneClickClient } from '../provider/client.js';
import { isKeyAttemptWait, isKeyUnlinked } from '../provider/errors.js';
import type { Clock } from '../shared/clock.js';

/** How long a balance read from the provider is shown without asking again. */
export const BALANCE_CACHE_MS = 30_000;

export type BalanceResult = { ok: true; balance: number; at: number } | { ok: false; kind: string };

/**
 * Account balances (GET /v3/account/balance), cached 30 s per account in this process; concurrent
 * asks for one account share one call. No Telegram here: /balance shows `cached()` at once and
 * `fetch()` in the background.
 */
export class AccountBalances {
  private readonly cache = new Map<string, { balance: number; at: number }>();
  private readonly inFlight = new Map<string, Promise<BalanceResult>>();

  constructor(private readonly opts: { clientFor: (accountId: string) => OneClickClient | undefined; clock: Clock; cacheMs?: number }) {}

  /** A balance read within the last 30 s, if any. */
  cached(accountId: string): { balance: number; at: number } | undefined {
    const hit = this.cache.get(accountId);
    return hit && this.opts.clock.now() - hit.at < (this.opts.cacheMs ?? BALANCE_CACHE_MS) ? hit : undefined;
  }

  /** The balance, from the cache or the provider. Never throws: a failure says its kind. */
  fetch(accountId: string): Promise<BalanceResult> {
    const hit = this.cached(accountId);
    if (hit) return Promise.resolve({ ok: true, ...hit });
    const running = this.inFlight.get(accountId);
    if (running) return running;
    const client = this.opts.clientFor(accountId);
    // No client: no key for the account in this process (a linked account whose owner unlinked it).
    if (!client) return Promise.resolve({ ok: false, kind: 'no_account' });
    const call = client
      .balance()
      .then((balance): BalanceResult => {
        const at = this.opts.clock.now();
        this.cache.set(accountId, { balance, at });
        return { ok: true, balance, at };
      })
      // A key held back until a key attempt frees up was not rejected: shown as "no answer, try again".
      .catch((err: unknown): BalanceResult => ({
        ok: false,
        kind: isKeyAttemptWait(err)
          ? 'key_attempt_wait'
          : isKeyUnlinked(err)
            ? 'key_unlinked'
            : ((err as { kind?: string }).kind ?? 'unexpected'),
      }))
      .finally(() => this.inFlight.delete(accountId));
    this.inFlight.set(accountId, call);
    return call;
  }
}
