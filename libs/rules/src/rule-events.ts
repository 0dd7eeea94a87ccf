import { entityKey } from '@callwatch/core';
import type { RuleEvent } from './event-rules';
import type { Account, Action, Payment } from '@callwatch/schemas';

/** paymentEvent is a completed payment as an event-rule event (its value is the amount); null for other statuses. */
export function paymentEvent(p: Payment): RuleEvent | null {
  if (p.status !== 'completed') return null;
  return {
    name: 'payment_completed', entity: entityKey('customer', p.customer_id), id: p.payment_id, at_ms: p.at_ms, value: p.amount,
    fields: { payment_id: p.payment_id, customer_id: p.customer_id, amount: p.amount, source: p.source },
  };
}

/**
 * accountEvent is an account snapshot whose status differs from the previous one seen for the entity; null when
 * it does not (or when there was none: the first snapshot of an account is not a change).
 */
export function accountEvent(a: Account, previousStatus: string | null): RuleEvent | null {
  if (previousStatus === null || previousStatus === a.status) return null;
  return {
    name: 'account_status_changed', entity: a.entity, id: `${a.at_ms}:${a.status}`, at_ms: a.at_ms, value: null,
    fields: { entity: a.entity, name: a.name, class: a.class, status: a.status, previous_status: previousStatus, balance: a.balance },
  };
}

/** actionEvent is a penalty action as an event-rule event: `disable` → penalty_applied, `enable` → penalty_lifted. */
export function actionEvent(a: Action): RuleEvent {
  const fields = { entity: a.entity, rule_id: a.rule_id, reason: a.reason };
  return a.type === 'disable'
    ? { name: 'penalty_applied', entity: a.entity, id: a.action_id, at_ms: a.at_ms, value: null, fields: { ...fields, until_ms: a.until_ms } }
    : { name: 'penalty_lifted', entity: a.entity, id: a.action_id, at_ms: a.at_ms, value: null, fields };
}
