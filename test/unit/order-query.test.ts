import { describe, expect, it } from 'vitest';
import { MAX_REF_LENGTH, parseOrderQuery } from '../../src/tracking/order-query.js';

const ID = '6901616fe9e88196b4eb64b0';
const GENERATED_REF = 'API-+213665983439-test-1761698159224-success';

describe('parseOrderQuery: what a reseller may type after /status', () => {
  it.each([
    ['a ref', 'order-123', { by: 'ref', value: 'order-123' }],
    ['a generated ref with "+"', GENERATED_REF, { by: 'ref', value: GENERATED_REF }],
    ['refs with . : @ _', 'shop_1.a:b@c', { by: 'ref', value: 'shop_1.a:b@c' }],
    ['a lower-case 24-hex id', ID, { by: 'id', value: ID }],
    ['an upper-case 24-hex id (lower-cased)', ID.toUpperCase(), { by: 'id', value: ID }],
    ['23 hex chars (a ref, not an id)', ID.slice(1), { by: 'ref', value: ID.slice(1) }],
    ['25 hex chars (a ref, not an id)', `${ID}a`, { by: 'ref', value: `${ID}a` }],
    ['24 chars that are not all hex (a ref)', 'zz01616fe9e88196b4eb64b0', { by: 'ref', value: 'zz01616fe9e88196b4eb64b0' }],
    ['exactly the maximum length', 'r'.repeat(MAX_REF_LENGTH), { by: 'ref', value: 'r'.repeat(MAX_REF_LENGTH) }],
  ])('accepts %s', (_what, input, query) => {
    expect(parseOrderQuery(input)).toEqual({ ok: true, query });
  });

  it.each([
    ['surrounding spaces and tabs', '  \torder-123 \n'],
    ['RLM (U+200F) and LRM (U+200E)', '\u200Forder-123\u200E'],
    ['Fluent isolation marks (U+2068/U+2069) copied out of a bot message', '\u2068order-123\u2069'],
    ['LRI/RLI (U+2066/U+2067)', '\u2066\u2067order-123\u2069'],
    ['the Arabic letter mark (U+061C)', '\u061Corder-123\u061C'],
    ['embedding/override marks (U+202A..U+202E)', '\u202A\u202B\u202Corder-\u202D123\u202E'],
    ['marks and spaces mixed', ' \u200F \u2066order-123\u2069 \u061C '],
  ])('cleans %s', (_what, input) => {
    expect(parseOrderQuery(input)).toEqual({ ok: true, query: { by: 'ref', value: 'order-123' } });
  });

  it('cleans invisible marks out of an id too', () => {
    expect(parseOrderQuery(`\u200F${ID.toUpperCase()}\u2069 `)).toEqual({ ok: true, query: { by: 'id', value: ID } });
  });

  it.each([
    ['nothing', '', 'empty'],
    ['only spaces', '    ', 'empty'],
    ['only invisible marks', '\u200F\u2066\u2069\u061C', 'empty'],
    ['one character too many', 'r'.repeat(MAX_REF_LENGTH + 1), 'too_long'],
    ['a pasted paragraph', 'order '.repeat(40), 'not_ref'],
    ['a space inside', 'order 123', 'not_ref'],
    ['a script tag', '<script>alert(1)</script>', 'chars'],
    ['HTML entities', 'order&amp;123', 'chars'],
    ['a slash (path traversal)', '../v3/validate', 'chars'],
    ['a query string', 'order?x=1', 'chars'],
    ['a MongoDB operator', '{"$ne":null}', 'chars'],
    ['Arabic letters', 'طلب-123', 'not_ref'],
    ['an Arabic greeting', 'السلام عليكم', 'not_ref'],
    ['a French greeting', 'Bonjour, ça va ?', 'not_ref'],
    ['accented Latin letters', 'commandé', 'not_ref'],
    ['only an emoji', '👍', 'not_ref'],
    ['only punctuation', '?!', 'not_ref'],
    ['a newline inside', 'order\n123', 'not_ref'],
    ['an emoji', 'order-✅', 'chars'],
    ['a # inside', 'order#123', 'chars'],
  ])('rejects %s', (_what, input, problem) => {
    expect(parseOrderQuery(input)).toEqual({ ok: false, problem });
  });
});

describe('parseOrderQuery: refs as people type them', () => {
  it.each([
    ['Arabic-Indic digits', '١٢٣٤٥', '12345'],
    ['Persian digits', '۱۲۳۴۵', '12345'],
    ['digits of both kinds mixed with Latin', 'order-١٢۳', 'order-123'],
    ['a leading #', '#order-123', 'order-123'],
    ['a fullwidth ＃', '＃order-123', 'order-123'],
    ['guillemets', '«order-123»', 'order-123'],
    ['guillemets with spaces inside', '« order-123 »', 'order-123'],
    ['ASCII double quotes', '"order-123"', 'order-123'],
    ['ASCII single quotes', "'order-123'", 'order-123'],
    ['typographic double quotes', '“order-123”', 'order-123'],
    ['typographic single quotes', '‘order-123’', 'order-123'],
    ['low-high quotes', '„order-123“', 'order-123'],
    ['backticks', '`order-123`', 'order-123'],
    ['# inside quotes', '«#order-123»', 'order-123'],
    ['quotes, # and direction marks', '\u200F"#١٢٣"\u200E', '123'],
  ])('reads %s', (_what, input, value) => {
    expect(parseOrderQuery(input)).toEqual({ ok: true, query: { by: 'ref', value } });
  });

  it('reads an id typed with Arabic-Indic digits', () => {
    const arabic = ID.replace(/[0-9]/g, (d) => String.fromCharCode(0x0660 + Number(d)));
    expect(parseOrderQuery(arabic)).toEqual({ ok: true, query: { by: 'id', value: ID } });
  });

  it.each([
    ['only quotes', '«»', 'empty'],
    ['only a #', '#', 'empty'],
    ['a quoted phrase', '"where is my order"', 'not_ref'],
  ])('still refuses %s', (_what, input, problem) => {
    expect(parseOrderQuery(input)).toEqual({ ok: false, problem });
  });
});
