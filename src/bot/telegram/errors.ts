import { GrammyError, HttpError } from 'grammy';

/**
 * What a failed Telegram call means for the caller. Callers branch on `kind`, never on descriptions
 * (Telegram's wording is "subject to change"; only this file matches on it).
 */
export type TelegramFailure =
  | { kind: 'not_modified' } // benign: the message already shows this content
  | { kind: 'message_gone'; description: string } // deleted / not editable: send a fresh message instead
  /** Blocked, deactivated, kicked, no rights: stop sending. `migratedTo`: the group became this supergroup. */
  | { kind: 'chat_unreachable'; description: string; migratedTo?: number }
  | { kind: 'rate_limited'; retryAfterMs: number } // 429: retry after this delay, never drop the message
  | { kind: 'transient'; description: string } // network, timeout, 5xx: retry later
  | { kind: 'bad_request'; description: string }; // a bug on our side (bad HTML, bad button): never retried

const NOT_MODIFIED = /message is not modified/i;

const MESSAGE_GONE = [
  /message to edit not found/i,
  /message can't be edited/i,
  /MESSAGE_ID_INVALID/,
  /message to be replied not found/i,
  /message to delete not found/i,
  /message can't be deleted/i,
];

/** 400s that mean the chat itself is out of reach (403s always are). */
const CHAT_UNREACHABLE_400 = [
  /chat not found/i,
  /user not found/i,
  /PEER_ID_INVALID/,
  /CHAT_WRITE_FORBIDDEN/,
  /not enough rights/i,
  /have no rights to send/i,
  /need administrator rights/i,
  /group chat was upgraded to a supergroup/i,
  /bot was kicked/i,
  /USER_DEACTIVATED/,
];

/** When a 429 carries no `retry_after`, wait this long rather than hammering. */
const DEFAULT_RETRY_AFTER_MS = 5_000;

/** Maps an error thrown by a grammY API call to what the caller should do about it. */
export function classifyTelegramError(err: unknown): TelegramFailure {
  if (err instanceof GrammyError) {
    const failure = classifyApiError(err.error_code, err.description, err.parameters.retry_after);
    const migratedTo = err.parameters.migrate_to_chat_id;
    return failure.kind === 'chat_unreachable' && migratedTo !== undefined ? { ...failure, migratedTo } : failure;
  }
  if (err instanceof HttpError) {
    // grammY's message names the method only (the token is never in it unless sensitiveLogs is on).
    return { kind: 'transient', description: err.message };
  }
  // Anything else was thrown between us and Telegram (an aborted retry pause, a transformer):
  // the message may still be deliverable, so let the caller retry rather than drop it.
  const description = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return { kind: 'transient', description };
}

function classifyApiError(code: number, description: string, retryAfter: number | undefined): TelegramFailure {
  if (code === 429) {
    const seconds = retryAfter ?? parseRetryAfter(description);
    return { kind: 'rate_limited', retryAfterMs: seconds === undefined ? DEFAULT_RETRY_AFTER_MS : seconds * 1000 };
  }
  if (code >= 500) return { kind: 'transient', description };
  if (code === 403) return { kind: 'chat_unreachable', description };
  if (code === 400) {
    if (NOT_MODIFIED.test(description)) return { kind: 'not_modified' };
    if (MESSAGE_GONE.some((re) => re.test(description))) return { kind: 'message_gone', description };
    if (CHAT_UNREACHABLE_400.some((re) => re.test(description))) return { kind: 'chat_unreachable', description };
  }
  // 400 can't parse entities / message is too long / BUTTON_DATA_INVALID, 401 bad token, 404, 409...
  return { kind: 'bad_request', description };
}

function parseRetryAfter(description: string): number | undefined {
  const match = /retry after (\d+)/i.exec(description);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
