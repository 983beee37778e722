import type { Locale } from '../../config.js';
import type { InternetOrder, MobileOrder } from '../../provider/types.js';
import { providerCreatedAt } from '../../tracking/describe.js';
import type { OrderView, StatusClass } from '../../tracking/view.js';
import type { Translate } from '../i18n.js';
import { formatAmount, formatCheckTime, formatDateTime, formatDuration } from './format.js';
import { clipForHtml, codeHtml, escapeHtml } from './html.js';

export interface RenderOptions {
  now: Date;
  locale: Locale;
  /**
   * Leave out what only time changes (elapsed time, last check): what is left is what a reader cares
   * about, and a change there is shown at once, while time-only changes are edited in sparingly.
   */
  timeless?: boolean;
  /**
   * The chat stopped notifications for this order: no new message will come, so the text must not
   * promise one; it says instead that this message still updates.
   */
  muted?: boolean;
}

/** Telegram rejects longer messages. */
const TELEGRAM_MAX_CHARS = 4096;
/** Per-value budgets (escaped length), tried in turn until the message fits. */
const VALUE_BUDGETS = [1000, 300, 100, 30] as const;
const MAX_OFFERS = 5;

/** Classes where the order is still open: the reseller wants to know how long it has been. */
const OPEN_CLASSES: ReadonlySet<StatusClass> = new Set(['pending', 'processing', 'unknown', 'verifying', 'queued']);
/** Classes still in normal processing (as opposed to the provider's long waits). */
const PROCESSING_CLASSES: ReadonlySet<StatusClass> = new Set(['pending', 'processing', 'unknown']);

/**
 * The status message of one order, as HTML for `parse_mode: 'HTML'`.
 * `t` must come from `translatorFor` (it escapes string variables); provider values are passed to it
 * raw, while values placed here directly (ref, id, card code, provider message) are escaped here.
 * Provider text is clipped so the whole message stays under Telegram's 4096 characters.
 */
export function renderOrderStatus(t: Translate, view: OrderView, opts: RenderOptions): string {
  let html = '';
  for (const budget of VALUE_BUDGETS) {
    html = renderWithBudget(t, view, opts, budget);
    if (html.length < TELEGRAM_MAX_CHARS) break;
  }
  return html;
}

function renderWithBudget(t: Translate, view: OrderView, opts: RenderOptions, budget: number): string {
  const { order, statusClass } = view;
  const clip = (text: string): string => clipForHtml(text, budget);
  const amount = (n: number): string => formatAmount(n, opts.locale);
  const sections: string[][] = [];
  const tracked = view.phase === 'fast' || view.phase === 'long';
  // Only a tracked order whose chat did not mute it gets a new message when it resolves: promise it
  // then, and never otherwise (muted, or tracking stopped).
  const quiet = opts.muted === true || !tracked ? '-quiet' : '';

  // 1. What happened, and what the reseller must (not) do.
  const head = [t(`order-headline-${order.kind}-${statusClass}`)];
  if (statusClass === 'refunded') head.push(t('order-refunded-note'));
  if (statusClass === 'verifying') head.push(t(`order-verifying-note${quiet}`));
  if (statusClass === 'queued') head.push(t(`order-queued-note${quiet}`));
  if (statusClass === 'unknown') head.push(t('order-unknown-status', { status: clip(order.status) }));
  sections.push(head);

  // 2. The provider's own words, shown exactly as sent (escaped only).
  const providerMessage = order.refund_message;
  if (providerMessage && providerMessage.trim() !== '') {
    sections.push([t('order-label-provider-message'), `<blockquote>${escapeHtml(clip(providerMessage))}</blockquote>`]);
  }
  if (order.kind === 'mobile' && order.suggested_offers && order.suggested_offers.length > 0) {
    const offers = order.suggested_offers.slice(0, budget >= 300 ? MAX_OFFERS : 2);
    sections.push([
      t('order-label-suggested-offers'),
      ...offers.map((offer) =>
        t('order-line-offer', { name: clip(offer.typename), plan: clip(offer.plan_code), amount: amount(offer.amount) }),
      ),
    ]);
  }

  // 3. The card code first when there is one: it is what the customer is waiting for.
  if (order.kind === 'internet' && statusClass === 'fulfilled' && order.card_code) {
    sections.push([t('order-label-card-code'), codeHtml(clip(order.card_code))]);
  }

  // 4. Which order this is: ref and id alone on their lines so they copy cleanly.
  const details = [
    t('order-label-ref'),
    codeHtml(clip(order.ref || '—')),
    t('order-label-id'),
    codeHtml(clip(order.id || '—')),
    ...(order.kind === 'mobile'
      ? mobileLines(t, order, statusClass, clip, amount)
      : internetLines(t, order, statusClass, clip, amount, opts)),
  ];
  sections.push(details);

  // 5. Tracking: how long, what the bot is doing about it.
  const tracking: string[] = [];
  if (OPEN_CLASSES.has(statusClass) && !opts.timeless) {
    tracking.push(t('order-line-elapsed', { duration: formatDuration(t, coarseElapsed(opts.now.getTime() - createdAt(view).getTime())) }));
  }
  if (view.phase === 'long' && PROCESSING_CLASSES.has(statusClass)) tracking.push(t(`order-still-processing${quiet}`));
  if (opts.muted && tracked) tracking.push(t('order-muted'));
  if (view.phase === 'expired' && statusClass !== 'fulfilled' && statusClass !== 'refunded') {
    tracking.push(
      t('order-tracking-stopped'),
      t('order-expired-customer'),
      t('order-expired-support', { created: formatDateTime(createdAt(view), opts.locale) }),
    );
  }
  // The long tail's message is refreshed for time alone at most hourly (status changes at once), so it
  // says when the order was last checked (true however old) and not when the next check is due (which
  // would go stale between refreshes; /pending shows it).
  if ((view.phase === 'long' || view.phase === 'expired') && view.lastCheckedAt && !opts.timeless) {
    tracking.push(t('order-line-last-checked', { time: formatCheckTime(view.lastCheckedAt, opts.locale, opts.now) }));
  }
  if (view.providerParked) tracking.push(t('order-provider-parked'));
  else if (view.providerTrouble) tracking.push(t('order-provider-trouble'));
  sections.push(tracking);

  return sections
    .filter((lines) => lines.length > 0)
    .map((lines) => lines.join('\n'))
    .join('\n\n');
}

