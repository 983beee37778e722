import { run, type RunnerHandle } from '@grammyjs/runner';
import { GrammyError, HttpError, type Bot, type Context } from 'grammy';
import type { Update } from 'grammy/types';
import type { Logger } from '../shared/logger.js';

/**
 * The update types the bot asks Telegram for (long polling and setWebhook alike). `my_chat_member`
 * tells the bot when a chat blocks or removes it; `edited_message` lets a corrected `/status` count.
 */
export const ALLOWED_UPDATES = ['message', 'edited_message', 'callback_query', 'my_chat_member'] as const satisfies ReadonlyArray<
  Exclude<keyof Update, 'update_id'>
>;

/** Why a polling session ended: stopped by us, Telegram said someone else takes this bot's updates, or fetching gave up. */
export type PollingEnd = { kind: 'stopped' } | { kind: 'conflict'; description: string } | { kind: 'failed'; description: string };

export interface PollingSession {
  /** Settles when polling ends on its own (a 409 Conflict) or after stop(). Never rejects. */
  readonly ended: Promise<PollingEnd>;
  /**
   * Stops fetching, waits until every update already fetched has been handled, then confirms their
   * offset to Telegram so the next poller does not get them again (unless `confirmOffset` is false:
   * a poller that lost its lease must not call getUpdates, which would end the new poller's call
   * with 409). Idempotent.
   */
  stop(opts?: { confirmOffset?: boolean }): Promise<void>;
}

/**
 * Long polling with @grammyjs/runner: updates are handled concurrently (per-chat order is kept by the
 * `sequentialize` middleware installed first in createBot), fetching continues while handlers run.
 *
 * The runner confirms an offset with the next getUpdates, which it sends as soon as a batch is handed
 * to the handlers: Telegram forgets an update before its handler finished. So a kill -9 loses the
 * updates being handled at that moment (every handler records what matters in MongoDB before it
 * returns; what is lost is the reply to those few updates). A graceful stop waits for them.
 *
 * Errors of getUpdates are logged here as JSON (the runner itself is silenced); a 409 Conflict ends
 * the session with `kind: 'conflict'` instead of crashing the process.
 */
export function startPolling<C extends Context>(bot: Bot<C>, log: Logger): PollingSession {
  let highestUpdateId: number | undefined;
  const handle: RunnerHandle = run(
    {
      // A webhook left set (a switch from webhook mode) makes getUpdates answer 409: remove it first,
      // keeping its pending updates, as grammY's bot.start() does.
      init: async () => {
        await bot.init();
        await bot.api.deleteWebhook({ drop_pending_updates: false });
      },
      handleUpdate: (update: Update) => {
        if (highestUpdateId === undefined || update.update_id > highestUpdateId) highestUpdateId = update.update_id;
        return bot.handleUpdate(update);
      },
      // bot.catch() answers every handler error; this only sees errors of the error handler itself.
      errorHandler: (err: unknown) => log.error({ err }, 'update handling failed'),
      api: {
        getUpdates: async (args, signal) => {
          try {
            const updates = await bot.api.getUpdates({ ...args, allowed_updates: [...ALLOWED_UPDATES] }, signal);
            if (failing) log.info('getUpdates works again');
            failing = false;
            return updates;
          } catch (err) {
            if (!signal.aborted && !isConflict(err) && !failing) {
              failing = true;
              log.warn({ err: describe(err) }, 'getUpdates failed; retrying with backoff');
            }
            throw err;
          }
        },
      },
    },
    // A fixed retry interval: the runner's exponential one grows without bound (hours after a long outage).
    { runner: { silent: true, retryInterval: 2_000, maxRetryTime: 24 * 60 * 60_000 } },
  );
  let failing = false;
  let stopping: Promise<void> | undefined;

  const ended: Promise<PollingEnd> = (handle.task() ?? Promise.resolve()).then(
    () => ({ kind: 'stopped' }) as const,
    (err: unknown) =>
      isConflict(err)
        ? ({ kind: 'conflict', description: err.description } as const)
        : ({ kind: 'failed', description: describe(err) } as const),
  );

  const stop = async (confirmOffset: boolean): Promise<void> => {
    await handle.stop();
    // handle.stop() ends fetching; the concurrent sink does not wait for running handlers. size() is the
    // runner's own count of updates still being handled.
    while (handle.size() > 0) await new Promise((r) => setTimeout(r, 20));
    if (confirmOffset && highestUpdateId !== undefined) {
      // Usually confirmed already by the runner's next getUpdates; this covers a stop in between.
      await bot.api.getUpdates({ offset: highestUpdateId + 1, limit: 1, timeout: 0 }).catch((err: unknown) => {
        log.debug({ err: describe(err) }, 'could not confirm the last update offset');
      });
    }
  };

  return {
    ended,
    stop: (opts) => (stopping ??= stop(opts?.confirmOffset ?? true)),
  };
}

function isConflict(err: unknown): err is GrammyError {
  return err instanceof GrammyError && err.error_code === 409;
}

function describe(err: unknown): string {
  if (err instanceof GrammyError) return `${err.error_code} ${err.description}`;
  if (err instanceof HttpError) return `network: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
