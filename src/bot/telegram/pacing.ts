import type { Api, Context, Middleware, Transformer } from 'grammy';
import type { ApiError } from 'grammy/types';
import type { AnswerPlace, ChatPacer, Priority } from '../../outbox/chat-pacer.js';

/**
 * Routes every message a chat sees (sends and edits) through the per-chat pacer (src/outbox): the bot
 * waits its turn instead of provoking Telegram's 429s. Other methods (callback answers, getUpdates,
 * command menus) pass straight through.
 *
 * Two modes:
 * - `retryUntilAccepted` (update handlers, conversations): a reply is kept until Telegram accepts it.
 *   A 429 waits `retry_after` and tries again; a network error or 5xx tries again with back-off (up
 *   to a minute between tries). Telegram refusing the message (400, 403) ends it: the error reaches the
 *   handler. These replies live in memory: a restart loses the ones not yet accepted (the update that
 *   asked for them was already confirmed); what must survive a restart (status messages,
 *   announcements) is owed in MongoDB and sent by background work.
 *   A call that timed out may have reached Telegram: trying again can then show that reply twice.
 * - report (background work): one attempt in its turn; a 429 comes back to the caller, which records
 *   when to try again in MongoDB.
 *
 * Edits of one message waiting for their turn coalesce: only the latest is sent, and every caller gets
 * its answer.
 */

const PRIORITY: Record<string, Priority> = {
  sendMessage: 'reply',
  sendPhoto: 'reply',
  sendDocument: 'reply',
  editMessageText: 'edit',
  editMessageReplyMarkup: 'edit',
  editMessageCaption: 'edit',
};

/** A failed reply is tried again after 1, 2, 4... s, at most this long apart. */
const MAX_BACKOFF_MS = 60_000;
/** When a 429 carries no retry_after. */
const DEFAULT_RETRY_AFTER_MS = 5_000;

/** Which answer place a call made inside an update handler belongs to (set by `answerOrder`). */
const placeOfPayload = new WeakMap<object, AnswerPlace>();

export interface PacingHooks {
  /** Every Telegram call through the pacer: method, outcome ('ok', '429', 'error', 'network'). */
  onCall?(info: { method: string; outcome: 'ok' | '429' | 'error' | 'network' }): void;
}

export interface PacingOptions {
  pacer: ChatPacer;
  retryUntilAccepted: boolean;
  hooks?: PacingHooks;
  sleep?: (ms: number) => Promise<void>;
}

type Payload = Record<string, unknown>;
type Prev = (method: string, payload: Payload, signal?: AbortSignal) => Promise<{ ok: boolean } & Partial<ApiError>>;

