/**
 * The per-chat pacer: decides when the next message (a send or an edit) may go to each chat, so the
 * bot stays inside Telegram's flood limits instead of provoking 429s. It knows nothing about
 * Telegram's API: callers ask for a turn (`acquire`), make their call, and report how it went
 * (`release`).
 *
 * Limits (Telegram's, never scaled): one message at a time per chat, the next one starting at least
 * `privateIntervalMs` after the previous one was answered (about one a second); in groups also at most
 * `groupPerMinute` answered in any rolling minute; across all chats at most `globalPerSecond` in flight
 * or answered within the last second. Measuring from the answer (not the start) makes the spacing at
 * Telegram's side at least the configured one whatever the network latency.
 *
 * Order within a chat: replies before edits. Replies that belong to an answer place (see `openPlace`)
 * go in the order the places were opened, so a burst of commands gets its answers in order even when
 * an answer is sent by background work (the first status message of a /status). A 429 pushes the
 * chat's next turn back by `retry_after`.
 */
import type { Clock } from '../shared/clock.js';

export type Priority = 'reply' | 'edit';

export interface PacerLimits {
  /** Spacing between one answered message and the next start, per chat. */
  privateIntervalMs: number;
  /** Group chats (negative ids): answered messages in any rolling minute. */
  groupPerMinute: number;
  /** All chats together: messages in flight or answered in the last second. */
  globalPerSecond: number;
}

export const TELEGRAM_PACE: PacerLimits = { privateIntervalMs: 1000, groupPerMinute: 20, globalPerSecond: 30 };

/** How long a place waits for its answer from background work before later answers may pass it. */
const DEFAULT_PLACE_TTL_MS = 10_000;

/**
 * A position in a chat's answer order, opened when an update arrives. Replies tagged with it go after
 * the replies of earlier places. It closes when its handler is done, or, when the answer comes from
 * background work (`lingerFor`), once that answer was accepted or after a deadline.
 */
export interface AnswerPlace {
  readonly chatId: number;
  readonly seq: number;
  /** The user message this place answers (replies to it fill the place), if any. */
  readonly key: number | undefined;
}

interface PlaceState extends AnswerPlace {
  /** 'open': its handler runs; 'lingering': background work owes its answer. */
  state: 'open' | 'lingering' | 'closed';
  expiresAt: number;
  /** A reply to its message was already accepted (background work can be faster than the handler). */
  answered: boolean;
}

interface Waiter {
  priority: Priority;
  /** Answer order: the place's seq, or a fresh seq for replies without a place. */
  seq: number;
  /** Whether a place holds this reply back behind earlier places. */
  placed: boolean;
  order: number;
  grant: () => void;
}

interface ChatState {
  busy: boolean;
  /** Earliest start of the next message (spacing, or a 429's retry_after). */
  nextAt: number;
  /** Groups: when recent messages were answered (at most a minute back). */
  answeredAt: number[];
  waiters: Waiter[];
  places: PlaceState[];
  timer: NodeJS.Timeout | undefined;
  timerAt: number;
}

export interface PacerEvents {
  /** A turn was granted after waiting `waitedMs`. */
  onGrant?(info: { chatId: number; priority: Priority; waitedMs: number }): void;
  /** Telegram answered 429 anyway (limits differ, or another process shares the bot). */
  onRateLimited?(info: { chatId: number; retryAfterMs: number }): void;
}

export interface ChatPacerOptions {
  clock?: Clock;
  limits?: Partial<PacerLimits>;
  placeTtlMs?: number;
  events?: PacerEvents;
}

export class ChatPacer {
  readonly limits: PacerLimits;
  private readonly clock: Clock;
  private readonly placeTtlMs: number;
  private readonly chats = new Map<number, ChatState>();
  /** Global window: starts of messages in flight (Infinity) or their answer times. */
  private global: number[] = [];
  private globalTimer: NodeJS.Timeout | undefined;
  private seq = 0;
  private order = 0;
  events: PacerEvents;

