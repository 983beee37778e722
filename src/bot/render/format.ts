import type { Locale } from '../../config.js';
import type { Translate } from '../i18n.js';

/**
 * Numbers, money, durations and dates for user-visible text. Always Latin digits (Algerian usage;
 * also what resellers type back), always Africa/Algiers time, never bidi control marks (ICU puts
 * U+200F into Arabic dates and amounts; they would be copied along with the value).
 */

const INTL_LOCALE: Record<Locale, string> = { ar: 'ar-DZ', fr: 'fr-DZ', en: 'en-GB' };
const TIME_ZONE = 'Africa/Algiers';
const BIDI_MARKS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

function stripBidiMarks(text: string): string {
  return text.replace(BIDI_MARKS, '');
}

/**
 * Fraction digits an amount is shown with: none for a whole amount, two (centimes) for an amount with
 * a fraction, more only when the provider gave more (up to 4). Never rounded into another value, so two
 * different amounts (a price and a balance) never look equal. Float noise (1326.1299999) is ignored.
 */
export function amountFractionDigits(amount: number): 0 | 2 | 3 | 4 {
  const noise = 1e-9 * Math.max(1, Math.abs(amount));
  for (const digits of [0, 2, 3] as const) {
    const scale = 10 ** digits;
    if (Math.abs(Math.round(amount * scale) / scale - amount) <= noise) return digits;
  }
  return 4;
}

/** Grouping and decimal mark: "19 257,50" (ar, fr: as on Algerian price tags), "19,257.50" (en). */
const AMOUNT_FORMAT: Record<Locale, string> = { ar: 'fr-DZ', fr: 'fr-DZ', en: 'en-GB' };
const AMOUNT_FORMATTERS = new Map<string, Intl.NumberFormat>();
const SPACES = /[\u00A0\u202F ]/g;

/** The number of an amount: Latin digits, thousands grouped with a no-break space (ar, fr) or a comma (en). */
export function formatAmountNumber(amount: number, locale: Locale): string {
  if (!Number.isFinite(amount)) return String(amount);
  const digits = amountFractionDigits(amount);
  const key = `${locale}:${digits}`;
  let formatter = AMOUNT_FORMATTERS.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(AMOUNT_FORMAT[locale], {
      numberingSystem: 'latn',
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    AMOUNT_FORMATTERS.set(key, formatter);
  }
  // One kind of space (U+00A0): ICU uses U+202F for French, which some Telegram fonts lack.
  return stripBidiMarks(formatter.format(amount)).replace(SPACES, '\u00A0');
}

/** DZD amount as resellers write it: "19 257,50 دج", "500 DA", "DZD 1,326.13". */
export function formatAmount(amount: number, locale: Locale): string {
  const n = formatAmountNumber(amount, locale);
  switch (locale) {
    case 'ar':
      return `${n} دج`;
    case 'fr':
      return `${n} DA`;
    case 'en':
      return `DZD ${n}`;
  }
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function unit(t: Translate, key: string, n: number): string {
  // $n selects the plural form (Arabic has six); $nText is what is displayed (Latin digits).
  return t(key, { n, nText: String(n) });
}

/**
 * A human duration with at most two units: "45 ثانية", "3 دقائق", "ساعتان و5 دقائق", "2 days 4 hours".
 * Negative durations (clock skew with the provider) count as zero.
 */
export function formatDuration(t: Translate, ms: number): string {
  const total = Number.isFinite(ms) ? Math.max(0, ms) : 0;
  if (total < MINUTE) return unit(t, 'duration-seconds', Math.floor(total / SECOND));
  if (total < HOUR) return unit(t, 'duration-minutes', Math.floor(total / MINUTE));
  const pair = (bigKey: string, big: number, smallKey: string, small: number): string =>
    small > 0 ? t('duration-pair', { first: unit(t, bigKey, big), second: unit(t, smallKey, small) }) : unit(t, bigKey, big);
  if (total < DAY) {
    return pair('duration-hours', Math.floor(total / HOUR), 'duration-minutes', Math.floor((total % HOUR) / MINUTE));
  }
  return pair('duration-days', Math.floor(total / DAY), 'duration-hours', Math.floor((total % DAY) / HOUR));
}

function dateTimeFormat(locale: Locale, withDate: boolean): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat(INTL_LOCALE[locale], {
    timeZone: TIME_ZONE,
    numberingSystem: 'latn',
    hourCycle: 'h23',
    hour: '2-digit',
    minute: '2-digit',
    ...(withDate ? { year: 'numeric', month: '2-digit', day: '2-digit' } : {}),
  });
}

/** Date and time in Algiers, e.g. "29/10/2025، 02:05" (ar), "29/10/2025 02:05" (fr), "29/10/2025, 02:05" (en). */
export function formatDateTime(date: Date, locale: Locale): string {
  return stripBidiMarks(dateTimeFormat(locale, true).format(date));
}

/** Clock time in Algiers, "HH:MM". */
export function formatTime(date: Date, locale: Locale): string {
  return stripBidiMarks(dateTimeFormat(locale, false).format(date));
}

const algiersDay = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });

/**
 * A check time for the long tail: "HH:MM" when it falls on the same Algiers day as `now`, else date
 * and time. Clock times (not "in 3 hours") keep the text stable between edits of the same message.
 */
export function formatCheckTime(date: Date, locale: Locale, now: Date): string {
  return algiersDay.format(date) === algiersDay.format(now) ? formatTime(date, locale) : formatDateTime(date, locale);
}
