import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { GrammyError } from 'grammy';
import { createApp } from './app.js';
import { describeKeyState } from './accounts/key-guard.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { connectDatabase } from './db/connect.js';
import { createLogger, uriPassword, type Logger } from './shared/logger.js';
import { refreshChatMenus, setBotCommands } from './bot/commands.js';
import { PollingLeadership } from './process/polling-leadership.js';
import { ALLOWED_UPDATES, startPolling } from './process/polling.js';
import { systemClock } from './shared/clock.js';
import { newOwnerId } from './tracking/leases.js';
import { Readiness } from './ops/health.js';
import { startHttpServer, type HttpServer } from './ops/http-server.js';
import { Metrics } from './ops/metrics.js';
import { createWebhookHandler } from './ops/webhook.js';

/** How many times start-up tries to prepare the database (indexes, migrations) before it gives up. */
const PREPARE_ATTEMPTS = 10;

/**
 * Entry point: config, MongoDB, background work (provider key guard included), then updates by BOT_MODE: long
 * polling (by whichever polling process holds the polling lease; the others work as workers),
 * webhook, or none (worker). SIGINT/SIGTERM stop taking updates, finish every update already taken
 * and the background work in flight, and close MongoDB; a stop that takes over 30 s exits anyway.
 */
async function main(): Promise<void> {
  // A `.env` beside package.json is read for `npm start`; variables already set win.
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const problem of err.problems) process.stderr.write(`config error: ${problem}\n`);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger(config.logLevel, [
    config.botToken,
    config.oneclickApiKey,
    config.webhook.secret,
    config.http.metricsToken,
    config.encryptionKey,
    config.oldEncryptionKey,
    ...uriPassword(config.mongodbUri),
  ]);
  // A promise nobody awaited must never end the process (in webhook mode Telegram would redeliver the
  // update and the bot would crash-loop): log it and carry on.
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled promise rejection'));
  if (config.allowedUserIds.size === 0) log.warn('ALLOWED_USER_IDS is empty: every user is refused (their id is shown to them)');
  if (!config.oneclickApiKey) log.warn('ONECLICK_API_KEY is not set: /status answers that no provider account is configured');
  if (config.timeScale !== 1) log.warn({ timeScale: config.timeScale }, 'TIME_SCALE is not 1: polling and recheck delays are scaled');

  // Installed before anything starts: a SIGTERM during start-up (docker stop, a redeploy) must also
  // stop cleanly, not kill the process mid-way with Node's default handler.
  let db: Awaited<ReturnType<typeof connectDatabase>> | undefined;
  let app: ReturnType<typeof createApp> | undefined;
  let stopUpdates: (() => Promise<void>) | undefined;
  let http: HttpServer | undefined;
  let running = false;
  let stopping = false;
  const metrics = new Metrics();
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 30_000).unref();
    running = false; // /readyz turns 503 at once: a load balancer stops sending work here
    try {
      await http?.detachWebhook();
      await stopUpdates?.();
      await app?.stop();
      await db?.close();
      await http?.close();
    } finally {
      clearTimeout(force);
      log.info('bye');
      process.exit(0);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    // First, so /healthz answers (and /readyz says 503) during start-up too.
    http = await startHttpServer({
      port: config.http.port,
      log,
      metrics,
      metricsToken: config.http.metricsToken,
      readiness: new Readiness({
        database: () => db?.connection,
        backgroundRunning: () => running,
        // Shown in the body, never a reason to be unready: one rejected key must not take replicas out.
        keyStates: () => Object.fromEntries((app?.keyStates() ?? []).map((k) => [k.accountId, describeKeyState(k)])),
      }),
    });
    db = await connectDatabase(config.mongodbUri, log);
    if (stopping) return;
    const started = createApp({ config, connection: db.connection, log, metrics });
    app = started;
    // Replicas starting together build the same indexes and run the same idempotent migrations at
    // once; a MongoDB-compatible server may abort one of them (e.g. "deadlock detected"). Try again
    // several times before giving up, so a concurrent start does not become a crash under a restart
    // policy. The waits are random (0.5 to 1.5 x 250 ms x attempt, about 14 s over all 10 attempts), so two
    // replicas that collided once do not retry in step and collide again.
    for (let attempt = 1; ; attempt++) {
      try {
        await started.prepare();
        break;
      } catch (err) {
        if (attempt >= PREPARE_ATTEMPTS || stopping) throw err;
        log.warn({ err, attempt }, 'preparing the database failed; retrying');
        await new Promise((r) => setTimeout(r, 250 * attempt * (0.5 + Math.random())));
      }
    }
    // start() also starts the key guard: it validates ONECLICK_API_KEY in the background. A rejected
    // key never stops the bot (a restart loop would spend the provider's 5 attempts and block the
    // IP): users are told the key was rejected, and the guard revalidates it with backoff.
    await started.start();
    running = true;
    if (stopping) return;

    if (config.mode === 'webhook') {
      await startWebhook(started, http, metrics, config, log, () => stopping);
    } else if (config.mode === 'worker') {
      log.info('running as a worker (BOT_MODE=worker): background work only, no Telegram updates taken');
    } else {
      const leadership = new PollingLeadership({
        connection: db.connection,
        owner: newOwnerId(hostname()),
        clock: systemClock,
        leaseMs: config.pollingLeaseMs,
        poll: () => {
          const session = startPolling(started.bot, log.child({ module: 'polling' }));
          void started.bot.init().then(
            () => log.info({ bot: started.bot.botInfo.username }, 'bot started (long polling)'),
            () => undefined, // the runner retries getMe with getUpdates and logs its failures
          );
          return session;
        },
        onFirstLeadership: async () => {
          await setBotCommands(started.bot.api, started.translatorFor, config.defaultLocale);
          await refreshChatMenus(started.bot.api, started.chats, started.translatorFor, log);
        },
        log,
      });
      stopUpdates = () => leadership.stop();
      await leadership.start();
    }
  } catch (err) {
    // A shutdown during start-up closes what start-up is using: its errors are expected then.
    if (stopping) return;
    throw err;
  }
}

