import { afterEach, describe, expect, it } from 'vitest';
import { KeyVault } from '../../src/accounts/key-vault.js';
import { stripInvisibleMarks } from '../../src/shared/invisible-marks.js';
import { Harness, RESELLER, STAFF, STRANGER, TEST_API_KEY, TEST_ENCRYPTION_KEY, type HarnessOptions } from '../support/harness.js';
import { textMessageUpdate } from '../support/updates.js';

/** Provider keys are UUIDs (the harness's env key is not one, like an old-style test key). */
const OWNER_KEY = '3f2b8c1e-7d4a-4e9b-a6c5-0d1e2f3a4b5c';
const READ_ONLY_KEY = '8a7b6c5d-4e3f-4a2b-9c1d-0e9f8a7b6c5d';
const DISABLED_KEY = '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
const FENCED_KEY = '6e5d4c3b-2a19-4f8e-b7d6-c5b4a3928170';
const BAD_KEYS = ['00000000-1111-4222-8333-444444444444', '55555555-6666-4777-8888-999999999999', 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee'];
const OWNER = 333_333;
const OTHER = 444_444;
const GROUP = -4_000_777;

let h: Harness;
afterEach(async () => {
  await h?.close();
});

async function start(opts: HarnessOptions = {}): Promise<Harness> {
  h = await Harness.start({ captureLogs: true, ...opts, env: { ONBOARDING: 'open', ...opts.env } });
  h.emulator.addAccount({ apiKey: OWNER_KEY, username: '+213550000001' });
  h.emulator.addAccount({ apiKey: READ_ONLY_KEY, username: '+213550000002', keyType: 'PRODUCTION', keyScope: 'READ-ONLY' });
  h.emulator.addAccount({ apiKey: DISABLED_KEY, username: '+213550000003', enabled: false });
  h.emulator.addAccount({ apiKey: FENCED_KEY, username: '+213550000004', allowedIps: ['203.0.113.9'] });
  return h;
}

const en = { languageCode: 'en' };

/** Sends `text` from `userId` in their private chat and waits until the bot's last message there matches. */
async function sendAndWait(userId: number, text: string, probe: RegExp, what: string): Promise<number> {
  const id = await h.send(text, { userId, ...en });
  await h.waitForMessage(userId, (m) => probe.test(m.text), what);
  return id;
}

function deleted(chatId: number, messageId: number): boolean {
  return h.telegram.calls.some(
    (c) => c.method === 'deleteMessage' && c.ok && Number(c.params.chat_id) === chatId && Number(c.params.message_id) === messageId,
  );
}

/** Every document of every collection of the harness's database, as JSON text. */
async function everyDocument(): Promise<string> {
  const db = h.db.db!;
  const parts: string[] = [];
  for (const { name } of await db.listCollections().toArray()) {
    const docs = await db.collection(name).find().toArray();
    parts.push(`${name}: ${JSON.stringify(docs)}`);
  }
  return parts.join('\n');
}

describe('onboarding and linking a key', () => {
  it('/start without an account: language buttons, then the key; the key message is deleted at once and the account is shown; the key is nowhere in plain text', async () => {
    await start();
    await h.send('/start', { userId: OWNER, ...en });
    await h.send('/start', { userId: OWNER, ...en }); // again, before answering: it starts over
    const welcome = h.telegram.lastMessage(OWNER)!;
    expect(h.telegram.messages(OWNER).filter((m) => m.text.includes('choose your language'))).toHaveLength(2);
    expect(welcome.text).toContain('choose your language');
    const buttons = welcome.reply_markup!.inline_keyboard.flat().map((b) => ('callback_data' in b ? b.callback_data : ''));
    expect(buttons).toEqual(['onboard:ar', 'onboard:fr', 'onboard:en']);
    await h.press(welcome.message_id, 'onboard:fr', { userId: OWNER });
    await h.waitForMessage(OWNER, (m) => m.text.includes('clé API OneClickDz'), 'the French key prompt');
    expect(await h.app.chats.locale(OWNER)).toBe('fr');

    const keyMessage = await h.send(OWNER_KEY, { userId: OWNER });
    expect(deleted(OWNER, keyMessage)).toBe(true); // before the handler returned
    const result = await h.waitForMessage(OWNER, (m) => m.text.includes('Compte lié'), 'the linked account');
    expect(result.text).toContain('+213550000001');
    expect(result.text).toContain('SANDBOX');
    expect(result.text).toContain('READ-WRITE');
    expect(result.history[0]).toContain('Vérification'); // "checking…" first, edited in the background

    const account = await h.app.linking.store.ownedBy(OWNER);
    expect(account).toMatchObject({ username: '+213550000001', environment: 'SANDBOX', scope: 'READ-WRITE', ownerUserId: OWNER });
    expect(new KeyVault(TEST_ENCRYPTION_KEY).open(account!.sealedKey!)).toBe(OWNER_KEY);

    // The account works: an order of that provider account is found through its own key.
    h.emulator.sendMobile(
      { plan_code: 'PREPAID_DJEZZY', MSSIDN: '0770000001', amount: 100, ref: 'linked-1' },
      { account: '+213550000001' },
    );
    await h.send('/status linked-1', { userId: OWNER });
    await h.waitForMessage(OWNER, (m) => m.text.includes('linked-1') && m.text.includes('✅'), 'the linked account order, fulfilled');
    const order = await h.app.models.Order.findOne({ ref: 'linked-1' }).lean();
    expect(order?.accountId).toBe(account!._id);

    // The key in plain text: in no MongoDB document, no log line, no message the bot sent.
    expect(await everyDocument()).not.toContain(OWNER_KEY);
    expect(h.logLines.length).toBeGreaterThan(0);
    expect(h.logLines.join('\n')).not.toContain(OWNER_KEY);
    expect(JSON.stringify(h.telegram.calls.map((c) => c.params))).not.toContain(OWNER_KEY);
  });

  it('/link <key> with a READ-ONLY key links it and says what READ-ONLY means; invalid, disabled and IP-refused keys are explained and nothing is stored', async () => {
    await start();
    const linkMsg = await sendAndWait(OWNER, `/link ${READ_ONLY_KEY}`, /Account linked/, 'the read-only account');
    expect(deleted(OWNER, linkMsg)).toBe(true);
    const shown = h.telegram.lastMessage(OWNER)!.text;
    expect(shown).toContain('PRODUCTION');
    expect(shown).toContain('READ-ONLY');
    expect(shown).toContain('re-sending a top-up needs a READ-WRITE key');

    await sendAndWait(OTHER, `/link ${BAD_KEYS[0]}`, /does not accept this key/, 'invalid key');
    await sendAndWait(OTHER, `/link ${DISABLED_KEY}`, /disabled in your OneClickDz dashboard/, 'disabled key');
    await sendAndWait(OTHER, `/link ${FENCED_KEY}`, /IP allow-list does not include it/, 'IP allow-list refusal');
    expect(await h.app.linking.store.ownedBy(OTHER)).toBeNull();
    expect(await everyDocument()).not.toMatch(new RegExp([READ_ONLY_KEY, BAD_KEYS[0], DISABLED_KEY, FENCED_KEY].join('|')));
    expect(h.logLines.join('\n')).not.toMatch(new RegExp([READ_ONLY_KEY, BAD_KEYS[0], DISABLED_KEY, FENCED_KEY].join('|')));
  });

  it('too many attempts: 3 checks per user per 15 min, at most 2 failed link attempts for everyone (the third attempt stays for valid keys), and the provider never blocks the IP', async () => {
    await start();
    await sendAndWait(OWNER, `/link ${BAD_KEYS[0]}`, /does not accept this key/, 'invalid key');
    await sendAndWait(OWNER, `/link ${DISABLED_KEY}`, /disabled in your OneClickDz dashboard/, 'disabled key'); // not a failed attempt
    await sendAndWait(OWNER, `/link ${BAD_KEYS[1]}`, /does not accept this key/, 'second invalid key');
    // This user's fourth check is refused before any provider call, with the time to try again.
    const before = h.emulator.callCount(/validate/);
    await h.send(`/link ${OWNER_KEY}`, { userId: OWNER, ...en });
    expect(h.telegram.lastMessage(OWNER)!.text).toMatch(/You have checked 3 keys in the last 15 minutes\. Try again after \d\d:\d\d UTC/);
    // Another user: linking's share of the shared budget (2 of its 3 failures in 15 min) is spent, so no provider call either.
    await sendAndWait(OTHER, `/link ${BAD_KEYS[2]}`, /no key is checked before \d\d:\d\d UTC/, 'the global budget refusal');
    expect(h.emulator.callCount(/validate/)).toBe(before);
    expect(h.emulator.requests.filter((r) => r.code === 'INVALID_ACCESS_TOKEN')).toHaveLength(2);
    expect(h.emulator.ipBlockedUntil()).toBe(0);
    // The env account still works meanwhile: proven before those failures, it re-proves itself with the
    // attempt linking left free, and its call goes out.
    h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0770000002', amount: 100, ref: 'env-1' });
    await h.send('/status env-1', { userId: RESELLER, ...en });
    await h.waitForMessage(RESELLER, (m) => m.text.includes('env-1') && m.text.includes('✅'), 'the env account still answers');
  });

  it('a key pasted in a group is deleted at once and never linked; a key sent by someone who may not link is deleted too', async () => {
    await start({ env: { ONBOARDING: 'closed' } });
    const inGroup = textMessageUpdate({ chatId: GROUP, fromId: RESELLER, text: `here is the key ${OWNER_KEY}` });
    await h.handle(inGroup);
    expect(deleted(GROUP, inGroup.message!.message_id)).toBe(true);
    expect(h.telegram.lastMessage(GROUP)!.html).not.toContain(String(RESELLER));
    expect(await h.app.linking.store.Account.countDocuments()).toBe(0);

    const fromStranger = await h.send(OWNER_KEY, { userId: STRANGER, ...en });
    expect(deleted(STRANGER, fromStranger)).toBe(true);
    expect(h.telegram.lastMessage(STRANGER)!.text).toContain('not open on this bot');
    expect(h.emulator.callCount(/validate/)).toBe(0);
    expect(await h.app.linking.store.Account.countDocuments()).toBe(0);
  });

  it('an allowed user pasting a key unasked is offered /link; a key-shaped ref is never looked up as an order', async () => {
    await start();
    const pasted = await h.send(`/status ${OWNER_KEY}`, { userId: RESELLER, ...en });
    expect(deleted(RESELLER, pasted)).toBe(true);
    expect(h.telegram.lastMessage(RESELLER)!.text).toContain('To link this key, send /link');
    expect(await h.app.models.Order.countDocuments()).toBe(0);
    expect(h.emulator.callCount()).toBe(0);
  });

  it('a key pasted with zero-width characters or direction marks inside or around is still a key: deleted, offered or linked, never a ref, nowhere in plain text', async () => {
    await start();
    const spliced = (key: string, mark: string) => `${mark}${key.slice(0, 8)}${mark}${key.slice(8, 23)}${mark}${key.slice(23)}${mark}`;
    // An allowed user pasting it unasked (bare, and as a ref): deleted at once, offered /link, never looked up.
    const marks = ['\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u200E', '\u200F', '\u061C'];
    for (const [i, mark] of marks.entries()) {
      // Both allowed users (each chat is paced), bare and as /status alternately.
      const userId = i % 2 === 0 ? RESELLER : STAFF;
      const text = i % 4 < 2 ? spliced(OWNER_KEY, mark) : `/status ${spliced(OWNER_KEY, mark)}`;
      const pasted = await h.send(text, { userId, ...en });
      expect(deleted(userId, pasted)).toBe(true);
      expect(h.telegram.lastMessage(userId)!.text).toContain('To link this key, send /link');
    }
    expect(await h.app.models.Order.countDocuments()).toBe(0);
    expect(await h.app.models.Watcher.countDocuments()).toBe(0);
    expect(h.emulator.callCount()).toBe(0);

    // Asked for (/link with the key dressed in marks): linked with the key itself.
    const linkMsg = await sendAndWait(OWNER, `/link \u2066${spliced(OWNER_KEY, '\u200B')}\u2069`, /Account linked/, 'linked');
    expect(deleted(OWNER, linkMsg)).toBe(true);
    expect(h.emulator.requests.filter((r) => r.path === '/v3/validate' && r.code === 'INVALID_ACCESS_TOKEN')).toEqual([]);
    expect(await h.app.linking.store.ownedBy(OWNER)).toMatchObject({ username: '+213550000001' });

    // Nowhere in plain text, even once the invisible characters are taken out of what is stored, logged or sent.
    const visible = (text: string) => stripInvisibleMarks(text);
    expect(visible(await everyDocument())).not.toContain(OWNER_KEY);
    expect(visible(h.logLines.join('\n'))).not.toContain(OWNER_KEY);
    expect(visible(JSON.stringify(h.telegram.calls.map((c) => c.params)))).not.toContain(OWNER_KEY);
  });

  it('/unlink removes the key; the owner linking the same account again keeps its orders; someone else is told to ask the owner', async () => {
    await start();
    await sendAndWait(OWNER, `/link ${OWNER_KEY}`, /Account linked/, 'linked');
    const first = (await h.app.linking.store.ownedBy(OWNER))!;
    await sendAndWait(OTHER, `/link ${OWNER_KEY}`, /already linked by someone else\. Ask its owner for an invite/, 'taken');

    await sendAndWait(OWNER, '/unlink', /Your OneClickDz key was removed/, 'unlinked');
    expect(await h.app.linking.store.ownedBy(OWNER)).toBeNull();
    expect((await h.app.linking.store.byId(first._id))?.sealedKey).toBeNull();
    await sendAndWait(OWNER, `/link ${OWNER_KEY}`, /Key linked again/, 'linked again');
    expect((await h.app.linking.store.ownedBy(OWNER))?._id).toBe(first._id);
  });

  it('without ENCRYPTION_KEY the bot refuses to store a key and says why; the default account still works', async () => {
    await start({ env: { ENCRYPTION_KEY: '' } });
    const msg = await h.send(`/link ${OWNER_KEY}`, { userId: OWNER, ...en });
    expect(deleted(OWNER, msg)).toBe(true);
    expect(h.telegram.lastMessage(OWNER)!.text).toContain('has not set ENCRYPTION_KEY');
    expect(h.emulator.callCount(/validate/)).toBe(0);
    expect(await h.app.linking.store.Account.countDocuments()).toBe(0);
    h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0770000003', amount: 100, ref: 'env-2' });
    await h.send('/status env-2', { userId: RESELLER, ...en });
    await h.waitForMessage(RESELLER, (m) => m.text.includes('env-2') && m.text.includes('✅'), 'the env account answers');
    expect(TEST_API_KEY).toBeTruthy();
  });

  it('a linked key rejected later (401): calls with it stop and its owner is told once, in their private chat and language', async () => {
    await start();
    await h.send('/start', { userId: OWNER, ...en }); // onboarding: the chat's language, picked: French
    await h.press(h.telegram.lastMessage(OWNER)!.message_id, 'onboard:fr', { userId: OWNER });
    await h.waitForMessage(OWNER, (m) => m.text.includes('clé API OneClickDz'), 'the French key prompt');
    await sendAndWait(OWNER, OWNER_KEY, /Compte lié/, 'linked');
    h.emulator.setApiKey('7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2918', { account: '+213550000001' }); // revoked in the dashboard
    await h.send('/balance', { userId: OWNER });
    await h.telegram.waitFor(() => h.telegram.messages(OWNER).find((m) => m.text.includes('refuse en ce moment la clé')), {
      timeoutMs: 10_000,
      what: 'the balance says the key is refused',
    });
    await h.telegram.waitFor(
      () => h.telegram.messages(OWNER).find((m) => m.text.includes('OneClickDz a refusé la clé de votre compte lié')),
      { timeoutMs: 10_000, what: 'the owner is told their key was rejected' },
    );
    await h.send('/balance', { userId: OWNER });
    await h.send('/status some-ref', { userId: OWNER });
    await h.telegram.waitFor(() => h.telegram.messages(OWNER).find((m) => m.text.includes('impossible de vérifier les commandes')), {
      timeoutMs: 10_000,
      what: 'the status answer: the key is refused',
    });
    await h.telegram.waitFor(
      () => h.telegram.messages(OWNER).filter((m) => m.text.includes('refuse en ce moment la clé')).length === 2 || undefined,
      {
        timeoutMs: 10_000,
        what: 'the second /balance: the key is refused',
      },
    );
    const told = h.telegram.messages(OWNER).filter((m) => m.text.includes('a refusé la clé de votre compte lié'));
    expect(told).toHaveLength(1);
    // One 401, counted: the suspended key is not sent again.
    expect(h.emulator.requests.filter((r) => r.code === 'INVALID_ACCESS_TOKEN')).toHaveLength(1);
  });
});
