import { describe, expect, it } from 'vitest';
import { AccountStore } from '../../src/accounts/account-store.js';
import { keyRejectedNoticeKey, OwnerNotices, OwnerNoticeStore, type OwnerNoticeDoc } from '../../src/accounts/owner-notices.js';
import { systemClock } from '../../src/shared/clock.js';
import { RESELLER, sleep, type Harness } from '../support/harness.js';
import { startBot } from '../support/start-bot.js';
import { textMessageUpdate } from '../support/updates.js';

/**
 * Owner notices ("X joined with your invite", "your linked key was rejected") are recorded in MongoDB
 * where they are detected and delivered by a leased worker: a crash mid-send, a restart or a 429 never
 * loses one nor sends it twice. The harness's notice lease is 2 s.
 */

const NEWBIE = 333_333;
const LEASE_MS = 2_000;

async function start(): Promise<Harness> {
  return startBot({ allowedUserIds: [RESELLER], defaultLocale: 'en' });
}

/** The owner sends /invite; the one-time code of the deep link the bot answered with. */
async function inviteCode(h: Harness): Promise<string> {
  await h.send('/invite');
  const answer = h.telegram.lastMessage(RESELLER)!;
  const m = new RegExp(`\\?start=([A-Za-z0-9_-]+)`).exec(answer.text);
  if (!m?.[1]) throw new Error(`no invite link in: ${answer.text}`);
  return m[1];
}

/** Amina opens the invite link and joins. */
async function aminaJoins(h: Harness, code: string): Promise<void> {
  await h.handle(textMessageUpdate({ chatId: NEWBIE, fromId: NEWBIE, text: `/start ${code}`, firstName: 'Amina', username: 'amina_dz' }));
}

/** The owner's join notices received so far. */
const joinNotices = (h: Harness) => h.telegram.messages(RESELLER).filter((m) => m.text.includes('Amina'));

async function notices(h: Harness): Promise<OwnerNoticeDoc[]> {
  return new OwnerNoticeStore(h.db).Notice.find().lean<OwnerNoticeDoc[]>();
}

