import { formatDuration, valueDecimals } from '@callwatch/core';
import type { Account, AlertEvent, AlertEventType, Rule } from '@callwatch/schemas';
import { areaFormat, formatNumber, type AreaFormat } from './areas';
import { FALLBACK_LOCALE, formatMoney, validLocale, validTimeZone, zonedTime } from './locale-format';

/** NotificationContext is the view model templates see, already formatted; TEMPLATE_VARIABLES describes each leaf (docs/templates.md). */
export interface NotificationContext {
  entity: { id: string; kind: string; name: string };
  rule: { id: string; title: string };
  area: string;
  areaLabel: string;
  unit: string;
  value: string;
  /** False when the alert carries no value (event rules), so templates can leave the value out. */
  hasValue: boolean;
  threshold: string;
  /** Empty when the rule has no reset threshold, so templates can test it with {{#if}}. */
  resetThreshold: string;
  operator: string;
  /** The operator in words ("at or below"), for sentences. */
  operatorText: string;
  level: string;
  window: string;
  /** When this event happened (the transition's event time), even for repeated and reset events; a report's tick. */
  firedAt: string;
  firstFiredAt: string;
  /** How long the alert has been firing at this event, e.g. 1h15m. */
  firingFor: string;
  type: AlertEventType;
  transition: string;
  isFired: boolean;
  isRepeated: boolean;
  isReset: boolean;
  /** True for a scheduled report, which carries a value and no threshold. */
  isReport: boolean;
  test: boolean;
  /** The email's inline chart (docs/design.md, "Charts"): an empty cid when it has none, so templates test {{#if chart.cid}}. */
  chart: { cid: string; alt: string; width: number };
}

const TRANSITIONS: Record<AlertEventType, string> = { fired: 'fired', repeated: 'still firing', reset: 'resolved', report: 'report' };

const OPERATOR_TEXT: Record<string, string> = {
  '<': 'below', '<=': 'at or below', '>': 'above', '>=': 'at or above', '=': 'equal to', '!=': 'not equal to',
};

/** isoUtc renders epoch milliseconds as ISO 8601 UTC, without the milliseconds nobody reads in an alert. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function entityParts(entity: string): { kind: string; id: string } {
  const colon = entity.indexOf(':');
  return colon > 0 ? { kind: entity.slice(0, colon), id: entity.slice(colon + 1) } : { kind: '', id: entity };
}

function areaLabel(alert: AlertEvent, rule?: Rule): string {
  const label = areaFormat(alert.area).label;
  // A code ratio is only meaningful with its codes: "SIP 503/486 ratio".
  if (alert.area === 'code_ratio' && rule && rule.codes.length > 0) return `SIP ${rule.codes.join('/')} ratio`;
  return label;
}

// How an account wants its numbers and times: money in its locale's format (the currency written by the locale, so
// the unit is empty), times in its zone. Without a locale, money stays `1234.50` + ` EUR`; without a zone, ISO UTC.
function accountFormats(format: AreaFormat, account?: Account) {
  const currency = account?.currency.trim() ?? '';
  const localeName = account?.locale?.trim() ? (validLocale(account.locale) ?? FALLBACK_LOCALE) : null;
  const zone = validTimeZone(account?.timezone);
  const time = zone === null ? isoUtc : (ms: number) => zonedTime(ms, zone, localeName ?? FALLBACK_LOCALE);
  if (!format.money || localeName === null) {
    const unit = format.money ? (currency ? ` ${currency}` : '') : format.unit;
    return { unit, time, number: (value: number | null, decimals?: number) => formatNumber(value, format, decimals) };
  }
  const number = (value: number | null, decimals = format.decimals): string =>
    value === null || !Number.isFinite(value) ? 'n/a' : formatMoney(value, decimals, currency, localeName);
  return { unit: '', time, number };
}

/**
 * buildContext turns an alert event (plus its rule and the entity's account, when known) into the template view model;
 * the account's `timezone` and `locale`, when valid, set how times and money read (docs/templates.md).
 */
export function buildContext(alert: AlertEvent, rule?: Rule, account?: Account): NotificationContext {
  const format = areaFormat(alert.area);
  const { unit, time, number } = accountFormats(format, account);
  const { kind, id } = entityParts(alert.entity);
  const name = account?.name.trim() || id;
  const operator = alert.operator ?? '';
  return {
    entity: { id: alert.entity, kind, name },
    rule: { id: alert.rule_id, title: rule?.title ?? alert.rule_title },
    area: alert.area,
    areaLabel: areaLabel(alert, rule),
    unit,
    // As many decimals as it takes not to read as the threshold it crossed: 44.996 below 45.00, not 45.00 below 45.00.
    value: number(alert.value, valueDecimals(alert, format.decimals)),
    hasValue: alert.value !== null,
    threshold: number(alert.threshold),
    resetThreshold: alert.reset_threshold === null ? '' : number(alert.reset_threshold),
    operator,
    operatorText: OPERATOR_TEXT[operator] ?? operator,
    level: alert.level,
    window: alert.sample_period_ms === null ? '' : formatDuration(alert.sample_period_ms),
    firedAt: time(alert.at_ms),
    firstFiredAt: time(alert.first_fired_at_ms),
    firingFor: formatDuration(Math.max(0, alert.at_ms - alert.first_fired_at_ms)),
    type: alert.type,
    transition: TRANSITIONS[alert.type],
    isFired: alert.type === 'fired',
    isRepeated: alert.type === 'repeated',
    isReset: alert.type === 'reset',
    isReport: alert.type === 'report',
    test: alert.test,
    // Drawn per alert after the context is built; deliver fills it in (withChart) when the alert has one.
    chart: { cid: '', alt: '', width: 0 },
  };
}
