import type { App } from '../src/app.js';
import type { FakeCall } from '../test/support/fake-telegram.js';
import { openBenchApp } from './flexybot-app.js';
import { paramsOf } from './measure.js';
import { ScenarioWorld } from './scenario-world.js';
import { seedTracked, templateFromOwnApp } from './tracked-seed.js';
import { sleep } from './world.js';

/**
 * Announcements section: N orders in the long tail (UNKNOWN_ERROR, one chat each) all turn FULFILLED
 * at the provider and are due for a recheck at the same moment; the fake Telegram enforces its
 * flood limits (about 30 messages/s across chats, 1/s per private chat, 429 + retry_after). Counts
 * the NEW messages (announcements) per second against that ceiling, lost and duplicated ones, and
 * 429s that were never followed by a successful retry.
 */

const FIRST_CHAT = 400_001;
const SETTLE_TIMEOUT_MS = 180_000;
/** After the last owed announcement, how long a duplicate gets to show up. */
const GRACE_MS = 5_000;
const CEILING_PER_SECOND = 30;

export interface AnnouncementMetrics {
  orders: number;
  announced: number;
  lost: number;
  duplicated: number;
  /** Announcements per second from the first to the last one. */
  perSecond: number | null;
  /** Every send and edit Telegram accepted per second over the same window. */
  allCallsPerSecond: number | null;
  /** From the moment the orders resolved to the last announcement (s). */
  lastAfterS: number | null;
  rateLimited: number;
  /** 429s after which the same message (send to that chat, edit of that message) never succeeded. */
  unhandled429: number;
  ceilingPerSecond: number;
}

export async function runAnnouncements(opts: { mongoUri: string; orders: number }): Promise<AnnouncementMetrics> {
  const world = await ScenarioWorld.start(1);
  try {
    const template = await templateFromOwnApp(opts.mongoUri, world);
    const chats = Array.from({ length: opts.orders }, (_, i) => FIRST_CHAT + i);
    const bench = await openBenchApp({
      mongoUri: opts.mongoUri,
      timeScale: 1,
      editIntervalMs: 2_500,
      userIds: chats,
      telegram: world.telegram,
      emulator: world.emulator,
    });
    try {
      const seeded = await seedTracked(bench.app, world, template, {
        count: opts.orders,
        chats,
        dueNow: opts.orders,
        spreadMs: 0,
        refPrefix: 'announce',
      });
      // Every order resolves at once, and all are due: the first sweep (at start) finds them together.
      for (const o of seeded) world.emulator.setStatus(o.id, 'FULFILLED');
      world.telegram.enforceLimits(true);
      const since = Date.now();
      await bench.start();
      const announcementsOf = () => announcements(world.telegram.calls, since, bench.classify);
      const deadline = Date.now() + SETTLE_TIMEOUT_MS;
      while (Date.now() < deadline && (new Set(announcementsOf().map((a) => a.chatId)).size < opts.orders || (await owed(bench.app)))) {
        await sleep(200);
      }
      await sleep(GRACE_MS);
      const list = announcementsOf();
      const perChat = new Map<number, number>();
      for (const a of list) perChat.set(a.chatId, (perChat.get(a.chatId) ?? 0) + 1);
      const first = list[0]?.at;
      const last = list[list.length - 1]?.at;
      const windowS = first !== undefined && last !== undefined && last > first ? (last - first) / 1000 : null;
      const accepted = world.telegram.calls.filter(
        (c) => c.ok && c.at >= (first ?? 0) && c.at <= (last ?? 0) && (c.method === 'sendMessage' || c.method === 'editMessageText'),
      ).length;
      return {
        orders: opts.orders,
        announced: perChat.size,
        lost: chats.filter((c) => !perChat.has(c)).length,
        duplicated: [...perChat.values()].reduce((n, k) => n + Math.max(0, k - 1), 0),
        perSecond: windowS ? list.length / windowS : null,
        allCallsPerSecond: windowS ? accepted / windowS : null,
        lastAfterS: last !== undefined ? (last - since) / 1000 : null,
        rateLimited: world.telegram.calls.filter((c) => c.at >= since && c.rateLimited).length,
        unhandled429: unhandled429(world.telegram.calls.filter((c) => c.at >= since)),
        ceilingPerSecond: CEILING_PER_SECOND,
      };
    } finally {
      await bench.close();
    }
  } finally {
    await world.close();
  }
}

/** New messages showing the resolved state, in time order. */
function announcements(calls: FakeCall[], since: number, classify: (html: string, kind: 'mobile') => string | null) {
  return calls
    .filter((c) => c.ok && c.at >= since && c.method === 'sendMessage')
    .filter((c) => typeof paramsOf(c).text === 'string' && classify(paramsOf(c).text as string, 'mobile') === 'fulfilled')
    .map((c) => ({ chatId: Number(paramsOf(c).chat_id), at: c.at }));
}

/** Orders whose watchers are still owed a delivery. */
async function owed(app: App): Promise<boolean> {
  return (await app.models.Order.countDocuments({ deliverAt: { $ne: null } })) > 0;
}

function unhandled429(calls: FakeCall[]): number {
  const key = (c: FakeCall) =>
    `${c.method}:${String(paramsOf(c).chat_id)}:${c.method === 'sendMessage' ? '' : String(paramsOf(c).message_id)}`;
  let n = 0;
  calls.forEach((c, i) => {
    if (!c.rateLimited) return;
    const k = key(c);
    if (!calls.slice(i + 1).some((later) => later.ok && key(later) === k)) n++;
  });
  return n;
}

export function formatAnnouncements(m: AnnouncementMetrics, rttLine: string): string {
  const f1 = (n: number | null) => (n === null ? '-' : n.toFixed(1));
  const share = m.perSecond === null ? '-' : `${Math.round((m.perSecond / m.ceilingPerSecond) * 100)}%`;
  const clean = m.lost === 0 && m.duplicated === 0 && m.unhandled429 === 0;
  return [
    `Announcements: ${m.orders} long-tail orders (one private chat each) resolve at once; Telegram's flood limits enforced`,
    `(~${m.ceilingPerSecond} messages/s across chats, 1/s per chat, 429 + retry_after). flexybot, production defaults. ${rttLine}.`,
    '',
    `- announcements delivered: ${m.announced}/${m.orders} (lost ${m.lost}, duplicated ${m.duplicated})`,
    `- announcements per second: ${f1(m.perSecond)} (${share} of the ${m.ceilingPerSecond}/s ceiling); every accepted send and edit: ${f1(m.allCallsPerSecond)}/s`,
    `- last announcement ${f1(m.lastAfterS)} s after the orders resolved (sweep, list pages and Telegram pacing included)`,
    `- 429 answers from Telegram: ${m.rateLimited}; never followed by a successful retry: ${m.unhandled429}`,
    `Targets (close to the ceiling, 0 lost, 0 duplicated, 0 unhandled 429): ${clean ? 'none lost, none doubled, every 429 retried' : 'NOT MET'}; throughput ${share} of the ceiling.`,
  ].join('\n');
}
