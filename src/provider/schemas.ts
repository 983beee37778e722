import { z } from 'zod';
import { ProviderError } from './errors.js';
import type {
  AccountKeyInfo,
  DynamicPlan,
  FixedPlan,
  InternetOrder,
  ListPage,
  ListQuery,
  MobileOrder,
  MobilePlans,
  SendMobileRequest,
  SendMobileResult,
  SuggestedOffer,
} from './types.js';

/**
 * Parsing of OneClickDz Flexy v3 responses. The live API wins over the docs, so everything is loose:
 * unknown fields are kept (in `raw`), optional fields that arrive in an odd shape become `undefined`
 * instead of failing the whole order, and only what the bot cannot work without (`_id`, `status`,
 * the envelope itself) makes a response `malformed`.
 * Error messages name paths and expectations only, never values: `/v3/validate` data holds the API key.
 */

// ---------------------------------------------------------------------------------------------
// Envelopes

const looseRecord = z.record(z.string(), z.unknown());

export const successEnvelopeSchema = z.looseObject({
  success: z.literal(true),
  data: looseRecord,
  meta: looseRecord.optional().catch(undefined),
  requestId: z.string().optional().catch(undefined),
});
export type SuccessEnvelope = z.infer<typeof successEnvelopeSchema>;

export const errorEnvelopeSchema = z.looseObject({
  success: z.literal(false),
  error: z.looseObject({
    code: z.string().trim().min(1),
    message: z.string().optional().catch(undefined),
    details: looseRecord.optional().catch(undefined),
  }),
  requestId: z.string().optional().catch(undefined),
});
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

/** `requestId` is documented at the top level; the official OCPay SDK reads it from `meta`. */
function requestIdOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const top = (body as Record<string, unknown>).requestId;
  if (typeof top === 'string') return top;
  const meta = (body as Record<string, unknown>).meta;
  if (typeof meta === 'object' && meta !== null) {
    const inMeta = (meta as Record<string, unknown>).requestId;
    if (typeof inMeta === 'string') return inMeta;
  }
  return undefined;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

function malformed(what: string, detail: string, requestId?: string): ProviderError {
  return new ProviderError('malformed', `OneClickDz: malformed ${what} (${detail})`, { requestId });
}

/** Parses a 2xx body. `success:false` or a bare `{message, error, statusCode}` on a 2xx is malformed. */
export function parseSuccessEnvelope(body: unknown): SuccessEnvelope {
  const parsed = successEnvelopeSchema.safeParse(body);
  if (parsed.success) {
    return { ...parsed.data, requestId: parsed.data.requestId ?? requestIdOf(body) };
  }
  const asError = errorEnvelopeSchema.safeParse(body);
  if (asError.success) {
    const e = new ProviderError('malformed', `OneClickDz: success:false on a 2xx response (${asError.data.error.code})`, {
      code: asError.data.error.code,
      requestId: asError.data.requestId ?? requestIdOf(body),
    });
    throw e;
  }
  throw malformed('success envelope', describeIssues(parsed.error), requestIdOf(body));
}

/** The error envelope of a non-2xx body, or undefined when the body has another shape. */
export function parseErrorEnvelope(body: unknown): ErrorEnvelope | undefined {
  const parsed = errorEnvelopeSchema.safeParse(body);
  if (!parsed.success) return undefined;
  return { ...parsed.data, requestId: parsed.data.requestId ?? requestIdOf(body) };
}

// ---------------------------------------------------------------------------------------------
// Field helpers

/** Legacy statuses of the Arabic docs mapped onto the EN/FR model; anything else kept verbatim. */
const LEGACY_STATUS: Readonly<Record<string, string>> = { SUCCESS: 'FULFILLED', FAILED: 'REFUNDED' };

export function normalizeStatus(raw: string): string {
  const upper = raw.trim().toUpperCase();
  return LEGACY_STATUS[upper] ?? upper;
}

const statusField = z.string().transform(normalizeStatus).pipe(z.string().min(1, 'status is empty'));
const idField = z.union([z.string().trim().min(1), z.number().transform(String)]);

/** Optional text: numbers become strings (card codes arrive as numbers), anything else is dropped. */
const optText = z
  .union([z.string(), z.number().transform(String)])
  .optional()
  .catch(undefined);

const numericString = z
  .string()
  .trim()
  .regex(/^-?\d+(\.\d+)?$/)
  .transform(Number);

