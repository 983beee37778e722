import type { Context, MiddlewareFn } from 'grammy';
import { Schema, type Connection, type Model } from 'mongoose';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { UpdateLogFlavor } from './context.js';

/**
 * Telegram delivers an update again when it did not get our answer in time (webhook) or when offsets
 * were not confirmed (polling after a crash); with several replicas the second delivery may even reach
 * another process. The first middleware claims the update_id in MongoDB, so whichever process gets
 * it first handles it and every later delivery is skipped. A claim whose handler died (kill -9
 * mid-update) expires after `claimMs`, so that update is not lost: its redelivery is handled then.
 */
interface SeenUpdateDoc {
  _id: string;
  /** A redelivery may take the update over after this, unless it is done. */
  claimedUntil: Date;
  done: boolean;
  /** TTL: Telegram keeps undelivered updates for 24 h, so a day covers every redelivery. */
  at: Date;
}

const KEEP_SECONDS = 24 * 60 * 60;

const seenUpdateSchema = new Schema<SeenUpdateDoc>(
  {
    _id: { type: String, required: true },
    claimedUntil: { type: Date, required: true },
    done: { type: Boolean, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'seen_updates', versionKey: false },
);
seenUpdateSchema.index({ at: 1 }, { expireAfterSeconds: KEEP_SECONDS });

export function seenUpdateModel(connection: Connection): Model<SeenUpdateDoc> {
  return (
    (connection.models.SeenUpdate as Model<SeenUpdateDoc> | undefined) ?? connection.model<SeenUpdateDoc>('SeenUpdate', seenUpdateSchema)
  );
}

function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 11000;
}

export interface OncePerUpdateOptions {
  connection: Connection;
  clock: Clock;
  log: Logger;
  /** How long a handler may run before a redelivery of its update is handled again (default 60 s). */
  claimMs?: number;
}

/**
 * Middleware: gives the update its own logger (`ctx.log`, every line carries `updateId`), then handles
 * each update_id once across redeliveries, processes and restarts.
 */
export function oncePerUpdate(opts: OncePerUpdateOptions): MiddlewareFn<Context & UpdateLogFlavor> {
  const SeenUpdate = seenUpdateModel(opts.connection);
  const claimMs = opts.claimMs ?? 60_000;

  const claim = async (id: string): Promise<boolean> => {
    const now = opts.clock.now();
    try {
      await SeenUpdate.create({ _id: id, claimedUntil: new Date(now + claimMs), done: false, at: new Date(now) });
      return true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    // Seen before: take it over only if that handler never finished and its claim ran out.
    const taken = await SeenUpdate.findOneAndUpdate(
      { _id: id, done: false, claimedUntil: { $lte: new Date(now) } },
      { $set: { claimedUntil: new Date(now + claimMs) } },
    ).lean();
    return taken !== null;
  };

  return async (ctx, next) => {
    const updateId = ctx.update.update_id;
    ctx.log = opts.log.child({ updateId });
    const id = `${ctx.me.id}:${updateId}`;
    if (!(await claim(id))) {
      ctx.log.info('update delivered again: already handled, skipped');
      return;
    }
    const started = opts.clock.now();
    try {
      await next();
    } finally {
      ctx.log.debug({ ms: opts.clock.now() - started }, 'update handled');
      // Done even when a handler threw: the error was answered, and a redelivery would fail the same way.
      await SeenUpdate.updateOne({ _id: id }, { $set: { done: true } }).catch((err: unknown) =>
        ctx.log.warn({ err }, 'could not mark the update as handled'),
      );
    }
  };
}
