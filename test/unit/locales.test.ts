import { describe, expect, it } from 'vitest';
import { SUPPORTED_LOCALES } from '../../src/config.js';
import type { Locale } from '../../src/config.js';
import { createI18n, localeKeys, translatorFor } from '../../src/bot/i18n.js';
import { renderOrderStatus } from '../../src/bot/render/order-status.js';
import type { ProviderOrder } from '../../src/provider/types.js';
import type { OrderView, StatusClass } from '../../src/tracking/view.js';

/** One value for every variable any message uses; display values are strings, as callers pass them. */
const SAMPLE_VARS = {
  query: 'order-123',
  userId: '123456789',
  max: '64',
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
