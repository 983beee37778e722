/**
 * The offer state machine: every state a suggested offer can be in and every transition between
 * them, as pure functions (no MongoDB, no provider, no Telegram). The offer store applies a decision
 * with a write conditioned on the state it was taken from; nothing else writes offer state.
 *
 *   offered ──confirm──▶ confirming ──send──▶ sending ──accepted──▶ sent
 *      │ ▲                   │                   │ ╲
 *   cancel│                refused             refused  unclear (timeout, network, 5xx, DUPLICATED_REF):
 *      ▼ │                   ▼                   ▼       ask by ref ─ found ─▶ sent
 *   cancelled             refused ◀──────────────┘                  ─ 404 / no answer ─▶ uncertain
 *                                                   uncertain ── checks by ref until the window ends ──▶
 *                                                     found ─▶ sent; 404 after the window ─▶ not_created
 *
 * `cancelled`, `refused` and `not_created` accept a new Confirm (same ref). A Confirm while the offer is
 * in flight (confirming, sending, uncertain) only adds the pressing chat to the ones told the outcome;
 * on a `sent` offer it makes that chat follow the order.
 */

export const OFFER_STATES = ['offered', 'confirming', 'sending', 'sent', 'uncertain', 'not_created', 'refused', 'cancelled'] as const;
export type OfferState = (typeof OFFER_STATES)[number];

/** A clear "no" from the provider: no order was created. */
export type Refusal =
  | { reason: 'insufficient_balance'; required?: number | undefined; available?: number | undefined }
  | { reason: 'invalid'; field?: string | undefined }
  | { reason: 'read_only' }
  /** Another 403 (IP blocked or not allowed, a disabled key, a code the bot does not know): shown with its code. */
  | { reason: 'forbidden'; code?: string | undefined }
  /** The key was rejected (401), or is suspended after that: the provider took no order. */
  | { reason: 'key_rejected' };

/** A chat message that shows the offer's outcome (the confirmation a Confirm was pressed on). */
export interface OfferTarget {
  chatId: number;
  messageId: number;
  locale: string;
  /** What the message shows now (see `displayKey`); null: nothing shown by the worker yet. */
  shown: string | null;
}

/** The part of an offer document the machine reads. */
export interface OfferSnapshot {
  state: OfferState;
  targets: OfferTarget[];
  sentTopupId: string | null;
  uncertainSince: Date | null;
  checks: number;
}

export interface OfferPolicy {
  /** How long an unconfirmed send keeps being checked by ref before "not created" may be said (scaled). */
  unconfirmedCheckForMs: number;
  /** First check by ref after an unclear send, then ×1.5 up to `maxCheckEveryMs` (scaled). */
  firstCheckAfterMs: number;
  maxCheckEveryMs: number;
}

/** Defaults before TIME_SCALE: 10 min window (UNCONFIRMED_CHECK_FOR), checks from 15 s to every 2 min. */
export const DEFAULT_OFFER_POLICY: OfferPolicy = {
  unconfirmedCheckForMs: 10 * 60_000,
  firstCheckAfterMs: 15_000,
  maxCheckEveryMs: 120_000,
};

export type OfferEvent =
  /** A Confirm press (from the handler). */
  | { type: 'confirm'; target: Omit<OfferTarget, 'shown'> }
  /** A Cancel press (from the handler). */
  | { type: 'cancel' }
  /** The worker is about to POST the send: from here on an order may exist. */
  | { type: 'send' }
  /** The provider has the order: the POST answered, DUPLICATED_REF was resolved, or a check by ref found it. */
  | { type: 'accepted'; topupId: string }
  /** The provider refused clearly (balance, validation, read-only key): no order. */
  | { type: 'refused'; refusal: Refusal }
  /** A check by ref answered 404. */
  | { type: 'not_found' }
  /** A POST or a check by ref got no clear answer (timeout, network, 5xx, malformed, 429). */
  | { type: 'no_answer' };

/** Work for the caller once the decision is stored. */
export type OfferEffect =
  /** The chat(s) follow the order: the confirmation message becomes its live status (tracker.trackSent). */
  | { type: 'track'; topupId: string; targets: OfferTarget[] }
  /** Show the offer's current state in these messages. */
  | { type: 'show'; targets: OfferTarget[] };

/** The fields a decision changes; `addTarget` is appended to `targets` (never replaces concurrent ones). */
export interface OfferChange {
  state: OfferState;
  set: Partial<{
    sentTopupId: string | null;
    refusal: Refusal | null;
    uncertainSince: Date | null;
    uncertainUntil: Date | null;
    checks: number;
    /** When the worker should act next; null: nothing to do. */
    dueAt: Date | null;
    targets: OfferTarget[];
  }>;
  addTarget?: OfferTarget;
}

export type OfferDecision =
  | { ok: true; change: OfferChange; effects: OfferEffect[] }
  /** The event does not apply in this state (nothing is written); `state` says why. */
  | { ok: false; state: OfferState };

const IN_FLIGHT: ReadonlySet<OfferState> = new Set(['confirming', 'sending', 'uncertain']);
/** States from which a new Confirm starts a send (again, with the same ref). */
const SENDABLE: ReadonlySet<OfferState> = new Set(['offered', 'cancelled', 'refused', 'not_created']);

export const isInFlight = (state: OfferState) => IN_FLIGHT.has(state);

/**
 * What a target message should show for the offer's state; null when the worker owes it nothing (the
 * handler shows "sending" itself, and offered/cancelled are shown by the presses).
 */