const amount = z.union([z.number(), numericString]);
/** Optional amount: numeric strings coerced, anything else dropped. */
const optAmount = amount.optional().catch(undefined);

function compact<T extends object>(obj: T): T {
  for (const key of Object.keys(obj) as (keyof T)[]) {
    if (obj[key] === undefined) delete obj[key];
  }
  return obj;
}

function parseData<S extends z.ZodType>(schema: S, data: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw malformed(what, describeIssues(parsed.error));
  return parsed.data;
}

// ---------------------------------------------------------------------------------------------
// Orders

const suggestedOfferSchema = z.looseObject({
  typename: z.string().optional().catch(undefined),
  plan_code: z.string().trim().min(1),
  amount,
});

function parseSuggestedOffers(value: unknown): SuggestedOffer[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const offers: SuggestedOffer[] = [];
  for (const item of value) {
    // One bad offer must not hide the others (or the order's status).
    const parsed = suggestedOfferSchema.safeParse(item);
    if (!parsed.success) continue;
    const { typename, plan_code, amount: offerAmount } = parsed.data;
    offers.push({ typename: typename ?? plan_code, plan_code, amount: offerAmount });
  }
  return offers;
}

const mobileOrderSchema = z.looseObject({
  _id: idField,
  ref: optText,
  status: statusField,
  plan_code: optText,
  planCode: optText,
  MSSIDN: optText,
  topup_amount: optAmount,
  balance_amount: optAmount,
  created_at: optText,
  createdAt: optText,
  refund_message: optText,
  suggested_offers: z.unknown().optional(),
  follow_orderid: optText,
  retry_orderid: optText,
});

/** One mobile top-up (`data` of check-id/check-ref, or an item of the list). Throws `malformed`. */
export function parseMobileOrder(data: unknown): MobileOrder {
  const d = parseData(mobileOrderSchema, data, 'mobile order');
  return compact<MobileOrder>({
    kind: 'mobile',
    id: d._id,
    ref: d.ref ?? '',
    status: d.status,
    plan_code: d.plan_code ?? d.planCode,
    MSSIDN: d.MSSIDN,
    topup_amount: d.topup_amount,
    balance_amount: d.balance_amount,
    created_at: d.created_at ?? d.createdAt,
    refund_message: d.refund_message,
    suggested_offers: parseSuggestedOffers(d.suggested_offers),
    follow_orderid: d.follow_orderid,
    retry_orderid: d.retry_orderid,
    raw: data as Record<string, unknown>,
  });
}

const internetOrderSchema = z.looseObject({
  _id: idField,
  ref: optText,
  status: statusField,
  type: optText,
  number: optText,
  topup_amount: optAmount,
  card_code: optText,
  num_trans: optText,
  date_traitement: optText,
  refund_message: optText,
  created_at: optText,
  createdAt: optText,
});

/** One internet top-up (`data` of check-id/check-ref, or an item of the list). Throws `malformed`. */
export function parseInternetOrder(data: unknown): InternetOrder {
  const d = parseData(internetOrderSchema, data, 'internet order');
  return compact<InternetOrder>({
    kind: 'internet',
    id: d._id,
    ref: d.ref ?? '',
    status: d.status,
    type: d.type,
    number: d.number,
    topup_amount: d.topup_amount,
    card_code: d.card_code,
    num_trans: d.num_trans,
    date_traitement: d.date_traitement,
    refund_message: d.refund_message,
    created_at: d.created_at ?? d.createdAt,
    raw: data as Record<string, unknown>,
  });
}

// ---------------------------------------------------------------------------------------------
// Account

const accountKeySchema = z.looseObject({
  username: z.union([z.string(), z.number().transform(String)]),
  apiKey: z.looseObject({
    type: z.string().transform((t) => t.trim().toUpperCase()),
    scope: optText,
    isEnabled: z.boolean().optional().catch(undefined),
  }),
});

/** `data` of GET /v3/validate. The key itself (`apiKey.key`) is deliberately not copied. */
export function parseAccountKeyInfo(data: unknown): AccountKeyInfo {
  const d = parseData(accountKeySchema, data, 'validate response');
  return {
    username: d.username,
    type: d.apiKey.type,
    scope: d.apiKey.scope?.trim().toUpperCase() ?? '',
    // The call just succeeded with this key, so a missing flag means enabled.
    isEnabled: d.apiKey.isEnabled ?? true,
  };
}

