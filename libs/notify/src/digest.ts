import Handlebars from 'handlebars';
import type { AlertEvent, Level } from '@callwatch/schemas';
import type { NotificationContext } from './context';
import { mjmlToHtml, type RenderedNotification } from './render';
import { mjmlHead } from './stock-templates';

/** DigestItem is one alert of a digest with its template view model (names and values already formatted). */
export interface DigestItem {
  alert: AlertEvent;
  context: NotificationContext;
}

/** DIGEST_ROWS bounds the table of a digest email; the rest are counted ("and 380 more"). */
export const DIGEST_ROWS = 100;
const SMS_ROWS = 3;

const LEVELS: readonly Level[] = ['info', 'warning', 'error', 'critical'];
const TYPE_ORDER: Record<string, number> = { fired: 0, repeated: 1, reset: 2, report: 3 };

// How far past its threshold an alert is, relative to the threshold: the worst come first in a digest.
function severity({ alert }: DigestItem): number {
  if (alert.value === null || alert.threshold === null) return 0;
  return Math.abs(alert.value - alert.threshold) / Math.max(Math.abs(alert.threshold), 1e-9);
}

/** orderDigest sorts a digest's alerts: by type (fired, still firing, resolved, reports), then the worst first, then by entity. */
export function orderDigest(items: DigestItem[]): DigestItem[] {
  return [...items].sort((a, b) =>
    (TYPE_ORDER[a.alert.type] ?? 9) - (TYPE_ORDER[b.alert.type] ?? 9) || severity(b) - severity(a) || a.alert.entity.localeCompare(b.alert.entity));
}

const ROW_FACTS = '{{name}} — {{areaLabel}} {{value}}{{unit}}{{#if threshold}} ({{operator}} {{threshold}}{{unit}}){{/if}}, {{transition}} at {{at}}';

const SUBJECT = '[{{level}}] {{title}}: {{count}} alert{{#if plural}}s{{/if}} ({{summary}})';

const MJML = `<mjml>
${mjmlHead('{{title}}: {{count}} alerts')}
  <mj-body background-color="#f4f4f4">
    <mj-section background-color="#ffffff" padding="16px">
      <mj-column>
        <mj-text font-size="18px" font-weight="bold">{{title}}: {{count}} alert{{#if plural}}s{{/if}}</mj-text>
        <mj-text>{{summary}}{{#if labels}} — {{labels}}{{/if}}</mj-text>
        <mj-table font-size="13px">
          <tr style="text-align:left;color:#666666"><th>Entity</th><th>Metric</th><th>Value</th><th>Threshold</th><th>State</th><th>Time</th></tr>
          {{#each rows}}<tr><td>{{name}}</td><td>{{areaLabel}}</td><td>{{value}}{{unit}}</td><td>{{operator}} {{threshold}}{{unit}}</td><td>{{transition}}</td><td>{{at}}</td></tr>
          {{/each}}
        </mj-table>
        <mj-text color="#666666">{{#if more}}and {{more}} more.{{/if}}</mj-text>
        <mj-text color="#666666" font-size="12px">One digest for the alerts that reached you together. Sent by callwatch.</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>
`;

const TEXT = `{{title}}: {{count}} alert{{#if plural}}s{{/if}}
{{summary}}{{#if labels}} — {{labels}}{{/if}}

{{#each rows}}- ${ROW_FACTS}
{{/each}}{{#if more}}and {{more}} more.
{{/if}}
-- 
callwatch
`;

const SMS = '{{title}}: {{count}} alert{{#if plural}}s{{/if}} ({{summary}}): {{#each smsRows}}{{name}} {{value}}{{unit}}{{#unless @last}}, {{/unless}}{{/each}}{{#if smsMore}} +{{smsMore}} more{{/if}}';

// An isolated Handlebars environment; the digest template is ours and compiled once.
const handlebars = Handlebars.create();
let compiled: { subject: Handlebars.TemplateDelegate; html: Handlebars.TemplateDelegate; text: Handlebars.TemplateDelegate; sms: Handlebars.TemplateDelegate } | null = null;

function templates() {
  compiled ??= {
    subject: handlebars.compile(SUBJECT, { noEscape: true }),
    html: handlebars.compile(mjmlToHtml(MJML)),
    text: handlebars.compile(TEXT, { noEscape: true }),
    sms: handlebars.compile(SMS, { noEscape: true }),
  };
  return compiled;
}

function summary(items: DigestItem[]): string {
  const counts = new Map<string, number>();
  for (const { context } of items) counts.set(context.transition, (counts.get(context.transition) ?? 0) + 1);
  return [...counts].map(([transition, n]) => `${n} ${transition}`).join(', ');
}

/**
 * renderDigest renders one digest of alerts for one recipient: a subject that counts them, a table (email) or list
 * (text) of entities, values and times with the worst first, and an SMS naming the first few. `labels` are what the
 * alerts share (the group_by values), shown under the title.
 */
export function renderDigest(items: DigestItem[], labels: Record<string, string>): RenderedNotification {
  const ordered = orderDigest(items);
  const rules = new Set(ordered.map((i) => i.context.rule.title));
  const rows = ordered.map(({ context: c }) => ({
    name: c.entity.name, areaLabel: c.areaLabel, value: c.value, unit: c.unit, threshold: c.threshold, operator: c.operator,
    transition: c.transition, at: c.firedAt,
  }));
  const view = {
    title: rules.size === 1 ? [...rules][0] : `${rules.size} rules`,
    level: LEVELS[Math.max(...ordered.map((i) => LEVELS.indexOf(i.alert.level)))] ?? 'info',
    count: ordered.length,
    plural: ordered.length !== 1,
    summary: summary(ordered),
    labels: Object.entries(labels).filter(([k]) => k !== 'rule').map(([k, v]) => `${k} ${v}`).join(', '),
    rows: rows.slice(0, DIGEST_ROWS),
    more: Math.max(0, rows.length - DIGEST_ROWS),
    smsRows: rows.slice(0, SMS_ROWS),
    smsMore: Math.max(0, rows.length - SMS_ROWS),
  };
  const t = templates();
  return { subject: t.subject(view).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim(), html: t.html(view), text: t.text(view), sms: t.sms(view).trim() };
}
