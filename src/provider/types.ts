/**
 * What the OneClickDz Flexy API v3 tells us about an order, after validation.
 * Field names follow the provider (snake_case) so a reader can match them with the API docs.
 * Statuses are normalised to upper case; the Arabic docs' legacy SUCCESS/FAILED are mapped to
 * FULFILLED/REFUNDED. Any other value is kept verbatim (never a crash): the domain treats it as unknown.
 */
export type OrderKind = 'mobile' | 'internet';

export const MOBILE_STATUSES = ['PENDING', 'HANDLING', 'FULFILLED', 'REFUNDED', 'UNKNOWN_ERROR'] as const;
export const INTERNET_STATUSES = ['HANDLING', 'FULFILLED', 'REFUNDED', 'QUEUED'] as const;

export interface SuggestedOffer {
  typename: string;
  plan_code: string;
  amount: number;
}

interface OrderBase {
  /** Provider id (`_id`, the `topupId` of a send). Opaque string, usually 24 hex chars. */
  id: string;
  ref: string;
  /** Upper-case status as sent by the provider (legacy values mapped). */
  status: string;
  topup_amount?: number | undefined;
  created_at?: string | undefined;
  /** The whole `data` object as received, unknown fields included (kept for support and logs). */
  raw: Record<string, unknown>;
}

export interface MobileOrder extends OrderBase {
  kind: 'mobile';
  plan_code?: string | undefined;
  MSSIDN?: string | undefined;
  balance_amount?: number | undefined;
  /** Arabic text meant for the end user; shown exactly as sent. */
  refund_message?: string | undefined;
  suggested_offers?: SuggestedOffer[] | undefined;
  follow_orderid?: string | undefined;
  retry_orderid?: string | undefined;
}

export interface InternetOrder extends OrderBase {
  kind: 'internet';
  /** ADSL or 4G (4GLTE in some responses). */
  type?: string | undefined;
  number?: string | undefined;
  card_code?: string | undefined;
  num_trans?: string | undefined;
  date_traitement?: string | undefined;
  /** Undocumented for internet, but the bot shows it exactly as sent whenever the provider gives one. */
  refund_message?: string | undefined;
}

export type ProviderOrder = MobileOrder | InternetOrder;

export interface AccountKeyInfo {
  username: string;
  type: string; // SANDBOX | PRODUCTION (kept open)
  scope: string; // READ-WRITE | READ-ONLY (kept open)
  isEnabled: boolean;
}

export interface ListPage<T> {
  items: T[];
  page: number;
  pageSize: number;
  totalPages: number;
  totalResults: number;
}

export interface ListQuery {
  page?: number;
  /** 1..100 */
  pageSize?: number;
  /** ISO 8601; the provider wants both or neither. */
  from?: string;
  to?: string;
}

/** A mobile plan of GET /v3/mobile/plans. Only the documented fields are kept. */
interface MobilePlanBase {
  /** Pass it as `plan_code` to /mobile/send. */
  code: string;
  /** Display name (may hold emoji and Arabic); the code when the provider sent none. */
  name: string;
  /** e.g. Djezzy, Mobilis, Ooredoo, Pixx, GMobilis; '' when the provider sent none. */
  operator: string;
  /** Wholesale multiplier (0.98 = pay 98% of face value). Never show it to end users. */
  cost?: number | undefined;
  /** false: temporarily disabled (maintenance, operator issue). */
  isEnabled: boolean;
}

/** The sender picks `amount` in [min_amount, max_amount]. GETMENU_* plans are always dynamic. */
export interface DynamicPlan extends MobilePlanBase {
  min_amount: number;
  max_amount: number;
}

/** The amount is preset; an `amount` sent with it is ignored by the provider. */
export interface FixedPlan extends MobilePlanBase {
  amount: number;
}

export interface MobilePlans {
  dynamicPlans: DynamicPlan[];
  fixedPlans: FixedPlan[];
}

export interface SendMobileRequest {
  plan_code: string;
  /** Provider spelling. A string matching ^0[567][0-9]{8}$. */
  MSSIDN: string;
  /** Positive integer; required by dynamic plans, ignored by fixed ones. */
  amount?: number;
  /** Our idempotency key: ^[A-Za-z0-9_-]{1,64}$. Reusing it gives `duplicated_ref`. */
  ref: string;
}

/** The order was accepted, not completed: track it with check-id/check-ref. */
export interface SendMobileResult {
  topupId: string;
  topupRef: string;
}