  constructor(opts: ChatPacerOptions = {}) {
    this.clock = opts.clock ?? { now: () => Date.now() };
    this.limits = { ...TELEGRAM_PACE, ...opts.limits };
    this.placeTtlMs = opts.placeTtlMs ?? DEFAULT_PLACE_TTL_MS;
    this.events = opts.events ?? {};
  }

  // ------------------------------------------------------------------ answer places

  /** Opens the next place in a chat's answer order (an update arrived). */
  openPlace(chatId: number, key?: number): AnswerPlace {
    const place: PlaceState = { chatId, seq: ++this.seq, key, state: 'open', expiresAt: Infinity, answered: false };
    this.chat(chatId).places.push(place);
    return place;
  }

  /** The handler is done: its place no longer holds later answers back (unless it lingers). */
  closePlace(place: AnswerPlace): void {
    const state = this.placeState(place);
    if (state && state.state === 'open') this.close(state);
  }

  /**
   * The answer to this place is sent by background work (a reply to the place's user message): later
   * answers wait for it, at most `ttlMs`.
   */
  lingerPlace(place: AnswerPlace, ttlMs = this.placeTtlMs): void {
    const state = this.placeState(place);
    if (!state || state.state === 'closed' || state.key === undefined) return;
    if (state.answered) return this.close(state); // its answer already went out
    state.state = 'lingering';
    state.expiresAt = this.clock.now() + ttlMs;
    this.pump(place.chatId);
  }

  /**
   * User message `key` will get no answer of its own (a later request of the chat took its answer
   * over): its place stops holding later answers back.
   */
  dropPlaceFor(chatId: number, key: number): void {
    const place = this.placeFor(chatId, key);
    const state = place && this.placeState(place);
    if (!state) return;
    if (state.state === 'lingering') this.close(state);
    else state.answered = true; // its handler still runs: lingerPlace will close it at once
  }

  /** The place a reply to user message `key` fills, if any (its handler may still be running). */
  placeFor(chatId: number, key: number | undefined): AnswerPlace | undefined {
    if (key === undefined) return undefined;
    return this.chats.get(chatId)?.places.find((p) => p.key === key && p.state !== 'closed');
  }

  // ------------------------------------------------------------------ turns

  /**
   * Resolves when this chat's next message may start. Every acquire must be followed by `release`.
   * `place`: the answer place this reply belongs to.
   */
  acquire(chatId: number, priority: Priority, place?: AnswerPlace): Promise<void> {
    const chat = this.chat(chatId);
    const asked = this.clock.now();
    return new Promise<void>((resolve) => {
      chat.waiters.push({
        priority,
        seq: place && priority === 'reply' ? place.seq : ++this.seq,
        placed: place !== undefined && priority === 'reply',
        order: ++this.order,
        grant: () => {
          this.events.onGrant?.({ chatId, priority, waitedMs: this.clock.now() - asked });
          resolve();
        },
      });
      this.pump(chatId);
    });
  }

  /**
   * The message that `acquire` allowed was answered. `retryAfterMs`: Telegram said 429. `filled`: the
   * place this message answered (it closes when the message was accepted).
   */
  release(chatId: number, outcome: { retryAfterMs?: number; accepted?: boolean; place?: AnswerPlace } = {}): void {
    const chat = this.chat(chatId);
    const now = this.clock.now();
    chat.busy = false;
    chat.nextAt = Math.max(chat.nextAt, now + this.limits.privateIntervalMs);
    if (chatId < 0) chat.answeredAt.push(now);
    const inFlight = this.global.indexOf(Infinity);
    if (inFlight >= 0) this.global[inFlight] = now;
    if (outcome.retryAfterMs !== undefined) {
      chat.nextAt = Math.max(chat.nextAt, now + outcome.retryAfterMs);
      this.events.onRateLimited?.({ chatId, retryAfterMs: outcome.retryAfterMs });
    }
    if (outcome.accepted && outcome.place) {
      const state = this.placeState(outcome.place);
      if (state && state.state === 'lingering') this.close(state);
      else if (state) state.answered = true;
    }
    this.pump(chatId);
    this.pumpAll();
  }

