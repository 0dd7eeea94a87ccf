/** ComparedValue is what an alert event says of its value: the value, and the thresholds it was compared with. */
export interface ComparedValue {
  type: string;
  value: number | null;
  threshold: number | null;
  reset_threshold: number | null;
}

/**
 * valueDecimals is how many decimals, from `decimals` up to `max`, it takes for an alert's value not to read as the
 * threshold it crossed (a reset's: its reset threshold) when both are rounded to them: a balance of 44.996 under 45
 * shows 44.996, not 45.00 under 45.00. A value equal to the threshold, or closer to it than `max` decimals show,
 * keeps what it reached.
 */
export function valueDecimals(alert: ComparedValue, decimals: number, max = 6): number {
  const { value } = alert;
  const threshold = alert.type === 'reset' ? (alert.reset_threshold ?? alert.threshold) : alert.threshold;
  let d = decimals;
  while (d < max && value !== null && threshold !== null && value !== threshold && value.toFixed(d) === threshold.toFixed(d)) d++;
  return d;
}
