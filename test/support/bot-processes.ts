import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { afterEach, beforeEach, inject } from 'vitest';
import { BotProcess, withDatabase, type BotProcessOptions } from './bot-process.js';
import { FakeTelegram } from './fake-telegram.js';
import { TEST_API_KEY } from './harness.js';
import { OneClickEmulator } from './oneclick-emulator.js';

export interface BotProcessesOptions {
  /** Each test gets its own database, named `<dbPrefix>_<random>`. */
  dbPrefix: string;
  /** Given to the emulator and to every process (default 1). */
  timeScale?: number;
  /** What every process is started with unless the test says otherwise (apiKey defaults to TEST_API_KEY). */
  defaults?: Partial<BotProcessOptions>;
}

/** The current test's fakes, database and process starter (valid inside a test). */
export interface BotProcesses {
  readonly telegram: FakeTelegram;
  readonly emulator: OneClickEmulator;
  /** A connection to the test's database, for reading what the processes wrote. */
  readonly db: Connection;
  /** The connection string the processes get (the test's database). */
  readonly mongoUri: string;
  /** Starts a bot process wired to the fakes; it is killed (-9) after the test if still alive. */
  start(opts?: Partial<BotProcessOptions>): BotProcess;
  /** Starts a bot process with exactly this environment; killed after the test like the others. */
  startWithEnv(env: Record<string, string>): BotProcess;
}

/**
 * Set-up for tests that run the real bot as OS processes: before each test a fresh fake Telegram,
 * OneClickDz emulator and database; after it every process still alive is killed, the database
 * dropped and the fakes closed.
 */
export function useBotProcesses(opts: BotProcessesOptions): BotProcesses {
  let telegram: FakeTelegram | undefined;
  let emulator: OneClickEmulator | undefined;
  let db: Connection | undefined;
  let mongoUri: string | undefined;
  const processes: BotProcess[] = [];

  beforeEach(async () => {
    telegram = new FakeTelegram();
    emulator = new OneClickEmulator({ apiKey: TEST_API_KEY, timeScale: opts.timeScale });
    await Promise.all([telegram.start(), emulator.start()]);
    const dbName = `${opts.dbPrefix}_${randomBytes(6).toString('hex')}`;
    mongoUri = withDatabase(inject('mongoUri'), dbName);
    db = await mongoose.createConnection(inject('mongoUri'), { dbName }).asPromise();
  });

  afterEach(async () => {
    for (const p of processes.splice(0)) await p.kill9();
    await db?.dropDatabase().catch(() => undefined);
    await db?.close();
    await Promise.all([telegram?.close(), emulator?.close()]);
  });

  const current = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useBotProcesses: no ${what} outside a test`);
    return value;
  };
  const track = (bot: BotProcess): BotProcess => {
    processes.push(bot);
    return bot;
  };

  return {
    get telegram() {
      return current(telegram, 'telegram');
    },
    get emulator() {
      return current(emulator, 'emulator');
    },
    get db() {
      return current(db, 'db');
    },
    get mongoUri() {
      return current(mongoUri, 'mongoUri');
    },
    start(startOpts = {}) {
      return track(
        BotProcess.start({
          telegram: this.telegram,
          emulator: this.emulator,
          mongoUri: this.mongoUri,
          apiKey: TEST_API_KEY,
          timeScale: opts.timeScale,
          ...opts.defaults,
          ...startOpts,
        }),
      );
    },
    startWithEnv(env) {
      return track(BotProcess.startWithEnv(env));
    },
  };
}
