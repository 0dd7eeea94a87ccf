import type { AlertEventType, Template } from '@callwatch/schemas';
import { AREA_FORMATS, DEFAULT_AREA_FORMAT } from './areas';

// Stock templates are written once here and shared by every area; only the metric's meaning differs.
// Handlebars expressions appear only in element content (never in MJML attributes) because MJML is
// compiled once per template, before Handlebars runs, and strict validation rejects `{{…}}` in attributes.
// The [TEST] prefix is not written here: renderNotification adds it to every template, custom ones too.

const SUBJECT = '[{{level}}] {{rule.title}}: {{entity.name}} {{areaLabel}} {{value}}{{unit}} ({{transition}})';

const SENTENCE =
  '{{#if isReset}}{{areaLabel}} for {{entity.name}} is back to {{value}}{{unit}}. The alert resolved after firing for {{firingFor}} (since {{firstFiredAt}}).' +
  '{{else if isRepeated}}{{areaLabel}} for {{entity.name}} is still {{operatorText}} {{threshold}}{{unit}}: now {{value}}{{unit}}, firing since {{firstFiredAt}} ({{firingFor}}).' +
  '{{else}}{{areaLabel}} for {{entity.name}} is {{value}}{{unit}}, {{operatorText}} the threshold of {{threshold}}{{unit}}.{{/if}}';

const FACTS: Array<[string, string]> = [
  ['Rule', '{{rule.title}} ({{rule.id}})'],
  ['Entity', '{{entity.name}} ({{entity.id}})'],
  ['Value', '{{value}}{{unit}}'],
  ['Condition', '{{areaLabel}} {{operator}} {{threshold}}{{unit}}{{#if resetThreshold}}, resets past {{resetThreshold}}{{unit}}{{/if}}'],
  ['Window', '{{window}}'],
  ['Level', '{{level}}'],
  ['Event time', '{{firedAt}}'],
  ['First fired', '{{firstFiredAt}}'],
];

const SMS = '{{level}}: {{rule.title}} - {{entity.name}} {{areaLabel}} {{value}}{{unit}} ({{transition}}{{#unless isReset}}; {{operator}} {{threshold}}{{unit}}{{/unless}}) {{firedAt}}';

const EVENT_SUBJECT = '[{{level}}] {{rule.title}}: {{entity.name}}';
const EVENT_SENTENCE = '{{rule.title}} for {{entity.name}} at {{firedAt}}.{{#if hasValue}} Value: {{value}}{{unit}}.{{/if}}';
const EVENT_FACTS: Array<[string, string]> = [
  ['Rule', '{{rule.title}} ({{rule.id}})'],
  ['Entity', '{{entity.name}} ({{entity.id}})'],
  ['Level', '{{level}}'],
  ['Event time', '{{firedAt}}'],
];
const EVENT_SMS = '{{level}}: {{rule.title}} - {{entity.name}} {{firedAt}}';

// A report states a value at a tick, whatever it is: no threshold, no transition.
const REPORT_VALUE = '{{#if hasValue}}{{value}}{{unit}}{{else}}no data{{/if}}';
const REPORT_SUBJECT = `Report: {{rule.title}} — {{entity.name}}: ${REPORT_VALUE}`;
const REPORT_SENTENCE = `{{areaLabel}} for {{entity.name}}{{#if window}} over the last {{window}}{{/if}}: ${REPORT_VALUE}.`;
const REPORT_FACTS: Array<[string, string]> = [
  ['Rule', '{{rule.title}} ({{rule.id}})'],
  ['Entity', '{{entity.name}} ({{entity.id}})'],
  ['Value', REPORT_VALUE],
  ['Window', '{{window}}'],
  ['Report time', '{{firedAt}}'],
];
const REPORT_SMS = `Report: {{rule.title}} - {{entity.name}} {{areaLabel}} ${REPORT_VALUE} {{firedAt}}`;
const REPORT_MEANING = "A scheduled report: sent at every tick of the rule's schedule, whatever the value.";

const TEST_NOTE = 'This is a TEST notification; no alert is firing.';

// The chart is raw HTML because MJML validates its components' attributes before Handlebars runs: in mj-raw, the
// {{…}} in src and alt reach Handlebars untouched, which escapes them. A row of its own, as the column's table wants.
const CHART_ROW =
  '{{#if chart.cid}}<tr><td style="padding:10px 25px"><img src="cid:{{chart.cid}}" alt="{{chart.alt}}" width="{{chart.width}}" ' +
  'style="display:block;width:100%;max-width:{{chart.width}}px;height:auto;border:0"></td></tr>{{/if}}';

