import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Update } from 'grammy/types';
import { z } from 'zod';
import type { Logger } from '../shared/logger.js';
import type { WebhookOutcome } from './metrics.js';

/** Telegram's header carrying the `secret_token` given to setWebhook. */
export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';
/** Larger bodies get 413; Telegram's updates are a few KB. */
export const MAX_UPDATE_BYTES = 1024 * 1024;
/**
 * Longest wait for a handler before the update is acknowledged anyway. Telegram gives up on a webhook
 * call after about a minute and then delivers the update again; handlers take milliseconds, so this
 * only matters for a stuck one, which must not turn into a redelivery storm.
 */
export const ACK_TIMEOUT_MS = 10_000;

/** The only thing checked before the bot sees an update: an object with an integer update_id. */
const updateSchema = z.looseObject({ update_id: z.number().int().nonnegative() });

export interface UpdateHandler {
  handleUpdate(update: Update): Promise<void>;
}

export interface WebhookOptions {
  bot: UpdateHandler;
  secret: string;
  log: Logger;
  count?: (outcome: WebhookOutcome) => void;
  maxBodyBytes?: number;
  ackTimeoutMs?: number;
}

export interface WebhookHandler {
  /** Answers one POST /telegram; never rejects. */
  (req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Resolves once every update being handled has finished (shutdown). */
  drain(): Promise<void>;
}

/** Equal-length digests, so neither the content nor the length of the secret leaks through timing. */
export function secretMatches(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * POST /telegram: checks the secret (401), reads at most `maxBodyBytes` while streaming (413), parses
 * the update (400), then awaits bot.handleUpdate and answers 200, so an update is acknowledged only
 * once its handler has recorded what it asked for. A handler error is logged and still acknowledged
 * (a redelivery would fail the same way). Nothing here throws: no request can end the process.
 */
export function createWebhookHandler(opts: WebhookOptions): WebhookHandler {
  const maxBytes = opts.maxBodyBytes ?? MAX_UPDATE_BYTES;
  const ackTimeoutMs = opts.ackTimeoutMs ?? ACK_TIMEOUT_MS;
  const count = opts.count ?? (() => undefined);
  const inflight = new Set<Promise<void>>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!secretMatches(req.headers[SECRET_HEADER], opts.secret)) {
      count('unauthorized');
      return reply(res, 401, 'unauthorized', true);
    }
    const body = await readBody(req, maxBytes);
    if (body === 'too_large') {
      count('too_large');
      return reply(res, 413, 'payload too large', true);
    }
    if (body === 'aborted') return;
    let update: Update;
    try {
      update = updateSchema.parse(JSON.parse(body.toString('utf8')));
    } catch {
      count('bad_request');
      return reply(res, 400, 'not a Telegram update');
    }

    const log = opts.log.child({ updateId: update.update_id });
    const work = opts.bot.handleUpdate(update).then(
      () => 'ok' as const,
      (err: unknown) => {
        log.error({ err }, 'webhook update handling failed');
        return 'handler_error' as const;
      },
    );
    const tracked = work.then(() => undefined);
    inflight.add(tracked);
    void tracked.finally(() => inflight.delete(tracked));

    let timer: NodeJS.Timeout | undefined;
    const slow = new Promise<'slow'>((resolve) => (timer = setTimeout(() => resolve('slow'), ackTimeoutMs)));
    const outcome = await Promise.race([work, slow]);
    clearTimeout(timer);
    if (outcome === 'slow') {
      log.warn({ afterMs: ackTimeoutMs }, 'update handler still running: acknowledged to avoid a redelivery');
      void work.then((late) => log.info({ outcome: late }, 'slow update handler finished'));
    }
    count(outcome);
    reply(res, 200, 'ok');
  };

  const handler = (async (req, res) => {
    try {
      await handle(req, res);
    } catch (err) {
      opts.log.error({ err }, 'webhook request failed');
      if (!res.headersSent) reply(res, 500, 'internal error', true);
    }
  }) as WebhookHandler;
  handler.drain = async () => {
    await Promise.allSettled([...inflight]);
  };
  return handler;
}

/**
 * The body, or 'too_large' as soon as more than `maxBytes` are announced or have arrived (the rest is
 * never buffered), or 'aborted' when the client went away.
 */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too_large' | 'aborted'> {
  const announced = Number(req.headers['content-length']);
  if (Number.isFinite(announced) && announced > maxBytes) return Promise.resolve('too_large');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (result: Buffer | 'too_large' | 'aborted') => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onError);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) return done('too_large');
      chunks.push(chunk);
    };
    const onEnd = () => done(Buffer.concat(chunks, size));
    const onError = () => done('aborted');
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onError);
  });
}

/**
 * A short text answer. `close` ends the connection after it: used when the request body was not (fully)
 * read, so a client cannot keep streaming into a connection we stopped listening to.
 */
export function reply(res: ServerResponse, status: number, text: string, close = false): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(text);
  if (close) {
    // Let the answer go out, then drop the socket: whatever the client still sends is never read.
    res.once('finish', () => setTimeout(() => res.req.socket.destroy(), 1_000).unref());
  }
}
