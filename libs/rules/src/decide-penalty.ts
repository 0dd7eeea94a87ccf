import { createHash } from 'node:crypto';
import type { Action, AlertEvent, Rule } from '@callwatch/schemas';

/** Penalty is an entity's active penalty: disabled until `until_ms` because a rule fired. */
export interface Penalty {
  until_ms: number;
  rule_id: string;
  reason: string;
}

/** actionId is a deterministic id, so an action re-published after a crash is recognised downstream. */
export function actionId(entity: string, type: Action['type'], untilMs: number): string {
  return createHash('sha1').update(`${entity}|${type}|${untilMs}`).digest('hex');
}

/**
 * decidePenalty turns a fired alert of a rule with a penalty into a `disable` action until the alert's time plus
 * the penalty; a second firing while disabled extends the end (never shortens it). Returns null when nothing changes,
 * and always for repeated, reset and report events: only a firing is a penalty's cause.
 */
export function decidePenalty(current: Penalty | null, alert: AlertEvent, rule: Rule | undefined): { penalty: Penalty; action: Action } | null {
  if (alert.type !== 'fired' || !rule || rule.penalty_ms === null || rule.penalty_ms <= 0) return null;
  const until = alert.at_ms + rule.penalty_ms;
  if (current && current.until_ms >= until) return null;
  // Three decimals at most: a reason is read by people and switches ("asr 14.996 < 15", not 14.996035791142825).
  const shown = (n: number) => String(Number(n.toFixed(3)));
  const value = alert.value === null ? 'no value' : `${rule.area} ${shown(alert.value)} ${alert.operator ?? ''} ${alert.threshold === null ? '' : shown(alert.threshold)}`.trim();
  const penalty = { until_ms: until, rule_id: rule.id, reason: `${rule.title}: ${value}` };
  return {
    penalty,
    action: { action_id: actionId(alert.entity, 'disable', until), type: 'disable', entity: alert.entity, until_ms: until, rule_id: rule.id, reason: penalty.reason, at_ms: alert.at_ms },
  };
}

/** enableAction ends a penalty: at its end time when it expires, or now with the operator's reason when lifted. */
export function enableAction(entity: string, penalty: Penalty, atMs: number, reason = `penalty of ${penalty.rule_id} ended`): Action {
  return { action_id: actionId(entity, 'enable', penalty.until_ms), type: 'enable', entity, until_ms: null, rule_id: penalty.rule_id, reason, at_ms: atMs };
}
