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
 *   confirming / sending ──withdrawn──▶ withdrawn   (the worker, before its POST: whoever confirmed may
 *                                                     no longer re-send; nothing was sent)
 *   confirming / sending ──held_back──▶ held_back   (the key guard refused the POST before any network
 *                                                     call: no key attempt free until `retryAt`)
 *
 * `cancelled`, `refused`, `not_created`, `withdrawn` and `held_back` accept a new Confirm (same ref),
 * which is a new confirmation with its own right check: the withdrawn one itself is never sent.
 * `held_back` is the one outcome of a send whose own message keeps its Confirm: only a send that
 * provably never left the bot gets there (the provider cannot have received it), so confirming it
 * again cannot make a second order, and the bot never repeats it by itself (a person presses again).
 * A send with an unclear outcome is never offered again before a check by ref said "not created".
 *
 * Presses (the offer button, Confirm, Cancel) are judged by `pressVerdict` on the offer as it is NOW, and
 * on the message pressed: an offer being sent or sent is never offered again; each chat has one message
 * that shows it (a target), and every other press in that chat points there, so an old button never
 * overwrites that message; a press in a chat with no such message makes the pressed (or a new) message
 * show it (it follows the send, or the sent order). Cancel only cancels what was not sent, and an old
 * button of a cancelled confirmation or of a refusal sends nothing.
 */

export const OFFER_STATES = [
  'offered',
  'confirming',
  'sending',
  'sent',
  'uncertain',
  'not_created',
  'refused',
  'cancelled',
  'withdrawn',
  'held_back',
] as const;
export type OfferState = (typeof OFFER_STATES)[number];

/** A clear "no" from the provider: no order was created. */
export type Refusal =
  | { reason: 'insufficient_balance'; required?: number | undefined; available?: number | undefined }
  | { reason: 'invalid'; field?: string | undefined }
  | { reason: 'read_only' }
  /** Another 403 (IP blocked or not allowed, a disabled key, a code the bot does not know): shown with its code. */
  | { reason: 'forbidden'; code?: string | undefined }
  /** The key was rejected (401), or is suspended after that: the provider took no order. */
  | { reason: 'key_rejected' }
  /** The account's owner unlinked its key (before or while the send waited): nothing was sent; the key was not rejected. */
  | { reason: 'key_unlinked' }
  /**
   * Not sent: the key must prove itself again and no key attempt is free before `retryAt` (ms); the key
   * was not rejected. The state `held_back` carries it (offers written before that state existed may
   * still show it as `refused`).
   */
  | { reason: 'key_wait'; retryAt?: number | undefined };

/** A message in a chat. */
export interface MessageRef {
  chatId: number;
  messageId: number;
}

/** A chat message that shows the offer's outcome (the confirmation a Confirm was pressed on). */
export interface OfferTarget {
  chatId: number;
  /**
   * null: this chat has no message the bot can edit for it. Its group became a supergroup (a new chat
   * id; the messages before the upgrade stay in the old group's history, where nothing can be edited,
   * and the supergroup numbers its messages afresh): the next thing shown there is a new message.
   */
  messageId: number | null;
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
  refusal?: Refusal | null;
  /** Confirmations closed by Cancel: their old buttons are answered "cancelled", never a send. */
  cancelledIn?: MessageRef[];
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

/** The buttons a reseller presses: the offer on a status message, Confirm and Cancel on a confirmation. */
export type OfferButton = 'offer' | 'confirm' | 'cancel';

/** What a press means for the offer as it is now (see `pressVerdict`). */
export type PressVerdict =
  /** The offer button, on an offer that can be sent: show a confirmation. */
  | { type: 'confirmation' }
  /** Confirm on a confirmation of an offer that can be sent: the send starts, the message shows "sending". */
  | { type: 'send' }
  /** Cancel on an open confirmation: it closes; nothing was sent. */
  | { type: 'cancel' }
  /** Being sent or sent, and no message in this chat shows it: the pressed (or a new) message will. */
  | { type: 'follow' }
  /** Being sent or sent, and `live` in this chat shows it (it may be the pressed message itself). */
  | { type: 'shown_in'; live: MessageRef }
  /** An old button of a confirmation that was cancelled: nothing is sent. */
  | { type: 'was_cancelled' }
  /** An old button of a message that shows the provider's refusal of this offer's last send. */
  | { type: 'was_refused' }
  /** An old button of a message that shows this offer's last confirmation was withdrawn (not sent). */
  | { type: 'was_withdrawn' };

export type OfferEvent =
  /**
   * A press (from the handler). `pressed` is the message the button is on; `shows` the message that
   * shows the send from now on if the press starts or follows one (the pressed confirmation, or for
   * the offer button a new message), with what it shows already (`shownKeyFor`).
   */
  | { type: 'press'; button: OfferButton; pressed: MessageRef; shows: OfferTarget; by?: { userId: number; name: string } }
  /** The worker is about to POST the send: from here on an order may exist. */
  | { type: 'send' }
  /** The provider has the order: the POST answered, DUPLICATED_REF was resolved, or a check by ref found it. */
  | { type: 'accepted'; topupId: string }
  /** The provider refused clearly (balance, validation, read-only key): no order. */
  | { type: 'refused'; refusal: Refusal }
  /**
   * A check by ref answered 404. `askedAt`: when the check was sent (default: the event's time). The
   * answer describes the provider as it was then, so only a check sent after the whole window may
   * say the order was not created, however late its answer arrives.
   */
  | { type: 'not_found'; askedAt?: Date }
  /** A POST or a check by ref got no clear answer (timeout, network, 5xx, malformed, 429). */
  | { type: 'no_answer' }
  /**
   * The worker, after recording `sending` and before its POST, found that whoever confirmed may no
   * longer re-send (removed from staff, re-send right forbidden, no longer an owner): nothing was sent,
   * and this confirmation never will be.
   */
  | { type: 'withdrawn' }
  /**
   * The worker's POST was refused by the key guard before any network call (KEY_ATTEMPT_WAIT: the key
   * must prove itself with a reserved attempt and none is free before `retryAt`, ms): nothing was sent.
   * Never reported for an answer from the provider, nor for a call that may have gone out.
   */
  | { type: 'held_back'; retryAt?: number | undefined };

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
    /** Who confirmed the send (for /account), written with the decision so a crash cannot separate them. */
    confirmedBy: { userId: number; name: string } | null;
    confirmedAt: Date | null;
  }>;
  addTarget?: OfferTarget;
  /** Takes the place of the chat's target without a message (see `OfferTarget.messageId`), the only one it has. */
  fillTarget?: OfferTarget;
  /** A confirmation Cancel closed (appended, like `addTarget`). */
  addCancelled?: MessageRef;
}

