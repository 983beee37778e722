import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SUPPORTED_LOCALES } from '../../src/config.js';
import type { Locale } from '../../src/config.js';
import { createI18n, findLocalesDir, localeKeys, translatorFor } from '../../src/bot/i18n.js';
import { formatAmount, formatDuration } from '../../src/bot/render/format.js';
import { renderOrderStatus } from '../../src/bot/render/order-status.js';
import type { ProviderOrder } from '../../src/provider/types.js';
import type { OrderView, StatusClass } from '../../src/tracking/view.js';

/** One value for every variable any message uses; display values are strings, as callers pass them. */
const SAMPLE_VARS = {
  query: 'order-123',
  username: '+213665983439',
  environment: 'SANDBOX',
  scope: 'READ-WRITE',
  role: 'owner',
  userId: '123456789',
  max: '5000',
  maxLength: '64',
  first: 'X',
  second: 'Y',
  number: '0778037340',
  plan: 'PREPAID_DJEZZY',
  type: 'ADSL',
  amount: '500',
  numTrans: 'AT-2025-12345',
  date: '29/10/2025 02:05',
  duration: '3',
  time: '10:30',
  status: 'ON_HOLD',
  name: 'FACTURE',
  created: '29/10/2025 01:00',
  count: '3',
  age: '2',
  min: '100',
  required: '1000',
  available: '500',
  balance: '1326.13',
  ref: 'fx-b4eb64ce-abc',
  field: 'MSSIDN',
  code: 'API_DISABLED',
  user: 'Amine',
  index: '2',
  link: 'https://t.me/flexy_test_bot?start=AbCdEfGhIjKlMnOpQrStUv',
  bot: 'flexy_test_bot',
  names: 'Amine, Sara',
  offer: 'FACTURE',
};
/** Counts that hit every Arabic plural category (zero, one, two, few, many, other), and one Fluent would group. */
const PLURAL_COUNTS = [0, 1, 2, 3, 11, 100, 1200, 1234];

/** Keys rendered inside another sentence (durations) or as button labels (a language's own name, an offer). */
const FRAGMENT_KEY = /^(duration-|language-name-|button-)/;
const ISOLATION_MARKS = /[\u2068\u2069]/;
const ARABIC_INDIC_DIGITS = /[\u0660-\u0669\u06F0-\u06F9]/;
/** A count printed by Fluent itself (a number variable displayed) comes out grouped: "1,234". */
const GROUPED_COUNT = /\d[,.\u066C\u00A0\u202F ]\d{3}(?!\d)/;

function captureWarnings() {
  const warnings: string[] = [];
  const i18n = createI18n('ar', {
    fluentOptions: { warningHandler: (w) => warnings.push(`${String(w.type)} ${w.path} in ${w.locales.join(',')}`) },
  });
  return { i18n, warnings };
}

/** Lines of an Arabic message whose visible text does not start with an Arabic letter. */
function nonArabicLines(html: string): string[] {
  return html.split('\n').filter((line) => {
    const trimmed = line.trim();
    if (/^<code>[^<]*<\/code>$/.test(trimmed)) return false; // a ref or a code alone on its line
    const text = trimmed.replace(/<[^>]+>/g, '').trim();
    if (text === '') return false;
    return !/^(?=\p{L})\p{Script=Arabic}/u.test(text);
  });
}

