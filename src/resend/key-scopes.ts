import type { AccountKeyInfo } from '../provider/types.js';
import type { Clock } from '../shared/clock.js';

const SCOPE_TTL_MS = 60 * 60 * 1000;

/**
 * Whether an account's key may send (READ-WRITE and enabled), from GET /v3/validate, cached for an
 * hour as the provider recommends. Update handlers read the cache only (`known`); the worker and the
 * confirmation's background fill-in ask the provider when the cache is cold.
 */
export class KeyScopes {
  private readonly scopes = new Map<string, { readOnly: boolean; at: number }>();

  constructor(private readonly clock: Clock) {}

  /** The cached answer, without any provider call; undefined when not known (or stale). */
  known(accountId: string): boolean | undefined {
    const cached = this.scopes.get(accountId);
    return cached && this.clock.now() - cached.at < SCOPE_TTL_MS ? cached.readOnly : undefined;
  }

  /** READ-ONLY or disabled key; when the provider cannot say, the last answer (else false: the send itself will answer). */
  async isReadOnly(accountId: string, source: { validate(): Promise<AccountKeyInfo> } | undefined): Promise<boolean> {
    const known = this.known(accountId);
    if (known !== undefined) return known;
    if (!source) return true;
    try {
      const info = await source.validate();
      const readOnly = info.scope.toUpperCase() === 'READ-ONLY' || !info.isEnabled;
      this.scopes.set(accountId, { readOnly, at: this.clock.now() });
      return readOnly;
    } catch {
      return this.scopes.get(accountId)?.readOnly ?? false;
    }
  }
}
