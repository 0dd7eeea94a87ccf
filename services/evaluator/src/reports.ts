import { parseEntity } from '@callwatch/core';
import { alertEventId, ruleApplies } from '@callwatch/rules';
import type { Account, AlertEvent, Rule } from '@callwatch/schemas';

/**
 * reportEntities lists the entities a report rule covers, sorted: a customer or carrier scope is that entity
 * (account or not); a class or `all` scope is every known account it matches.
 */
export function reportEntities(rule: Rule, accounts: Iterable<Account>): string[] {
  const { kind, value } = rule.scope;
  if (kind === 'customer' || kind === 'carrier') return [`${kind}:${value ?? ''}`];
  const out: string[] = [];
  for (const account of accounts) {
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
 * reportEvent is the `report` alert event of a rule for one entity at one tick: the area's value (null without
 * data), no threshold, and the tick as both event time and first-fired time. Its id hashes (rule, entity, report,
 * tick), so a copy re-sent after a crash is dropped by the notifier's dedup.
 */
export function reportEvent(rule: Rule, entity: string, value: number | null, tickMs: number): AlertEvent {
  return {
    event_id: alertEventId(rule.id, entity, 'report', tickMs),
    type: 'report',
    rule_id: rule.id,
    rule_title: rule.title,
    entity,
    area: rule.area,
    value,
    threshold: null,
    reset_threshold: null,
    operator: null,
    level: rule.level,
    sample_period_ms: rule.sample_period_ms,
    at_ms: tickMs,
    first_fired_at_ms: tickMs,
    test: false,
  };
}
