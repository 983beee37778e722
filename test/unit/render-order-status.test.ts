import { describe, expect, it } from 'vitest';
import { SUPPORTED_LOCALES } from '../../src/config.js';
import type { Locale } from '../../src/config.js';
import { createI18n, translatorFor } from '../../src/bot/i18n.js';
import type { Translate } from '../../src/bot/i18n.js';
import { formatAmount, formatDuration } from '../../src/bot/render/format.js';
import { escapeHtml } from '../../src/bot/render/html.js';
import { renderOrderStatus } from '../../src/bot/render/order-status.js';
import type { InternetOrder, MobileOrder, ProviderOrder } from '../../src/provider/types.js';
import type { OrderView, StatusClass } from '../../src/tracking/view.js';

const i18n = createI18n('ar');
const tr: Record<Locale, Translate> = { ar: translatorFor(i18n, 'ar'), fr: translatorFor(i18n, 'fr'), en: translatorFor(i18n, 'en') };

const NOW = new Date('2025-10-29T10:00:00.000Z');
/** 3 min 20 s before NOW. */
const CREATED_AT = '2025-10-29T09:56:40.000Z';
const THREE_MINUTES: Record<Locale, string> = { ar: '3 دقائق', fr: '3 minutes', en: '3 minutes' };

const STATUS: Record<StatusClass, string> = {
  pending: 'PENDING',
  processing: 'HANDLING',
  fulfilled: 'FULFILLED',
  refunded: 'REFUNDED',
  verifying: 'UNKNOWN_ERROR',
  queued: 'QUEUED',
  unknown: 'ON_HOLD',
};
const CLASSES = Object.keys(STATUS) as StatusClass[];
const MARKER: Record<StatusClass, string> = {
  pending: '⏳',
  processing: '⏳',
  fulfilled: '✅',
  refunded: '❌',
  verifying: '⚠️',
  queued: '⏰',
  unknown: '❔',
};
const ALL_MARKERS = [...new Set(Object.values(MARKER))];
const FAILED_WORDS: Record<Locale, RegExp> = { ar: /فشل|فاشل|أخفق|إخفاق/, fr: /échec|échou/i, en: /fail/i };

/** Contains `<b>` and `&` so escaping is visible. */
const REFUND_MESSAGE = 'رقم الهاتف <b>خاطئ</b> & يرجى التأكد مع العميل';
/** The documented UNKNOWN_ERROR message: the provider's words may say "failed"; ours must not. */
const VERIFY_MESSAGE =
  'هذه العملية حالتها غير معروفة، يرجى التأكد مع عميلك، ولن نتحمل أي مسؤولية عن أي خسائر. إذا فشلت العملية بالفعل، فلا تقلق، سيتم استرداد أموالك خلال 24 ساعة';
/** A 24-hex id made of digits only, and a 12-digit card: both must reach the user ungrouped. */
const DIGIT_ID = '690161239876543210123456';
const CARD_CODE = '123456789012';

function mobileOrder(cls: StatusClass, extra: Partial<MobileOrder> = {}): MobileOrder {
  return {
    kind: 'mobile',
    id: DIGIT_ID,
    ref: 'order-1730462400-user123',
    status: STATUS[cls],
    plan_code: 'PREPAID_DJEZZY',
    MSSIDN: '0778037340',
    topup_amount: 500,
    balance_amount: 490,
    created_at: CREATED_AT,
    ...(cls === 'refunded' ? { refund_message: REFUND_MESSAGE } : {}),
    ...(cls === 'verifying' ? { refund_message: VERIFY_MESSAGE } : {}),
    raw: {},
    ...extra,
  };
}

function internetOrder(cls: StatusClass, extra: Partial<InternetOrder> = {}): InternetOrder {
  return {
    kind: 'internet',
    id: DIGIT_ID,
    ref: 'API-+213665983439-test-internet-1761698210633',
    status: STATUS[cls],
    type: 'ADSL',
    number: '036362608',
    topup_amount: 1000,
    created_at: CREATED_AT,
    ...(cls === 'fulfilled' ? { card_code: CARD_CODE, num_trans: 'AT-2025-12345', date_traitement: '2025-10-29T01:05:30.000Z' } : {}),
    raw: {},
    ...extra,
  };
}

function viewOf(order: ProviderOrder, cls: StatusClass, extra: Partial<OrderView> = {}): OrderView {
  const finalClass = cls === 'fulfilled' || cls === 'refunded';
  return { order, statusClass: cls, phase: finalClass ? 'final' : 'fast', trackingSince: NOW, ...extra };
}

function render(view: OrderView, locale: Locale): string {
  return renderOrderStatus(tr[locale], view, { now: NOW, locale });
}