describe('owner notices', () => {
  it('a process killed while Telegram holds the notice: the next process sends it once its claim expires, exactly once, in the language the owner has then', async () => {
    const h = await start();
    const code = await inviteCode(h);
    const held = h.telegram.hold('sendMessage', { chatId: RESELLER });
    await aminaJoins(h, code);
    await held.arrived; // the notice is in flight, Telegram has not answered
    h.app.crash();
    // Between detection and delivery the owner switches to French: the notice is rendered when sent.
    await h.app.chats.setLocale(RESELLER, 'fr');
    await h.boot();

    const notice = await h.waitForMessage(RESELLER, (m) => m.text.includes('Amina'), 'the join notice');
    expect(notice.html).toBe(h.app.translatorFor('fr')('invite-used', { name: 'Amina (@amina_dz)' }));
    expect(notice.html).not.toContain(String(NEWBIE));
    // Past another whole lease: no second copy.
    await sleep(LEASE_MS * 1.5);
    expect(joinNotices(h)).toHaveLength(1);
    const [doc] = await notices(h);
    expect(doc).toMatchObject({ kind: 'staff-joined', userId: RESELLER, dueAt: null, gaveUp: null });
    expect(doc!.deliveredAt).toBeInstanceOf(Date);
    // The dead process's request never reached Telegram: its connection drops, and nothing it does
    // afterwards (its claim was taken over) writes or sends anything.
    h.telegram.failNext('sendMessage', 'reset', { chatId: RESELLER });
    held.release();
    await sleep(LEASE_MS);
    expect(joinNotices(h)).toHaveLength(1);
    expect((await notices(h))[0]!.deliveredAt).toEqual(doc!.deliveredAt);
  }, 30_000);

  it('Telegram answers 429 first: the notice comes after retry_after, once', async () => {
    const h = await start();
    const code = await inviteCode(h);
    h.telegram.failNext('sendMessage', { code: 429, retryAfter: 1 }, { chatId: RESELLER });
    await aminaJoins(h, code);
    const notice = await h.waitForMessage(RESELLER, (m) => m.text.includes('Amina'), 'the join notice');
    expect(notice.html).toBe(h.app.translatorFor('en')('invite-used', { name: 'Amina (@amina_dz)' }));
    await sleep(LEASE_MS * 1.5);
    expect(joinNotices(h)).toHaveLength(1);
    const attempts = h.telegram.calls.filter(
      (c) => c.method === 'sendMessage' && c.params.chat_id === RESELLER && String(c.params.text).includes('Amina'),
    );
    expect(attempts.map((c) => c.errorCode ?? 'ok')).toEqual([429, 'ok']);
  }, 30_000);

  it('a network error then success: delivered once, after a backoff', async () => {
    const h = await start();
    const code = await inviteCode(h);
    h.telegram.failNext('sendMessage', 'reset', { chatId: RESELLER });
    await aminaJoins(h, code);
    await h.waitForMessage(RESELLER, (m) => m.text.includes('Amina'), 'the join notice', 20_000);
    await sleep(LEASE_MS * 1.5);
    expect(joinNotices(h)).toHaveLength(1);
  }, 40_000);

  it('the owner blocked the bot (403): the notice is given up, not retried', async () => {
    const h = await start();
    const code = await inviteCode(h);
    h.telegram.blockChat(RESELLER);
    await aminaJoins(h, code);
    const deadline = Date.now() + 10_000;
    let doc: OwnerNoticeDoc | undefined;
    while (Date.now() < deadline) {
      [doc] = await notices(h);
      if (doc?.gaveUp) break;
      await sleep(100);
    }
    expect(doc).toMatchObject({ gaveUp: 'chat_unreachable', dueAt: null, deliveredAt: null });
    h.telegram.unblockChat(RESELLER);
    await sleep(LEASE_MS * 1.5);
    expect(joinNotices(h)).toHaveLength(0);
  }, 30_000);

  it('a key rejection seen by two processes at once, or again after a crash between recording and marking, is one notice; a new episode after the key was accepted again is another', async () => {
    const h = await start();
    const accounts = new AccountStore(h.db);
    const store = new OwnerNoticeStore(h.db);
    const OWNER = 444_444;
    await accounts.Account.create({
      _id: 'acc-1',
      ownerUserId: OWNER,
      sealedKey: 'v1.sealed',
      providerAccount: 'prod:+213560000001',
      username: '+213560000001',
      environment: 'prod',
      scope: 'FULL',
      linkedAt: new Date('2026-01-01T00:00:00Z'),
      unlinkedAt: null,
    });
    // Two processes (their own recorders, no worker) see the same rejection at the same moment.
    const recorder = () => new OwnerNotices({ store, accounts, clock: systemClock, onRecorded: () => undefined });
    await Promise.all([recorder().keyRejected('acc-1'), recorder().keyRejected('acc-1')]);
    const owed = await store.Notice.find({ accountId: 'acc-1' }).lean<OwnerNoticeDoc[]>();
    expect(owed).toHaveLength(1);
    expect(owed[0]).toMatchObject({ kind: 'key-rejected', userId: OWNER, data: { username: '+213560000001', environment: 'prod' } });
    expect(JSON.stringify(owed[0])).not.toContain('sealed');

    // A process that died after recording but before marking the account: the next sighting records nothing new.
    await accounts.Account.updateOne({ _id: 'acc-1' }, { $set: { rejectionNoticeAt: null } });
    await recorder().keyRejected('acc-1');
    expect(await store.Notice.countDocuments({ accountId: 'acc-1' })).toBe(1);
    expect(owed[0]!._id).toBe(keyRejectedNoticeKey('acc-1', `${Date.parse('2026-01-01T00:00:00Z')}-0`));

    // Accepted again, then rejected again: a new episode, a new notice.
    await accounts.Account.updateOne({ _id: 'acc-1' }, { $set: { rejectionNoticeAt: new Date() } });
    await accounts.clearRejectionNotice('acc-1');
    await recorder().keyRejected('acc-1');
    expect(await store.Notice.countDocuments({ accountId: 'acc-1' })).toBe(2);
  });
});
