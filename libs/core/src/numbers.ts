/**
 * decimalsApart is how many decimals, from `decimals` up to `max`, it takes for `value` not to read as `threshold` when
 * both are rounded to them: an alert on a balance of 44.996 under 45 shows 44.996, not 45.00 under 45.00. A value
 * equal to its threshold, or closer to it than `max` decimals show, keeps what it reached.
 */
export function decimalsApart(value: number, threshold: number | null, decimals: number, max = 6): number {
  let d = decimals;
  while (d < max && threshold !== null && value !== threshold && value.toFixed(d) === threshold.toFixed(d)) d++;
  return d;
}
