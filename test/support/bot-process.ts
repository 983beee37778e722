import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FakeTelegram } from './fake-telegram.js';
import type { OneClickEmulator } from './oneclick-emulator.js';

/** The repository root: the bot process runs from here, as `npm start` would. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface BotProcessOptions {
  telegram: FakeTelegram;
  emulator: OneClickEmulator;
  apiKey: string;
  /** Full connection string, database name included (see `withDatabase`). */
  mongoUri: string;
  timeScale?: number;
  allowedUserIds?: number[];
  logLevel?: string;
  /** Added last: overrides any variable above. */
  env?: Record<string, string>;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Every child still alive, so a failing test never leaves a bot polling in the background. */
const alive = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of alive) child.kill('SIGKILL');
});

/**
 * The real bot as a separate OS process (`node --import tsx src/main.ts`, cwd = repository root),
 * configured only through its environment, like a deployment. It long-polls the fake Telegram and
 * talks to the OneClickDz emulator over loopback; stdout and stderr are captured for assertions.
 */
export class BotProcess {
  private out = '';
  private err = '';
  private readonly exited: Promise<ProcessExit>;
  private exit: ProcessExit | undefined;

  private constructor(private readonly child: ChildProcess) {
    alive.add(child);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.out += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.err += chunk));
    // 'close' (not 'exit'): every byte the process wrote has been read by then.
    this.exited = new Promise((resolveExit) => {
      child.once('close', (code, signal) => {
        alive.delete(child);
        this.exit = { code, signal };
        resolveExit(this.exit);
      });
    });
  }

  /** Starts the bot wired to the fakes. */
  static start(opts: BotProcessOptions): BotProcess {
    return BotProcess.startWithEnv({
      BOT_TOKEN: opts.telegram.token,
      TELEGRAM_API_ROOT: opts.telegram.apiRoot,
      ONECLICK_API_URL: opts.emulator.url,
      ONECLICK_API_KEY: opts.apiKey,
      MONGODB_URI: opts.mongoUri,
      TIME_SCALE: String(opts.timeScale ?? 1),
      ALLOWED_USER_IDS: (opts.allowedUserIds ?? []).join(','),
      LOG_LEVEL: opts.logLevel ?? 'info',
      // Any free port: processes of parallel test files must not fight over 8080 (see httpPort()).
      PORT: '0',
      ...opts.env,
    });
  }

  /** Starts the bot with exactly this environment (nothing inherited from the test process). */
  static startWithEnv(env: Record<string, string>): BotProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new BotProcess(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  /** stdout then stderr. */
  get output(): string {
    return `${this.out}${this.err}`;
  }

  /** Resolves with the first output line matching `pattern`; fails early if the process exits first. */
  async waitForLog(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.output.split('\n').find((l) => pattern.test(l));
      if (line !== undefined) return line;
      if (this.exit) throw new Error(`bot process exited (${describeExit(this.exit)}) before logging ${pattern}\n${this.tail()}`);
      if (Date.now() >= deadline) throw new Error(`bot process did not log ${pattern} within ${timeoutMs} ms\n${this.tail()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The port of the process's HTTP listener (/healthz, /readyz, /metrics, /telegram), from its log. */
  async httpPort(timeoutMs = 20_000): Promise<number> {
    const line = await this.waitForLog(/http listener started/, timeoutMs);
    return (JSON.parse(line) as { port: number }).port;
  }

  /** Waits for the process to end on its own; kills it (and fails) if it does not within `timeoutMs`. */
  async waitForExit(timeoutMs = 20_000): Promise<ProcessExit> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
    const result = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') {
      this.child.kill('SIGKILL');
      await this.exited;
      throw new Error(`bot process did not exit within ${timeoutMs} ms\n${this.tail()}`);
    }
    return result;
  }

  /** kill -9: no signal handler runs, nothing is flushed or released. Resolves once it is gone. */
  async kill9(): Promise<ProcessExit> {
    if (!this.exit) this.child.kill('SIGKILL');
    return this.exited;
  }

  /** SIGTERM (graceful shutdown) and wait for the exit. */
  async stop(timeoutMs = 15_000): Promise<ProcessExit> {
    if (!this.exit) this.child.kill('SIGTERM');
    return this.waitForExit(timeoutMs);
  }

  private tail(): string {
    return `--- last output ---\n${this.output.split('\n').slice(-25).join('\n')}`;
  }
}

/** The same server with `dbName` as the database (the path of the URI); query options are kept. */
export function withDatabase(uri: string, dbName: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!match) throw new Error('withDatabase: not a mongodb:// connection string');
  return `${match[1]}/${encodeURIComponent(dbName)}${match[2] ?? ''}`;
}

function describeExit(exit: ProcessExit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${String(exit.code)}`;
}
