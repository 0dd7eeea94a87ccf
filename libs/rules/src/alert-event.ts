import type { AlertEvent, Rule } from '@callwatch/schemas';
import { alertEventId } from './alert-event-id';
import { alertRuleFields, type AlertTransition } from './decide';

/** TransitionEvent is an alert event of a threshold or script rule's transition: fired, repeated or reset. */
export type TransitionEvent = AlertEvent & { type: AlertTransition['type'] };

/**
 * transitionEvent is the alert event of a transition that `decide` made for a rule and an entity, whether an
 * observation or a deadline led to it; its id is deterministic (`alertEventId`).
 */
export function transitionEvent(rule: Rule, entity: string, transition: AlertTransition): TransitionEvent {
  return {
    event_id: alertEventId(rule.id, entity, transition.type, transition.at_ms),
    type: transition.type,
    rule_id: rule.id,
    entity,
    ...alertRuleFields(rule),
    value: transition.value,
    at_ms: transition.at_ms,
    first_fired_at_ms: transition.first_fired_at_ms,
    test: false,
  };
}