function mobileLines(
  t: Translate,
  order: MobileOrder,
  statusClass: StatusClass,
  clip: (s: string) => string,
  amount: (n: number) => string,
): string[] {
  const lines: string[] = [];
  if (order.MSSIDN) lines.push(t('order-line-number', { number: clip(order.MSSIDN) }));
  if (order.plan_code) lines.push(t('order-line-plan', { plan: clip(order.plan_code) }));
  if (order.topup_amount !== undefined) lines.push(t('order-line-amount', { amount: amount(order.topup_amount) }));
  // Related orders the provider points to (undocumented fields): the bot follows them too.
  if (order.follow_orderid) lines.push(t('order-label-follow-order'), codeHtml(clip(order.follow_orderid)));
  if (order.retry_orderid) lines.push(t('order-label-retry-order'), codeHtml(clip(order.retry_orderid)));
  // Only a delivered top-up keeps the debit; on other states the figure would mislead about money.
  if (statusClass === 'fulfilled' && order.balance_amount !== undefined) {
    lines.push(t('order-line-balance-amount', { amount: amount(order.balance_amount) }));
  }
  return lines;
}

function internetLines(
  t: Translate,
  order: InternetOrder,
  statusClass: StatusClass,
  clip: (s: string) => string,
  amount: (n: number) => string,
  opts: RenderOptions,
): string[] {
  const lines: string[] = [];
  if (order.number) lines.push(t('order-line-number', { number: clip(order.number) }));
  if (order.type) lines.push(t('order-line-type', { type: clip(order.type) }));
  if (order.topup_amount !== undefined) lines.push(t('order-line-amount', { amount: amount(order.topup_amount) }));
  if (statusClass === 'fulfilled') {
    if (order.num_trans) lines.push(t('order-line-num-trans', { numTrans: clip(order.num_trans) }));
    if (order.date_traitement) {
      lines.push(t('order-line-processed-at', { date: processedAt(order.date_traitement, opts.locale, clip) }));
    }
  }
  return lines;
}

/** The provider's date in Algiers time; an unparseable value is shown as sent rather than dropped. */
function processedAt(raw: string, locale: Locale, clip: (s: string) => string): string {
  const date = new Date(raw);
  return Number.isNaN(date.getTime()) ? clip(raw) : formatDateTime(date, locale);
}

function createdAt(view: OrderView): Date {
  return providerCreatedAt(view.order) ?? view.trackingSince;
}

/**
 * Elapsed time in steps of 10 s for the first minute (whole minutes after that, by formatDuration):
 * the status message is edited only when what it shows changes, and a per-second counter would turn
 * every 3-second check into an edit and run into Telegram's per-chat limits.
 */
function coarseElapsed(ms: number): number {
  return ms < 60_000 ? Math.floor(ms / 10_000) * 10_000 : ms;
}
