/**
 * Starts the OneClickDz emulator for demos and the benchmark: `npm run emulator`.
 *   EMULATOR_PORT     port to listen on (default 8787)
 *   EMULATOR_HOST     interface (default 127.0.0.1; 0.0.0.0 to reach it from a container)
 *   EMULATOR_API_KEY  the key X-Access-Token must carry (default sandbox-key; never printed)
 *   TIME_SCALE        multiplies the sandbox timeline (0.1 = ten times faster; default 1)
 * Prints the base URL alone on stdout (for scripts), everything else on stderr.
 */
import { OneClickEmulator } from './oneclick-emulator.js';

function fail(message: string): never {
  process.stderr.write(`run-emulator: ${message}\n`);
  process.exit(2);
}

const port = Number(process.env.EMULATOR_PORT?.trim() || '8787');
if (!Number.isInteger(port) || port < 0 || port > 65535) fail('EMULATOR_PORT must be an integer between 0 and 65535');
const timeScale = Number(process.env.TIME_SCALE?.trim() || '1');
if (!Number.isFinite(timeScale) || timeScale <= 0) fail('TIME_SCALE must be a number greater than 0');
const host = process.env.EMULATOR_HOST?.trim() || '127.0.0.1';
const apiKey = process.env.EMULATOR_API_KEY?.trim() || 'sandbox-key';

const emulator = new OneClickEmulator({ apiKey, timeScale });
const url = await emulator.start(port, host);
process.stdout.write(`${url}\n`);
process.stderr.write(
  `OneClickDz emulator listening on ${url} (time scale ${timeScale}; key from ${process.env.EMULATOR_API_KEY ? 'EMULATOR_API_KEY' : 'the default sandbox-key'})\n`,
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