const balanceSchema = z.looseObject({ balance: amount });

/** `data` of GET /v3/account/balance, in DZD. */
export function parseBalance(data: unknown): number {
  return parseData(balanceSchema, data, 'balance response').balance;
}

// ---------------------------------------------------------------------------------------------
// Lists

const optCount = z.union([z.number(), numericString]).pipe(z.number().int().min(0)).optional().catch(undefined);

const paginationSchema = z.looseObject({
  page: optCount,
  pageSize: optCount,
  totalPages: optCount,
  totalResults: optCount,
});

const listDataSchema = z.looseObject({
  // Mobile and gift lists use `items`; the FR internet-list example uses `topups`.
  items: z.array(z.unknown()).optional().catch(undefined),
  topups: z.array(z.unknown()).optional().catch(undefined),
  pagination: z.unknown().optional(),
});

const DEFAULT_PAGE_SIZE = 20;

/**
 * `data` (and `meta`) of a list endpoint. Pagination is read from `data.pagination`, else
 * `meta.pagination` (the docs say meta carries it); when absent it is inferred so that a sweep
 * keeps going while pages come back full. A malformed item is dropped; if every item is
 * malformed the page is (schema drift would otherwise look like "no orders").
 */
export function parseListPage<T>(
  data: unknown,
  meta: Record<string, unknown> | undefined,
  parseItem: (item: unknown) => T,
  query: ListQuery = {},
): ListPage<T> {
  const d = parseData(listDataSchema, data, 'list response');
  const rawItems = d.items ?? d.topups;
  if (rawItems === undefined) throw malformed('list response', 'neither items nor topups is an array');

  const items: T[] = [];
  let firstFailure: { error: unknown } | undefined;
  for (const raw of rawItems) {
    try {
      items.push(parseItem(raw));
    } catch (error) {
      firstFailure ??= { error };
    }
  }
  if (items.length === 0 && firstFailure) throw firstFailure.error;

  const pag = paginationSchema.safeParse(d.pagination ?? meta?.pagination);
  const p = pag.success ? pag.data : {};
  const page = p.page ?? query.page ?? 1;
  const pageSize = p.pageSize ?? query.pageSize ?? DEFAULT_PAGE_SIZE;
  const totalPages = p.totalPages ?? (rawItems.length >= pageSize ? page + 1 : page);
  const totalResults = p.totalResults ?? (page - 1) * pageSize + rawItems.length;
  return { items, page, pageSize, totalPages, totalResults };
}

// ---------------------------------------------------------------------------------------------
// Mobile plans

const planBaseSchema = z.object({
  code: z.string().trim().min(1),
  name: z.string().trim().min(1).optional().catch(undefined),
  operator: z.string().trim().optional().catch(undefined),
  cost: amount.pipe(z.number().positive()).optional().catch(undefined),
  // Listed with no flag means available; a flag in an odd shape too (the send itself would refuse).
  isEnabled: z
    .union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')])
    .optional()
    .catch(undefined),
});

const planAmount = amount.pipe(z.number().finite().min(0));

const dynamicPlanSchema = planBaseSchema
  .extend({ min_amount: planAmount, max_amount: planAmount })
  .refine((p) => p.min_amount <= p.max_amount, 'min_amount is above max_amount');

const fixedPlanSchema = planBaseSchema.extend({ amount: amount.pipe(z.number().finite().positive()) });

type PlanKind = 'dynamic' | 'fixed';

function planBase(p: z.output<typeof planBaseSchema>) {
  return compact({ code: p.code, name: p.name ?? p.code, operator: p.operator ?? '', cost: p.cost, isEnabled: p.isEnabled ?? true });
}

/**
 * One plan by its shape: the array it came in decides first (GETMENU_* always reads as dynamic),
 * the other shape is the fallback, so a plan listed in the wrong array is not lost.
 */
