/**
 * Cleaning and validating what a user typed as an order reference, before anything reaches the
 * provider or MongoDB. Users paste refs out of other apps (and out of our own RTL messages), which
 * drags invisible direction marks along; those are stripped, then the rest must look like a ref.
 */
export type OrderQuery = { by: 'id'; value: string } | { by: 'ref'; value: string };
export type OrderQueryProblem = 'empty' | 'too_long' | 'chars';
export type OrderQueryResult = { ok: true; query: OrderQuery } | { ok: false; problem: OrderQueryProblem };

// LRM, RLM, LRE..RLO (U+202A-U+202E), LRI..PDI (U+2066-U+2069), Arabic letter mark, plus zero-width
// space/joiners and BOM which ride along in copy-paste just as often.
const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2066-\u2069\u061C\uFEFF]/g;

/** Provider refs are undocumented; generated ones look like `API-+213665983439-test-1761698159224-success`. */
export const MAX_REF_LENGTH = 100;
const REF_CHARS = /^[A-Za-z0-9_\-.+:@]+$/;
const PROVIDER_ID = /^[0-9a-f]{24}$/i;

export function parseOrderQuery(input: string): OrderQueryResult {
  const cleaned = input.replace(INVISIBLE, '').trim();
  if (cleaned === '') return { ok: false, problem: 'empty' };
  if (cleaned.length > MAX_REF_LENGTH) return { ok: false, problem: 'too_long' };
  if (!REF_CHARS.test(cleaned)) return { ok: false, problem: 'chars' };
  if (PROVIDER_ID.test(cleaned)) return { ok: true, query: { by: 'id', value: cleaned.toLowerCase() } };
  return { ok: true, query: { by: 'ref', value: cleaned } };
}
