/**
 * Provider keys are UUIDs: the local shape check before any provider call, and how the bot recognises
 * a key pasted anywhere (it must then be deleted, never echoed, never taken for an order ref).
 */
const API_KEY_SHAPE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const API_KEY_EXACT = new RegExp(`^${API_KEY_SHAPE.source}$`, 'i');

/** Whether a message contains something shaped like a provider API key (it must then be deleted, never echoed). */
export function containsApiKey(text: string): boolean {
  return API_KEY_SHAPE.test(text);
}

/** The text as a key, when it is exactly one (surrounding spaces and invisible marks removed). */
export function asApiKey(text: string): string | undefined {
  const cleaned = text.replace(/[\s\u200E\u200F\u202A-\u202E\u2066-\u2069\u061C]/g, '');
  return API_KEY_EXACT.test(cleaned) ? cleaned : undefined;
}
