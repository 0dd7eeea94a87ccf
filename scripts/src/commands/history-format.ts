import { formatDuration } from '@callwatch/core';
import type { TimelineLine } from '@callwatch/clickhouse';
import { alertCondition } from './alerts';

/** HistoryFormat is how `callwatch history` prints: aligned lines for people, JSON, or CSV for spreadsheets. */
export type HistoryFormat = 'table' | 'json' | 'csv';

/** HISTORY_FORMATS lists the formats `--format` accepts. */
export const HISTORY_FORMATS: readonly HistoryFormat[] = ['table', 'json', 'csv'];

/** AuditLine is one change of the audit trail as `history rules` prints it: who did what to which id, and each changed field. */
export interface AuditLine {
  at_ms: number;
  kind: string;
  id: string;
  change: string;
  applied_by: string;
  changes: string[];
  body: Record<string, unknown> | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** csv writes rows as RFC 4180 CSV with a header: fields with a comma, quote or line break are quoted; null is empty. */
export function csv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | boolean | null>>): string {
  const field = (v: string | number | boolean | null) => {
    const text = v === null ? '' : String(v);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [header, ...rows].map((row) => `${row.map(field).join(',')}\r\n`).join('');
}

// Columns padded to their widest value, the last one left as it is.
function aligned(rows: string[][]): string[] {
  const widths = rows.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '));
}

/** timelineDetail says the rest of a timeline line: the level and condition, the penalty's end and reason, or the delivery. */
function timelineDetail(line: TimelineLine): string {
  switch (line.what) {
    case 'alert':
      return `${line.level} ${alertCondition(line)}${line.test ? ' [TEST]' : ''}`;
    case 'penalty':
      return line.until_ms === null ? line.reason : `until ${iso(line.until_ms)} (${formatDuration(Math.max(0, line.until_ms - line.at_ms))}): ${line.reason}`;
    case 'delivery':
      return `${line.channel} ${line.recipient} attempt ${line.attempt}${line.error === null ? '' : `: ${line.error}`}`;
  }
}

const TIMELINE_COLUMNS = [
  'at', 'what', 'entity', 'rule_id', 'type', 'level', 'area', 'value', 'operator', 'threshold', 'reset_threshold', 'until', 'reason',
  'channel', 'recipient', 'status', 'attempt', 'error', 'message_id', 'id', 'alert_event_id',
] as const;

function timelineRow(line: TimelineLine): Array<string | number | boolean | null> {
  const cells: Partial<Record<(typeof TIMELINE_COLUMNS)[number], string | number | boolean | null>> = {
    at: iso(line.at_ms), what: line.what, entity: line.entity, rule_id: line.rule_id,
  };
  if (line.what === 'alert') {
    Object.assign(cells, { type: line.type, level: line.level, area: line.area, value: line.value, operator: line.operator, threshold: line.threshold, reset_threshold: line.reset_threshold, id: line.event_id });
  } else if (line.what === 'penalty') {
    Object.assign(cells, { type: line.type, until: line.until_ms === null ? null : iso(line.until_ms), reason: line.reason, id: line.action_id });
  } else {
    Object.assign(cells, {
      channel: line.channel, recipient: line.recipient, status: line.status, attempt: line.attempt, error: line.error, message_id: line.message_id,
      id: line.notification_id, alert_event_id: line.alert_event_id,
    });
  }
  return TIMELINE_COLUMNS.map((column) => cells[column] ?? null);
}

/**
 * formatTimeline prints an alert timeline: in a table, one line each with its time, what it is (alert, penalty,
 * delivery), its type or status, entity, rule and detail; in CSV, one column per field; in JSON, the lines as read.
 */
export function formatTimeline(lines: TimelineLine[], format: HistoryFormat): string {
  if (format === 'json') return `${JSON.stringify(lines, null, 2)}\n`;
  if (format === 'csv') return csv(TIMELINE_COLUMNS, lines.map(timelineRow));
  if (lines.length === 0) return 'no alerts, penalties or deliveries in this range\n';
  const rows = lines.map((l) => [iso(l.at_ms), l.what, l.what === 'delivery' ? l.status : l.type, l.entity, l.rule_id, timelineDetail(l)]);
  return `${aligned(rows).join('\n')}\n`;
}

/**
 * formatAudit prints an audit trail: in a table, one line per change (time, kind, id, change, who) followed by its
 * changed fields, indented; in CSV the fields joined with "; "; in JSON each change with the document applied.
 */
export function formatAudit(lines: AuditLine[], format: HistoryFormat): string {
  if (format === 'json') return `${JSON.stringify(lines, null, 2)}\n`;
  if (format === 'csv') return csv(['at', 'kind', 'id', 'change', 'applied_by', 'changes'], lines.map((l) => [iso(l.at_ms), l.kind, l.id, l.change, l.applied_by, l.changes.join('; ')]));
  if (lines.length === 0) return 'no configuration changes in this range\n';
  const heads = aligned(lines.map((l) => [iso(l.at_ms), l.kind, l.id, l.change, `by ${l.applied_by || '(unknown)'}`]));
  return lines.map((l, i) => [heads[i], ...l.changes.map((c) => `    ${c}`)].join('\n')).join('\n').concat('\n');
}
