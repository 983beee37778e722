import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';

/** How soon work whose processing threw (a transient database error, say) is taken up again. */
export const RETRY_AFTER_FAILURE_MS = 5_000;

export interface DueLoopOptions<T> {
  name: string;
  /** Atomically claims one due item (sets a lease in MongoDB) or returns null when none is due. */
  claim: () => Promise<T | null>;
  process: (item: T) => Promise<void>;
  /**
   * Called when `process` threw (the error is logged first), e.g. to let the item's lease expire
   * soon rather than after a full lease: without it a transient database error would leave the work
   * untouched until the lease runs out. Its own failure is logged, never thrown.
   */
  failed?: (item: T) => Promise<void>;
  /** Earliest time (ms) an unleased item becomes due, or null when there is none. */
  nextDueAt: () => Promise<number | null>;
  concurrency: number;
  /** Longest sleep when nothing is due: other workers' items and expired leases are noticed this late. */
  idleMs: number;
  clock: Clock;
  log: Logger;
}

/**
 * Runs work that is scheduled in MongoDB: claims due items (several at once), processes them, then
 * sleeps until the next one is due. All state lives in the database, so a crashed process loses
 * nothing: another (or the restarted) process claims the same items once their leases expire.
 */
export class DueLoop<T> {
  private running = false;
  private readonly inflight = new Set<Promise<void>>();
  private wakeUp: (() => void) | undefined;
  /** Set by kick(): a kick that lands while the loop is busy querying must not be lost. */
  private kicked = false;
  private loopDone: Promise<void> | undefined;

  constructor(private readonly opts: DueLoopOptions<T>) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.run();
  }

  /** Something became due now (e.g. a /status): look again without waiting for the timer. */
  kick(): void {
    this.kicked = true;
    this.wakeUp?.();
  }

  /** Stops claiming and waits for the items in flight, so none is left half-done by a clean shutdown. */
  async stop(): Promise<void> {
    this.running = false;
    this.kick();
    await this.loopDone;
    await Promise.allSettled([...this.inflight]);
  }

  /** Stops without waiting (simulates a crash in tests: in-flight work is abandoned mid-way). */
  abandon(): void {
    this.running = false;
    this.kick();
  }

  private async run(): Promise<void> {
    const { clock, log } = this.opts;
    while (this.running) {
      this.kicked = false;
      let claimedAny = false;
      while (this.running && this.inflight.size < this.opts.concurrency) {
        let item: T | null;
        try {
          item = await this.opts.claim();
        } catch (err) {
          log.warn({ err, loop: this.opts.name }, 'claiming due work failed');
          break;
        }
        if (item === null) break;
        claimedAny = true;
        const task: Promise<void> = this.opts
          .process(item)
          .catch(async (err: unknown) => {
            log.error({ err, loop: this.opts.name }, 'processing due work failed');
            try {
              await this.opts.failed?.(item);
            } catch (failedErr) {
              log.warn({ err: failedErr, loop: this.opts.name }, 'could not reschedule the failed work; its lease expires as usual');
            }
          })
          .finally(() => {
            this.inflight.delete(task);
            this.kick();
          });
        this.inflight.add(task);
      }
      if (!this.running) break;
      let waitMs = this.opts.idleMs;
      if (this.inflight.size < this.opts.concurrency && !claimedAny) {
        try {
          const next = await this.opts.nextDueAt();
          if (next !== null) waitMs = Math.min(waitMs, Math.max(next - clock.now(), 5));
        } catch (err) {
          log.warn({ err, loop: this.opts.name }, 'reading the next due time failed');
        }
      } else if (claimedAny && this.inflight.size < this.opts.concurrency) {
        waitMs = 0;
      }
      if (waitMs > 0 && !this.kicked) await this.sleep(waitMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }
}
