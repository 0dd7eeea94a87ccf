import type { Account, AlertEvent, AlertEventType, Level } from '@callwatch/schemas';
import { AREA_FORMATS } from './areas';

/** ALERT_TYPES lists the types of alert events a template variant may be for. */
export const ALERT_TYPES: readonly AlertEventType[] = ['fired', 'repeated', 'reset', 'report'];

/** ALERT_LEVELS lists the levels of alert events a template variant may be for. */
export const ALERT_LEVELS: readonly Level[] = ['info', 'warning', 'error', 'critical'];

/** SAMPLE_AT_MS is when sample alerts happen: a fixed time, so renders of a sample are the same on every run. */
export const SAMPLE_AT_MS = Date.UTC(2026, 2, 2, 13, 5);

const FIRING_MS = 75 * 60_000;

// A value on the firing side of its threshold, as alerts of each kind of area carry them.
function sampleCondition(area: string): Pick<AlertEvent, 'value' | 'threshold' | 'reset_threshold' | 'operator' | 'sample_period_ms'> {
  const format = AREA_FORMATS[area];
  if (area === 'event') return { value: null, threshold: null, reset_threshold: null, operator: null, sample_period_ms: null };
  if (!format) return { value: 12.5, threshold: 10, reset_threshold: null, operator: '>', sample_period_ms: 900_000 };
  const windowed = !format.money && area !== 'channels';
  if (format.unit === '%') return { value: 27.46, threshold: 30, reset_threshold: 31, operator: '<=', sample_period_ms: 900_000 };
  if (format.money) return { value: 44.99, threshold: 45, reset_threshold: null, operator: '<', sample_period_ms: area === 'balance' ? null : 3_600_000 };
  return { value: 1250, threshold: 1000, reset_threshold: null, operator: '>', sample_period_ms: windowed ? 300_000 : null };
}

/**
 * sampleAlert is a plausible alert event for trying a template: a rule on `area` firing for customer acme at
 * SAMPLE_AT_MS (a report carries no threshold, a repeated or reset alert has fired for 1h15m), with overrides.
 */
export function sampleAlert(over: Partial<AlertEvent> = {}): AlertEvent {
  const area = over.area ?? 'asr';
  const type = over.type ?? 'fired';
  const condition = sampleCondition(area);
  const report = type === 'report' ? { threshold: null, reset_threshold: null, operator: null } : {};
  const at = over.at_ms ?? SAMPLE_AT_MS;
  return {
    event_id: 'sample-event',
    type,
    rule_id: 'sample-rule',
    rule_title: 'Sample rule',
    entity: 'customer:acme',
    area,
    ...condition,
    ...report,
    level: 'warning',
    at_ms: at,
    first_fired_at_ms: type === 'repeated' || type === 'reset' ? at - FIRING_MS : at,
    test: false,
    ...over,
  };
}

/** sampleAccount is the account snapshot sample alerts are rendered with: a customer named ACME Telecom paying in EUR, with overrides. */
export function sampleAccount(over: Partial<Account> = {}): Account {
  return {
    entity: 'customer:acme', name: 'ACME Telecom', class: null, status: 'active', balance: 44.99, debit_limit: null, currency: 'EUR',
    emails: [], phones: [], timezone: null, locale: null, at_ms: SAMPLE_AT_MS, ...over,
  };
}
