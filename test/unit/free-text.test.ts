import { describe, expect, it } from 'vitest';
import type { MessageEntity } from 'grammy/types';
import { classifyFreeText, ordersNamedIn } from '../../src/bot/free-text.js';
import { parseAmount, readAmount } from '../../src/bot/conversations/custom-amount.js';
import { asApiKey, containsApiKey } from '../../src/accounts/api-key-shape.js';
import { foldDigits } from '../../src/shared/digits.js';

const ID = '6901616fe9e88196b4eb64b0';

describe('foldDigits: one digit folding for refs and amounts', () => {
  it('maps Arabic-Indic and Persian digits to 0-9 and leaves the rest alone', () => {
    expect(foldDigits('٠١٢٣٤٥٦٧٨٩')).toBe('0123456789');
    expect(foldDigits('۰۱۲۳۴۵۶۷۸۹')).toBe('0123456789');
    expect(foldDigits('order-١٢ ۳ دج')).toBe('order-12 3 دج');
  });

  it('is what amounts and refs both use: the same digits read the same', () => {
    expect(parseAmount('١٥٠٠')).toBe(1500);
    expect(parseAmount('۱۵۰۰')).toBe(1500);
    expect(classifyFreeText('١٥٠٠')).toEqual({ kind: 'order', query: { by: 'ref', value: '1500' } });
    expect(classifyFreeText('۱۵۰۰')).toEqual({ kind: 'order', query: { by: 'ref', value: '1500' } });
  });
});

describe('classifyFreeText: what a text sent to the bot is', () => {
  it.each([
    ['a ref', 'order-123', { kind: 'order', query: { by: 'ref', value: 'order-123' } }],
    ['a quoted ref with #', '“#order-123”', { kind: 'order', query: { by: 'ref', value: 'order-123' } }],
    ['an id', ID, { kind: 'order', query: { by: 'id', value: ID } }],
    ['an Arabic greeting', 'السلام عليكم', { kind: 'not_ref' }],
    ['one Arabic word', 'مرحبا', { kind: 'not_ref' }],
    ['a question', 'where is my order?', { kind: 'not_ref' }],
    ['a sticker-like emoji', '🙏', { kind: 'not_ref' }],
    ['a greeting in Latin letters', 'Bonjour !', { kind: 'not_ref' }],
    ['thanks in Algerian Arabic, Latin letters', 'Saha', { kind: 'not_ref' }],
    ['a ref-like token with a bad character', 'order/123', { kind: 'bad_ref', problem: 'chars' }],
    ['a ref-like token too long', 'x'.repeat(101), { kind: 'bad_ref', problem: 'too_long' }],
    ['nothing but marks', '\u200F \u2069', { kind: 'bad_ref', problem: 'empty' }],
  ])('%s', (_what, text, expected) => {
    expect(classifyFreeText(text)).toEqual(expected);
  });
});

