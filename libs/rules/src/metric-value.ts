import type { MetricSnapshot, Rule, Window } from '@callwatch/schemas';
import type { ScriptError, ScriptSandbox } from './script-sandbox';

/** Observation is what a rule sees in one snapshot: its area's value and the window's attempts (null for gauges). */
export interface Observation {
  value: number | null;
  attempts: number | null;
  /** error is why a script rule has no value this time (it failed to compile, threw, or hit a limit). */
  error?: ScriptError;
}

/** ScriptMetrics is `m`, what a script rule sees: its window's metrics (all null without one), the gauges and the entity. */
export interface ScriptMetrics {
  entity: string;
  asr: number | null;
  ner: number | null;
  acd: number | null;
  pdd: number | null;
  attempts: number | null;
  answered: number | null;
  cps: number | null;
  spend: number | null;
  margin: number | null;
  sdr: number | null;
  codes: Record<string, number> | null;
  channels: number | null;
  balance: number | null;
  credit: number | null;
  credit_used: number | null;
}

const WINDOW_FIELDS = ['asr', 'ner', 'acd', 'pdd', 'cps', 'spend', 'margin', 'sdr'] as const;
const NO_DATA: Observation = { value: null, attempts: null };

/**
 * metricValue reads a rule's area from a snapshot, in the window of the rule's sample period; value is null when
 * the window or the value is missing (e.g. ACD with no answered calls), which the rule treats as no data. A script
 * rule runs in `scripts`, and has no data without it.
 */
export function metricValue(rule: Rule, snapshot: MetricSnapshot, scripts?: ScriptSandbox): Observation {
  if (rule.area === 'script') return scripts ? scriptValue(rule, snapshot, scripts) : NO_DATA;
  if (rule.area === 'channels') return { value: snapshot.channels, attempts: null };
  if (rule.area === 'balance') return { value: snapshot.balance, attempts: null };
  if (rule.area === 'credit') return { value: snapshot.credit, attempts: null };
  if (rule.area === 'credit_used') return { value: snapshot.credit_used, attempts: null };
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

// A script rule with a sample period sees that window, and is not run below min_attempts (decide counts attempts
// only for metric areas); one without sees the gauges alone.
function scriptValue(rule: Rule, snapshot: MetricSnapshot, scripts: ScriptSandbox): Observation {
  let window: Window | null = null;
  if (rule.sample_period_ms !== null) {
    window = snapshot.windows.find((w) => w.sample_period_ms === rule.sample_period_ms) ?? null;
    if (!window) return NO_DATA;
    if (window.attempts < rule.min_attempts) return { value: null, attempts: window.attempts };
  }
  const attempts = window?.attempts ?? null;
  const { value, error } = scripts.run(rule.id, scriptOf(rule), scriptMetrics(snapshot, window), snapshot.at_ms);
  return error ? { value: null, attempts, error } : { value, attempts };
}

function scriptMetrics(snapshot: MetricSnapshot, window: Window | null): ScriptMetrics {
  return {
    entity: snapshot.entity,
    asr: window?.asr ?? null,
    ner: window?.ner ?? null,
    acd: window?.acd ?? null,
    pdd: window?.pdd ?? null,
    attempts: window?.attempts ?? null,
    answered: window?.answered ?? null,
    cps: window?.cps ?? null,
    spend: window?.spend ?? null,
    margin: window?.margin ?? null,
    sdr: window?.sdr ?? null,
    codes: window?.codes ?? null,
    channels: snapshot.channels,
    balance: snapshot.balance,
    credit: snapshot.credit,
    credit_used: snapshot.credit_used,
  };
}

// Rule files are checked on load, so a script rule has its script; an empty one fails as returning nothing.
function scriptOf(rule: Rule): string {
  try {
    const extra: unknown = JSON.parse(rule.extra_json ?? '{}');
    const script = (extra as { script?: unknown } | null)?.script;
    return typeof script === 'string' ? script : '';
  } catch {
    return '';
  }
}
