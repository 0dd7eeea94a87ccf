/** WINDOWED_AREAS lists the areas measured over a sample-period window (docs/design.md, "Entities and metrics"). */
export const WINDOWED_AREAS = ['asr', 'ner', 'acd', 'pdd', 'attempts', 'cps', 'spend', 'margin', 'sdr', 'code_ratio'] as const;

/** GAUGE_AREAS lists the areas read as a current value with no window: concurrent calls, balance and credit. */
export const GAUGE_AREAS = ['channels', 'balance', 'credit', 'credit_used'] as const;

/** AREAS lists every area a rule may name: the metrics, plus `event` and `script` rules. */
export const AREAS = [...WINDOWED_AREAS, ...GAUGE_AREAS, 'event', 'script'] as const;

/** Area names what a rule watches. */
export type Area = (typeof AREAS)[number];

/** OPERATORS lists the comparison operators of a threshold rule. */
export const OPERATORS = ['>', '>=', '<', '<=', '=', '!='] as const;

/** Operator compares a metric value with a threshold. */
export type Operator = (typeof OPERATORS)[number];

/** LEVELS lists the alert levels, least severe first. */
export const LEVELS = ['info', 'warning', 'error', 'critical'] as const;

/** isArea tells whether a string names a known area. */
export function isArea(area: string): area is Area {
  return (AREAS as readonly string[]).includes(area);
}

/** isWindowedArea tells whether an area is measured over a window, so it needs a sample period and honours min_attempts. */
export function isWindowedArea(area: string): boolean {
  return (WINDOWED_AREAS as readonly string[]).includes(area);
}

/** isMetricArea tells whether an area is a metric of docs/design.md, so its rules need an operator and a threshold. */
export function isMetricArea(area: string): boolean {
  return isWindowedArea(area) || (GAUGE_AREAS as readonly string[]).includes(area);
}

/** isOperator tells whether a string is a known comparison operator. */
export function isOperator(op: unknown): op is Operator {
  return typeof op === 'string' && (OPERATORS as readonly string[]).includes(op);
}

/** compare evaluates `value operator threshold`. */
export function compare(value: number, operator: Operator, threshold: number): boolean {
  switch (operator) {
    case '>': return value > threshold;
    case '>=': return value >= threshold;
    case '<': return value < threshold;
    case '<=': return value <= threshold;
    case '=': return value === threshold;
    case '!=': return value !== threshold;
  }
}