export type OfferDecision =
  | { ok: true; change: OfferChange; effects: OfferEffect[]; verdict?: PressVerdict }
  /** The event does not apply in this state (nothing is written); `state` says why, `verdict` what a press meant. */
  | { ok: false; state: OfferState; verdict?: PressVerdict };

const IN_FLIGHT: ReadonlySet<OfferState> = new Set(['confirming', 'sending', 'uncertain']);
/** States from which a new Confirm starts a send (again, with the same ref). */
const SENDABLE: ReadonlySet<OfferState> = new Set(['offered', 'cancelled', 'refused', 'not_created', 'withdrawn', 'held_back']);

export const isInFlight = (state: OfferState) => IN_FLIGHT.has(state);

const same = (a: MessageRef) => (b: { chatId: number; messageId: number | null }) => a.chatId === b.chatId && a.messageId === b.messageId;

/**
 * What pressing `button` on `pressed` means for the offer as it is now. Being sent or sent: the
 * chat's message that shows it (the pressed one if it is one), or `follow` when the chat has none, so
 * each chat has one message showing the send and no old button overwrites it. Otherwise the offer
 * button opens a confirmation; Confirm sends and Cancel cancels, except on a confirmation that was
 * cancelled or on a message showing the last send's refusal (their buttons are old ones).
 */
export function pressVerdict(offer: OfferSnapshot, button: OfferButton, pressed: MessageRef): PressVerdict {
  if (!SENDABLE.has(offer.state)) {
    // Being sent (confirming, sending, uncertain) or sent.
    const here = offer.targets.filter((t) => t.chatId === pressed.chatId);
    const live = here.find(same(pressed)) ?? here[0];
    // No message here shows it (none yet, or the one before a supergroup upgrade): the pressed or a new one will.
    if (!live || live.messageId === null) return { type: 'follow' };
    return { type: 'shown_in', live: { chatId: live.chatId, messageId: live.messageId } };
  }
  if (button === 'offer') return { type: 'confirmation' };
  if ((offer.cancelledIn ?? []).some(same(pressed))) return { type: 'was_cancelled' };
  // A refusal's message keeps no Confirm, except a send the key guard held back (offers from before
  // `held_back` recorded it as `refused`): that one is confirmed again from its own message.
  if (offer.state === 'refused' && offer.refusal?.reason !== 'key_wait' && offer.targets.some(same(pressed)))
    return { type: 'was_refused' };
  if (offer.state === 'withdrawn' && offer.targets.some(same(pressed))) return { type: 'was_withdrawn' };
  return button === 'confirm' ? { type: 'send' } : { type: 'cancel' };
}

/**
 * An old "Other amount" button (another amount is another offer, so it stays usable on an open
 * confirmation even once this one was sent): on the message that shows this offer's send, or on a
 * cancelled confirmation, it asks nothing and is answered like Confirm there; undefined: ask.
 */
