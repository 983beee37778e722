import type { Message, MessageEntity } from 'grammy/types';
import { containsApiKey } from '../accounts/api-key-shape.js';
import { cleanRefText, parseOrderQuery, type OrderQuery, type OrderQueryProblem } from '../tracking/order-query.js';

/**
 * Greetings and courtesies written in Latin letters (French, English, Algerian Arabic in Latin
 * script): one word, so they would pass for a ref; nobody names an order like this.
 */
const LATIN_GREETINGS = new Set(
  'hi hello hey salut bonjour bonsoir coucou cc slt bjr bsr salam slm saha sahit sahha merci thanks thx chokran shukran ok okay'.split(' '),
);

function isLatinGreeting(text: string): boolean {
  const word = cleanRefText(text).replace(/[.!?,;]+$/, '');
  return LATIN_GREETINGS.has(word.toLowerCase());
}

/**
 * What a text someone sent the bot is. The one place that decides it, for a bare text in a private
 * chat and for the argument of /status alike:
 *   order    a ref or id (digits folded, `#`, quotes and invisible marks stripped): follow it
 *   bad_ref  one ref-like token that cannot be a ref (too long, a character refs never have):
 *            say exactly what is wrong
 *   not_ref  clearly something else (words, a greeting, another script): a short help, no error
 *   api_key  something shaped like a provider API key (a UUID): never a ref (the key intake deletes
 *            such messages before they get here; this keeps a key out of every order lookup)
 * New kinds of text (an API key pasted to link an account, say) get their own kind here, checked
 * before the ref rules, and their own branch where the kinds are handled (features/status.ts).
 */
export type FreeText =
  | { kind: 'order'; query: OrderQuery }
  | { kind: 'bad_ref'; problem: Exclude<OrderQueryProblem, 'not_ref'> }
  | { kind: 'not_ref' }
  | { kind: 'api_key' };

export function classifyFreeText(text: string): FreeText {
  if (containsApiKey(text)) return { kind: 'api_key' };
  if (isLatinGreeting(text)) return { kind: 'not_ref' };
  const parsed = parseOrderQuery(text);
  if (parsed.ok) return { kind: 'order', query: parsed.query };
  if (parsed.problem === 'not_ref') return { kind: 'not_ref' };
  return { kind: 'bad_ref', problem: parsed.problem };
}

/**
 * The refs and ids a bot message shows: the bot puts each alone in a `<code>` span (status messages,
 * lookups, announcements), so those spans name the order whatever the message's language. Commands
 * shown as examples (`/status order-123`) are not candidates. Ids come first: they are exact.
 */
export function ordersNamedIn(message: Pick<Message, 'text' | 'entities' | 'caption' | 'caption_entities'>): OrderQuery[] {
  const text = message.text ?? message.caption ?? '';
  const entities: MessageEntity[] = message.entities ?? message.caption_entities ?? [];
  const found: OrderQuery[] = [];
  for (const entity of entities) {
    if (entity.type !== 'code' && entity.type !== 'pre') continue;
    const span = text.slice(entity.offset, entity.offset + entity.length);
    if (span.trim().startsWith('/')) continue;
    const parsed = parseOrderQuery(span);
    if (parsed.ok && !found.some((q) => q.by === parsed.query.by && q.value === parsed.query.value)) found.push(parsed.query);
  }
  return [...found.filter((q) => q.by === 'id'), ...found.filter((q) => q.by === 'ref')];
}
