import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { webhookCallback } from 'grammy';
import { createApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { connectDatabase } from './db/connect.js';
import { isProviderError } from './provider/errors.js';
import { createLogger, type Logger } from './shared/logger.js';
import { setBotCommands } from './bot/commands.js';

/**
 * Entry point: config, MongoDB, provider check, background work, then updates (long polling or
 * webhook). SIGINT/SIGTERM stop taking updates, finish in-flight work, and close MongoDB.
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
  const log = createLogger(config.logLevel, [config.botToken, config.oneclickApiKey, config.webhook.secret]);
  if (config.allowedUserIds.size === 0) log.warn('ALLOWED_USER_IDS is empty: every user is refused (their id is shown to them)');
  if (!config.oneclickApiKey) log.warn('ONECLICK_API_KEY is not set: /status answers that no provider account is configured');
  if (config.timeScale !== 1) log.warn({ timeScale: config.timeScale }, 'TIME_SCALE is not 1: polling and recheck delays are scaled');

  // Installed before anything starts: a SIGTERM during start-up (docker stop, a redeploy) must also
  // stop cleanly, not kill the process mid-way with Node's default handler.
  let db: Awaited<ReturnType<typeof connectDatabase>> | undefined;
  let app: ReturnType<typeof createApp> | undefined;
  let stopUpdates: (() => Promise<void>) | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 30_000).unref();
    try {
      await stopUpdates?.();
      await app?.stop();
      await db?.close();
    } finally {
      clearTimeout(force);
      log.info('bye');
      process.exit(0);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    db = await connectDatabase(config.mongodbUri, log);
    if (stopping) return;
    const started = createApp({ config, connection: db.connection, log });
    app = started;
    await started.prepare();
    await checkProviderKey(started.provider, log);
    if (stopping) return;
    await started.start();
    if (stopping) return;

    if (config.mode === 'webhook') {
      stopUpdates = await startWebhook(started.bot, started.translatorFor, config, log);
    } else {
      await started.bot.init();
      await setBotCommands(started.bot.api, started.translatorFor, config.defaultLocale).catch((err) =>
        log.warn({ err }, 'setMyCommands failed'),
      );
      if (stopping) return;
      started.bot
        .start({ drop_pending_updates: false, onStart: (me) => log.info({ bot: me.username }, 'bot started (long polling)') })
        .catch((err: unknown) => {
          // bot.stop() during grammY's set-up calls (deleteWebhook) rejects start(): expected when stopping.
          if (stopping) return;
          log.fatal({ err }, 'long polling stopped');
          process.exit(1);
        });
      stopUpdates = () => started.bot.stop();
    }
  } catch (err) {
    // A shutdown during start-up closes what start-up is using: its errors are expected then.
    if (stopping) return;
    throw err;
  }
}

/**
 * Validates the key once at start-up, as the provider recommends. A rejected key stops the bot (every
 * call would fail and each one counts towards the provider's IP block); an unreachable provider does
 * not (the bot keeps retrying and tells users).
 */
async function checkProviderKey(provider: ReturnType<typeof createApp>['provider'], log: Logger): Promise<void> {
  if (!provider) return;
  try {
    const info = await provider.validate();
    log.info({ environment: info.type, scope: info.scope, enabled: info.isEnabled }, 'OneClickDz API key is valid');
    if (!info.isEnabled) log.warn('the OneClickDz API key is disabled');
  } catch (err) {
    if (isProviderError(err, 'unauthorized') || isProviderError(err, 'ip_blocked')) {
      process.stderr.write(`config error: ONECLICK_API_KEY was rejected by OneClickDz (${err.code ?? err.kind})\n`);
      process.exit(1);
    }
    log.warn({ kind: isProviderError(err) ? err.kind : 'unexpected' }, 'could not validate the OneClickDz API key now; continuing');
  }
}

async function startWebhook(
  bot: ReturnType<typeof createApp>['bot'],
  translatorFor: ReturnType<typeof createApp>['translatorFor'],
  config: Config,
  log: Logger,
): Promise<() => Promise<void>> {
  await bot.init();
  const handle = webhookCallback(bot, 'http', { secretToken: config.webhook.secret });
  const server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/telegram') return void handle(req, res);
    res.statusCode = req.url === '/healthz' ? 200 : 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(config.webhook.port, resolve));
  await bot.api.setWebhook(`${config.webhook.url}/telegram`, { secret_token: config.webhook.secret });
  await setBotCommands(bot.api, translatorFor, config.defaultLocale).catch((err) => log.warn({ err }, 'setMyCommands failed'));
  log.info({ port: config.webhook.port }, 'bot started (webhook)');
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
