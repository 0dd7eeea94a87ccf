import { createHash } from 'node:crypto';
import type { AlertEvent, AlertEventType, Rule } from '@callwatch/schemas';
import { alertRuleFields, type AlertRuleFields, type AlertTransition } from './decide';

/**
 * AlertOrigin is what an alert event comes from, which also names it:
 * - `transition`: a rule's decision on an entity (fired, repeated, reset), on a snapshot or at a deadline;
 * - `orphan`: the reset of a firing alert whose rule no longer applies to the entity (deleted, disabled, moved);
 * - `report`: one tick of a report rule's schedule;
 * - `event`: a payment, account change or penalty action that an event rule matched;
 * - `test`: `callwatch rules test` (never published to the alert topic), fired or a report.
 */
export type AlertOrigin =
  | { kind: 'transition'; type: AlertTransition['type']; atMs: number; firstFiredAtMs: number; value: number }
  | { kind: 'orphan'; atMs: number; firstFiredAtMs: number; value: number | null }
  | { kind: 'report'; tickMs: number; value: number | null }
  | { kind: 'event'; name: string; sourceId: string; atMs: number; value: number | null }
  | { kind: 'test'; type: 'fired' | 'report'; nonce: string; atMs: number; value: number | null };

/**
 * alertEventId is the deterministic id of an alert event, the SHA-1 hex of what it is about, so that the same event
 * decided again (a redelivery, a restart, a replay) has the same id and the notifier and other consumers drop the
 * copy; a fixed 40 characters whatever the entity id holds, safe as a Redis key or message header, and easy to
 * recompute in any language:
 * - a transition: `rule|entity|type|at_ms`, and a report: `rule|entity|report|tick`;
 * - an orphan reset: `rule|entity|reset|fired:<first_fired_at_ms>`, the firing it closes rather than the snapshot that
 *   noticed it (a redelivery may notice it on an earlier snapshot); it cannot equal a transition's reset;
 * - an event rule's alert: `rule|entity|event|<event name>|<source event id>`;
 * - a test: `rule|entity|test|<nonce>`.
 */
export function alertEventId(ruleId: string, entity: string, origin: AlertOrigin): string {
  let about: string;
  switch (origin.kind) {
    case 'transition': about = `${origin.type}|${origin.atMs}`; break;
    case 'report': about = `report|${origin.tickMs}`; break;
    case 'orphan': about = `reset|fired:${origin.firstFiredAtMs}`; break;
    case 'event': about = `event|${origin.name}|${origin.sourceId}`; break;
    case 'test': about = `test|${origin.nonce}`; break;
  }
  return createHash('sha1').update(`${ruleId}|${entity}|${about}`).digest('hex');
}

/**
 * alertEvent builds every alert event callwatch emits, from the rule's alert fields (`alertRuleFields`, or what a
 * firing state kept of a rule since deleted), the entity and its origin: the type, times and id follow from the
 * origin. A report and an event rule's alert carry no threshold (nothing was compared); a test is marked `test`.
 */
export function alertEvent(ruleId: string, rule: AlertRuleFields, entity: string, origin: AlertOrigin): AlertEvent {
  const compared = origin.kind === 'transition' || origin.kind === 'orphan' || (origin.kind === 'test' && origin.type === 'fired');
  const atMs = origin.kind === 'report' ? origin.tickMs : origin.atMs;
  // Field by field rather than spreading `rule`: this runs for every transition.
  return {
    event_id: alertEventId(ruleId, entity, origin),
    type: typeOf(origin),
    rule_id: ruleId,
    rule_title: rule.rule_title,
    entity,
    area: rule.area,
    value: origin.value,
    threshold: compared ? rule.threshold : null,
    reset_threshold: compared ? rule.reset_threshold : null,
    operator: compared ? rule.operator : null,
    level: rule.level,
    sample_period_ms: rule.sample_period_ms,
    at_ms: atMs,
    first_fired_at_ms: origin.kind === 'transition' || origin.kind === 'orphan' ? origin.firstFiredAtMs : atMs,
    test: origin.kind === 'test',
  };
}

function typeOf(origin: AlertOrigin): AlertEventType {
  switch (origin.kind) {
    case 'transition': return origin.type;
    case 'orphan': return 'reset';
    case 'report': return 'report';
    case 'event': return 'fired';
    case 'test': return origin.type;
  }
}

/** TransitionEvent is the alert event of a rule's transition: fired, repeated or reset. */
export type TransitionEvent = AlertEvent & { type: AlertTransition['type'] };

/** transitionEvent is `alertEvent` for a transition that `decide` made for a rule and an entity. */
export function transitionEvent(rule: Rule, entity: string, t: AlertTransition): TransitionEvent {
  const origin: AlertOrigin = { kind: 'transition', type: t.type, atMs: t.at_ms, firstFiredAtMs: t.first_fired_at_ms, value: t.value };
  return alertEvent(rule.id, alertRuleFields(rule), entity, origin) as TransitionEvent;
}