export function otherAmountVerdict(offer: OfferSnapshot, pressed: MessageRef): PressVerdict | undefined {
  const verdict = pressVerdict(offer, 'confirm', pressed);
  if (verdict.type === 'was_cancelled' || verdict.type === 'was_withdrawn') return verdict;
  if (verdict.type === 'shown_in' && same(verdict.live)(pressed)) return verdict;
  return undefined;
}

/**
 * What a message shows once the handler showed a `send` or `follow` verdict on it (stored with the
 * target, so the worker knows what it still owes that message): "sending" for a send; for a send
 * under way, its state; null for a sent offer (the message still has to become the live status).
 */
export function shownKeyFor(offer: Pick<OfferSnapshot, 'state' | 'sentTopupId' | 'refusal'>, verdict: PressVerdict): string | null {
  if (verdict.type === 'send') return 'sending';
  if (verdict.type !== 'follow' || offer.state === 'sent') return null;
  return displayKey(offer);
}

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
    case 'withdrawn':
      return offer.state;
    case 'held_back':
      // A new hold-back (Confirm pressed again too early) may name another time: shown again.
      return `held_back:${offer.refusal?.reason === 'key_wait' ? (offer.refusal.retryAt ?? '') : ''}`;
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
  const verdict = event.type === 'press' ? { verdict: pressVerdict(offer, event.button, event.pressed) } : {};
  const change = decide(offer, event, now, policy);
  if (!change) return { ok: false, state: offer.state, ...verdict };
  const filled = change.fillTarget;
  const kept = filled ? offer.targets.map((t) => (t.chatId === filled.chatId && t.messageId === null ? filled : t)) : offer.targets;
  const targets = change.set.targets ?? [...kept, ...(change.addTarget ? [change.addTarget] : [])];
  const next = { ...offer, ...change.set, state: change.state, targets };
  return { ok: true, change, effects: owedEffects(next), ...verdict };
}

function decide(offer: OfferSnapshot, event: OfferEvent, now: Date, policy: OfferPolicy): OfferChange | undefined {
  switch (event.type) {
    case 'press': {
      const verdict = pressVerdict(offer, event.button, event.pressed);
      switch (verdict.type) {
        case 'send':
          if (event.button !== 'confirm') return undefined;
          return {
            state: 'confirming',
            // Earlier outcomes were told to their own messages already; this send answers this press.
            set: {
              targets: [event.shows],
              refusal: null,
              uncertainSince: null,
              uncertainUntil: null,
              checks: 0,
              dueAt: now,
              confirmedBy: event.by ?? null,
              confirmedAt: now,
            },
          };
        case 'cancel':
          return {
            state: 'cancelled',
            set: { dueAt: null },
            addCancelled: { chatId: event.pressed.chatId, messageId: event.pressed.messageId },
          };
        case 'follow':
          // This chat's message from now on: told the outcome of the send under way, or the order's live status.
          // A chat whose group became a supergroup keeps its one target: it gets this message.
          return offer.targets.some((t) => t.chatId === event.shows.chatId && t.messageId === null)
            ? { state: offer.state, set: {}, fillTarget: event.shows }
            : { state: offer.state, set: {}, addTarget: event.shows };
        default:
          return undefined;
      }
    }
    case 'send':
      return offer.state === 'confirming' ? { state: 'sending', set: {} } : undefined;
    case 'accepted':
      return IN_FLIGHT.has(offer.state) ? { state: 'sent', set: { sentTopupId: event.topupId, dueAt: null } } : undefined;
    case 'refused':
      return offer.state === 'sending' || offer.state === 'confirming'
        ? { state: 'refused', set: { refusal: event.refusal, dueAt: null } }
        : undefined;
    case 'withdrawn':
      // Only the worker that holds the claim reports it, before its POST: no order can exist.
      return offer.state === 'sending' || offer.state === 'confirming' ? { state: 'withdrawn', set: { dueAt: null } } : undefined;
    case 'held_back':
      // Only the worker that holds the claim reports it, for its own POST the guard refused: no order can
      // exist, so the confirmation may be confirmed again (never by the bot itself: nothing is due).
      return offer.state === 'sending' || offer.state === 'confirming'
        ? { state: 'held_back', set: { refusal: { reason: 'key_wait', retryAt: event.retryAt }, dueAt: null } }
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
      const windowEnd = since.getTime() + policy.unconfirmedCheckForMs;
      const askedAt = event.type === 'not_found' ? (event.askedAt ?? now) : now;
      // Only a 404 to a check sent after the whole window lets the bot say the order was not created.
      if (event.type === 'not_found' && askedAt.getTime() >= windowEnd) return { state: 'not_created', set: { dueAt: null } };
      // A 404 to a check sent just before the window ended that arrives after it: ask once more at once.
      const dueAt = event.type === 'not_found' && now.getTime() >= windowEnd ? now : nextCheckAt(since, offer.checks + 1, now, policy);
      return { state: 'uncertain', set: { checks: offer.checks + 1, dueAt } };
    }
  }
}
