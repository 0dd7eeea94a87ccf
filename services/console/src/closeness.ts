import { compare, isOperator } from '@callwatch/rules';

// Past the threshold the figure keeps growing a little, so the worst of several firing entities still sorts first,
// but no single wild value buries the rest.
const CAP = 2;

/**
 * closeness says how near a value is to crossing a rule's threshold: 0 far from it, 1 at it, above 1 past it (up to 2).
 * For "below" conditions (< <=) it is threshold / value, for "above" ones (> >=) value / threshold; a condition that
 * holds is at least 1. `=` and `!=` are 1 when they hold, else 0, as is anything without a value or a usable threshold.
 */
export function closeness(value: number | null, operator: string | null, threshold: number | null): number {
  if (value === null || threshold === null || operator === null || !isOperator(operator)) return 0;
  const holds = compare(value, operator, threshold);
  let ratio = 0;
  if ((operator === '<' || operator === '<=') && threshold > 0) ratio = value > 0 ? threshold / value : CAP;
  else if ((operator === '>' || operator === '>=') && threshold > 0) ratio = value > 0 ? value / threshold : 0;
  const near = Math.min(CAP, Math.max(0, ratio));
  return holds ? Math.max(1, near) : Math.min(near, 0.999);
}
