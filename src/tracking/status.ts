import type { OrderKind } from '../provider/types.js';
import type { StatusClass } from './view.js';

/** Maps a provider status to what it means for the reseller. Unknown values stay `unknown`. */
export function classifyStatus(kind: OrderKind, status: string): StatusClass {
  switch (status) {
    case 'PENDING':
      return 'pending';
    case 'HANDLING':
      return 'processing';
    case 'FULFILLED':
      return 'fulfilled';
    case 'REFUNDED':
      return 'refunded';
    case 'UNKNOWN_ERROR':
      // Documented for mobile only; an internet order reporting it is still "being verified", never failed.
      return 'verifying';
    case 'QUEUED':
      return kind === 'internet' ? 'queued' : 'unknown';
    default:
      return 'unknown';
  }
}

/** FULFILLED and REFUNDED never change again: no more provider calls for such an order. */
export function isTerminal(statusClass: StatusClass): boolean {
  return statusClass === 'fulfilled' || statusClass === 'refunded';
}

/**
 * States that end the fast phase without being terminal (the guides call them "final" for the short
 * loop): mobile UNKNOWN_ERROR is resolved by support within hours, internet QUEUED within 12-48 h.
 * Polling them every few seconds would only burn provider calls.
 */
export function endsFastPhase(statusClass: StatusClass): boolean {
  return isTerminal(statusClass) || statusClass === 'verifying' || statusClass === 'queued';
}