const TELEGRAM_TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'span',
  'tg-spoiler',
  'a',
  'tg-emoji',
  'code',
  'pre',
  'blockquote',
]);

/** Problems Telegram's HTML parser would reject: unknown tags, unbalanced tags, stray & < >. */
function htmlProblems(html: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  for (const m of html.matchAll(/<(\/?)([a-zA-Z-]+)(?:\s[^>]*)?>/g)) {
    const [, closing, name = ''] = m;
    if (!TELEGRAM_TAGS.has(name)) problems.push(`tag <${name}> not allowed`);
    if (!closing) stack.push(name);
    else if (stack.pop() !== name) problems.push(`</${name}> does not close the open tag`);
  }
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(', ')}`);
  const text = html.replace(/<\/?[a-zA-Z-]+(?:\s[^>]*)?>/g, '');
  if (/[<>]/.test(text)) problems.push('raw < or > outside a tag');
  if (/&(?!(amp|lt|gt|quot);)/.test(text)) problems.push('raw & not starting an entity');
  return problems;
}

const cases = SUPPORTED_LOCALES.flatMap((locale) =>
  CLASSES.flatMap((cls) => [
    { locale, cls, kind: 'mobile' as const, view: viewOf(mobileOrder(cls), cls) },
    { locale, cls, kind: 'internet' as const, view: viewOf(internetOrder(cls), cls) },
  ]),
);

describe('renderOrderStatus, every state in every locale', () => {
  it.each(cases)('$locale $kind $cls', ({ locale, cls, view }) => {
    const html = render(view, locale);
    const lines = html.split('\n');

    // The state reads at a glance, and only that state's marker is shown.
    expect(html).toContain(MARKER[cls]);
    for (const other of ALL_MARKERS.filter((m) => m !== MARKER[cls])) expect(html).not.toContain(other);

    // Ref and id each alone on their line, in <code>, digits not grouped.
    expect(lines).toContain(`<code>${escapeHtml(view.order.ref)}</code>`);
    expect(lines).toContain(`<code>${DIGIT_ID}</code>`);

    expect(htmlProblems(html)).toEqual([]);
    expect(html).not.toMatch(/[\u2068\u2069]/);
    expect(html.length).toBeLessThan(4096);

    // Only a refunded order may be called failed (the provider's own words aside).
    const ours = html.replace(escapeHtml(VERIFY_MESSAGE), '');
    if (cls !== 'refunded') expect(ours).not.toMatch(FAILED_WORDS[locale]);

    const elapsedLine = tr[locale]('order-line-elapsed', { duration: THREE_MINUTES[locale] });
    if (cls === 'pending' || cls === 'processing' || cls === 'unknown') expect(lines).toContain(elapsedLine);
    if (cls === 'fulfilled' || cls === 'refunded') expect(html).not.toContain(elapsedLine);
  });
});

describe('renderOrderStatus, what each state shows', () => {
  it.each(SUPPORTED_LOCALES)('mobile fulfilled shows number, plan, amount and the debit (%s)', (locale) => {
    const html = render(viewOf(mobileOrder('fulfilled'), 'fulfilled'), locale);
    expect(html).toContain('<code>0778037340</code>');
    expect(html).toContain('PREPAID_DJEZZY');
    expect(html).toContain(tr[locale]('order-line-amount', { amount: formatAmount(500, locale) }));
    expect(html).toContain(tr[locale]('order-line-balance-amount', { amount: formatAmount(490, locale) }));
  });

  it.each(SUPPORTED_LOCALES)('internet fulfilled shows the card code alone in <code>, transaction and date (%s)', (locale) => {
    const html = render(viewOf(internetOrder('fulfilled'), 'fulfilled'), locale);
    const lines = html.split('\n');
    expect(lines).toContain(`<code>${CARD_CODE}</code>`);
    expect(html).not.toMatch(/123[ ,.\u00a0\u202f]456/);
    expect(html).toContain('<code>AT-2025-12345</code>');
    expect(html).toContain('ADSL');
    expect(html).toContain('<code>036362608</code>');
    // 01:05 UTC is 02:05 in Algiers.
    expect(html).toContain('29/10/2025');
    expect(html).toContain('02:05');
  });

  it.each(SUPPORTED_LOCALES)('refunded shows the refund message exactly, escaped (%s)', (locale) => {
    const html = render(viewOf(mobileOrder('refunded'), 'refunded'), locale);
    expect(html).toContain('رقم الهاتف &lt;b&gt;خاطئ&lt;/b&gt; &amp; يرجى التأكد مع العميل');
    expect(html).not.toContain('<b>خاطئ');
    expect(html).toContain(tr[locale]('order-refunded-note'));
    expect(html).toContain('<code>0778037340</code>');
    // The debit was given back: showing it as "taken from your balance" would mislead.
    expect(html).not.toContain(tr[locale]('order-line-balance-amount', { amount: formatAmount(490, locale) }));
  });

  it.each(SUPPORTED_LOCALES)('refunded with suggested offers lists them (%s)', (locale) => {
    const order = mobileOrder('refunded', {
      suggested_offers: [{ typename: '📋 FACTURE | فاتورة', plan_code: 'FACTURE_DJEZZY', amount: 500 }],
    });
    const html = render(viewOf(order, 'refunded'), locale);
    expect(html).toContain('📋 FACTURE | فاتورة');
    expect(html).toContain('<code>FACTURE_DJEZZY</code>');
  });

  it.each(SUPPORTED_LOCALES)('verifying warns not to refund or resend and shows the provider message (%s)', (locale) => {
    const html = render(viewOf(mobileOrder('verifying'), 'verifying'), locale);
    expect(html).toContain(tr[locale]('order-verifying-note'));
    expect(html).toMatch({ ar: /لا تُرجع المبلغ/, fr: /Ne remboursez PAS/, en: /Do NOT refund/ }[locale]);
    expect(html).toContain('24');
    expect(html).toContain(escapeHtml(VERIFY_MESSAGE));
  });

  it.each(SUPPORTED_LOCALES)('verifying without a provider message still warns (%s)', (locale) => {
    const html = render(viewOf(mobileOrder('verifying', { refund_message: undefined }), 'verifying'), locale);
    expect(html).toContain(tr[locale]('order-verifying-note'));
    expect(html).not.toContain('<blockquote>');
  });

  it.each(SUPPORTED_LOCALES)('queued says it is scheduled within 12-48 h (%s)', (locale) => {
    const html = render(viewOf(internetOrder('queued'), 'queued'), locale);
    expect(html).toContain(tr[locale]('order-queued-note'));
    expect(html).toMatch(/12/);
    expect(html).toMatch(/48/);
  });

  it.each(SUPPORTED_LOCALES)('an unknown status value is shown verbatim, escaped (%s)', (locale) => {
    const html = render(viewOf(mobileOrder('unknown', { status: 'WEIRD<X>' }), 'unknown'), locale);
    expect(html).toContain('<code>WEIRD&lt;X&gt;</code>');
  });

  it.each(SUPPORTED_LOCALES)(
    'long phase: still processing, last check in Algiers time, no next check that would go stale (%s)',
    (locale) => {
      const view = viewOf(mobileOrder('processing'), 'processing', {
        phase: 'long',
        lastCheckedAt: new Date('2025-10-29T09:30:00Z'),
        nextCheckAt: new Date('2025-10-30T09:30:00Z'),
      });
      const html = render(view, locale);
      expect(html).toContain(tr[locale]('order-still-processing'));
      expect(html).toContain(tr[locale]('order-line-last-checked', { time: '10:30' }));
      expect(html).not.toMatch(/30\/10\/2025/); // the next check's date
    },
  );

  it.each(SUPPORTED_LOCALES)('timeless rendering drops only what time alone changes (%s)', (locale) => {
    const view = viewOf(mobileOrder('processing'), 'processing', { phase: 'long', lastCheckedAt: new Date('2025-10-29T09:30:00Z') });
    const full = render(view, locale);
    const timeless = renderOrderStatus(tr[locale], view, { now: NOW, locale, timeless: true });
    expect(timeless).toContain(tr[locale]('order-still-processing'));
    expect(timeless).not.toContain(tr[locale]('order-line-last-checked', { time: '10:30' }));
    expect(full.length).toBeGreaterThan(timeless.length);
  });

  it.each(SUPPORTED_LOCALES)('fast phase does not claim a long wait (%s)', (locale) => {
    const html = render(viewOf(mobileOrder('processing'), 'processing'), locale);
    expect(html).not.toContain(tr[locale]('order-still-processing'));
  });

  it.each(SUPPORTED_LOCALES)('provider trouble is said (%s)', (locale) => {
    const html = render(viewOf(mobileOrder('pending'), 'pending', { providerTrouble: true }), locale);
    expect(html).toContain(tr[locale]('order-provider-trouble'));
    expect(render(viewOf(mobileOrder('pending'), 'pending'), locale)).not.toContain(tr[locale]('order-provider-trouble'));
  });

  it('elapsed time falls back to when tracking started when the provider gives no creation date', () => {
    const view = viewOf(mobileOrder('pending', { created_at: undefined }), 'pending', {
      trackingSince: new Date(NOW.getTime() - 2 * 3600_000 - 5 * 60_000),
    });
    expect(render(view, 'en')).toContain('2 hours and 5 minutes');
    expect(render(view, 'ar')).toContain('ساعتين و5 دقائق');
  });

  it('keeps the message under 4096 characters when the provider sends huge text', () => {
    const huge = '"'.repeat(5000);
    const order = mobileOrder('refunded', {
      ref: huge,
      id: huge,
      MSSIDN: huge,
      plan_code: huge,
      refund_message: 'رسالة ' + '&'.repeat(5000),
      suggested_offers: Array.from({ length: 20 }, () => ({ typename: huge, plan_code: huge, amount: 1 })),
    });
    for (const locale of SUPPORTED_LOCALES) {
      const html = render(viewOf(order, 'refunded', { providerTrouble: true }), locale);
      expect(html.length).toBeLessThan(4096);
      expect(htmlProblems(html)).toEqual([]);
      expect(html).toContain('…');
    }
  });

  it('cuts a long refund message at 1000 characters', () => {
    const html = render(viewOf(mobileOrder('refunded', { refund_message: 'ب'.repeat(3000) }), 'refunded'), 'ar');
    expect(html).toContain(`<blockquote>${'ب'.repeat(999)}…</blockquote>`);
  });
});

describe('renderOrderStatus promises a new message only when one will come', () => {
  const PROMISING = { verifying: 'order-verifying-note', queued: 'order-queued-note', processing: 'order-still-processing' } as const;
  const longCases = SUPPORTED_LOCALES.flatMap((locale) =>
    (['verifying', 'queued', 'processing'] as const).map((cls) => ({
      locale,
      cls,
      view: viewOf(cls === 'queued' ? internetOrder(cls) : mobileOrder(cls), cls, { phase: 'long', lastCheckedAt: NOW }),
    })),
  );

  it.each(longCases)('$locale $cls in the long tail: promised unmuted, not once muted', ({ locale, cls, view }) => {
    const t = tr[locale];
    const unmuted = render(view, locale);
    expect(unmuted).toContain(t(PROMISING[cls]));
    expect(unmuted).not.toContain(t('order-muted'));

    const muted = renderOrderStatus(t, view, { now: NOW, locale, muted: true });
    expect(muted).not.toContain(t(PROMISING[cls]));
    expect(muted).toContain(t(`${PROMISING[cls]}-quiet`));
    expect(muted).toContain(t('order-muted'));
    expect(htmlProblems(muted)).toEqual([]);
  });

  it.each(SUPPORTED_LOCALES)('an expired order being verified promises nothing (%s)', (locale) => {
    const t = tr[locale];
    const html = render(viewOf(mobileOrder('verifying'), 'verifying', { phase: 'expired', lastCheckedAt: NOW }), locale);
    expect(html).not.toContain(t('order-verifying-note'));
    expect(html).toContain(t('order-verifying-note-quiet'));
    expect(html).toContain(t('order-tracking-stopped'));
    expect(html).not.toContain(t('order-muted'));
  });
});

describe('formatting', () => {
  it('formats DZD amounts per locale with Latin digits', () => {
    expect(formatAmount(500, 'ar')).toBe('500 دج');
    expect(formatAmount(500, 'fr')).toBe('500 DA');
    expect(formatAmount(500, 'en')).toBe('DZD 500');
    expect(formatAmount(1326.13, 'en')).toBe('DZD 1,326.13');
    expect(formatAmount(1326.13, 'ar')).not.toMatch(/[\u0660-\u0669\u200e\u200f]/);
  });

  it('uses the Arabic plural forms for durations', () => {
    const t = tr.ar;
    expect(formatDuration(t, 1_000)).toBe('ثانية واحدة');
    expect(formatDuration(t, 2 * 60_000)).toBe('دقيقتين'); // genitive: durations follow a preposition
    expect(formatDuration(t, 3 * 60_000)).toBe('3 دقائق');
    expect(formatDuration(t, 11 * 60_000)).toBe('11 دقيقة');
    expect(formatDuration(t, 3 * 86_400_000 + 3_600_000)).toBe('3 أيام وساعة واحدة');
    expect(formatDuration(t, -5_000)).toBe('أقل من ثانية');
  });

  it('uses singular and plural in French and English', () => {
    expect(formatDuration(tr.fr, 3_600_000 + 60_000)).toBe('1 heure et 1 minute');
    expect(formatDuration(tr.en, 2 * 86_400_000)).toBe('2 days');
    expect(formatDuration(tr.en, 45_000)).toBe('45 seconds');
  });
});
