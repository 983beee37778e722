import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { Harness, RESELLER, TEST_API_KEY, sleep, type HarnessOptions } from '../support/harness.js';
import type { RecordedRequest } from '../support/oneclick-emulator.js';
import {
  FACTURE_500,
  buttonsOf,
  OFFER_REFUND_MESSAGE,
  Offers,
  current,
  pressConfirm,
  pressOffer,
  refundedWithOffers,
  sendCount,
  statusWithOffers,
  waitUntilShows,
} from '../support/offer-steps.js';
import { skewedClock, type SkewedClock } from '../support/skewed-clock.js';

/**
 * Provider key safety (issue 7, item 4): the provider blocks the server's IP for 15 minutes after 5
 * invalid-key attempts within 15 minutes. The emulator enforces exactly that; these tests drive the
 * provider's time with a clock shared by the emulator and the apps (real time still flows).
 */

const MINUTE = 60_000;
const WINDOW_MS = 15 * MINUTE;
const REJECTED_TEXT = 'رفضت OneClickDz مفتاح API';

let h: Harness;
afterEach(async () => {
  await h.close();
});

/** The emulator and the apps read the same clock. */
async function start(clock: SkewedClock, opts: HarnessOptions = {}): Promise<void> {
  h = await Harness.start({
    ...opts,
    app: { clock, keyGuard: { tickMs: 50 }, ...opts.app },
    emulator: { now: clock.now, ...opts.emulator },
  });
}

/** Every request the emulator received, start-up validation included. */
function allRequests(): RecordedRequest[] {
  return [...h.startupRequests, ...h.emulator.requests];
}

/** The most invalid-key answers the emulator gave within any 15-minute window. */
function worstWindow(): number {
  const times = allRequests()
    .filter((r) => r.code === 'INVALID_ACCESS_TOKEN')
    .map((r) => r.at)
    .sort((a, b) => a - b);
  return Math.max(0, ...times.map((t) => times.filter((u) => u >= t && u < t + WINDOW_MS).length));
}

const invalidAttempts = () => allRequests().filter((r) => r.code === 'INVALID_ACCESS_TOKEN').length;
const ipBlockedAnswers = () => allRequests().filter((r) => r.code === 'IP_BLOCKED').length;

/** Gives the apps' key guards (ticking every 50 ms) time to act on what the clock now says. */
const settle = () => sleep(150);

