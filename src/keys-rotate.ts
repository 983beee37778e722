import { ConfigError, loadConfig } from './config.js';
import { accountModel } from './accounts/account-store.js';
import { KeyVault } from './accounts/key-vault.js';
import { rotateKeys } from './accounts/rotate-keys.js';
import { connectDatabase } from './db/connect.js';
import { createLogger, uriPassword } from './shared/logger.js';

/**
 * `npm run keys:rotate`: re-seals every linked provider key from OLD_ENCRYPTION_KEY to ENCRYPTION_KEY
 * (same environment as the bot: BOT_TOKEN, MONGODB_URI...). Run it with the bot stopped, then start
 * the bot with the new ENCRYPTION_KEY. Safe to run twice.
 */
async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const problem of err.problems) process.stderr.write(`config error: ${problem}\n`);
      return 2;
    }
    throw err;
  }
  const log = createLogger(config.logLevel, [
    config.botToken,
    config.encryptionKey,
    config.oldEncryptionKey,
    ...uriPassword(config.mongodbUri),
  ]);
  if (!config.encryptionKey || !config.oldEncryptionKey) {
    process.stderr.write('config error: keys:rotate needs OLD_ENCRYPTION_KEY (the current key) and ENCRYPTION_KEY (the new one)\n');
    return 2;
  }
  const db = await connectDatabase(config.mongodbUri, log);
  try {
    const report = await rotateKeys(accountModel(db.connection), new KeyVault(config.oldEncryptionKey), new KeyVault(config.encryptionKey));
    log.info(report, 'provider keys re-sealed under ENCRYPTION_KEY');
    process.stdout.write(
      `keys:rotate: ${report.rotated} re-encrypted, ${report.alreadyCurrent} already under ENCRYPTION_KEY, ${report.unreadable.length} unreadable${report.unreadable.length ? ` (accounts ${report.unreadable.join(', ')})` : ''}\n`,
    );
    return report.unreadable.length > 0 ? 1 : 0;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`keys:rotate failed: ${err instanceof Error ? err.name : 'error'}\n`);
    process.exit(1);
  },
);
