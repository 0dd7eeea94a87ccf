import type { SchemaName } from '@callwatch/schemas';

/** TopicNames holds every topic of docs/design.md ("Topics") under its role. */
export interface TopicNames {
  cdr: string;
  cdrByCarrier: string;
  callStart: string;
  callStartByCarrier: string;
  payment: string;
  account: string;
  rule: string;
  template: string;
  class: string;
  silence: string;
  metric: string;
  alert: string;
  action: string;
  notification: string;
}

/** topicNames returns the default topic names, each behind an optional prefix (tests use one prefix per test). */
export function topicNames(prefix = ''): TopicNames {
  return {
    cdr: `${prefix}voip.cdr.v1`,
    cdrByCarrier: `${prefix}callwatch.cdr-by-carrier.v1`,
    callStart: `${prefix}voip.call-start.v1`,
    callStartByCarrier: `${prefix}callwatch.call-start-by-carrier.v1`,
    payment: `${prefix}billing.payment.v1`,
    account: `${prefix}billing.account.v1`,
    rule: `${prefix}callwatch.rule.v1`,
    template: `${prefix}callwatch.template.v1`,
    class: `${prefix}callwatch.class.v1`,
    silence: `${prefix}callwatch.silence.v1`,
    metric: `${prefix}callwatch.metric.v1`,
    alert: `${prefix}callwatch.alert.v1`,
    action: `${prefix}callwatch.action.v1`,
    notification: `${prefix}callwatch.notification.v1`,
  };
}

/** TOPIC_SCHEMAS maps each topic role to the Avro schema of its values. */
export const TOPIC_SCHEMAS: Record<keyof TopicNames, SchemaName> = {
  cdr: 'cdr', cdrByCarrier: 'cdr', callStart: 'call_start', callStartByCarrier: 'call_start', payment: 'payment', account: 'account',
  rule: 'rule', template: 'template', class: 'class', silence: 'silence', metric: 'metric', alert: 'alert', action: 'action', notification: 'notification',
};

/** COMPACTED_ROLES are the topics that hold the newest value per key (tables rather than streams). */
export const COMPACTED_ROLES: ReadonlySet<keyof TopicNames> = new Set(['account', 'rule', 'template', 'class', 'silence']);

/** INPUT_ROLES are the topics fed from outside callwatch; each has a dead-letter topic. */
export const INPUT_ROLES: ReadonlySet<keyof TopicNames> = new Set(['cdr', 'callStart', 'payment', 'account', 'rule', 'template', 'class', 'silence']);

/** dlqTopic is the dead-letter topic of an input topic. */
export function dlqTopic(topic: string): string {
  return `${topic}.dlq`;
}
