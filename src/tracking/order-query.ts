/**
 * Cleaning and validating what a user typed as an order reference, before anything reaches the
 * provider or MongoDB. Users paste refs out of other apps (and out of our own RTL messages), which
 * drags invisible direction marks along; they type them on Arabic keyboards (Arabic-Indic or Persian
 * digits) and dress them up (`#order-1`, `«order-1»`, "order-1"). All of that is undone here, then
 * the rest must look like a ref. Text that is clearly something else (words, a greeting) is told
 * apart from a ref with a typo, so the bot can answer it with help instead of an error.
 */
import { foldDigits } from '../shared/digits.js';
import { stripInvisibleMarks } from '../shared/invisible-marks.js';

export type OrderQuery = { by: 'id'; value: string } | { by: 'ref'; value: string };
/**
 * `not_ref`: clearly not meant as a ref (several words, letters of another script, no letter or digit
 * at all). The others are a ref-like token that cannot be one.
 */
export type OrderQueryProblem = 'empty' | 'too_long' | 'chars' | 'not_ref';
export type OrderQueryResult = { ok: true; query: OrderQuery } | { ok: false; problem: OrderQueryProblem };

/**
 * Quotes people put around a ref: ASCII, typographic (‘ ’ ‚ “ ” „), guillemets (« » ‹ ›), backticks
 * (copied out of code formatting) and the CJK/fullwidth ones phones sometimes insert. None of them can
 * be part of a ref, so stripping them never changes a valid ref.
 */
const QUOTES = `"'\`\u2018\u2019\u201A\u201B\u201C\u201D\u201E\u201F\u00AB\u00BB\u2039\u203A\u300C\u300D\uFF02\uFF07`;
const WRAPPING = new RegExp(`^[\\s${QUOTES}#\uFF03]+|[\\s${QUOTES}]+$`, 'gu');

/** Provider refs are undocumented; generated ones look like `API-+213665983439-test-1761698159224-success`. */
export const MAX_REF_LENGTH = 100;
/** What a ref may contain; requests.ts validates the same before anything reaches MongoDB. */
export const REF_PATTERN = /^[A-Za-z0-9_\-.+:@]+$/;
const PROVIDER_ID = /^[0-9a-f]{24}$/i;
/** A letter that no ref has (Arabic, Cyrillic, accented...): the text is words, not a ref. */
const FOREIGN_LETTER = /(?![A-Za-z])\p{L}/u;
const ASCII_ALNUM = /[A-Za-z0-9]/;

/** The text with invisible marks removed, digits folded to 0-9, a leading `#` and wrapping quotes stripped. */
export function cleanRefText(input: string): string {
  return foldDigits(stripInvisibleMarks(input)).replace(WRAPPING, '');
}

export function parseOrderQuery(input: string): OrderQueryResult {
  const cleaned = cleanRefText(input);
  if (cleaned === '') return { ok: false, problem: 'empty' };
  if (/\s/.test(cleaned) || FOREIGN_LETTER.test(cleaned) || !ASCII_ALNUM.test(cleaned)) return { ok: false, problem: 'not_ref' };
  if (cleaned.length > MAX_REF_LENGTH) return { ok: false, problem: 'too_long' };
  if (!REF_PATTERN.test(cleaned)) return { ok: false, problem: 'chars' };
  if (PROVIDER_ID.test(cleaned)) return { ok: true, query: { by: 'id', value: cleaned.toLowerCase() } };
  return { ok: true, query: { by: 'ref', value: cleaned } };
}
