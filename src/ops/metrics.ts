import type { Transformer } from 'grammy';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process's Prometheus metrics (served on GET /metrics). Every label has a small, fixed set of
 * values: endpoint templates, Telegram method names, HTTP status codes, phases. Never a chat id, an
 * order id, a ref or a user's text.
 */

/** A provider HTTP attempt, as reported by the client's `onRequest` hook (provider/http.ts). */
export interface ProviderRequestInfo {
  method: string;
  path: string;
  status: number | 'network' | 'timeout';
  ms: number;
}

/** What the order gauges show, computed from MongoDB at scrape time (see ops/order-stats.ts). */
export interface OrderStats {
  byPhase: Record<string, number>;
  /** How late the most overdue long-tail recheck is, in ms; 0 when none is overdue. */
  oldestOverdueRecheckMs: number;
}

export type WebhookOutcome = 'ok' | 'bad_request' | 'unauthorized' | 'too_large' | 'handler_error' | 'slow' | 'unavailable';

const PROVIDER_ENDPOINTS = new Set([
  '/v3/validate',
  '/v3/account/balance',
  '/v3/mobile/plans',
  '/v3/mobile/send',
  '/v3/mobile/list',
  '/v3/internet/list',
  '/v3/internet/products',
  '/v3/internet/send',
]);

/** `/v3/mobile/check-ref/abc%2B1` -> `/v3/mobile/check-ref/:ref`; an unknown path -> `other`. */
export function providerEndpoint(path: string): string {
  const check = /^\/v3\/(mobile|internet)\/check-(id|ref)\/[^/]+$/.exec(path);
  if (check) return `/v3/${check[1]}/check-${check[2]}/:${check[2]}`;
  return PROVIDER_ENDPOINTS.has(path) ? path : 'other';
}

/** A status code as a label: the common ones as they are, anything else by class (`5xx`). */
function statusLabel(status: number | string): string {
  if (typeof status === 'string') return status;
  const common = [200, 201, 400, 401, 403, 404, 408, 409, 422, 429, 500, 502, 503, 504];
  return common.includes(status) ? String(status) : `${Math.floor(status / 100)}xx`;
}

/** Telegram method names come from our own code; anything odd is folded so a label stays bounded. */
function methodLabel(method: string): string {
  return /^[A-Za-z]{1,40}$/.test(method) ? method : 'other';
}

/** How long order stats computed from MongoDB are reused: scrapes every few seconds cost one query set. */
const ORDER_STATS_TTL_MS = 5_000;

export class Metrics {
  readonly registry = new Registry();
  private readonly providerRequests: Counter<'endpoint' | 'outcome'>;
  private readonly providerDuration: Histogram<'endpoint' | 'outcome'>;
  private readonly telegramRequests: Counter<'method' | 'outcome'>;
  private readonly telegramRateLimited: Counter<'method'>;
  private readonly resolutionToMessage: Histogram;
  private readonly webhookRequests: Counter<'outcome'>;
  private orderStatsSource: (() => Promise<OrderStats>) | undefined;
  private orderStats: { at: number; value: OrderStats | undefined; pending: Promise<OrderStats | undefined> | undefined } = {
    at: -Infinity,
    value: undefined,
    pending: undefined,
  };

