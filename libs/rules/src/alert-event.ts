import type { AlertEvent, Rule } from '@callwatch/schemas';
import { alertEventId } from './alert-event-id';
import type { AlertTransition } from './decide';

/** TransitionEvent is an alert event of a threshold or script rule's transition: fired, repeated or reset. */
export type TransitionEvent = AlertEvent & { type: AlertTransition['type'] };

/**
 * transitionEvent is the alert event of a transition that `decide` made for a rule and an entity, whether an
 * observation or a deadline led to it, with the rule's alert fields (`alertRuleFields`); its id is deterministic
 * (`alertEventId`).
 */
export function transitionEvent(rule: Rule, entity: string, transition: AlertTransition): TransitionEvent {
  // Field by field rather than spreading alertRuleFields: this runs for every transition.
  return {
    event_id: alertEventId(rule.id, entity, transition.type, transition.at_ms),
    type: transition.type,
    rule_id: rule.id,
    rule_title: rule.title,
    entity,
    area: rule.area,
    threshold: rule.threshold,
    reset_threshold: rule.reset_threshold,
    operator: rule.operator,
    level: rule.level,
    sample_period_ms: rule.sample_period_ms,
    value: transition.value,
    at_ms: transition.at_ms,
    first_fired_at_ms: transition.first_fired_at_ms,
    test: false,
  };
}
