import type { LookupView } from '../../tracking/describe.js';
import type { Translate } from '../i18n.js';

const OUTCOME_KEYS = {
  searching: 'status-looking-up',
  not_found: 'status-not-found',
  provider_down: 'status-provider-down',
  unauthorized: 'status-provider-auth',
  unlinked: 'status-key-unlinked',
} as const;

/** The status message while the bot resolves a ref/id, or when that ended without an order. */
export function renderLookupStatus(t: Translate, view: LookupView): string {
  const text = t(OUTCOME_KEYS[view.outcome], { query: view.query });
  return view.outcome === 'searching' && view.providerTrouble ? `${text}\n\n${t('order-provider-trouble')}` : text;
}
