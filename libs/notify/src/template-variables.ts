import type { NotificationContext } from './context';

// Every variable a template may name is a leaf of NotificationContext, written as templates write it (`entity.name`).
type Leaves<T> = {
  [K in keyof T & string]: T[K] extends string | number | boolean ? K : `${K}.${keyof T[K] & string}`;
}[keyof T & string];

/** TemplateVariable is the name of one template variable, as a template writes it between braces. */
export type TemplateVariable = Leaves<NotificationContext>;

/**
 * TEMPLATE_VARIABLES describes every variable a template may use, in the order docs/templates.md lists them; its type
 * makes it name each leaf of NotificationContext exactly once, so a new context field cannot go undocumented.
 */
export const TEMPLATE_VARIABLES: Readonly<Record<TemplateVariable, string>> = {
  'entity.name': "the account's name, else the entity's id",
  'entity.id': 'the entity, e.g. customer:acme',
  'entity.kind': 'customer or carrier',
  'rule.title': "the rule's title",
  'rule.id': "the rule's id",
  area: 'the area the rule watches, e.g. asr',
  areaLabel: 'the area for people, e.g. ASR, or SIP 503/486 ratio',
  value: 'the value, with the decimals of its area (money in the account\'s currency and locale); n/a without one',
  unit: 'the unit to write right after a value: %, s, ms, /s, " EUR" for money without a locale, else empty',
  hasValue: 'true when the alert carries a value (event rules do not)',
  threshold: 'the threshold, formatted like the value; n/a without one',
  resetThreshold: 'the reset threshold, formatted like the value; empty when the rule has none',
  operator: 'the operator, e.g. <=; empty without one',
  operatorText: 'the operator in words, e.g. at or below',
  level: 'info, warning, error or critical',
  window: 'the sample period, e.g. 15m; empty for areas without a window',
  firedAt: "when this event happened (a report's tick), in the account's time zone",
  firstFiredAt: "when the alert first fired, in the account's time zone",
  firingFor: 'how long the alert has been firing at this event, e.g. 1h15m',
  type: 'fired, repeated, reset or report',
  transition: 'the type in words: fired, still firing, resolved or report',
  isFired: 'true for a fired event',
  isRepeated: 'true for a repeated event',
  isReset: 'true for a reset event',
  isReport: 'true for a scheduled report',
  test: 'true for a TEST notification (callwatch rules test)',
  'chart.cid': 'the Content-ID of the inline chart of the metric, for <img src="cid:{{chart.cid}}">; empty when the email has no chart',
  'chart.alt': 'what the chart shows, in words, for its alt text',
  'chart.width': 'the width of the chart in pixels',
};

/** TEMPLATE_HELPERS lists the Handlebars helpers a template may use: the built-in block helpers. */
export const TEMPLATE_HELPERS: readonly string[] = ['if', 'unless', 'each', 'with'];

/** isTemplateVariable tells whether a dotted name is a template variable. */
export function isTemplateVariable(name: string): name is TemplateVariable {
  return Object.prototype.hasOwnProperty.call(TEMPLATE_VARIABLES, name);
}
