import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatAmount } from '../../src/bot/render/format.js';
import { Harness, RESELLER } from '../support/harness.js';
import { buttonsOf, refundedWithOffers, statusWithOffers } from '../support/offer-steps.js';

/** A second OneClickDz account, linked by OWNER in their private chat; RESELLER acts for the env account. */
const B_KEY = '2b3c4d5e-6f70-4819-9a2b-3c4d5e6f7081';
const B_USER = '+213660000009';
const OWNER = 555_555;
const en = { languageCode: 'en' };

let h: Harness;
beforeEach(async () => {
  h = await Harness.start({ env: { ONBOARDING: 'open' } });
  h.emulator.addAccount({ apiKey: B_KEY, username: B_USER, balance: 4321.5 });
  await h.send(`/link ${B_KEY}`, { userId: OWNER, ...en });
  await h.waitForMessage(OWNER, (m) => m.text.includes('Account linked'), 'account B linked');
});
afterEach(async () => {
  await h.close();
});

describe('isolation between accounts', () => {
  it('the same ref in two accounts is two orders, each chat sees only its own account', async () => {
    h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0771111111', amount: 100, ref: 'shared-1' });
    h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0772222222', amount: 200, ref: 'shared-1' }, { account: B_USER });
    await h.send('/status shared-1', { userId: RESELLER, ...en });
    await h.send('/status shared-1', { userId: OWNER, ...en });
    const envView = await h.waitForMessage(RESELLER, (m) => m.text.includes('shared-1') && m.text.includes('✅'), 'env order fulfilled');
    const bView = await h.waitForMessage(OWNER, (m) => m.text.includes('shared-1') && m.text.includes('✅'), 'account B order fulfilled');
    expect(envView.text).toContain('0771111111');
    expect(envView.text).not.toContain('0772222222');
    expect(bView.text).toContain('0772222222');
    expect(bView.text).not.toContain('0771111111');
    const orders = await h.app.models.Order.find({ ref: 'shared-1' }).lean();
    const accountB = (await h.app.linking.store.ownedBy(OWNER))!._id;
    expect(orders.map((o) => o.accountId).sort()).toEqual(['env', accountB].sort());
  });

  it("a chat never follows another account's order, whatever ref or id it types, even one the bot tracks", async () => {
    const { topupId } = h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0773333333', amount: 100, ref: 'env-only' });
    await h.send('/status env-only', { userId: RESELLER, ...en });
    await h.waitForMessage(RESELLER, (m) => m.text.includes('env-only') && m.text.includes('✅'), 'env order fulfilled');

    for (const query of ['env-only', topupId]) {
      await h.send(`/status ${query}`, { userId: OWNER, ...en });
      await h.waitForMessage(OWNER, (m) => m.text.includes('does not know this ref or id on your account'), `not found for ${query}`);
      expect(h.telegram.messages(OWNER).some((m) => m.text.includes('0773333333'))).toBe(false);
    }
    await h.send('/pending', { userId: OWNER, ...en });
    expect(h.telegram.lastMessage(OWNER)!.text).not.toContain('env-only');
    const accountB = (await h.app.linking.store.ownedBy(OWNER))!._id;
    // B's lookups are B's orders (not found at the provider), never the env order.
    const envOrder = await h.app.models.Order.findOne({ accountId: 'env', ref: 'env-only' }).lean();
    expect(await h.app.models.Watcher.countDocuments({ orderId: envOrder!._id, chatId: OWNER })).toBe(0);
    expect(await h.app.models.Order.countDocuments({ accountId: accountB, providerId: topupId, phase: { $ne: 'unresolved' } })).toBe(0);
  });

  it("forged callback data (another account's offer, page or mute button) is refused and changes nothing", async () => {
    refundedWithOffers(h, 'env-offers');
    const status = await statusWithOffers(h, 'env-offers', { userId: RESELLER });
    const buttons = buttonsOf(status).map((b) => b.callback_data);
    const offer = buttons.find((d) => d.startsWith('of:'))!;
    const mute = buttons.find((d) => d.startsWith('mute:'));
    const order = await h.app.models.Order.findOne({ accountId: 'env', ref: 'env-offers' }).lean();
    const orderId = order!._id.toString();
    // Keys are not derivable from what the bot shows (the order id, plan and amount).
    const derivable = createHash('sha256').update(`offer:${orderId}:FACTURE_DJEZZY:500`).digest('base64url').slice(0, 12);
    expect(offer).not.toBe(`of:${derivable}`);

    const mine = h.telegram.lastMessage(OWNER)!.message_id;
    const offersBefore = await h.app.models.Order.db.collection('offers').find().toArray();
    for (const data of [offer, `oc:${offer.slice(3)}`, `oa:${offer.slice(3)}`, `op:${orderId}:1`, mute ?? `mute:${orderId}`]) {
      await h.press(mine, data, { userId: OWNER });
    }
    const answers = h.telegram.calls.filter((c) => c.method === 'answerCallbackQuery').slice(-5);
    expect(answers).toHaveLength(5);
    for (const a of answers) expect(typeof a.params.text === 'string' && a.params.text !== '').toBe(true);
    // Nothing sent, nothing muted, no confirmation in the forging chat, offers unchanged.
    expect(h.emulator.callCount(/send/)).toBe(0);
    expect(await h.app.models.Watcher.countDocuments({ orderId: order!._id, muted: true })).toBe(0);
    expect(h.telegram.lastMessage(OWNER)!.message_id).toBe(mine);
    const offersAfter = await h.app.models.Order.db.collection('offers').find().toArray();
    expect(JSON.stringify(offersAfter)).toBe(JSON.stringify(offersBefore));
  });

  it("documents written before accounts existed become the default account's at start-up", async () => {
    const db = h.app.models.Order.db;
    await db.collection('watchers').insertOne({ chatId: RESELLER, locale: 'en', muted: false, legacy: true });
    await db.collection('offers').insertOne({ _id: 'legacyofferk1' as never, state: 'offered', legacy: true });
    await h.boot(); // another process starts on the same database
    expect(await db.collection('watchers').findOne({ legacy: true })).toMatchObject({ accountId: 'env' });
    expect(await db.collection('offers').findOne({ legacy: true })).toMatchObject({ accountId: 'env' });
  });

  it("/balance shows the chat's own account balance without waiting in the update, then from a 30 s cache; /account shows what is linked and the role", async () => {
    await h.send('/balance', { userId: OWNER, ...en });
    const first = await h.waitForMessage(OWNER, (m) => m.text.includes('Balance:'), "account B's balance");
    expect(first.history[0]).toContain('Asking OneClickDz for the balance');
    expect(first.text).toContain(formatAmount(4321.5, 'en'));
    await h.send('/balance', { userId: RESELLER, ...en });
    const env = await h.waitForMessage(RESELLER, (m) => m.text.includes('Balance:'), "the env account's balance");
    expect(env.text).toContain(formatAmount(h.emulator.balance, 'en'));
    expect(env.text).not.toContain(formatAmount(4321.5, 'en'));

    const calls = h.emulator.callCount(/balance/);
    expect(calls).toBe(2);
    await h.send('/balance', { userId: OWNER, ...en });
    const cached = h.telegram.lastMessage(OWNER)!;
    expect(cached.message_id).not.toBe(first.message_id);
    expect(cached.history).toHaveLength(1); // answered at once, no "loading" first
    expect(cached.text).toContain(formatAmount(4321.5, 'en'));
    expect(h.emulator.callCount(/balance/)).toBe(calls);

    await h.send('/account', { userId: OWNER, ...en });
    const account = h.telegram.lastMessage(OWNER)!.text;
    for (const part of [B_USER, 'SANDBOX', 'READ-WRITE', 'owner']) expect(account).toContain(part);
    await h.send('/account', { userId: RESELLER, ...en });
    expect(h.telegram.lastMessage(RESELLER)!.text).toContain("the bot's own OneClickDz account");
  });
});
