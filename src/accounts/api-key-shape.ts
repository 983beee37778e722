import { stripInvisibleMarks } from '../shared/invisible-marks.js';

/**
 * Provider keys are UUIDs: the local shape check before any provider call, and how the bot recognises
 * a key pasted anywhere (it must then be deleted, never echoed, never taken for an order ref). Both
 * look at the text without invisible marks (shared/invisible-marks.ts: zero-width characters, BOM,
 * direction marks): a key pasted with one inside or around it is still a key.
 */
const API_KEY_SHAPE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const API_KEY_EXACT = new RegExp(`^${API_KEY_SHAPE.source}$`, 'i');

/** Whether a message contains something shaped like a provider API key (it must then be deleted, never echoed). */
export function containsApiKey(text: string): boolean {
  return API_KEY_SHAPE.test(stripInvisibleMarks(text));
}

/** The text as a key, when it is exactly one (spaces and invisible marks, inside or around, removed). */
export function asApiKey(text: string): string | undefined {
  const cleaned = stripInvisibleMarks(text).replace(/\s/g, '');
  return API_KEY_EXACT.test(cleaned) ? cleaned : undefined;
}
