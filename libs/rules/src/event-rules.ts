import type { AlertEvent, Rule } from '@callwatch/schemas';
import { alertEvent, type AlertOrigin } from './alert-event';
import { alertRuleFields } from './decide';

/** RULE_EVENTS are the events an `area: event` rule can notify on. */
export const RULE_EVENTS = ['payment_completed', 'account_status_changed', 'penalty_applied', 'penalty_lifted'] as const;

/** RuleEventName is one of RULE_EVENTS. */
export type RuleEventName = (typeof RULE_EVENTS)[number];

/** FieldValue is the value of one field of an event, as a filter sees it. */
export type FieldValue = string | number | boolean | null;

/**
 * RuleEvent is an input event in the terms event rules use: its name, the entity it concerns, its time, an id
 * unique per source event (for deterministic alert ids), the value shown in notifications, and its fields.
 */
export interface RuleEvent {
  name: RuleEventName;
  entity: string;
  id: string;
  at_ms: number;
  value: number | null;
  fields: Record<string, FieldValue>;
}

/** EVENT_FIELDS lists, per event, the fields a filter may name. */
export const EVENT_FIELDS: Readonly<Record<RuleEventName, readonly string[]>> = {
  payment_completed: ['payment_id', 'customer_id', 'amount', 'source'],
  account_status_changed: ['entity', 'name', 'class', 'status', 'previous_status', 'balance'],
  penalty_applied: ['entity', 'rule_id', 'reason', 'until_ms'],
  penalty_lifted: ['entity', 'rule_id', 'reason'],
};

/** isRuleEvent tells whether a name is one of RULE_EVENTS. */
export function isRuleEvent(name: unknown): name is RuleEventName {
  return typeof name === 'string' && (RULE_EVENTS as readonly string[]).includes(name);
}

/**
 * filterMatches applies an event rule's filter: every named field must match. A plain value must be equal;
 * `{ not: v }` must differ; `{ in: [..] }` must be one of the list; `{ not_in: [..] }` none of it.
 */
export function filterMatches(filter: Record<string, unknown>, fields: Record<string, FieldValue>): boolean {
  return Object.entries(filter).every(([field, condition]) => {
    const actual = fields[field] ?? null;
    if (condition !== null && typeof condition === 'object' && !Array.isArray(condition)) {
      const c = condition as Record<string, unknown>;
      if ('not' in c) return actual !== c['not'];
      if (Array.isArray(c['in'])) return c['in'].includes(actual);
      if (Array.isArray(c['not_in'])) return !c['not_in'].includes(actual);
      return false;
    }
    return actual === condition;
  });
}

/** eventRuleOf reads an event rule's event name and filter from its extras; null for other rules. */
export function eventRuleOf(rule: Rule): { event: string; filter: Record<string, unknown> } | null {
  if (rule.area !== 'event' || rule.extra_json === null) return null;
  const extra = JSON.parse(rule.extra_json) as { event?: unknown; filter?: unknown };
  if (typeof extra.event !== 'string') return null;
  const filter = extra.filter !== null && typeof extra.filter === 'object' ? (extra.filter as Record<string, unknown>) : {};
  return { event: extra.event, filter };
}

/**
 * eventAlerts turns one event into the `fired` alert events of the enabled event rules it matches (the rules
 * given already apply to the event's entity). Ids hash rule, entity and the source event's id, so a redelivered
 * event gives the same ids, which the notifier dedups.
 */
export function eventAlerts(rules: Iterable<Rule>, event: RuleEvent): Array<AlertEvent & { type: 'fired' }> {
  const out: Array<AlertEvent & { type: 'fired' }> = [];
  for (const rule of rules) {
    const spec = eventRuleOf(rule);
    if (!rule.enabled || spec === null || spec.event !== event.name || !filterMatches(spec.filter, event.fields)) continue;
    const origin: AlertOrigin = { kind: 'event', name: event.name, sourceId: event.id, atMs: event.at_ms, value: event.value };
    out.push(alertEvent(rule.id, alertRuleFields(rule), event.entity, origin) as AlertEvent & { type: 'fired' });
  }
  return out;
}
