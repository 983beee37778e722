/**
 * Comparison words derived from the numbers, never from what we hoped: "38% fewer" or "12% more",
 * "0.4 s faster" or "0.3 s slower", and "as many" / "as fast" when the rounded difference is zero.
 */

/** `ours` against `theirs` as a count: "N% fewer", "N% more" or "as many" (null: "-"). */
export function fewerOrMore(ours: number | null, theirs: number | null): string {
  if (ours === null || theirs === null) return '-';
  if (theirs === 0) return ours === 0 ? 'as many' : 'more (the other made none)';
  const pct = Math.round((Math.abs(ours - theirs) / theirs) * 100);
  if (pct === 0) return 'as many';
  return ours < theirs ? `${pct}% fewer` : `${pct}% more`;
}

/**
 * `ours` against `theirs` as a latency, both rounded to `digits` first (as printed): "0.4 s faster",
 * "0.3 s slower" or "as fast", so the word always matches the two printed figures.
 */
export function fasterOrSlower(ours: number | null, theirs: number | null, digits: number, unit: string): string {
  if (ours === null || theirs === null) return '-';
  const r = (n: number) => Number(n.toFixed(digits));
  const diff = r(r(ours) - r(theirs));
  if (diff === 0) return 'as fast';
  return `${Math.abs(diff).toFixed(digits)} ${unit} ${diff < 0 ? 'faster' : 'slower'}`;
}

/** True when `ours` is strictly lower than every baseline after rounding to `digits`. */
export function lowerThanAll(ours: number | null, baselines: Array<number | null>, digits: number): boolean {
  if (ours === null) return false;
  const r = (n: number) => Number(n.toFixed(digits));
  return baselines.every((b) => b !== null && r(ours) < r(b));
}
