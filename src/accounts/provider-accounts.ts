import type { Connection } from 'mongoose';
import { IpBlockGuard, OneClickClient, type OneClickClientOptions } from '../provider/client.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { KeyAttemptBudget } from './key-attempt-budget.js';
import { KeyGuard, type KeyGuardOptions } from './key-guard.js';

export interface ProviderAccountsOptions {
  connection: Connection;
  baseUrl: string;
  /** The accounts' keys (today only the env account, ONECLICK_API_KEY). */
  keys: Array<{ accountId: string; apiKey: string }>;
  clock: Clock;
  log: Logger;
  client?: Partial<Pick<OneClickClientOptions, 'timeoutMs' | 'retry' | 'onRequest'>>;
  guard?: Partial<Pick<KeyGuardOptions, 'tickMs' | 'trustMs' | 'backoff' | 'transientBackoff' | 'minRetryAfterMs'>>;
}

export interface ProviderAccounts {
  /** The account's client: every call goes through the key guard and the shared IP-block pause. */
  clientFor(accountId: string): OneClickClient | undefined;
  guard: KeyGuard;
}

/**
 * Builds the provider clients of every account behind one key guard and one IP-block memory (the
 * provider blocks the server's IP, whatever the key): the only way the app reaches the provider.
 */
export function createProviderAccounts(opts: ProviderAccountsOptions): ProviderAccounts {
  const { connection, clock, log } = opts;
  const budget = new KeyAttemptBudget(connection);
  const ipBlock = new IpBlockGuard((until) => {
    log.error({ until: new Date(until).toISOString() }, 'OneClickDz blocked this IP (IP_BLOCKED): no provider call before the block ends');
    budget.blockIp(until).catch((err: unknown) => log.warn({ err }, 'could not record the IP block in MongoDB'));
  });
  const common = { baseUrl: opts.baseUrl, ipBlock, now: () => clock.now(), ...opts.client };
  const guard = new KeyGuard(
    { connection, budget, ipBlock, clock, log: log.child({ module: 'key-guard' }), ...opts.guard },
    opts.keys.map(({ accountId, apiKey }) => {
      // Revalidations are the guard's own attempts: one HTTP attempt each, outside the gate.
      const probe = new OneClickClient({ ...common, apiKey, retry: { attempts: 1 } });
      return { accountId, apiKey, validate: () => probe.validate() };
    }),
  );
  const clients = new Map(
    opts.keys.map(({ accountId, apiKey }) => [accountId, new OneClickClient({ ...common, apiKey, gate: guard.gateFor(accountId) })]),
  );
  return { clientFor: (accountId) => clients.get(accountId), guard };
}