/** mjmlHead is the head of callwatch's own emails (stock templates, digests): the title, preview text and fonts. */
export function mjmlHead(title: string): string {
  return `  <mj-head>
    <mj-title>${title}</mj-title>
    <mj-preview>${title}</mj-preview>
    <mj-attributes>
      <mj-all font-family="Helvetica, Arial, sans-serif" />
      <mj-text font-size="14px" line-height="20px" color="#222222" />
    </mj-attributes>
  </mj-head>`;
}

function mjmlBody(headline: string, sentence: string, meaning: string, facts: Array<[string, string]>): string {
  const rows = facts.map(([name, value]) => `          <tr><td style="padding:2px 12px 2px 0;color:#666666">${name}</td><td>${value}</td></tr>`).join('\n');
  return `<mjml>
${mjmlHead(headline)}
  <mj-body background-color="#f4f4f4">
    <mj-section background-color="#ffffff" padding="16px">
      <mj-column>
        <mj-text color="#b00020">{{#if test}}${TEST_NOTE}{{/if}}</mj-text>
        <mj-text font-size="18px" font-weight="bold">${headline}</mj-text>
        <mj-text>${sentence}</mj-text>
        <mj-raw>${CHART_ROW}</mj-raw>
        <mj-table font-size="14px">
${rows}
        </mj-table>
        <mj-text color="#666666" font-size="12px">${meaning} Sent by callwatch.</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>
`;
}

function textBody(headline: string, sentence: string, meaning: string, facts: Array<[string, string]>): string {
  const rows = facts.map(([name, value]) => `${`${name}:`.padEnd(13)}${value}`).join('\n');
  return `{{#if test}}${TEST_NOTE}\n\n{{/if}}${headline}\n\n${sentence}\n\n{{#if chart.cid}}Chart: {{chart.alt}}\n\n{{/if}}${rows}\n\n${meaning}\n-- \ncallwatch\n`;
}

function template(id: string, parts: { subject: string; headline: string; sentence: string; meaning: string; facts: Array<[string, string]>; sms: string }): Template {
  return {
    id,
    subject: parts.subject,
    mjml: mjmlBody(parts.headline, parts.sentence, parts.meaning, parts.facts),
    text: textBody(parts.headline, parts.sentence, parts.meaning, parts.facts),
    sms: parts.sms,
    description: null,
    variants: [],
    applied_by: 'stock',
    applied_at_ms: 0,
  };
}

function thresholdTemplate(id: string, meaning: string): Template {
  return template(id, { subject: SUBJECT, headline: '{{rule.title}}: {{transition}}', sentence: SENTENCE, meaning, facts: FACTS, sms: SMS });
}

/**
 * STOCK_TEMPLATES holds the built-in template of every area, plus `event`, `report` and `default`, keyed by template id
 * (= area). It has no prototype: an id such as `constructor` or `__proto__` finds nothing rather than Object's own.
 */
export const STOCK_TEMPLATES: Readonly<Record<string, Template>> = Object.assign(Object.create(null) as Record<string, Template>, {
  ...Object.fromEntries(Object.entries(AREA_FORMATS).map(([area, format]) => [area, thresholdTemplate(area, format.meaning)])),
  event: template('event', { subject: EVENT_SUBJECT, headline: '{{rule.title}}', sentence: EVENT_SENTENCE, meaning: '', facts: EVENT_FACTS, sms: EVENT_SMS }),
  report: template('report', { subject: REPORT_SUBJECT, headline: 'Report: {{rule.title}}', sentence: REPORT_SENTENCE, meaning: REPORT_MEANING, facts: REPORT_FACTS, sms: REPORT_SMS }),
  default: thresholdTemplate('default', DEFAULT_AREA_FORMAT.meaning),
});

/**
 * templateFor picks the template of an alert: the rule's named template (an admin's own, else a stock one),
 * else the area's stock template (for a `report`, the `report` template, whatever the area), else `default`; a rule
 * naming a template that does not exist falls back too, because a notification with a stock body beats no notification.
 */
export function templateFor(area: string, templateId: string | null, custom: ReadonlyMap<string, Template> = new Map(), type: AlertEventType = 'fired'): Template {
  const named = templateId === null ? undefined : (custom.get(templateId) ?? STOCK_TEMPLATES[templateId]);
  const key = type === 'report' ? 'report' : area;
  return named ?? custom.get(key) ?? STOCK_TEMPLATES[key] ?? (STOCK_TEMPLATES.default as Template);
}
