import { Types } from 'mongoose';
import type { App } from '../src/app.js';
import { parseMobileOrder } from '../src/provider/schemas.js';
import type { OrderDoc, WatcherDoc } from '../src/tracking/models.js';
import { openBenchApp, type BenchApp } from './flexybot-app.js';
import type { ScenarioWorld } from './scenario-world.js';
import { sleep } from './world.js';

/**
 * Orders already tracked in the long tail, put in MongoDB in bulk (insertMany) rather than through
 * thousands of /status: the 10,000-order and 300-announcement sections start from there.
 *
 * The documents are copies of a template that the real app produced (one /status for an
 * UNKNOWN_ERROR order, tracked until it sits in the long tail), with identities rewritten, so they
 * have whatever shape the current models and code give them, and the copies stay right when the
 * models change.
 */

export interface TrackedTemplate {
  order: OrderDoc;
  watcher: WatcherDoc;
  /** The status message the template's chat shows. */
  html: string;
}

/**
 * Tracks one UNKNOWN_ERROR order through the real app from `chatId` until it rests in the long
 * tail with nothing owed to its chat, and returns its documents. `bench` must be started.
 */
export async function makeTemplate(bench: BenchApp, world: ScenarioWorld, chatId: number): Promise<TrackedTemplate> {
  const ref = 'seed-template';
  const id = world.placeUnknownError(ref);
  world.emulator.setStatus(id, 'UNKNOWN_ERROR');
  bench.send(chatId, `/status ${ref}`);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const order = await bench.app.models.Order.findOne({ providerId: id }).lean<OrderDoc>();
    const watcher = order ? await bench.app.models.Watcher.findOne({ orderId: order._id }).lean<WatcherDoc>() : null;
    const shown = watcher?.messageId ? world.telegram.message(chatId, watcher.messageId) : undefined;
    const settled =
      order?.phase === 'long' && order.deliverAt === null && shown !== undefined && bench.classify(shown.html, 'mobile') === 'verifying';
    if (order && watcher && shown && settled) return { order, watcher, html: shown.html };
    if (Date.now() > deadline) throw new Error('bench: the template order did not settle in the long tail within 60 s');
    await sleep(100);
  }
}

export interface SeedOptions {
  count: number;
  /** Chats the orders are spread over (round robin); each is a private chat (chat id = user id). */
  chats: number[];
  /** How many of them are due for a recheck now (the rest are spread over `spreadMs` from now). */
  dueNow: number;
  spreadMs: number;
  refPrefix: string;
}

export interface SeededOrder {
  id: string;
  ref: string;
  chatId: number;
  messageId: number;
  due: boolean;
}

const BATCH = 1_000;

/**
 * Places `count` UNKNOWN_ERROR orders at the emulator, a status message for each in its chat at the
 * fake Telegram, and copies of the template's order and watcher in MongoDB (insertMany, 1,000 a
 * batch). Call before `app.start()` so the first sweep sees them all.
 */
export async function seedTracked(app: App, world: ScenarioWorld, template: TrackedTemplate, opts: SeedOptions): Promise<SeededOrder[]> {
  const now = Date.now();
  const seeded: SeededOrder[] = [];
  const orders: OrderDoc[] = [];
  const watchers: WatcherDoc[] = [];
  const t = template;
  for (let i = 0; i < opts.count; i++) {
    const ref = `${opts.refPrefix}-${String(i + 1).padStart(5, '0')}`;
    const id = world.placeUnknownError(ref);
    world.emulator.setStatus(id, 'UNKNOWN_ERROR');
    const chatId = opts.chats[i % opts.chats.length] as number;
    const html = t.html.split(t.order.ref ?? '\u0000').join(ref);
    const message = world.telegram.seedMessage(chatId, html);
    const due = i < opts.dueNow;
    const orderId = new Types.ObjectId();
    // Exactly what a check of this order returns, so an unchanged recheck sees nothing new (as in production).
    const payload = parseMobileOrder(world.emulator.getOrder(id));
    orders.push({
      ...t.order,
      _id: orderId,
      providerId: id,
      ref,
      payload,
      nextCheckAt: new Date(due ? now - 1_000 : now + Math.round(((i - opts.dueNow + 1) / (opts.count - opts.dueNow + 1)) * opts.spreadMs)),
    });
    watchers.push({
      ...t.watcher,
      _id: new Types.ObjectId(),
      orderId,
      chatId,
      messageId: message.message_id,
      replyTo: null,
      requestKey: `seed:${ref}`,
    });
    seeded.push({ id, ref, chatId, messageId: message.message_id, due });
  }
  for (let i = 0; i < orders.length; i += BATCH) {
    await app.models.Order.collection.insertMany(orders.slice(i, i + BATCH), { ordered: false });
    await app.models.Watcher.collection.insertMany(watchers.slice(i, i + BATCH), { ordered: false });
  }
  return seeded;
}

const TEMPLATE_CHAT = 990_000_001;

/** Makes the template in an app of its own (its database is dropped afterwards). */
export async function templateFromOwnApp(mongoUri: string, world: ScenarioWorld): Promise<TrackedTemplate> {
  const bench = await openBenchApp({
    mongoUri,
    timeScale: 1,
    editIntervalMs: 2_500,
    userIds: [TEMPLATE_CHAT],
    telegram: world.telegram,
    emulator: world.emulator,
  });
  try {
    await bench.start();
    return await makeTemplate(bench, world, TEMPLATE_CHAT);
  } finally {
    await bench.close();
  }
}
