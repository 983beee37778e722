/**
 * Helpers for Telegram `parse_mode: 'HTML'`. One unescaped `<` in any interpolated value makes
 * Telegram reject the whole message ("can't parse entities"), so every value that did not come
 * from our own templates goes through `escapeHtml`.
 */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Escapes & < > and " (the only characters Telegram's HTML parser cares about). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

/** `<code>` with the text escaped: monospace, and copied with one tap in Telegram. */
export function codeHtml(text: string): string {
  return `<code>${escapeHtml(text)}</code>`;
}

const ELLIPSIS = '…';

/**
 * Cuts `text` so that its ESCAPED form is at most `maxEscapedChars` long, ending with "…" when cut.
 * Measuring the escaped form bounds the final message size even for text full of `&` or `"`.
 * Works on code points, so an emoji or a surrogate pair is never split.
 */
export function clipForHtml(text: string, maxEscapedChars: number): string {
  if (escapeHtml(text).length <= maxEscapedChars) return text;
  const budget = maxEscapedChars - ELLIPSIS.length;
  let used = 0;
  let out = '';
  for (const ch of text) {
    const cost = (HTML_ESCAPES[ch] ?? ch).length;
    if (used + cost > budget) break;
    used += cost;
    out += ch;
  }
  return out + ELLIPSIS;
}