describe('provider key safety', () => {
  it('a rejected key, restarted again and again and by two processes at once, never reaches the IP block', async () => {
    const clock = skewedClock();
    await start(clock, { apiKey: 'revoked-key-0123456789abcdef' });
    expect(h.app.keyStates()).toEqual([expect.objectContaining({ accountId: 'env', state: 'rejected', reason: 'INVALID_ACCESS_TOKEN' })]);

    // 45 minutes of a crash-looping container: a restart every minute, two replicas booting together
    // every tenth minute, and the running apps' own revalidations in between.
    let alive: App[] = [h.app];
    for (let minute = 1; minute <= 45; minute++) {
      for (const app of alive) app.crash();
      const replicas = minute % 10 === 0 ? 2 : 1;
      alive = await Promise.all(Array.from({ length: replicas }, () => h.boot()));
      for (let part = 0; part < 3; part++) {
        clock.advance(20_000);
        await settle();
      }
    }

    expect(ipBlockedAnswers()).toBe(0);
    expect(h.emulator.ipBlockedUntil()).toBe(0);
    expect(worstWindow()).toBeLessThanOrEqual(3);
    // Not "never again" either: the key keeps being revalidated with backoff.
    expect(invalidAttempts()).toBeGreaterThanOrEqual(4);
    // Only the validation endpoint ever saw the bad key.
    expect(allRequests().every((r) => r.path === '/v3/validate')).toBe(true);

    // Users are told the key was rejected, and no call is made for them.
    const before = h.emulator.callCount();
    await h.send('/status order-77');
    const answer = await h.waitForMessage(RESELLER, (m) => m.text.includes(REJECTED_TEXT), 'key-rejected answer');
    expect(answer.text).toContain('مسؤول البوت');
    expect(h.emulator.callCount()).toBe(before);

    // The account owner re-enables the key at the provider: the next revalidation finds it and the
    // bot works again, without a restart.
    h.emulator.setApiKey('revoked-key-0123456789abcdef');
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037350', amount: 500, ref: 'key-back-1' });
    h.emulator.setStatus(topupId, 'FULFILLED');
    for (let minute = 0; minute < 31 && h.app.keyStates()[0]?.state !== 'ok'; minute++) {
      clock.advance(MINUTE);
      await settle();
    }
    expect(h.app.keyStates()).toEqual([{ accountId: 'env', state: 'ok' }]);
    await h.send('/status key-back-1');
    await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status once the key is back');
    expect(worstWindow()).toBeLessThanOrEqual(3);
  }, 120_000);

  it('a key revoked at runtime suspends calls at the first 401, parks orders, and resumes them once the key is valid again', async () => {
    const clock = skewedClock();
    await start(clock);
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037351', amount: 500, ref: 'key-rt-1' });
    h.emulator.setStatus(topupId, 'HANDLING');
    await h.send('/status key-rt-1');
    await h.telegram.waitFor(() => h.emulator.callCount(/check-id/) > 0 || undefined, { what: 'the order polled' });

    h.emulator.setApiKey('a-new-key-the-bot-does-not-have');
    const first401 = await h.telegram.waitFor(() => h.emulator.requests.find((r) => r.code === 'INVALID_ACCESS_TOKEN'), {
      what: 'the runtime 401',
    });
    await sleep(1_000); // ~30 fast-poll intervals at TIME_SCALE 0.01: a retry storm would show here
    expect(h.emulator.requests.filter((r) => r.at > first401.at)).toEqual([]);
    expect(h.app.keyStates()).toEqual([expect.objectContaining({ state: 'rejected', reason: 'INVALID_ACCESS_TOKEN' })]);
    const parked = (await h.order({ providerId: topupId }))!;
    expect(parked.parkedUntil!.getTime()).toBeGreaterThan(clock.now()); // parked, not spun
    // The status message says the account is refused (fix the key), not that OneClickDz is down.
    const t = h.app.translatorFor('ar');
    const paused = await h.waitForMessage(RESELLER, (m) => m.text.includes(t('order-provider-parked')), 'tracking-paused line');
    expect(paused.text).not.toContain(t('order-provider-trouble'));

    // The key works again at the provider: the next revalidation (1 min later) resumes tracking.
    h.emulator.setApiKey(TEST_API_KEY);
    h.emulator.setStatus(topupId, 'FULFILLED');
    clock.advance(MINUTE + 1_000);
    const fulfilled = await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status after the key came back');
    expect(fulfilled.text).not.toContain(t('order-provider-parked'));
    expect(h.app.keyStates()).toEqual([{ accountId: 'env', state: 'ok' }]);
    expect(invalidAttempts()).toBe(1);
  }, 60_000);

  it('a Confirm pressed while the key is suspended sends nothing and says the key was rejected', async () => {
    const clock = skewedClock();
    await start(clock);
    refundedWithOffers(h, 'key-offer-1');
    const status = await statusWithOffers(h, 'key-offer-1');
    const confirmation = await pressOffer(h, status);

    // The key is revoked; a lookup in the meantime meets the 401 and the guard suspends the key.
    h.emulator.setApiKey('a-new-key-the-bot-does-not-have');
    await h.send('/status key-offer-unknown');
    await h.waitForMessage(RESELLER, (m) => m.text.includes(REJECTED_TEXT), 'key-rejected answer');

    await pressConfirm(h, confirmation);
    const keyRejected = h.app.translatorFor('ar')('offer-key-rejected');
    await h.telegram.waitFor(() => current(h, confirmation).text.includes(keyRejected) || undefined, {
      what: 'the confirmation saying the key was rejected',
    });
    expect(h.emulator.requests.filter((r) => r.path === '/v3/mobile/send')).toEqual([]);
    expect(invalidAttempts()).toBe(1);
  }, 60_000);

  it('IP_BLOCKED pauses every call, across a restart, until the block ends; then tracking resumes', async () => {
    const clock = skewedClock();
    await start(clock);
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037352', amount: 500, ref: 'key-ip-1' });
    h.emulator.setStatus(topupId, 'HANDLING');
    await h.send('/status key-ip-1');
    await h.telegram.waitFor(() => h.emulator.callCount(/check-id/) > 0 || undefined, { what: 'the order polled' });

    // Another program on the same server burns the IP's 5 attempts.
    for (let i = 0; i < 5; i++) await fetch(`${h.emulator.url}/v3/validate`, { headers: { 'X-Access-Token': `someone-else-${i}` } });
    const blocked = await h.telegram.waitFor(() => h.emulator.requests.find((r) => r.code === 'IP_BLOCKED'), { what: 'IP_BLOCKED answer' });
    await sleep(1_000);
    expect(h.emulator.requests.filter((r) => r.at > blocked.at)).toEqual([]);
    expect(h.app.keyStates()).toEqual([expect.objectContaining({ state: 'paused', reason: 'IP_BLOCKED' })]);

    // A restart remembers the block (MongoDB) and does not knock on the door either.
    await h.crashAndRestart();
    await sleep(500);
    expect(h.emulator.requests.filter((r) => r.at > blocked.at)).toEqual([]);
    expect(h.app.keyStates()[0]?.state).toBe('paused');

    h.emulator.setStatus(topupId, 'FULFILLED');
    clock.advance(WINDOW_MS + 1_000);
    await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status after the block');
    expect(h.app.keyStates()[0]?.state).toBe('ok');
    expect(ipBlockedAnswers()).toBe(1);
  }, 60_000);

  it('no call with a key the provider says is nearly spent: after its attemptsLeft, the bot waits for the window', async () => {
    const clock = skewedClock();
    await start(clock);
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037353', amount: 500, ref: 'key-left-1' });
    h.emulator.setStatus(topupId, 'HANDLING');
    await h.send('/status key-left-1');
    await h.telegram.waitFor(() => h.emulator.callCount(/check-id/) > 0 || undefined, { what: 'the order polled' });

    // Another program on this IP spends 3 of the 5 attempts; then the bot's key is revoked.
    for (let i = 0; i < 3; i++) await fetch(`${h.emulator.url}/v3/validate`, { headers: { 'X-Access-Token': `someone-else-${i}` } });
    h.emulator.setApiKey('a-new-key-the-bot-does-not-have');
    const ours = await h.telegram.waitFor(
      () => h.emulator.requests.find((r) => r.code === 'INVALID_ACCESS_TOKEN' && r.path !== '/v3/validate'),
      {
        what: "the bot's 401 (attemptsLeft 1)",
      },
    );

    // The bot's own budget would allow a revalidation after 1 min; the provider's count says no.
    for (let minute = 1; minute < 15; minute++) {
      clock.advance(MINUTE);
      await settle();
    }
    expect(h.emulator.requests.filter((r) => r.at > ours.at)).toEqual([]);
    expect(ipBlockedAnswers()).toBe(0);

    // Once the provider's window has passed, it revalidates (and the key works again).
    h.emulator.setApiKey(TEST_API_KEY);
    clock.advance(2 * MINUTE);
    await h.telegram.waitFor(() => h.app.keyStates()[0]?.state === 'ok' || undefined, { what: 'the key revalidated' });
    expect(ipBlockedAnswers()).toBe(0);
  }, 60_000);

  describe('several keys, one attempt budget', () => {
    const en = { languageCode: 'en' };
    /** Linked accounts: owner, provider username, key (provider keys are UUIDs). */
    const LINKED = [601, 602, 603, 604, 605].map((owner, i) => ({
      owner,
      username: `+21356000000${i}`,
      key: `${i}1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d`,
    }));
    /** The owner's notice (link-key-rejected), in the chat's language: Arabic, the default, as no chat picked one. */
    const KEY_REJECTED_NOTICE = 'رفض OneClickDz مفتاح حسابك المربوط';

    /** Each owner links their account with /link (one validation each, given back: the keys are good). */
    async function linkAll(accounts: typeof LINKED): Promise<void> {
      for (const a of accounts) {
        h.emulator.addAccount({ apiKey: a.key, username: a.username });
        await h.send(`/link ${a.key}`, { userId: a.owner, ...en });
        await h.waitForMessage(a.owner, (m) => m.text.includes('Account linked'), `account ${a.username} linked`);
      }
    }

    /**
     * Two failed link attempts, then the linked key is revoked and its owner asks for the balance: three
     * failures in the window, the last one newer than every proof of the env key, so no attempt is free.
     */
    async function spendEveryAttempt(linked: (typeof LINKED)[number]): Promise<void> {
      await badLinkAttempt(701);
      await badLinkAttempt(702);
      h.emulator.setApiKey(randomUUID(), { account: linked.username });
      await h.send('/balance', { userId: linked.owner, ...en });
      await h.telegram.waitFor(() => (invalidAttempts() === 3 ? true : undefined), { what: 'the third failure' });
      await settle();
    }

    /** A user tries to link a key the provider does not know; resolves with the answer they got. */
    async function badLinkAttempt(userId: number): Promise<string> {
      await h.send(`/link ${randomUUID()}`, { userId, ...en });
      const answer = await h.waitForMessage(userId, (m) => /does not accept this key|no key is checked before/.test(m.text), 'link answer');
      return answer.text;
    }

    /** Calls that reserved an attempt of the budget (findAndModify on its document) since `from`. */
    const reservations = (from: number) =>
      h.mongoCommands.slice(from).filter((c) => c.name === 'findAndModify' && c.collection === 'provider_key_attempts').length;

    it('keys revoked one after another in one window, with failed link attempts: never more than 3 invalid attempts in any 15 minutes, no IP block, valid keys keep working, every owner told', async () => {
      const clock = skewedClock();
      // TIME_SCALE 0.1: orders are followed for hours of this test's clock (the provider's 15-minute
      // windows are not scaled), as they would be in real time while the budget makes keys wait.
      // The clock jumps a minute at a time: an owner notice being sent at a jump must not see its claim
      // expire under it (the harness's 2 s lease would, and a second worker claim would send it again;
      // in real time the claim is renewed every third of its lease while the send runs).
      await start(clock, { timeScale: 0.1, env: { ONBOARDING: 'open' }, app: { notices: { idleMs: 200, leaseMs: 10 * MINUTE } } });
      await linkAll(LINKED);
      // An order of every account being tracked (the env account's too).
      const ids: string[] = [];
      for (const [i, a] of LINKED.entries()) {
        const { topupId } = h.emulator.sendMobile(
          { plan_code: 'PREPAID_DJEZZY', MSSIDN: `07700001${i}0`, amount: 100, ref: `multi-${i}` },
          { account: a.username },
        );
        h.emulator.setStatus(topupId, 'HANDLING');
        ids.push(topupId);
        await h.send(`/status multi-${i}`, { userId: a.owner, ...en });
      }
      const env = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0770000199', amount: 100, ref: 'multi-env' });
      h.emulator.setStatus(env.topupId, 'HANDLING');
      await h.send('/status multi-env', { userId: RESELLER, ...en });
      await h.telegram.waitFor(
        async () => ((await h.app.models.Order.countDocuments({ providerId: { $in: [...ids, env.topupId] } })) === 6 ? true : undefined),
        { what: 'every order tracked' },
      );

      // Four of the five linked keys are revoked in their dashboards, a minute apart; two strangers
      // try keys that do not exist; every owner keeps using the bot.
      const revoked = LINKED.slice(0, 4);
      const valid = LINKED[4]!;
      const linkAnswers: string[] = [];
      for (const [i, a] of revoked.entries()) {
        h.emulator.setApiKey(randomUUID(), { account: a.username });
        for (const b of LINKED) await h.send('/balance', { userId: b.owner, ...en });
        if (i === 1 || i === 2) linkAnswers.push(await badLinkAttempt(700 + i));
        clock.advance(MINUTE);
        await settle();
      }
      // Then time passes: the budget's windows slide, owners keep asking, trackers keep checking.
      const told = (owner: number) => h.telegram.messages(owner).filter((m) => m.text.includes(KEY_REJECTED_NOTICE)).length;
      for (let minute = 0; minute < 60 && revoked.some((a) => told(a.owner) === 0); minute++) {
        for (const b of LINKED) await h.send('/balance', { userId: b.owner, ...en });
        clock.advance(MINUTE);
        await settle();
      }

      expect(ipBlockedAnswers()).toBe(0);
      expect(h.emulator.ipBlockedUntil()).toBe(0);
      expect(worstWindow()).toBeLessThanOrEqual(3);
      for (const a of revoked) expect(told(a.owner)).toBe(1); // each owner told once, in their private chat
      expect(told(valid.owner)).toBe(0);
      expect(linkAnswers).toHaveLength(2);

      // The keys still valid work: their orders resolve.
      h.emulator.setStatus(ids[4]!, 'FULFILLED');
      h.emulator.setStatus(env.topupId, 'FULFILLED');
      const resolved = (chat: number, ref: string) => h.telegram.messages(chat).some((m) => m.text.includes(ref) && m.text.includes('✅'));
      for (let minute = 0; minute < 20 && !(resolved(valid.owner, 'multi-4') && resolved(RESELLER, 'multi-env')); minute++) {
        clock.advance(MINUTE);
        // The orders are in the long tail: the rechecks due at this time run now, not whenever Agenda's
        // real-time schedule (every 6 s here) next comes round on a busy machine.
        await h.app.sweep.run();
        await settle();
      }
      await h.telegram.waitFor(() => (resolved(valid.owner, 'multi-4') && resolved(RESELLER, 'multi-env')) || undefined, {
        what: 'the orders of the keys still valid, fulfilled',
      });
      expect(h.telegram.messages(valid.owner).some((m) => m.text.includes('multi-4') && m.text.includes('✅'))).toBe(true);
      expect(h.telegram.messages(RESELLER).some((m) => m.text.includes('multi-env') && m.text.includes('✅'))).toBe(true);
      expect(worstWindow()).toBeLessThanOrEqual(3);
      expect(ipBlockedAnswers()).toBe(0);
    }, 180_000);

    it('a key unlinked by its owner while a Confirm, a /status lookup and /balance wait for its one call in flight: each says the owner unlinked the key, never that OneClickDz rejected it; nothing is sent', async () => {
      const clock = skewedClock();
      // A provider call that hangs is waited for (not timed out after the harness's 1 s) while the owner unlinks.
      await start(clock, { env: { ONBOARDING: 'open' }, app: { provider: { timeoutMs: 30_000, retry: { attempts: 1 } } } });
      const linked = LINKED[0]!;
      const owner = { userId: linked.owner, ...en };
      await linkAll([linked]);
      const refunded = h.emulator.sendMobile(
        { plan_code: 'PREPAID_DJEZZY', MSSIDN: '0771234567', amount: 500, ref: 'unlink-offer' },
        { account: linked.username },
      );
      h.emulator.setStatus(refunded.topupId, 'REFUNDED', { refund_message: OFFER_REFUND_MESSAGE, suggested_offers: [FACTURE_500] });
      const confirmation = await pressOffer(h, await statusWithOffers(h, 'unlink-offer', owner), 0, owner);
      h.emulator.sendMobile(
        { plan_code: 'PREPAID_DJEZZY', MSSIDN: '0770000601', amount: 100, ref: 'unlink-held' },
        { account: linked.username },
      );
      h.emulator.sendMobile(
        { plan_code: 'PREPAID_DJEZZY', MSSIDN: '0770000602', amount: 100, ref: 'unlink-second' },
        { account: linked.username },
      );

      // A failed link attempt: the linked key was proven before it, so its calls now go one at a time.
      await badLinkAttempt(701);
      const held = h.emulator.hold(/unlink-held/);
      await h.send('/status unlink-held', owner);
      await h.telegram.waitFor(() => held.held === 1 || undefined, { what: "the key's one call, in flight" });
      // Meanwhile: another lookup, /balance and a Confirm wait for it.
      await h.send('/status unlink-second', owner);
      await h.send('/balance', owner);
      await h.waitForMessage(linked.owner, (m) => m.text.includes(h.app.translatorFor('en')('balance-loading')), 'balance loading');
      await pressConfirm(h, confirmation, owner);
      await h.telegram.waitFor(async () => ((await Offers(h).findOne({ state: 'sending' })) ? true : undefined), {
        what: 'the send under way',
      });
      await sleep(300);

      await h.send('/unlink', owner);
      await h.waitForMessage(linked.owner, (m) => m.text.includes('Your OneClickDz key was removed'), 'unlinked');
      held.release();

      const t = h.app.translatorFor('en');
      await waitUntilShows(
        h,
        confirmation,
        "Nothing was sent: this account's owner unlinked its OneClickDz key",
        'the confirmation: key unlinked',
      );
      expect(current(h, confirmation).text).not.toContain(t('offer-key-rejected'));
      const shown = (probe: (text: string) => boolean) => () => h.telegram.messages(linked.owner).find((m) => probe(m.text));
      await h.telegram.waitFor(
        shown((text) => text.includes('unlink-second') && text.includes("This account's owner unlinked its OneClickDz key")),
        { what: 'the lookup: key unlinked' },
      );
      await h.telegram.waitFor(
        shown((text) => text === t('balance-key-unlinked')),
        { what: 'the balance: key unlinked' },
      );
      expect(shown((text) => /rejected|refuses/.test(text))()).toBeUndefined();
      expect(h.emulator.requests.filter((r) => r.path === '/v3/mobile/send')).toEqual([]);
      expect(invalidAttempts()).toBe(1);
    }, 60_000);

    it("three bad link attempts reach the provider only twice, and valid keys' next calls still go out", async () => {
      const clock = skewedClock();
      await start(clock, { env: { ONBOARDING: 'open' } });
      await linkAll(LINKED.slice(4));
      const answers = [await badLinkAttempt(701), await badLinkAttempt(702), await badLinkAttempt(703)];
      expect(answers.filter((t) => t.includes('does not accept this key'))).toHaveLength(2);
      expect(answers[2]).toMatch(/no key is checked before \d\d:\d\d UTC/);
      expect(invalidAttempts()).toBe(2);

      // Both keys were proven before those failures: their next calls re-prove them with the attempt
      // linking left free, and go out.
      const before = h.emulator.callCount();
      h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0770000301', amount: 100, ref: 'after-links-env' });
      await h.send('/status after-links-env', { userId: RESELLER, ...en });
      await h.waitForMessage(RESELLER, (m) => m.text.includes('after-links-env') && m.text.includes('✅'), 'the env account answers');
      const linked = LINKED[4]!;
      h.emulator.sendMobile(
        { plan_code: 'PREPAID_DJEZZY', MSSIDN: '0770000302', amount: 100, ref: 'after-links-linked' },
        { account: linked.username },
      );
      await h.send('/status after-links-linked', { userId: linked.owner, ...en });
      await h.waitForMessage(
        linked.owner,
        (m) => m.text.includes('after-links-linked') && m.text.includes('✅'),
        'the linked account answers',
      );
      expect(h.emulator.callCount()).toBeGreaterThan(before);
      expect(invalidAttempts()).toBe(2);
    }, 60_000);

    it('a key proven before the newest failure makes exactly one reserved call, then calls freely again; without a failure no call touches the budget', async () => {
      const clock = skewedClock();
      await start(clock, { env: { ONBOARDING: 'open' } });
      const lookUp = async (ref: string) => {
        h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0770000401', amount: 100, ref });
        await h.send(`/status ${ref}`, { userId: RESELLER, ...en });
        await h.waitForMessage(RESELLER, (m) => m.text.includes(ref) && m.text.includes('✅'), `order ${ref} found`);
      };
      // No failure in the window: calls go out without reserving.
      let from = h.mongoCommands.length;
      await lookUp('proof-0');
      expect(reservations(from)).toBe(0);

      // Someone's key is refused (a failed link attempt): the env key was proven before it.
      expect(await badLinkAttempt(701)).toContain('does not accept this key');
      from = h.mongoCommands.length;
      const calls = h.emulator.callCount();
      await lookUp('proof-1'); // re-proves the key: one reserved call
      await lookUp('proof-2'); // proven since the failure: free
      await lookUp('proof-3');
      expect(h.emulator.callCount() - calls).toBeGreaterThanOrEqual(3);
      expect(reservations(from)).toBe(1);
      expect(invalidAttempts()).toBe(1);
      // The reservation was given back: the budget holds the link failure only.
      const budget = await h.db.collection<{ _id: string; attempts: unknown[] }>('provider_key_attempts').findOne({ _id: 'ip' });
      expect(budget?.attempts).toHaveLength(1);
    }, 60_000);

    it('while no attempt is free, a key proven before the newest failure makes no call and is never said to be rejected: tracking says it could not check, a Confirm says nothing was sent; calls resume when an attempt frees up', async () => {
      const clock = skewedClock();
      await start(clock, { env: { ONBOARDING: 'open' } });
      const [linked] = LINKED;
      await linkAll([linked!]);
      // The env account (RESELLER): an order being tracked, and a refunded one with an offer shown.
      const tracked = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0770000501', amount: 100, ref: 'wait-track-1' });
      h.emulator.setStatus(tracked.topupId, 'HANDLING');
      await h.send('/status wait-track-1');
      await h.telegram.waitFor(() => h.emulator.callCount(/check-id/) > 0 || undefined, { what: 'the order polled' });
      refundedWithOffers(h, 'wait-offer-1');
      const confirmation = await pressOffer(h, await statusWithOffers(h, 'wait-offer-1'));

      await spendEveryAttempt(linked!);
      const callsBefore = h.emulator.requests.length;

      await pressConfirm(h, confirmation);
      const t = h.app.translatorFor('ar');
      await h.telegram.waitFor(() => current(h, confirmation).text.includes('لم يُرسَل شيء') || undefined, {
        what: 'the confirmation saying nothing was sent, and until when to wait',
      });
      expect(current(h, confirmation).text).not.toContain(t('offer-key-rejected'));
      const status = await h.telegram.waitFor(
        () => h.telegram.messages(RESELLER).find((m) => m.text.includes('wait-track-1') && m.text.includes(t('order-provider-trouble'))),
        { what: "the tracked order's status: could not check" },
      );
      expect(status.text).not.toContain(t('order-provider-parked'));
      await sleep(500);
      expect(h.emulator.requests.slice(callsBefore)).toEqual([]); // not one call with the env key
      // /readyz: waiting for an attempt (when it frees up), not ok and not rejected.
      expect(h.app.keyStates().find((k) => k.accountId === 'env')).toEqual({
        accountId: 'env',
        state: 'waiting',
        reason: 'KEY_ATTEMPT_WAIT',
        until: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
      });

      // The oldest failure leaves the window: the env key re-proves itself and tracking carries on.
      h.emulator.setStatus(tracked.topupId, 'FULFILLED');
      clock.advance(WINDOW_MS + MINUTE);
      await h.telegram.waitFor(() => h.telegram.messages(RESELLER).find((m) => m.text.includes('wait-track-1') && m.text.includes('✅')), {
        what: 'the tracked order, fulfilled',
      });
      expect(h.emulator.requests.filter((r) => r.path === '/v3/mobile/send')).toEqual([]);
      expect(worstWindow()).toBeLessThanOrEqual(3);
      expect(ipBlockedAnswers()).toBe(0);
    }, 60_000);
    it('a Confirm held back while no attempt is free keeps its buttons: pressed too early it is held back again; once an attempt frees up the same button sends exactly once, and the bot never sends it by itself', async () => {
      const clock = skewedClock();
      await start(clock, { env: { ONBOARDING: 'open' } });
      const [linked] = LINKED;
      await linkAll([linked!]);
      refundedWithOffers(h, 'held-offer-1');
      const confirmation = await pressOffer(h, await statusWithOffers(h, 'held-offer-1'));
      await spendEveryAttempt(linked!);

      const t = h.app.translatorFor('ar');
      const heldBack = async (what: string) => {
        const shown = await h.telegram.waitFor(
          () =>
            current(h, confirmation).text.includes('لم يُرسَل شيء') && buttonsOf(current(h, confirmation)).length > 0
              ? current(h, confirmation)
              : undefined,
          { what },
        );
        // What it says: nothing was sent, from when it can be, and Confirm / Cancel to send it then.
        expect(shown.text).not.toContain(t('offer-key-rejected'));
        expect(buttonsOf(shown).map((b) => b.text)).toEqual([t('button-confirm'), t('button-cancel')]);
        return shown;
      };
      await pressConfirm(h, confirmation);
      const first = await heldBack('the confirmation: nothing sent, try again after …, with its buttons');
      const [offer] = await Offers(h).find().lean();
      expect(offer).toMatchObject({ state: 'held_back', refusal: { reason: 'key_wait' } });

      // Pressed again before an attempt frees up: held back again, still nothing sent.
      await pressConfirm(h, first);
      await h.telegram.waitFor(() => (current(h, confirmation).text.includes(t('offer-sending')) ? undefined : true), {
        what: 'sending… gone',
      });
      const second = await heldBack('held back again');
      expect(sendCount(h)).toBe(0);

      // The oldest failure leaves the window: an attempt is free. The bot does not send the offer by itself...
      clock.advance(WINDOW_MS + MINUTE);
      await settle();
      await sleep(500);
      expect(sendCount(h)).toBe(0);
      expect(current(h, confirmation).text).toBe(second.text);
      // ...the same button does, once, and the message becomes the order's live status.
      await pressConfirm(h, second);
      await waitUntilShows(h, confirmation, '✅', 'the order sent and fulfilled');
      await pressConfirm(h, second); // an old tap of the same button: already sent
      await h.waitUntilDelivered();
      await sleep(500);
      expect(sendCount(h)).toBe(1);
      expect(await Offers(h).findById(offer!._id).lean()).toMatchObject({ state: 'sent' });
      expect(worstWindow()).toBeLessThanOrEqual(3);
      expect(ipBlockedAnswers()).toBe(0);
    }, 60_000);
  });
});
