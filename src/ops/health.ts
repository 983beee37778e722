import type { Connection } from 'mongoose';

/**
 * Liveness: the event loop still turns. A timer ticks every `intervalMs`; how late it fires is the
 * loop's lag. A loop that is blocked answers no request at all (the probe times out); one that is
 * badly starved (lag over `maxLagMs`) answers 503 so the orchestrator restarts the process.
 */
export class EventLoopMonitor {
  private lastTick = performance.now();
  private lagMs = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly intervalMs = 500,
    readonly maxLagMs = 3_000,
  ) {
    this.timer = setInterval(() => {
      const now = performance.now();
      this.lagMs = Math.max(0, now - this.lastTick - this.intervalMs);
      this.lastTick = now;
    }, intervalMs).unref();
  }

  /** The latest lag, or how overdue the next tick already is when that is worse. */
  currentLagMs(): number {
    const overdue = performance.now() - this.lastTick - this.intervalMs;
    return Math.round(Math.max(this.lagMs, overdue));
  }

  healthy(): boolean {
    return this.currentLagMs() < this.maxLagMs;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** A provider key's state as the key guard reports it (`valid`, `rejected`, `ip_blocked`...). */
export type KeyStates = Record<string, string>;

export interface ReadinessOptions {
  /** The MongoDB connection once there is one (undefined during start-up). */
  database: () => Connection | undefined;
  /** True while the background loops (polling, deliveries, Agenda) run: false during start-up and shutdown. */
  backgroundRunning: () => boolean;
  /** Each provider key's state; shown as "unknown" until the key guard provides it. Never affects readiness. */
  keyStates?: (() => KeyStates | Promise<KeyStates>) | undefined;
  /** A ping slower than this counts as MongoDB being unavailable. */
  pingTimeoutMs?: number;
}

export interface ReadinessReport {
  ready: boolean;
  mongodb: 'up' | 'down';
  background: 'running' | 'stopped';
  keys: KeyStates | 'unknown';
}

/**
 * Readiness: MongoDB answers a ping and the background work runs. Concurrent probes share one ping,
 * so a flood of /readyz requests costs MongoDB at most one command at a time.
 */
export class Readiness {
  private inflightPing: Promise<boolean> | undefined;

  constructor(private readonly opts: ReadinessOptions) {}

  async check(): Promise<ReadinessReport> {
    const [mongoUp, keys] = await Promise.all([this.ping(), this.keys()]);
    const running = this.opts.backgroundRunning();
    return { ready: mongoUp && running, mongodb: mongoUp ? 'up' : 'down', background: running ? 'running' : 'stopped', keys };
  }

  private ping(): Promise<boolean> {
    this.inflightPing ??= this.pingOnce().finally(() => (this.inflightPing = undefined));
    return this.inflightPing;
  }

  private async pingOnce(): Promise<boolean> {
    const db = this.opts.database()?.db;
    if (!db) return false;
    const timeoutMs = this.opts.pingTimeoutMs ?? 2_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const pinged = db
      .command({ ping: 1 }, { timeoutMS: timeoutMs })
      .then(() => true)
      .catch(() => false);
    try {
      return await Promise.race([pinged, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async keys(): Promise<KeyStates | 'unknown'> {
    if (!this.opts.keyStates) return 'unknown';
    try {
      return await this.opts.keyStates();
    } catch {
      return 'unknown';
    }
  }
}