  constructor(opts: { defaultMetrics?: boolean; now?: () => number } = {}) {
    const registers = [this.registry];
    const now = opts.now ?? Date.now;
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.providerRequests = new Counter({
      name: 'flexybot_provider_requests_total',
      help: 'OneClickDz HTTP attempts by endpoint and outcome (HTTP status, timeout or network)',
      labelNames: ['endpoint', 'outcome'],
      registers,
    });
    this.providerDuration = new Histogram({
      name: 'flexybot_provider_request_duration_seconds',
      help: 'OneClickDz HTTP attempt latency',
      labelNames: ['endpoint', 'outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.telegramRequests = new Counter({
      name: 'flexybot_telegram_requests_total',
      help: 'Telegram Bot API calls by method and outcome (ok, the error code, or network); every attempt, retries included',
      labelNames: ['method', 'outcome'],
      registers,
    });
    this.telegramRateLimited = new Counter({
      name: 'flexybot_telegram_rate_limited_total',
      help: 'Telegram Bot API calls answered 429 (Too Many Requests), by method',
      labelNames: ['method'],
      registers,
    });
    this.resolutionToMessage = new Histogram({
      name: 'flexybot_resolution_to_message_seconds',
      help: 'Time from the provider resolving an order (as the bot saw it) to the chat being sent the announcement',
      buckets: [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 7200, 14400],
      registers,
    });
    this.webhookRequests = new Counter({
      name: 'flexybot_webhook_requests_total',
      help: 'POST /telegram requests by outcome',
      labelNames: ['outcome'],
      registers,
    });
    const stats = () => this.currentOrderStats(now);
    new Gauge({
      name: 'flexybot_orders',
      help: 'Tracked orders by phase (computed from MongoDB at scrape time, cached 5 s)',
      labelNames: ['phase'],
      registers,
      async collect() {
        const value = await stats();
        this.reset();
        if (!value) return;
        for (const [phase, n] of Object.entries(value.byPhase)) this.set({ phase }, n);
      },
    });
    new Gauge({
      name: 'flexybot_oldest_overdue_recheck_seconds',
      help: 'How late the most overdue long-tail recheck is (0 when none is overdue)',
      registers,
      async collect() {
        const value = await stats();
        if (value) this.set(value.oldestOverdueRecheckMs / 1000);
      },
    });
  }

  /** The provider client's `onRequest` hook: one call per HTTP attempt. */
  readonly observeProviderRequest = (info: ProviderRequestInfo): void => {
    const labels = { endpoint: providerEndpoint(info.path), outcome: statusLabel(info.status) };
    this.providerRequests.inc(labels);
    this.providerDuration.observe(labels, info.ms / 1000);
  };

  /**
   * Counts every Telegram call. Install it before auto-retry so each attempt (a 429 that auto-retry
   * waits out included) is counted, not only the final result.
   */
  telegramTransformer(): Transformer {
    return async (prev, method, payload, signal) => {
      const label = methodLabel(method);
      let outcome = 'network';
      try {
        const result = await prev(method, payload, signal);
        outcome = result.ok ? 'ok' : statusLabel(result.error_code);
        if (!result.ok && result.error_code === 429) this.telegramRateLimited.inc({ method: label });
        return result;
      } finally {
        this.telegramRequests.inc({ method: label, outcome });
      }
    };
  }

  /** Called when a chat is sent the message announcing an order's resolution. */
  readonly observeResolutionToMessage = (latencyMs: number): void => {
    if (Number.isFinite(latencyMs) && latencyMs >= 0) this.resolutionToMessage.observe(latencyMs / 1000);
  };

  readonly countWebhookRequest = (outcome: WebhookOutcome): void => {
    this.webhookRequests.inc({ outcome });
  };

  /** Where the order gauges come from (the latest call wins: one app per process). */
  setOrderStatsSource(source: () => Promise<OrderStats>): void {
    this.orderStatsSource = source;
    this.orderStats = { at: -Infinity, value: undefined, pending: undefined };
  }

  /** Prometheus text exposition. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Cached for a few seconds; concurrent scrapes share one computation; a failure keeps the last value. */
  private async currentOrderStats(now: () => number): Promise<OrderStats | undefined> {
    const source = this.orderStatsSource;
    if (!source) return undefined;
    const cache = this.orderStats;
    if (now() - cache.at < ORDER_STATS_TTL_MS) return cache.value;
    cache.pending ??= source()
      .then((value) => {
        cache.value = value;
        return value;
      })
      .catch(() => cache.value)
      .finally(() => {
        cache.at = now();
        cache.pending = undefined;
      });
    return cache.pending;
  }
}
