/**
 * Characters that ride along, unseen, when people copy text between apps: zero-width space and
 * joiners (U+200B-U+200D), direction marks (LRM/RLM U+200E/U+200F, the Arabic letter mark U+061C),
 * embeddings and overrides (U+202A-U+202E), the word joiner and invisible operators (U+2060-U+2064),
 * isolates (U+2066-U+2069, which Fluent puts around every placeable of our own messages) and the BOM
 * / zero-width no-break space (U+FEFF). None of them can be part of an order ref, an API key or an
 * amount, and one inside a key or a ref would hide it from the shape checks. Refs and keys are both
 * read through this one function, so a text is recognised the same way by the key intake and by the
 * ref rules.
 */
const INVISIBLE_MARKS = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\u061C\uFEFF]/g;

/** The text without invisible marks (anywhere in it, not only around it). */
export function stripInvisibleMarks(text: string): string {
  return text.replace(INVISIBLE_MARKS, '');
}