/** Webhook mode: updates arrive as POST /telegram on the ops listener, then Telegram is told where. */
async function startWebhook(
  app: ReturnType<typeof createApp>,
  http: HttpServer,
  metrics: Metrics,
  config: Config,
  log: Logger,
  isStopping: () => boolean,
): Promise<void> {
  const secret = config.webhook.secret;
  if (secret === undefined || config.webhook.url === undefined) throw new Error('webhook mode needs WEBHOOK_URL and WEBHOOK_SECRET');
  // Telegram unreachable at start-up must not end the process (a restart policy would loop on it):
  // getMe and setWebhook are retried until they succeed. The handler is attached in between, so the
  // first update Telegram posts after setWebhook finds it. Every replica sets the same webhook once
  // per start: idempotent (same URL, secret and update types).
  await untilDone(() => app.bot.init(), isStopping, log);
  if (isStopping()) return;
  http.attachWebhook(
    createWebhookHandler({ bot: app.bot, secret, log: log.child({ module: 'webhook' }), count: metrics.countWebhookRequest }),
  );
  const url = `${config.webhook.url}/telegram`;
  await untilDone(
    () => app.bot.api.setWebhook(url, { secret_token: secret, allowed_updates: [...ALLOWED_UPDATES] }).then(() => undefined),
    isStopping,
    log,
  );
  if (isStopping()) return;
  await setBotCommands(app.bot.api, app.translatorFor, config.defaultLocale).catch((err) => log.warn({ err }, 'setMyCommands failed'));
  // Every replica does it; idempotent, and in the background: chats' own menus are not urgent.
  void refreshChatMenus(app.bot.api, app.chats, app.translatorFor, log).catch((err) => log.warn({ err }, 'chat menus not refreshed'));
  log.info({ port: http.port }, 'bot started (webhook)');
}

/**
 * Runs `attempt` until it succeeds or the process is stopping; waits 1 s, doubling up to 60 s, in
 * between. Network errors, 5xx and 429 are retried; any other Telegram error is thrown.
 */
async function untilDone(attempt: () => Promise<void>, stopping: () => boolean, log: Logger): Promise<void> {
  for (let waitMs = 1_000; !stopping(); waitMs = Math.min(waitMs * 2, 60_000)) {
    try {
      await attempt();
      return;
    } catch (err) {
      // Telegram refusing the request itself (a revoked token, a URL it will not accept) is not transient.
      if (err instanceof GrammyError && err.error_code >= 400 && err.error_code < 500 && err.error_code !== 429) throw err;
      log.warn({ err, retryInMs: waitMs }, 'a start-up call to Telegram failed; retrying');
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
