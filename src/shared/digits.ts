/**
 * Digits as people type them in Algeria: Arabic keyboards give Arabic-Indic digits (U+0660-U+0669,
 * ٠١٢٣٤٥٦٧٨٩), Persian/Urdu layouts give Extended Arabic-Indic ones (U+06F0-U+06F9, ۰۱۲۳۴۵۶۷۸۹).
 * Refs and amounts are both read through this one function, so "١٢٣٤٥" means the same everywhere.
 */
const ARABIC_INDIC = /[\u0660-\u0669]/g;
const EXTENDED_ARABIC_INDIC = /[\u06F0-\u06F9]/g;

/** Replaces Arabic-Indic and Persian digits with ASCII 0-9; everything else is left as it is. */
export function foldDigits(text: string): string {
  return text
    .replace(ARABIC_INDIC, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(EXTENDED_ARABIC_INDIC, (d) => String(d.charCodeAt(0) - 0x06f0));
}