export function displayKey(offer: Pick<OfferSnapshot, 'state' | 'sentTopupId'> & { refusal?: Refusal | null }): string | null {
  switch (offer.state) {
    case 'sent':
      return `sent:${offer.sentTopupId ?? ''}`;
    case 'refused':
      return `refused:${offer.refusal?.reason ?? ''}`;
    case 'uncertain':
    case 'not_created':
      return offer.state;
    case 'confirming':
    case 'sending':
      return 'sending';
    case 'offered':
    case 'cancelled':
      return null;
  }
}

/**
 * What the worker still owes the target messages of an offer in this state: the chats follow the sent
 * order, or their message shows the state (uncertain, refused, not created). Targets already showing
 * it are left out, so settling twice (a retry, a restart) changes nothing.
 */
export function owedEffects(offer: Pick<OfferSnapshot, 'state' | 'sentTopupId' | 'targets'> & { refusal?: Refusal | null }): OfferEffect[] {
  const key = displayKey(offer);
  if (key === null || offer.state === 'confirming' || offer.state === 'sending') return [];
  const targets = offer.targets.filter((t) => t.shown !== key);
  if (targets.length === 0) return [];
  return offer.state === 'sent' && offer.sentTopupId
    ? [{ type: 'track', topupId: offer.sentTopupId, targets }]
    : [{ type: 'show', targets }];
}

/** When to ask by ref again during an uncertain period (the last check falls on the window's end). */
export function nextCheckAt(uncertainSince: Date, checks: number, now: Date, policy: OfferPolicy): Date {
  const interval = Math.min(policy.firstCheckAfterMs * 1.5 ** checks, policy.maxCheckEveryMs);
  const windowEnd = uncertainSince.getTime() + policy.unconfirmedCheckForMs;
  const at = now.getTime() + interval;
  // Past the window (only possible while the provider gives no answer at all) keep the slow pace.
  return new Date(now.getTime() < windowEnd ? Math.min(at, windowEnd) : at);
}

/** The decision for `event` on `offer`, with the effects owed once it is stored. */
export function transition(offer: OfferSnapshot, event: OfferEvent, now: Date, policy: OfferPolicy): OfferDecision {
  const change = decide(offer, event, now, policy);
  if (!change) return { ok: false, state: offer.state };
  const targets = change.set.targets ?? [...offer.targets, ...(change.addTarget ? [change.addTarget] : [])];
  const next = { ...offer, ...change.set, state: change.state, targets };
  return { ok: true, change, effects: owedEffects(next) };
}

function decide(offer: OfferSnapshot, event: OfferEvent, now: Date, policy: OfferPolicy): OfferChange | undefined {
  switch (event.type) {
    case 'confirm': {
      const known = offer.targets.some((t) => t.chatId === event.target.chatId && t.messageId === event.target.messageId);
      if (offer.state === 'sent' && offer.sentTopupId) {
        // Already sent: this chat follows the order too (its message becomes the live status).
        return { state: 'sent', set: {}, ...(known ? {} : { addTarget: { ...event.target, shown: null } }) };
      }
      if (IN_FLIGHT.has(offer.state)) {
        // The press joins the send under way. Its message shows "sending" (the press did that); if the
        // offer is past that (uncertain), the worker owes it the current state.
        return { state: offer.state, set: {}, ...(known ? {} : { addTarget: { ...event.target, shown: 'sending' } }) };
      }
      if (!SENDABLE.has(offer.state)) return undefined;
      return {
        state: 'confirming',
        // Earlier outcomes were told to their own messages already; this send answers this press.
        set: {
          targets: [{ ...event.target, shown: 'sending' }],
          refusal: null,
          uncertainSince: null,
          uncertainUntil: null,
          checks: 0,
          dueAt: now,
        },
      };
    }
    case 'cancel':
      return SENDABLE.has(offer.state) ? { state: 'cancelled', set: { dueAt: null } } : undefined;
    case 'send':
      return offer.state === 'confirming' ? { state: 'sending', set: {} } : undefined;
    case 'accepted':
      return IN_FLIGHT.has(offer.state) ? { state: 'sent', set: { sentTopupId: event.topupId, dueAt: null } } : undefined;
    case 'refused':
      return offer.state === 'sending' || offer.state === 'confirming'
        ? { state: 'refused', set: { refusal: event.refusal, dueAt: null } }
        : undefined;
    case 'not_found':
    case 'no_answer': {
      if (offer.state === 'sending') {
        // The send's outcome is unknown: not confirmed yet. Keep asking by ref for the whole window.
        return {
          state: 'uncertain',
          set: {
            uncertainSince: now,
            uncertainUntil: new Date(now.getTime() + policy.unconfirmedCheckForMs),
            checks: 0,
            dueAt: nextCheckAt(now, 0, now, policy),
          },
        };
      }
      if (offer.state !== 'uncertain') return undefined;
      const since = offer.uncertainSince ?? now;
      const windowOver = now.getTime() >= since.getTime() + policy.unconfirmedCheckForMs;
      // Only a 404 after the whole window lets the bot say the order was not created.
      if (event.type === 'not_found' && windowOver) return { state: 'not_created', set: { dueAt: null } };
      return { state: 'uncertain', set: { checks: offer.checks + 1, dueAt: nextCheckAt(since, offer.checks + 1, now, policy) } };
    }
  }
}
