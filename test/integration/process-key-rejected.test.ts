import { describe, expect, it } from 'vitest';
import type { BotProcess } from '../support/bot-process.js';
import { useBotProcesses } from '../support/bot-processes.js';
import { RESELLER, sleep } from '../support/harness.js';
import { textMessageUpdate } from '../support/updates.js';

/**
 * The real process with a key the provider rejects: it must stay up (under a restart policy an exit
 * would mean a new validation per restart, and 5 of them block the server's IP), tell users, report
 * the key in /readyz, and not spend another attempt when it is restarted.
 */

const BAD_KEY = 'rejected-key-for-process-test-0123';

const bots = useBotProcesses({ dbPrefix: 'flexy_keyproc', defaults: { apiKey: BAD_KEY, allowedUserIds: [RESELLER] } });

const invalidAttempts = () => bots.emulator.requests.filter((r) => r.code === 'INVALID_ACCESS_TOKEN').length;

async function readyz(bot: BotProcess): Promise<{ status: number; body: { keys: Record<string, string> } }> {
  const line = await bot.waitForLog(/http listener started/);
  const port = (JSON.parse(line) as { port: number }).port;
  const res = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: res.status, body: (await res.json()) as { keys: Record<string, string> } };
}

describe('the bot as a process, with a key the provider rejects', () => {
  it('stays up, tells users and /readyz, and a restart spends no further attempt', async () => {
    const first = bots.start();
    await first.waitForLog(/OneClickDz rejected the API key/);
    await first.waitForLog(/bot started \(long polling\)/);
    expect(invalidAttempts()).toBe(1);

    bots.telegram.pushUpdate(textMessageUpdate({ chatId: RESELLER, fromId: RESELLER, text: '/status order-proc-1' }));
    const answer = await bots.telegram.waitFor(
      () => {
        const m = bots.telegram.lastMessage(RESELLER);
        return m?.text.includes('رفضت OneClickDz مفتاح API') ? m : undefined;
      },
      { timeoutMs: 20_000, what: 'the key-rejected answer' },
    );
    expect(answer.text).toContain('مسؤول البوت');

    // Rejected, yet ready: one bad key must not take the process out of rotation.
    const report = await readyz(first);
    expect(report.status).toBe(200);
    expect(report.body.keys.env).toMatch(/^rejected \(INVALID_ACCESS_TOKEN\) until /);
    expect(invalidAttempts()).toBe(1);

    expect(await first.stop(), first.output).toEqual({ code: 0, signal: null }); // stopped by us, not by the key
    expect(first.output).not.toContain(BAD_KEY);

    // A restart (a container restart policy) finds the rejection in MongoDB and does not ask again.
    const second = bots.start();
    await second.waitForLog(/rejected \(recorded in MongoDB\)/);
    await second.waitForLog(/bot started \(long polling\)/);
    await sleep(1_000);
    expect(invalidAttempts()).toBe(1);
    expect(bots.emulator.ipBlockedUntil()).toBe(0);
    expect(second.output).not.toContain(BAD_KEY);
  }, 60_000);
});