  /**
   * When a message of this priority could start in this chat if asked now (now or later); ignores the
   * global window, which clears within a second. Background work uses it to come back later instead
   * of waiting in line.
   */
  readyAt(chatId: number, priority: Priority): number {
    const now = this.clock.now();
    const chat = this.chats.get(chatId);
    if (!chat) return now;
    let at = Math.max(now, this.chatReadyAt(chatId, chat, now));
    // A reply takes its place in line (answer places order replies among themselves); only the chat's
    // own limit (a group's minute, a 429) is worth coming back for.
    if (priority === 'reply') return chat.busy ? Math.max(at, now + this.limits.privateIntervalMs) : at;
    // An edit goes after every reply waiting or owed (open places), one turn each.
    const ahead = chat.waiters.length + this.openPlaces(chat, now);
    if (chat.busy || ahead > 0) at = Math.max(at, now + this.limits.privateIntervalMs) + ahead * this.spacing(chatId);
    return at;
  }

  /**
   * Whether the chat has room for a message nobody waits for (a time-only edit): nothing in line or
   * owed, its turn is due, and a group has used less than half of its minute. Such messages are skipped
   * rather than queued when there is no room, so they never crowd out replies or status changes.
   */
  hasRoom(chatId: number): boolean {
    const chat = this.chats.get(chatId);
    if (!chat) return true;
    const now = this.clock.now();
    if (chat.busy || chat.waiters.length > 0 || this.openPlaces(chat, now) > 0 || this.chatReadyAt(chatId, chat, now) > now) return false;
    return chatId > 0 || chat.answeredAt.length < this.limits.groupPerMinute / 2;
  }

  /** Chats with queued messages, for metrics and tests. */
  queued(chatId?: number): number {
    if (chatId !== undefined) return this.chats.get(chatId)?.waiters.length ?? 0;
    let n = 0;
    for (const chat of this.chats.values()) n += chat.waiters.length;
    return n;
  }

  // ------------------------------------------------------------------ internals

  private spacing(chatId: number): number {
    return chatId < 0 ? Math.max(this.limits.privateIntervalMs, 60_000 / this.limits.groupPerMinute) : this.limits.privateIntervalMs;
  }

  private chat(chatId: number): ChatState {
    let chat = this.chats.get(chatId);
    if (!chat) {
      chat = { busy: false, nextAt: 0, answeredAt: [], waiters: [], places: [], timer: undefined, timerAt: Infinity };
      this.chats.set(chatId, chat);
    }
    return chat;
  }

  private placeState(place: AnswerPlace): PlaceState | undefined {
    return this.chats.get(place.chatId)?.places.find((p) => p.seq === place.seq);
  }

  private close(place: PlaceState): void {
    place.state = 'closed';
    const chat = this.chats.get(place.chatId);
    if (!chat) return;
    chat.places = chat.places.filter((p) => p.state !== 'closed');
    this.pump(place.chatId);
  }

  private openPlaces(chat: ChatState, now: number): number {
    return chat.places.filter((p) => p.state !== 'closed' && p.expiresAt > now).length;
  }

  private chatReadyAt(chatId: number, chat: ChatState, now: number): number {
    let at = chat.nextAt;
    if (chatId < 0) {
      chat.answeredAt = chat.answeredAt.filter((t) => now - t < 60_000);
      if (chat.answeredAt.length >= this.limits.groupPerMinute) {
        at = Math.max(at, (chat.answeredAt[chat.answeredAt.length - this.limits.groupPerMinute] as number) + 60_000);
      }
    }
    return at;
  }