describe('locale files', () => {
  it('define exactly the same message ids and attributes in every locale', () => {
    for (const a of SUPPORTED_LOCALES) {
      for (const b of SUPPORTED_LOCALES) {
        if (a === b) continue;
        const inB = new Set(localeKeys(b));
        const missing = localeKeys(a).filter((key) => !inB.has(key));
        expect(missing, `keys of ${a}.ftl missing from ${b}.ftl`).toEqual([]);
      }
    }
  });

  it('define the keys the bot and the order renderer rely on', () => {
    const keys = new Set(localeKeys('ar'));
    const required = [
      'start',
      'help',
      'status-usage',
      'invalid-ref-too-long',
      'invalid-ref-chars',
      'invalid-ref-empty',
      'status-looking-up',
      'status-not-found',
      'status-provider-down',
      'status-provider-auth',
      'status-no-account',
      'access-denied',
      'language-choose',
      'language-set',
      'language-name-ar',
      'language-name-fr',
      'language-name-en',
      'error-generic',
    ];
    for (const kind of ['mobile', 'internet']) {
      for (const cls of ['pending', 'processing', 'fulfilled', 'refunded', 'verifying', 'queued', 'unknown']) {
        required.push(`order-headline-${kind}-${cls}`);
      }
    }
    expect(required.filter((key) => !keys.has(key))).toEqual([]);
  });

  it("offer-key-wait claims nothing that may be false: it also shows for a key not checked yet, a dead process's reservation or a database error, up to 15 minutes after a refusal", () => {
    const i18n = createI18n('ar');
    const text = (locale: Locale) => i18n.t(locale, 'offer-key-wait', { ref: 'r', time: '10:30' });
    expect(text('en')).not.toMatch(/a moment ago|another/i);
    expect(text('fr')).not.toMatch(/vient d'être|une autre/i);
    expect(text('ar')).not.toMatch(/قبل قليل|مفتاح آخر/);
    for (const locale of SUPPORTED_LOCALES) expect(text(locale)).toContain('10:30');
  });

  it('render every key in every locale without Fluent errors, fallbacks or leftover placeables', () => {
    const { i18n, warnings } = captureWarnings();
    const problems: string[] = [];
    for (const locale of SUPPORTED_LOCALES) {
      for (const key of localeKeys(locale)) {
        for (const n of PLURAL_COUNTS) {
          let out: string;
          try {
            out = i18n.t(locale, key, { ...SAMPLE_VARS, n, nText: String(n) });
          } catch (e) {
            problems.push(`${locale} ${key}: ${String(e)}`);
            continue;
          }
          if (out.trim() === '') problems.push(`${locale} ${key}: empty`);
          if (/[{}]/.test(out)) problems.push(`${locale} ${key}: leftover brace in ${JSON.stringify(out)}`);
          if (ISOLATION_MARKS.test(out)) problems.push(`${locale} ${key}: isolation mark`);
          if (ARABIC_INDIC_DIGITS.test(out)) problems.push(`${locale} ${key}: non-Latin digits`);
          if (GROUPED_COUNT.test(out)) problems.push(`${locale} ${key}: displays the number $n, not $nText`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('start every visible Arabic line with an Arabic letter', () => {
    const { i18n } = captureWarnings();
    const problems: string[] = [];
    for (const key of localeKeys('ar').filter((k) => !FRAGMENT_KEY.test(k))) {
      for (const line of nonArabicLines(i18n.t('ar', key, { ...SAMPLE_VARS, n: 3, nText: '3' }))) {
        problems.push(`${key}: ${line}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('escape user text passed as a variable, on every translation path', () => {
    const { i18n } = captureWarnings();
    const t = translatorFor(i18n, 'en');
    expect(t('status-not-found', { query: '<b>x</b> & "y"' })).toContain('<code>&lt;b&gt;x&lt;/b&gt; &amp; &quot;y&quot;</code>');
    expect(i18n.t('fr', 'access-denied', { userId: '1<2' })).toContain('<code>1&lt;2</code>');
  });

  it('say in each language which language was chosen', () => {
    const { i18n } = captureWarnings();
    expect(i18n.t('ar', 'language-set')).toContain('العربية');
    expect(i18n.t('fr', 'language-set')).toContain('français');
    expect(i18n.t('en', 'language-set')).toContain('English');
  });
});

describe('rendered order status messages in Arabic', () => {
  const now = new Date('2025-10-29T10:00:00Z');
  const STATUS: Record<StatusClass, string> = {
    pending: 'PENDING',
    processing: 'HANDLING',
    fulfilled: 'FULFILLED',
    refunded: 'REFUNDED',
    verifying: 'UNKNOWN_ERROR',
    queued: 'QUEUED',
    unknown: 'ON_HOLD',
  };
  const classes = Object.keys(STATUS) as StatusClass[];

  function order(kind: 'mobile' | 'internet', cls: StatusClass): ProviderOrder {
    const base = {
      id: '6901616fe9e88196b4eb64b0',
      ref: 'order-1730462400-user123',
      status: STATUS[cls],
      topup_amount: 500,
      created_at: '2025-10-29T07:00:00.000Z',
      raw: {},
    };
    if (kind === 'mobile') {
      return {
        ...base,
        kind,
        MSSIDN: '0778037340',
        plan_code: 'PREPAID_DJEZZY',
        balance_amount: 490,
        refund_message: 'هذا العرض غير متوافق مع هذا الرقم جرب فاتورة',
        suggested_offers: [{ typename: '📋 FACTURE | فاتورة', plan_code: 'FACTURE_DJEZZY', amount: 500 }],
      };
    }
    return {
      ...base,
      kind,
      number: '036362608',
      type: 'ADSL',
      card_code: '123456789012',
      num_trans: 'AT-2025-12345',
      date_traitement: '2025-10-29T01:05:30.000Z',
    };
  }

  it('start every visible line with an Arabic letter and carry no isolation marks, in every state', () => {
    const { i18n } = captureWarnings();
    const t = translatorFor(i18n, 'ar' satisfies Locale);
    const problems: string[] = [];
    for (const kind of ['mobile', 'internet'] as const) {
      for (const cls of classes) {
        const view: OrderView = {
          order: order(kind, cls),
          statusClass: cls,
          phase: 'long',
          trackingSince: now,
          lastCheckedAt: new Date('2025-10-29T09:30:00Z'),
          nextCheckAt: new Date('2025-10-30T09:30:00Z'),
          providerTrouble: true,
        };
        const html = renderOrderStatus(t, view, { now, locale: 'ar' });
        for (const line of nonArabicLines(html)) problems.push(`${kind}/${cls}: ${line}`);
        if (ISOLATION_MARKS.test(html)) problems.push(`${kind}/${cls}: isolation mark`);
        if (ARABIC_INDIC_DIGITS.test(html)) problems.push(`${kind}/${cls}: non-Latin digits`);
      }
    }
    expect(problems).toEqual([]);
  });
});

/** Each message of a locale file with the variables it uses (`{ $name }`), parsed from the source. */
function messageVariables(locale: Locale): Map<string, { source: string; vars: Set<string> }> {
  const messages = new Map<string, { source: string; vars: Set<string> }>();
  let current: { source: string; vars: Set<string> } | undefined;
  for (const line of readFileSync(join(findLocalesDir(), `${locale}.ftl`), 'utf8').split(/\r?\n/)) {
    const start = /^([a-zA-Z][\w-]*)\s*=(.*)$/.exec(line);
    if (start) {
      current = { source: start[2] ?? '', vars: new Set() };
      messages.set(start[1]!, current);
    } else if (/^\S/.test(line) || line.trim() === '') {
      current = undefined;
      continue;
    } else if (current) {
      current.source += `\n${line}`;
    }
    if (current) for (const m of line.matchAll(/\{\s*\$(\w+)\s*\}/g)) current.vars.add(m[1]!);
  }
  return messages;
}

/** Variables that carry a formatted duration (formatDuration) or a formatted amount (formatAmount). */
const DURATION_VAR = /^(duration|age|elapsed|waited)$|Duration$/;
const AMOUNT_VAR = /^(amount|required|available|balance|min|max|price)$|Amount$/;

function keysTaking(varPattern: RegExp): Array<{ key: string; vars: string[]; source: string }> {
  return [...messageVariables('ar')]
    .filter(([key]) => !key.startsWith('duration-'))
    .map(([key, m]) => ({ key, vars: [...m.vars].filter((v) => varPattern.test(v)), source: m.source }))
    .filter((m) => m.vars.length > 0);
}

const COUNTS = [0, 1, 2, 3, 11, 100] as const;
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const UNITS = { seconds: SECOND, minutes: MINUTE, hours: HOUR, days: DAY } as const;

/**
 * The correct Arabic for n units after a preposition (genitive): 0 → "less than one", 1 → the noun and
 * واحد(ة), 2 → the genitive dual, 3–10 → digits and the plural, 11–99 → digits and the singular
 * (accusative: يومًا), 100+ → digits and the singular.
 */
const ARABIC_GENITIVE: Record<keyof typeof UNITS, Record<(typeof COUNTS)[number], string>> = {
  seconds: { 0: 'أقل من ثانية', 1: 'ثانية واحدة', 2: 'ثانيتين', 3: '3 ثوانٍ', 11: '11 ثانية', 100: '100 ثانية' },
  minutes: { 0: 'أقل من دقيقة', 1: 'دقيقة واحدة', 2: 'دقيقتين', 3: '3 دقائق', 11: '11 دقيقة', 100: '100 دقيقة' },
  hours: { 0: 'أقل من ساعة', 1: 'ساعة واحدة', 2: 'ساعتين', 3: '3 ساعات', 11: '11 ساعة', 100: '100 ساعة' },
  days: { 0: 'أقل من يوم', 1: 'يوم واحد', 2: 'يومين', 3: '3 أيام', 11: '11 يومًا', 100: '100 يوم' },
};
/** The nominative dual, wrong after a preposition ("منذ ثانيتان"). */
const NOMINATIVE_DUAL = /(ثانيتان|دقيقتان|ساعتان|يومان)/;
/** Prepositions (and adverbs taking the genitive) a duration may follow in Arabic. */
const GENITIVE_BEFORE = /(منذ|بعد|خلال|قبل|من|لمدة|طوال|حتى)\s*$/;

describe('every Arabic text that takes a duration', () => {
  const { i18n } = captureWarnings();
  const t = translatorFor(i18n, 'ar');
  const keys = keysTaking(DURATION_VAR);

  it('is found in the locale files (the ones the bot shows)', () => {
    // Guards the search itself: these render durations today.
    expect(keys.map((k) => k.key)).toEqual(expect.arrayContaining(['order-line-elapsed', 'pending-age', 'offer-not-created']));
  });

  it('places the duration right after a preposition, where the fragments (genitive) read right', () => {
    const problems: string[] = [];
    for (const { key, vars, source } of keys) {
      for (const v of vars) {
        for (const m of source.matchAll(new RegExp(`\\{\\s*\\$${v}\\s*\\}`, 'g'))) {
          const before = source.slice(0, m.index);
          if (!GENITIVE_BEFORE.test(before)) problems.push(`${key}: $${v} after «${before.slice(-15)}»`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it.each(Object.keys(UNITS) as Array<keyof typeof UNITS>)('renders 0, 1, 2, 3, 11 and 100 %s correctly', (unit) => {
    const problems: string[] = [];
    for (const { key, vars } of keys) {
      for (const n of COUNTS) {
        // Through formatDuration where the unit is the largest one it shows, else the fragment itself.
        const fragment = t(`duration-${unit}`, { n, nText: String(n) });
        const viaFormat = formatDuration(t, n * UNITS[unit]);
        for (const duration of n > 0 && (unit === 'days' || n * UNITS[unit] < nextUnit(unit)) ? [fragment, viaFormat] : [fragment]) {
          const out = t(key, { ...SAMPLE_VARS, ...Object.fromEntries(vars.map((v) => [v, duration])) });
          if (!out.includes(ARABIC_GENITIVE[unit][n])) problems.push(`${key} ${n} ${unit}: ${JSON.stringify(out)}`);
          if (NOMINATIVE_DUAL.test(out)) problems.push(`${key} ${n} ${unit}: nominative dual in ${JSON.stringify(out)}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('renders two-unit durations with both parts in the genitive', () => {
    const out = t('pending-age', { age: formatDuration(t, 2 * DAY + 2 * HOUR) });
    expect(out).toBe('أُنشئ منذ يومين وساعتين');
    expect(t('order-line-elapsed', { duration: formatDuration(t, 2 * SECOND) })).toBe('أُنشئ الطلب منذ ثانيتين');
    expect(t('pending-age', { age: formatDuration(t, 11 * DAY + 3 * HOUR) })).toBe('أُنشئ منذ 11 يومًا و3 ساعات');
  });
});

describe('French and English durations', () => {
  const { i18n } = captureWarnings();
  it.each([
    ['fr', ['moins d’une minute', '1 minute', '2 minutes', '3 minutes', '11 minutes', '100 minutes']],
    ['en', ['less than a minute', '1 minute', '2 minutes', '3 minutes', '11 minutes', '100 minutes']],
  ] as const)('%s: 0, 1, 2, 3, 11 and 100 minutes', (locale, expected) => {
    const t = translatorFor(i18n, locale);
    expect(COUNTS.map((n) => t('duration-minutes', { n, nText: String(n) }).replace("'", '’'))).toEqual(expected);
  });

  it('joins two units', () => {
    expect(formatDuration(translatorFor(i18n, 'fr'), 2 * DAY + HOUR)).toBe('2 jours et 1 heure');
    expect(formatDuration(translatorFor(i18n, 'en'), 2 * DAY + HOUR)).toBe('2 days and 1 hour');
  });
});

function nextUnit(unit: keyof typeof UNITS): number {
  return { seconds: MINUTE, minutes: HOUR, hours: DAY, days: Infinity }[unit];
}

describe('every text that takes an amount', () => {
  const { i18n } = captureWarnings();
  const keys = keysTaking(AMOUNT_VAR);

  it('is found in the locale files', () => {
    expect(keys.map((k) => k.key)).toEqual(expect.arrayContaining(['order-line-amount', 'offer-confirm', 'offer-insufficient-balance']));
  });

  it('renders 0, 1, 2, 3, 11 and 100 dinars (and amounts with centimes) in Arabic, French and English', () => {
    const problems: string[] = [];
    for (const locale of SUPPORTED_LOCALES) {
      const t = translatorFor(i18n, locale);
      for (const { key, vars } of keys) {
        for (const amount of [...COUNTS, 19_257.5, 1_326.13]) {
          const shown = formatAmount(amount, locale);
          const out = t(key, { ...SAMPLE_VARS, ...Object.fromEntries(vars.map((v) => [v, shown])) });
          if (!out.includes(shown)) problems.push(`${locale} ${key} ${amount}: ${JSON.stringify(out)}`);
          if (/\d[.,]\d(?!\d)/.test(out.replace(/<code>[^<]*<\/code>/g, ''))) problems.push(`${locale} ${key} ${amount}: a single decimal`);
          if (locale === 'ar' && !FRAGMENT_KEY.test(key))
            for (const line of nonArabicLines(out)) problems.push(`${key} ${amount}: line ${JSON.stringify(line)}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('money format', () => {
  const NBSP = '\u00A0';
  it('shows whole amounts without decimals and amounts with a fraction with two', () => {
    expect(formatAmount(500, 'ar')).toBe('500 دج');
    expect(formatAmount(0, 'ar')).toBe('0 دج');
    expect(formatAmount(19_257.5, 'ar')).toBe(`19${NBSP}257,50 دج`);
    expect(formatAmount(19_257.5, 'fr')).toBe(`19${NBSP}257,50 DA`);
    expect(formatAmount(19_257.5, 'en')).toBe('DZD 19,257.50');
    expect(formatAmount(1_326.13, 'ar')).toBe(`1${NBSP}326,13 دج`);
    expect(formatAmount(1_000_000, 'fr')).toBe(`1${NBSP}000${NBSP}000 DA`);
    expect(formatAmount(0.5, 'en')).toBe('DZD 0.50');
  });

  it('ignores floating-point noise but never rounds an amount into another', () => {
    expect(formatAmount(1_326.1299999999999, 'ar')).toBe(`1${NBSP}326,13 دج`);
    expect(formatAmount(0.1 + 0.2, 'en')).toBe('DZD 0.30');
    expect(formatAmount(499.996, 'en')).toBe('DZD 499.996');
    expect(formatAmount(499.9999, 'en')).toBe('DZD 499.9999');
  });

  it('never shows two different amounts alike ("required" and "available" of a refused send)', () => {
    const amounts = [500, 499.99, 499.999, 500.01, 500.001, 19_257.5, 19_257.05, 19_257, 1_326.13, 1_326.1];
    for (const locale of SUPPORTED_LOCALES) {
      const shown = amounts.map((a) => formatAmount(a, locale));
      expect(new Set(shown).size, shown.join(' | ')).toBe(amounts.length);
    }
  });

  it('uses Latin digits and no direction marks', () => {
    for (const locale of SUPPORTED_LOCALES) {
      expect(formatAmount(1_234_567.89, locale)).not.toMatch(/[\u0660-\u0669\u06F0-\u06F9\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/);
    }
  });
});
