import { describe, expect, it } from 'vitest';
import { chatLanguage, shippedLocale, type LanguageSources } from '../../src/bot/chat-language.js';
import type { Locale } from '../../src/config.js';

describe('shippedLocale', () => {
  it.each([
    ['fr', 'fr'],
    ['fr-FR', 'fr'],
    ['fr-CA', 'fr'],
    ['en_US', 'en'],
    ['EN-gb', 'en'],
    ['ar', 'ar'],
    ['ar-DZ', 'ar'],
    ['de', undefined],
    ['frr', undefined], // North Frisian, not French
    ['', undefined],
    [undefined, undefined],
  ] as const)('%s → %s', (code, locale) => {
    expect(shippedLocale(code)).toBe(locale);
  });
});

describe('chatLanguage', () => {
  const chosen = new Map<number, Locale>([
    [10, 'en'],
    [-20, 'fr'],
  ]);
  const sources: LanguageSources = { chosenLocale: (id) => Promise.resolve(chosen.get(id)), defaultLocale: 'ar' };

  it('uses what the chat picked, over the app language, in private chats and groups', async () => {
    expect(await chatLanguage({ chat: { id: 10, type: 'private' }, from: { language_code: 'fr' } }, sources)).toBe('en');
    expect(await chatLanguage({ chat: { id: -20, type: 'group' }, from: { language_code: 'en' } }, sources)).toBe('fr');
  });

  it('uses the app language in a private chat that picked nothing, when we ship it', async () => {
    expect(await chatLanguage({ chat: { id: 11, type: 'private' }, from: { language_code: 'fr-FR' } }, sources)).toBe('fr');
    expect(await chatLanguage({ chat: { id: 11, type: 'private' }, from: { language_code: 'de' } }, sources)).toBe('ar');
    expect(await chatLanguage({ chat: { id: 11, type: 'private' }, from: {} }, sources)).toBe('ar');
  });

  it("uses DEFAULT_LOCALE in a group that picked nothing, whatever the member's app language", async () => {
    expect(await chatLanguage({ chat: { id: -21, type: 'supergroup' }, from: { language_code: 'fr' } }, sources)).toBe('ar');
    expect(
      await chatLanguage({ chat: { id: -21, type: 'group' }, from: { language_code: 'en' } }, { ...sources, defaultLocale: 'en' }),
    ).toBe('en');
  });

  it('uses the app language for an update without a chat', async () => {
    expect(await chatLanguage({ from: { language_code: 'en' } }, sources)).toBe('en');
  });
});
