import type { MetricSnapshot, Rule, Window } from '@callwatch/schemas';

/** Observation is what a rule sees in one snapshot: its area's value and the window's attempts (null for gauges). */
export interface Observation {
  value: number | null;
  attempts: number | null;
}

const WINDOW_FIELDS = ['asr', 'ner', 'acd', 'pdd', 'cps', 'spend', 'margin', 'sdr'] as const;
const NO_DATA: Observation = { value: null, attempts: null };

/**
 * metricValue reads a rule's area from a snapshot, in the window of the rule's sample period; value is null when
 * the window or the value is missing (e.g. ACD with no answered calls), which the rule treats as no data.
 */
export function metricValue(rule: Rule, snapshot: MetricSnapshot): Observation {
  if (rule.area === 'channels') return { value: snapshot.channels, attempts: null };
  if (rule.area === 'balance') return { value: snapshot.balance, attempts: null };
  const window = snapshot.windows.find((w) => w.sample_period_ms === rule.sample_period_ms);
  if (!window) return NO_DATA;
  return { value: windowValue(rule, window), attempts: window.attempts };
}

function windowValue(rule: Rule, window: Window): number | null {
  if (rule.area === 'attempts') return window.attempts;
  if (rule.area === 'code_ratio') {
    if (window.attempts === 0) return null;
    const matching = rule.codes.reduce((sum, code) => sum + (window.codes[String(code)] ?? 0), 0);
    return (matching / window.attempts) * 100;
  }
  const field = WINDOW_FIELDS.find((f) => f === rule.area);
  return field === undefined ? null : window[field];
}
