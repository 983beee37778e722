/** Parses "90s", "15m", "2h", "7d" (or plain milliseconds) into milliseconds; undefined when invalid. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = match[2] ?? 'ms';
  const factor = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit as 'ms' | 's' | 'm' | 'h' | 'd'];
  const ms = value * factor;
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}
