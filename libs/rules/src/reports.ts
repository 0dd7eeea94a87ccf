import { parseEntity } from '@callwatch/core';
import type { AlertEvent, MetricSnapshot, Rule } from '@callwatch/schemas';
import { alertEvent } from './alert-event';
import { alertRuleFields } from './decide';
import { metricValue } from './metric-value';
import { ruleApplies } from './scope';
import type { ScriptSandbox } from './script-sandbox';

/**
 * reportEntities lists the entities a report rule covers, sorted: a customer or carrier scope is that entity
 * (known or not); a class or `all` scope is every known entity it matches, by its account's class (the evaluator
 * knows the accounts on the account topic).
 */
export function reportEntities(rule: Rule, known: Iterable<{ entity: string; class: string | null }>): string[] {
  const { kind, value } = rule.scope;
  if (kind === 'customer' || kind === 'carrier') return [`${kind}:${value ?? ''}`];
  const out: string[] = [];
  for (const account of known) {
    if (isEntity(account.entity) && ruleApplies(rule, account.entity, account)) out.push(account.entity);
  }
  return out.sort();
}

// An account keyed by something other than customer:<id> or carrier:<id> is bad input upstream: it gets no report.
function isEntity(entity: string): boolean {
  try {
    parseEntity(entity);
    return true;
  } catch {
    return false;
  }
}

/**
 * reportValue is the value a report gives an entity: its rule's area in the entity's current metrics, or null
 * without metrics or data. A script rule runs in `scripts`, and has no value without it.
 */
export function reportValue(rule: Rule, snapshot: MetricSnapshot | undefined, scripts?: ScriptSandbox): number | null {
  return snapshot ? metricValue(rule, snapshot, scripts).value : null;
}

/**
 * reportEvent is the `report` alert event of a rule for one entity at one tick: the area's value (null without
 * data), no threshold, and the tick as both event time and first-fired time. Its id hashes (rule, entity, report,
 * tick), so a copy re-sent after a crash is dropped by the notifier's dedup.
 */
export function reportEvent(rule: Rule, entity: string, value: number | null, tickMs: number): AlertEvent {
  return alertEvent(rule.id, alertRuleFields(rule), entity, { kind: 'report', tickMs, value });
}
