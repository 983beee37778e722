import type { Connection } from 'mongoose';
import { DEFAULT_TIMEOUT_MS, IpBlockGuard, OneClickClient, type OneClickClientOptions } from '../provider/client.js';
import { ProviderError } from '../provider/errors.js';
import type { AccountKeyInfo } from '../provider/types.js';
import type { Clock } from '../shared/clock.js';
import { addLogSecret, type Logger } from '../shared/logger.js';
import { KeyAttemptBudget, stalePendingAfterMs } from './key-attempt-budget.js';
import { KeyGuard, type KeyGuardOptions } from './key-guard.js';

export interface ProviderAccountsOptions {
  connection: Connection;
  baseUrl: string;
  /** The keys known at start-up (the env account, ONECLICK_API_KEY); linked accounts are added with `register`. */
  keys: Array<{ accountId: string; apiKey: string }>;
  clock: Clock;
  log: Logger;
  client?: Partial<Pick<OneClickClientOptions, 'timeoutMs' | 'retry' | 'onRequest'>>;
  guard?: Partial<Pick<KeyGuardOptions, 'tickMs' | 'trustMs' | 'backoff' | 'transientBackoff' | 'minRetryAfterMs'>>;
}

/** What GET /v3/validate said about a key someone wants to link (the key itself is not kept). */
export type CandidateCheck =
  | { type: 'valid'; info: AccountKeyInfo }
  /** 401: the provider does not know the key (the attempt counted towards its IP block). */
  | { type: 'invalid' }
  /** The key exists but is switched off in the dashboard. */
  | { type: 'disabled' }
  /** The key's IP allow-list does not hold this server. */
  | { type: 'ip_not_allowed' }
  /** Not asked now: the attempt budget is spent or the IP is blocked; one may try again at `retryAt`. */
  | { type: 'busy'; retryAt: number }
  /** No verdict (network, timeout, 5xx, 429): the attempt did not count; try again later. */
  | { type: 'unavailable' };

export interface ProviderAccounts {
  /** The account's client: every call goes through the key guard and the shared IP-block pause. */
  clientFor(accountId: string): OneClickClient | undefined;
  guard: KeyGuard;
  /** Adds (or replaces) an account's key: a linked account, from MongoDB or just linked. */
  register(accountId: string, apiKey: string, opts?: { validatedNow?: boolean }): Promise<void>;
  /** The account's key was unlinked: no more calls with it. */
  unregister(accountId: string): void;
  has(accountId: string): boolean;
  /**
   * GET /v3/validate for a key nobody uses yet (linking), as one attempt of the shared key-attempt
   * budget: a 401 counts as a failed attempt, anything else gives the attempt back.
   */
  checkCandidate(apiKey: string): Promise<CandidateCheck>;
}

/**
 * Builds the provider clients of every account behind one key guard and one IP-block memory (the
 * provider blocks the server's IP, whatever the key): the only way the app reaches the provider.
 */
export function createProviderAccounts(opts: ProviderAccountsOptions): ProviderAccounts {
  const { connection, clock, log } = opts;
  // A reservation pending longer than two calls' time (and MongoDB's) belongs to a process that died mid-call.
  const budget = new KeyAttemptBudget(connection, { staleAfterMs: stalePendingAfterMs(opts.client?.timeoutMs ?? DEFAULT_TIMEOUT_MS) });
  const ipBlock = new IpBlockGuard((until) => {
    log.error({ until: new Date(until).toISOString() }, 'OneClickDz blocked this IP (IP_BLOCKED): no provider call before the block ends');
    budget.blockIp(until).catch((err: unknown) => log.warn({ err }, 'could not record the IP block in MongoDB'));
  });
  const common = { baseUrl: opts.baseUrl, ipBlock, now: () => clock.now(), ...opts.client };
  // Revalidations are the guard's own attempts: one HTTP attempt each, outside the gate.
  const guarded = (accountId: string, apiKey: string) => {
    const probe = new OneClickClient({ ...common, apiKey, retry: { attempts: 1 } });
    return { accountId, apiKey, validate: () => probe.validate() };
  };
  for (const { apiKey } of opts.keys) addLogSecret(log, apiKey);
  const guard = new KeyGuard(
    { connection, budget, ipBlock, clock, log: log.child({ module: 'key-guard' }), ...opts.guard },
    opts.keys.map(({ accountId, apiKey }) => guarded(accountId, apiKey)),
  );
  const clients = new Map(
    opts.keys.map(({ accountId, apiKey }) => [accountId, new OneClickClient({ ...common, apiKey, gate: guard.gateFor(accountId) })]),
  );

  return {
    clientFor: (accountId) => clients.get(accountId),
    guard,
    has: (accountId) => clients.has(accountId),
    register: async (accountId, apiKey, registerOpts = {}) => {
      addLogSecret(log, apiKey);
      await guard.addKey(guarded(accountId, apiKey), registerOpts);
      clients.set(accountId, new OneClickClient({ ...common, apiKey, gate: guard.gateFor(accountId) }));
    },
    unregister: (accountId) => {
      guard.removeKey(accountId);
      clients.delete(accountId);
    },
    checkCandidate: async (apiKey) => {
      addLogSecret(log, apiKey);
      const now = clock.now();
      const blockedMs = ipBlock.remainingMs(now);
      if (blockedMs > 0) return { type: 'busy', retryAt: now + blockedMs };
      // A key nobody has seen work: it leaves the last attempt for keys re-proving themselves.
      const reservation = await budget.reserve(now, 'check');
      if (!reservation.ok) return { type: 'busy', retryAt: reservation.freeAt };
      const probe = new OneClickClient({ ...common, apiKey, retry: { attempts: 1 } });
      try {
        const info = await probe.validate();
        await budget.release(reservation.token);
        return info.isEnabled ? { type: 'valid', info } : { type: 'disabled' };
      } catch (err) {
        const pe = err instanceof ProviderError ? err : undefined;
        if (pe?.kind === 'unauthorized') {
          const left = pe.details?.attemptsLeft;
          await budget.confirmFailure(reservation.token, clock.now(), typeof left === 'number' ? left : undefined);
          return { type: 'invalid' };
        }
        await budget.release(reservation.token);
        if (pe?.kind === 'ip_blocked' && pe.code === 'IP_BLOCKED')
          return { type: 'busy', retryAt: clock.now() + ipBlock.remainingMs(clock.now()) };
        if (pe?.kind === 'ip_blocked') return { type: 'ip_not_allowed' };
        if (pe?.kind === 'forbidden' && pe.code === 'API_DISABLED') return { type: 'disabled' };
        log.warn({ kind: pe?.kind ?? 'unexpected' }, 'could not validate a key being linked');
        return { type: 'unavailable' };
      }
    },
  };
}