export function pacingTransformer(opts: PacingOptions): Transformer {
  const { pacer } = opts;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  /** Edits not yet started, by chat, message and method: a newer edit replaces the payload. */
  const pendingEdits = new Map<string, { payload: Payload; result: Promise<unknown> }>();

  const paced = async (
    prev: Prev,
    method: string,
    chatId: number,
    priority: Priority,
    place: AnswerPlace | undefined,
    take: () => Payload,
    signal?: AbortSignal,
  ) => {
    for (let attempt = 0; ; attempt++) {
      await pacer.acquire(chatId, priority, place);
      const payload = take();
      let res: Awaited<ReturnType<Prev>>;
      try {
        res = await prev(method, payload, signal);
      } catch (err) {
        pacer.release(chatId);
        opts.hooks?.onCall?.({ method, outcome: 'network' });
        if (!opts.retryUntilAccepted || signal?.aborted) throw err;
        await sleep(backoff(attempt));
        continue;
      }
      if (res.ok) {
        pacer.release(chatId, { accepted: true, ...(place ? { place } : {}) });
        opts.hooks?.onCall?.({ method, outcome: 'ok' });
        return res;
      }
      if (res.error_code === 429) {
        const retryAfterMs = res.parameters?.retry_after !== undefined ? res.parameters.retry_after * 1000 : DEFAULT_RETRY_AFTER_MS;
        pacer.release(chatId, { retryAfterMs });
        opts.hooks?.onCall?.({ method, outcome: '429' });
        if (opts.retryUntilAccepted) continue; // the pacer holds the chat back for retry_after
        return res;
      }
      pacer.release(chatId);
      opts.hooks?.onCall?.({ method, outcome: 'error' });
      if (opts.retryUntilAccepted && (res.error_code ?? 0) >= 500) {
        await sleep(backoff(attempt));
        continue;
      }
      return res;
    }
  };

  const transformer = (async (prev: Prev, method: string, payload: Payload, signal?: AbortSignal) => {
    const priority = PRIORITY[method];
    const chatId = toChatId(payload?.chat_id);
    if (priority === undefined || chatId === undefined) return prev(method, payload, signal);
    if (priority === 'reply' || typeof payload.message_id !== 'number') {
      // A reply made by a handler has its place; one sent by background work may fill a lingering one.
      const place = placeOfPayload.get(payload) ?? (priority === 'reply' ? pacer.placeFor(chatId, replyTarget(payload)) : undefined);
      return paced(prev, method, chatId, priority, place, () => payload, signal);
    }
    const key = `${chatId}:${payload.message_id}:${method}`;
    const pending = pendingEdits.get(key);
    if (pending) {
      // Not started yet: the latest state wins, both callers get its answer.
      pending.payload = payload;
      return pending.result;
    }
    const entry: { payload: Payload; result: Promise<unknown> } = { payload, result: Promise.resolve() };
    pendingEdits.set(key, entry);
    entry.result = paced(
      prev,
      method,
      chatId,
      priority,
      undefined,
      () => {
        // Once this edit starts, a newer one waits for its own turn.
        if (pendingEdits.get(key) === entry) pendingEdits.delete(key);
        return entry.payload;
      },
      signal,
    ).finally(() => {
      if (pendingEdits.get(key) === entry) pendingEdits.delete(key);
    });
    return entry.result;
  }) as unknown as Transformer;
  return transformer;
}

/** Installs pacing on an Api (bot.api, a conversation's Api, the background messenger's Api). */
export function installPacing(api: Api, opts: PacingOptions): void {
  api.config.use(pacingTransformer(opts));
}

/** What an update handler's context offers about its answer. */
export interface AnswerOrderFlavor {
  answerOrder?: {
    /** The answer is sent later by background work, as a reply to this update's message. */
    answerFollows(): void;
    /** An earlier message of this chat will get no answer of its own (this update's answer took over). */
    noAnswerFor(messageId: number): void;
  };
}

/**
 * Gives each update with a chat a place in that chat's answer order (ChatPacer.openPlace): replies the
 * handler makes, and a reply to its message that background work sends when the handler announced
 * it (`ctx.answerOrder.answerFollows()`), go out in the order the updates arrived.
 */
export function answerOrder<C extends Context & AnswerOrderFlavor>(pacer: ChatPacer): Middleware<C> {
  return async (ctx, next) => {
    const chatId = ctx.chat?.id;
    if (chatId === undefined) return next();
    // Only a user's message has an answer that background work may send (a button press has none).
    const messageId = ctx.message?.message_id;
    const place = pacer.openPlace(chatId, messageId);
    ctx.api.config.use(((prev: Prev, method: string, payload: Payload, signal?: AbortSignal) => {
      if (payload && typeof payload === 'object') placeOfPayload.set(payload, place);
      return prev(method, payload, signal);
    }) as unknown as Transformer);
    ctx.answerOrder = {
      answerFollows: () => pacer.lingerPlace(place),
      noAnswerFor: (earlier) => pacer.dropPlaceFor(chatId, earlier),
    };
    try {
      await next();
    } finally {
      pacer.closePlace(place);
    }
  };
}

function backoff(attempt: number): number {
  return Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempt);
}

function toChatId(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return undefined; // @channel usernames are not paced (the bot never writes to channels)
}

function replyTarget(payload: Payload): number | undefined {
  const rp = payload.reply_parameters as { message_id?: unknown } | undefined;
  if (rp && typeof rp.message_id === 'number') return rp.message_id;
  return typeof payload.reply_to_message_id === 'number' ? payload.reply_to_message_id : undefined;
}
