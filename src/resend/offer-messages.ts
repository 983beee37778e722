/**
 * The port through which background offer work (previews, the send worker) shows things in chats.
 * Implemented by the bot layer (Telegram) and wired in app.ts, like tracking's OrderDelivery.
 */
import type { MessageRef, OfferTarget, PressVerdict } from './offer-machine.js';
import type { OfferDoc } from './offers.js';
import type { PlanRange } from './plan-catalog.js';

/** A confirmation message to fill in, and the language it is written in. */
export interface PreviewTarget {
  chatId: number;
  messageId: number;
  locale: string;
}

/** Everything the confirmation shows once the provider answered. */
export interface Preview {
  offer: OfferDoc;
  /** Undefined when the provider could not be asked right now. */
  balance: number | undefined;
  readOnly: boolean;
  /** Set for plans that take a chosen amount: the range another amount must fall in. */
  range: PlanRange | undefined;
  /** Set when the offer was sent or is being sent meanwhile: the confirmation shows that instead. */
  verdict?: Extract<PressVerdict, { type: 'follow' | 'shown_in' }>;
}

/**
 * `messageId`: a new message shows it (the target had none, see OfferTarget.messageId). `movedTo`: the
 * target's group became this supergroup (its message can no longer be edited): move the offers there.
 */
export type ShowResult = { ok: true; messageId?: number } | { ok: false; retryAt?: number | undefined; movedTo?: number };

export interface OfferMessages {
  /** Edits a confirmation to show the offer's current state (uncertain, refused, not created), or sends it anew when the target has no message. */
  showState(offer: OfferDoc, target: OfferTarget): Promise<ShowResult>;
  /**
   * Edits a message the worker sent for a chat after a press there showed the offer in another new
   * message first (`OfferDoc.replacedIn`): it points to that one, like an old confirmation does.
   */
  showReplaced(offer: OfferDoc, message: MessageRef): Promise<ShowResult>;
  /** Edits a confirmation that showed "loading…" to show the balance and plan data. */
  showPreview(target: PreviewTarget, preview: Preview): Promise<ShowResult>;
}