function parsePlan(raw: unknown, listedAs: PlanKind): { dynamic: DynamicPlan } | { fixed: FixedPlan } | undefined {
  const code = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>).code : undefined;
  const isGetMenu = typeof code === 'string' && code.trim().toUpperCase().startsWith('GETMENU_');
  const order: PlanKind[] = isGetMenu || listedAs === 'dynamic' ? ['dynamic', 'fixed'] : ['fixed', 'dynamic'];
  for (const kind of order) {
    if (kind === 'dynamic') {
      const p = dynamicPlanSchema.safeParse(raw);
      if (p.success) return { dynamic: { ...planBase(p.data), min_amount: p.data.min_amount, max_amount: p.data.max_amount } };
    } else {
      const p = fixedPlanSchema.safeParse(raw);
      if (p.success) return { fixed: { ...planBase(p.data), amount: p.data.amount } };
    }
  }
  return undefined;
}

const plansDataSchema = z.looseObject({
  dynamicPlans: z.array(z.unknown()).optional().catch(undefined),
  fixedPlans: z.array(z.unknown()).optional().catch(undefined),
});

/**
 * `data` of GET /v3/mobile/plans. Unknown fields are left out; a malformed plan is dropped (the
 * first one per code wins); a response with no plan array, or whose plans are all malformed, is
 * `malformed` (schema drift must not read as "no plans").
 */
export function parseMobilePlans(data: unknown): MobilePlans {
  const d = parseData(plansDataSchema, data, 'plans response');
  if (d.dynamicPlans === undefined && d.fixedPlans === undefined) {
    throw malformed('plans response', 'neither dynamicPlans nor fixedPlans is an array');
  }
  const plans: MobilePlans = { dynamicPlans: [], fixedPlans: [] };
  const seen = new Set<string>();
  let total = 0;
  const lists: Array<[unknown[] | undefined, PlanKind]> = [
    [d.dynamicPlans, 'dynamic'],
    [d.fixedPlans, 'fixed'],
  ];
  for (const [list, listedAs] of lists) {
    for (const raw of list ?? []) {
      total += 1;
      const plan = parsePlan(raw, listedAs);
      if (!plan) continue;
      const code = 'dynamic' in plan ? plan.dynamic.code : plan.fixed.code;
      if (seen.has(code)) continue;
      seen.add(code);
      if ('dynamic' in plan) plans.dynamicPlans.push(plan.dynamic);
      else plans.fixedPlans.push(plan.fixed);
    }
  }
  if (total > 0 && seen.size === 0) throw malformed('plans response', 'no plan has a usable shape');
  return plans;
}

// ---------------------------------------------------------------------------------------------
// Mobile send

/** The provider's own rules (docs section 3.2) plus ours for refs (ASCII, <= 64, travels in URLs). */
const sendMobileRequestSchema = z.object({
  plan_code: z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty'),
  MSSIDN: z.string({ error: 'must be a string' }).regex(/^0[567][0-9]{8}$/, 'must match ^0[567][0-9]{8}$'),
  amount: z.number({ error: 'must be a number' }).int('must be an integer').positive('must be positive').optional(),
  ref: z.string({ error: 'must be a string' }).regex(/^[A-Za-z0-9_-]{1,64}$/, 'must match ^[A-Za-z0-9_-]{1,64}$'),
});

/**
 * Checks a send body before any request, so a typo never costs a round trip (or an IP strike).
 * Throws ProviderError `validation` with code ERR_VALIDATION, no httpStatus (nothing was sent) and
 * `details.field` naming the first bad field, like the provider's own ERR_VALIDATION. Unknown keys
 * are dropped. Messages never carry values.
 */
export function parseSendMobileRequest(body: unknown): SendMobileRequest {
  const parsed = sendMobileRequestSchema.safeParse(body);
  if (parsed.success) return compact(parsed.data);
  const first = parsed.error.issues[0];
  const field = first && first.path.length > 0 ? String(first.path[0]) : 'body';
  return failValidation(field, describeIssues(parsed.error));
}

function failValidation(field: string, detail: string): never {
  throw new ProviderError('validation', `OneClickDz: invalid mobile send request (${detail})`, {
    code: 'ERR_VALIDATION',
    details: { field },
  });
}

const sendResultSchema = z.looseObject({
  topupId: idField,
  topupRef: z.string().trim().min(1).optional().catch(undefined),
});

/** `data` of POST /v3/mobile/send. `topupRef` falls back to the ref we sent. Throws `malformed`. */
export function parseSendMobileResult(data: unknown, sentRef: string): SendMobileResult {
  const d = parseData(sendResultSchema, data, 'send response');
  return { topupId: d.topupId, topupRef: d.topupRef ?? sentRef };
}