describe('a key pasted with invisible characters is still a key, never a ref', () => {
  const KEY = '3f2b8c1e-7d4a-4e9b-a6c5-0d1e2f3a4b5c';
  // Zero-width space, non-joiner, joiner, word joiner, BOM; direction marks LRM, RLM, the Arabic letter mark.
  const MARKS = ['\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u200E', '\u200F', '\u061C'];
  const forms = MARKS.flatMap((m) => [
    [`inside (U+${m.charCodeAt(0).toString(16).toUpperCase()})`, `${KEY.slice(0, 4)}${m}${KEY.slice(4, 20)}${m}${KEY.slice(20)}`],
    [`around (U+${m.charCodeAt(0).toString(16).toUpperCase()})`, `${m}${KEY}${m}`],
  ]);

  it.each(forms)('%s', (_what, text) => {
    expect(classifyFreeText(text)).toEqual({ kind: 'api_key' });
    expect(classifyFreeText(`/status ${text}`)).toEqual({ kind: 'api_key' });
    expect(containsApiKey(`my key: ${text} thanks`)).toBe(true);
    expect(asApiKey(text)).toBe(KEY);
  });

  it('amounts too: an RLM or a zero-width space typed or pasted with an amount is ignored', () => {
    expect(parseAmount('\u200F1500\u200F')).toBe(1500);
    expect(parseAmount('1\u200B500 DA')).toBe(1500);
    expect(parseAmount('\u061C١٥٠٠\uFEFF')).toBe(1500);
  });

  it('refs go through the same cleaning: a ref with a word joiner inside is the ref', () => {
    expect(classifyFreeText('order\u2060-123\u200B')).toEqual({ kind: 'order', query: { by: 'ref', value: 'order-123' } });
    expect(classifyFreeText('\uFEFF\u200Dorder-123')).toEqual({ kind: 'order', query: { by: 'ref', value: 'order-123' } });
  });

  it('a UUID cut short by a real character is not a key', () => {
    expect(containsApiKey(`${KEY.slice(0, 4)}x${KEY.slice(4)}`)).toBe(false);
    expect(asApiKey(`${KEY} and more`)).toBeUndefined();
  });
});

describe('ordersNamedIn: the order a bot message shows', () => {
  /** A message whose `<code>` spans are `codes`, placed after labels as the bot renders them. */
  function message(lines: Array<string | { code: string }>) {
    let text = '';
    const entities: MessageEntity[] = [];
    for (const line of lines) {
      if (text !== '') text += '\n';
      if (typeof line === 'string') text += line;
      else {
        entities.push({ type: 'code', offset: text.length, length: line.code.length });
        text += line.code;
      }
    }
    return { text, entities };
  }

  it('names the id first, then the ref, then other code spans (a phone number)', () => {
    const status = message(['✅ تم', 'المرجع:', { code: 'order-1' }, 'المعرّف:', { code: ID }, 'الرقم:', { code: '0771234567' }]);
    expect(ordersNamedIn(status)).toEqual([
      { by: 'id', value: ID },
      { by: 'ref', value: 'order-1' },
      { by: 'ref', value: '0771234567' },
    ]);
  });

  it('skips example commands and code spans that cannot be refs, and names each order once', () => {
    const notFound = message(['لا يعرف…', { code: 'order-2' }, 'أرسل:', { code: '/status order-2' }, { code: 'order-2' }, { code: 'a b' }]);
    expect(ordersNamedIn(notFound)).toEqual([{ by: 'ref', value: 'order-2' }]);
  });

  it('names nothing in a message without code spans', () => {
    expect(ordersNamedIn({ text: 'مرحبًا' })).toEqual([]);
  });
});

describe('readAmount: an answer to "which amount?" against the plan range', () => {
  const range = { min: 100, max: 50_000 };
  it.each([
    ['700', 700],
    ['١٥٠٠', 1500],
    ['۱۵۰۰', 1500],
    ['1 500', 1500],
    ['1\u00A0500', 1500],
    ['1.500', 1500],
    ['1,500', 1500],
    ['12 000 دج', 12000],
    ['700 DA', 700],
    ['٧٠٠ د.ج', 700],
    ['١٬٥٠٠', 1500],
  ])('accepts %s as %i', (text, amount) => {
    expect(readAmount(text, range)).toEqual({ ok: true, amount });
  });

  it.each([
    ['سبعمائة', 'not_number'],
    ['abc', 'not_number'],
    ['700 or 800', 'not_number'],
    ['12,5', 'not_whole'],
    ['700.50', 'not_whole'],
    ['٧٠٠٫٥', 'not_whole'],
    ['50', 'too_low'],
    ['٩٩', 'too_low'],
    ['60000', 'too_high'],
    ['50 001', 'too_high'],
  ])('refuses %s: %s', (text, reason) => {
    expect(readAmount(text, range)).toEqual({ ok: false, reason });
  });
});