  private globalReadyAt(now: number): number {
    this.global = this.global.filter((t) => t === Infinity || now - t < 1000);
    if (this.global.length < this.limits.globalPerSecond) return now;
    const answered = this.global.filter((t) => t !== Infinity).sort((a, b) => a - b);
    const inFlight = this.global.length - answered.length;
    // The oldest answers leave the window first; in-flight ones only once answered (release pumps).
    const needed = this.global.length - this.limits.globalPerSecond;
    const leaving = answered[needed];
    return inFlight >= this.limits.globalPerSecond || leaving === undefined ? Infinity : leaving + 1000;
  }

  /** The waiter to serve next, or undefined; replies before edits, places in order. */
  private next(chat: ChatState, now: number): Waiter | undefined {
    // Expired lingering places stop holding answers back.
    for (const p of chat.places) if (p.state === 'lingering' && p.expiresAt <= now) p.state = 'closed';
    chat.places = chat.places.filter((p) => p.state !== 'closed');
    const replies = chat.waiters.filter((w) => w.priority === 'reply').sort((a, b) => a.seq - b.seq || a.order - b.order);
    // A placed reply waits for every earlier place still open (its answer has not been sent yet).
    const firstOpen = chat.places
      .filter((p) => !chat.waiters.some((w) => w.placed && w.seq === p.seq))
      .reduce((m, p) => Math.min(m, p.seq), Infinity);
    const reply = replies.find((w) => !w.placed || w.seq <= firstOpen);
    if (reply) return reply;
    return chat.waiters.filter((w) => w.priority === 'edit').sort((a, b) => a.order - b.order)[0];
  }

  private pump(chatId: number): void {
    const chat = this.chats.get(chatId);
    if (!chat || chat.busy) return;
    const now = this.clock.now();
    const waiter = this.next(chat, now);
    if (!waiter) {
      chat.answeredAt = chat.answeredAt.filter((t) => now - t < 60_000);
      // Wake up when the earliest lingering place expires: answers held behind it may then go.
      const expiry = chat.places.reduce((m, p) => (p.state === 'lingering' ? Math.min(m, p.expiresAt) : m), Infinity);
      if (expiry !== Infinity) this.wakeAt(chatId, chat, expiry);
      else if (chat.waiters.length === 0 && chat.places.length === 0 && now >= chat.nextAt && chat.answeredAt.length === 0) {
        this.chats.delete(chatId); // idle: forget it
      } else if (chat.waiters.length === 0 && chat.places.length === 0) {
        this.wakeAt(chatId, chat, Math.max(chat.nextAt, (chat.answeredAt[0] ?? 0) + 60_000));
      }
      return;
    }
    const at = Math.max(this.chatReadyAt(chatId, chat, now), this.globalReadyAt(now));
    if (at > now) {
      if (at !== Infinity) this.wakeAt(chatId, chat, at);
      return; // a global slot frees on some release, which pumps every chat
    }
    chat.waiters.splice(chat.waiters.indexOf(waiter), 1);
    chat.busy = true;
    this.global.push(Infinity);
    waiter.grant();
  }

  /** Pumps every chat with waiters (a global slot was freed). */
  private pumpAll(): void {
    for (const [chatId, chat] of this.chats) if (chat.waiters.length > 0 && !chat.busy) this.pump(chatId);
    // Answers leaving the global window free slots later: come back then if anyone still waits.
    if (this.globalTimer || this.queued() === 0) return;
    const now = this.clock.now();
    const at = this.globalReadyAt(now);
    if (at !== Infinity && at > now) {
      this.globalTimer = setTimeout(() => {
        this.globalTimer = undefined;
        this.pumpAll();
      }, at - now);
      this.globalTimer.unref();
    }
  }

  private wakeAt(chatId: number, chat: ChatState, at: number): void {
    if (chat.timer && chat.timerAt <= at) return;
    if (chat.timer) clearTimeout(chat.timer);
    chat.timerAt = at;
    chat.timer = setTimeout(
      () => {
        chat.timer = undefined;
        chat.timerAt = Infinity;
        this.pump(chatId);
        this.pumpAll();
      },
      Math.max(0, at - this.clock.now()),
    );
    chat.timer.unref();
  }
}
