import { beforeEach, describe, expect, it } from 'vitest';
import { SUPPORTED_LOCALES } from '../../src/config.js';
import { refreshChatMenus, setBotCommands } from '../../src/bot/commands.js';
import { RESELLER, STAFF, STRANGER, type Harness } from '../support/harness.js';
import { FACTURE_500, filledIn, pressOfferNow, refundedWithOffers, statusWithOffers } from '../support/offer-steps.js';
import { startBotWithStaffGroup } from '../support/start-bot.js';

/**
 * Which language the bot speaks, as resellers meet it: a French or English Telegram app, a staff group
 * that picked its own language, and the command menus Telegram shows them.
 */

let h: Harness;
beforeEach(async () => {
  h = await startBotWithStaffGroup(GROUP);
});

const GROUP = -4_000_777;
const ARABIC_WORDS = /[\u0600-\u06FF]{3}/;
const STARTS_ARABIC = /^[\u0600-\u06FF]/;

function lastText(chatId: number): string {
  return h.telegram.lastMessage(chatId)?.text ?? '';
}

function sendMobile(ref: string) {
  return h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: '0778037340', amount: 500, ref });
}

describe('a private chat that has not picked a language', () => {
  it('answers a French Telegram user in French: /start, /help, the /language prompt, and a status message', async () => {
    const fr = { languageCode: 'fr-FR' }; // a regional variant, as many French apps send

    await h.send('/start', fr);
    expect(lastText(RESELLER)).toContain('Bienvenue sur flexybot');
    expect(lastText(RESELLER)).toContain('/language'); // /start says how to change it
    expect(lastText(RESELLER)).not.toMatch(ARABIC_WORDS);

    await h.send('/help', fr);
    expect(lastText(RESELLER)).toContain('Commandes');
    expect(lastText(RESELLER)).not.toMatch(ARABIC_WORDS);

    await h.send('/language', fr);
    const picker = h.telegram.lastMessage(RESELLER)!;
    expect(picker.text).toContain('Choisissez la langue du bot');
    expect(picker.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual(['العربية', 'Français', 'English']);

    sendMobile('fr-app-1');
    await h.send('/status fr-app-1', fr);
    const final = await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status');
    expect(final.text).toContain('Recharge mobile');
    expect(final.text).not.toMatch(ARABIC_WORDS);
  });

  it('answers an English Telegram user in English, and a language we do not ship in DEFAULT_LOCALE', async () => {
    await h.send('/help', { languageCode: 'en' });
    expect(lastText(RESELLER)).toContain('Commands');

    await h.send('/help', { userId: STAFF, languageCode: 'de' });
    expect(lastText(STAFF)).toMatch(STARTS_ARABIC);
    await h.send('/start', { userId: STAFF });
    expect(lastText(STAFF)).toMatch(STARTS_ARABIC);
    expect(lastText(STAFF)).toContain('/language');
  });

  it('refuses a user who is not allowed in their own language, with their id', async () => {
    await h.send('/start', { userId: STRANGER, languageCode: 'fr' });
    const refusal = lastText(STRANGER);
    expect(refusal).toContain('Désolé, ce bot est réservé');
    expect(refusal).toContain(String(STRANGER));
    expect(refusal).not.toMatch(ARABIC_WORDS);
    expect(h.emulator.callCount()).toBe(0);
  });

  it('keeps the language picked with /language over the Telegram app language', async () => {
    const fr = { languageCode: 'fr' };
    await h.send('/language', fr);
    await h.press(h.telegram.lastMessage(RESELLER)!.message_id, 'lang:ar', fr);
    expect(lastText(RESELLER)).toContain('العربية');

    await h.send('/help', fr);
    expect(lastText(RESELLER)).toMatch(STARTS_ARABIC);
  });
});

describe('a group', () => {
  it('speaks DEFAULT_LOCALE until the group picks a language, then that language to every member, pushes included', async () => {
    const inGroup = (userId: number, languageCode: string) => ({ chatId: GROUP, userId, languageCode });

    // A French member's command in a group that chose nothing: the group's default, not the member's app.
    await h.send('/help', inGroup(RESELLER, 'fr'));
    expect(lastText(GROUP)).toMatch(STARTS_ARABIC);

    await h.send('/language', inGroup(RESELLER, 'fr'));
    const picker = h.telegram.lastMessage(GROUP)!;
    expect(picker.text).toMatch(STARTS_ARABIC);
    await h.press(picker.message_id, 'lang:fr', inGroup(RESELLER, 'fr'));
    expect(h.telegram.message(GROUP, picker.message_id)?.text).toContain('français');

    // Another member whose app is in English now gets French in the group...
    await h.send('/help', inGroup(STAFF, 'en'));
    expect(lastText(GROUP)).toContain('Commandes');
    // ...and the same member's private chat is untouched by the group's choice.
    await h.send('/help', { userId: STAFF, languageCode: 'en' });
    expect(lastText(STAFF)).toContain('Commands');

    // The status message and its background updates go in the group's language.
    const { topupId } = sendMobile('group-fr-1');
    h.emulator.setStatus(topupId, 'HANDLING');
    await h.send('/status group-fr-1', inGroup(STAFF, 'en'));
    await h.waitForMessage(GROUP, (m) => m.text.includes('⏳'), 'processing status');
    h.emulator.setStatus(topupId, 'FULFILLED');
    const final = await h.waitForMessage(GROUP, (m) => m.text.includes('✅'), 'fulfilled status');
    expect(final.text).toContain('Recharge mobile : effectuée');
  });
});

describe('the command menus', () => {
  it('are registered per scope (private chats, groups) and per language, plus a DEFAULT_LOCALE menu for other languages', async () => {
    await setBotCommands(h.app.bot.api, h.app.translatorFor, h.config.defaultLocale);

    const calls = h.telegram.calls.filter((c) => c.method === 'setMyCommands');
    expect(calls.every((c) => c.ok)).toBe(true);
    const registered = calls.map(
      (c) =>
        `${(c.params.scope as { type: string } | undefined)?.type ?? 'default'}|${(c.params.language_code as string | undefined) ?? ''}`,
    );
    expect(registered.sort()).toEqual(
      ['all_private_chats', 'all_group_chats'].flatMap((scope) => ['', ...SUPPORTED_LOCALES].map((lang) => `${scope}|${lang}`)).sort(),
    );

    const menu = (lang: string, scope: string) =>
      (h.telegram.myCommands(lang, { type: scope }) as Array<{ command: string; description: string }>).map(
        (c) => `/${c.command} ${c.description}`,
      );
    for (const scope of ['all_private_chats', 'all_group_chats']) {
      // A French app sees French descriptions, an English one English, any other app the default (Arabic).
      expect(menu('fr', scope)).toContain('/language Changer la langue du bot');
      expect(menu('en', scope)).toContain("/language Change the bot's language");
      expect(menu('', scope)).toEqual(menu('ar', scope));
      for (const line of menu('ar', scope)) expect(line.split(' ').slice(1).join(' ')).toMatch(STARTS_ARABIC);
      // Every menu offers /status and /language; every command in it has a handler that answers.
      for (const lang of ['', ...SUPPORTED_LOCALES]) {
        const commands = menu(lang, scope).map((line) => line.split(' ')[0]);
        expect(commands).toContain('/status');
        expect(commands).toContain('/language');
      }
    }
  });

  it('name only commands the bot answers, in private chats and in groups', async () => {
    await setBotCommands(h.app.bot.api, h.app.translatorFor, h.config.defaultLocale);
    for (const [scope, chatId] of [
      ['all_private_chats', RESELLER],
      ['all_group_chats', GROUP],
    ] as const) {
      for (const { command } of h.telegram.myCommands('en', { type: scope }) as Array<{ command: string }>) {
        const before = h.telegram.callCount('sendMessage', chatId);
        await h.send(`/${command}`, { chatId, languageCode: 'en' });
        expect(h.telegram.callCount('sendMessage', chatId), `/${command} in ${scope}`).toBeGreaterThan(before);
      }
    }
  });
});

describe("a chat's own command menu", () => {
  type Command = { command: string; description: string };
  const chatMenu = (chatId: number) => h.telegram.myCommands('', { type: 'chat', chat_id: chatId }) as Command[];
  const descriptionOf = (menu: Command[], command: string) => menu.find((c) => c.command === command)?.description;

  it('follows the language the chat picked, whatever the app language (private chat and group)', async () => {
    await setBotCommands(h.app.bot.api, h.app.translatorFor, h.config.defaultLocale);
    const fr = { languageCode: 'fr' };
    // A French app sees the French menu until the chat picks Arabic; then the chat's own menu is Arabic.
    expect(chatMenu(RESELLER)).toEqual([]);
    await h.send('/language', fr);
    await h.press(h.telegram.lastMessage(RESELLER)!.message_id, 'lang:ar', fr);
    expect(descriptionOf(chatMenu(RESELLER), 'language')).toBe(h.app.translatorFor('ar')('command-language'));
    expect(chatMenu(RESELLER).map((c) => c.command)).toEqual(
      (h.telegram.myCommands('ar', { type: 'all_private_chats' }) as Command[]).map((c) => c.command),
    );

    await h.send('/language', { chatId: GROUP, userId: STAFF });
    await h.press(h.telegram.lastMessage(GROUP)!.message_id, 'lang:en', { chatId: GROUP, userId: STAFF });
    expect(chatMenu(GROUP)).toEqual(h.telegram.myCommands('en', { type: 'all_group_chats' }));
  });

  it('survives a double tap on a language button without a Telegram error or an error message', async () => {
    await h.send('/language');
    const picker = h.telegram.lastMessage(RESELLER)!;
    await Promise.all([h.press(picker.message_id, 'lang:fr'), h.press(picker.message_id, 'lang:fr')]);
    expect(h.telegram.message(RESELLER, picker.message_id)?.text).toContain('français');
    expect(h.badRequests()).toEqual([]);
    expect(h.telegram.messages(RESELLER).map((m) => m.text)).not.toContain(h.app.translatorFor('fr')('error-generic'));
  });

  it('is set again at start-up when the menu changed since (and only then)', async () => {
    await h.send('/language');
    await h.press(h.telegram.lastMessage(RESELLER)!.message_id, 'lang:fr');
    await h.send('/language', { userId: STAFF });
    await h.press(h.telegram.lastMessage(STAFF)!.message_id, 'lang:en', { userId: STAFF });
    const chatMenuCalls = () =>
      h.telegram.calls.filter((c) => c.method === 'setMyCommands' && (c.params.scope as { type?: string })?.type === 'chat');
    expect(chatMenuCalls()).toHaveLength(2);

    await refreshChatMenus(h.app.bot.api, h.app.chats, h.app.translatorFor, h.log);
    expect(chatMenuCalls()).toHaveLength(2); // nothing changed: nothing sent

    // An older menu (a release before a command was added) recorded for the reseller's chat.
    await h.db.collection('chats').updateOne({ _id: RESELLER as never }, { $set: { menuHash: 'older-menu' } });
    // The first start-up cannot reach the chat; the next one refreshes it; the one after has nothing to do.
    h.telegram.failNext('setMyCommands', { code: 400, description: 'Bad Request: chat not found' });
    await refreshChatMenus(h.app.bot.api, h.app.chats, h.app.translatorFor, h.log);
    expect(
      chatMenuCalls()
        .slice(2)
        .map((c) => c.ok),
    ).toEqual([false]);
    await refreshChatMenus(h.app.bot.api, h.app.chats, h.app.translatorFor, h.log);
    const refreshed = chatMenuCalls().slice(2);
    expect(refreshed.map((c) => [(c.params.scope as { chat_id?: number }).chat_id, c.ok])).toEqual([
      [RESELLER, false],
      [RESELLER, true],
    ]);
    expect(descriptionOf(chatMenu(RESELLER), 'language')).toBe('Changer la langue du bot');
    await refreshChatMenus(h.app.bot.api, h.app.chats, h.app.translatorFor, h.log);
    expect(chatMenuCalls()).toHaveLength(4);
  });
});

describe('background edits after a language change', () => {
  it('fill in an offer confirmation shown before /language in the new language', async () => {
    refundedWithOffers(h, 'lang-offer-1');
    const status = await statusWithOffers(h, 'lang-offer-1');
    const balance = h.emulator.hold(/account\/balance/, 10);
    const confirmation = await pressOfferNow(h, status);
    expect(confirmation.text).toMatch(STARTS_ARABIC); // "loading…" in the chat's language at the press

    await h.send('/language');
    await h.press(h.telegram.lastMessage(RESELLER)!.message_id, 'lang:fr');
    balance.release();

    const filled = await filledIn(h, confirmation);
    expect(filled.text).toContain("Confirmer l'envoi de l'offre suggérée");
    // The provider's offer name ("📋 FACTURE | فاتورة") is shown as sent; nothing else is Arabic.
    expect(filled.text.replaceAll(FACTURE_500.typename, '')).not.toMatch(ARABIC_WORDS);
  });
});
