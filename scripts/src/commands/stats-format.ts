import type { StatsInterval, TrafficStat } from '@callwatch/clickhouse';
import { csv } from './history-format';

/** StatsFormat is how `callwatch stats` prints: aligned columns for people, CSV for spreadsheets, or JSON. */
export type StatsFormat = 'table' | 'csv' | 'json';

/** STATS_FORMATS lists the formats `--format` accepts. */
export const STATS_FORMATS: readonly StatsFormat[] = ['table', 'csv', 'json'];

/** StatsArea is one column of `callwatch stats`, named as TrafficStat's field. */
export type StatsArea = Exclude<keyof TrafficStat, 'entity' | 'interval_start_ms'>;

/** STATS_AREAS are the areas `--area` accepts, in the order the table shows them. */
export const STATS_AREAS: readonly StatsArea[] = ['attempts', 'answered', 'asr', 'ner', 'acd', 'pdd', 'sdr', 'peak_cps', 'peak_channels', 'spend', 'margin', 'codes'];

const TOP_CODES = 4;

/** codeList writes attempts per SIP code, most first: `200:41 486:12 503:3`; `top` keeps the first few and marks the rest. */
export function codeList(codes: Record<string, number>, top = Infinity): string {
  const sorted = Object.entries(codes).sort(([a, x], [b, y]) => y - x || Number(a) - Number(b));
  const shown = sorted.slice(0, top).map(([code, n]) => `${code}:${n}`);
  return sorted.length > top ? `${shown.join(' ')} …` : shown.join(' ');
}

/** intervalLabel names an interval in UTC as the table shows it: `2026-11-30 14:00`, `2026-11-30` or `2026-11`. */
export function intervalLabel(startMs: number, by: StatsInterval): string {
  const iso = new Date(startMs).toISOString();
  return by === 'hour' ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso.slice(0, by === 'day' ? 10 : 7);
}

/** rangeLabel says a range of whole intervals for people: `2026-11-30 14:00 to 2026-12-01 00:00 UTC` (its end excluded). */
export function rangeLabel(fromMs: number, toMs: number, by: StatsInterval): string {
  return `${intervalLabel(fromMs, by)} to ${intervalLabel(toMs, by)} UTC`;
}

// Money sums are kept to a millionth (deriveWindow): show as many decimals as the column needs, 2 to 6, none lost.
function moneyDecimals(values: number[]): number {
  for (let d = 2; d < 6; d++) if (values.every((v) => Math.abs(Number(v.toFixed(d)) - v) < 1e-9)) return d;
  return 6;
}

// One cell of the table: percentages to one decimal, ACD in seconds, PDD in ms, the most frequent codes.
function tableCells(rows: readonly TrafficStat[]): (area: StatsArea, r: TrafficStat) => string {
  const decimals = { spend: moneyDecimals(rows.map((r) => r.spend)), margin: moneyDecimals(rows.map((r) => r.margin)) };
  return (area, r) => {
    if (area === 'codes') return codeList(r.codes, TOP_CODES) || '-';
    const v = r[area];
    if (v === null) return '-';
    switch (area) {
      case 'asr':
      case 'ner':
      case 'sdr':
        return `${v.toFixed(1)}%`;
      case 'acd':
        return `${v.toFixed(1)} s`;
      case 'pdd':
        return `${Math.round(v)} ms`;
      case 'spend':
      case 'margin':
        return v.toFixed(decimals[area]);
      default:
        return String(v);
    }
  };
}

// Columns padded to their widest cell: numbers to the right, the `left` ones (interval, codes) to the left.
function aligned(rows: string[][], left: ReadonlySet<number>): string[] {
  const widths = rows.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  const pad = (cell: string, i: number, last: boolean) => (!left.has(i) ? cell.padStart(widths[i] ?? 0) : last ? cell : cell.padEnd(widths[i] ?? 0));
  return rows.map((row) => row.map((cell, i) => pad(cell, i, i === row.length - 1)).join('  '));
}

/** StatsView is what a printout shows: the interval, the areas chosen, and the range asked (aligned to whole intervals). */
export interface StatsView {
  by: StatsInterval;
  areas: readonly StatsArea[];
  fromMs: number;
  toMs: number;
}

function formatTable(rows: readonly TrafficStat[], view: StatsView): string {
  const cell = tableCells(rows);
  const header = ['interval', ...view.areas];
  // The interval and the codes read left to right (without codes, indexOf is -1 and only the interval is left).
  const left = new Set([0, 1 + view.areas.indexOf('codes')]);
  // One set of column widths for every block, so entities read against each other.
  const [head, ...lines] = aligned([header, ...rows.map((r) => [intervalLabel(r.interval_start_ms, view.by), ...view.areas.map((area) => cell(area, r))])], left);
  const blocks = [...new Set(rows.map((r) => r.entity))].map((entity) => [
    `${entity}  per ${view.by}, ${rangeLabel(view.fromMs, view.toMs, view.by)}`,
    head,
    ...lines.filter((_, i) => rows[i]?.entity === entity),
  ].join('\n'));
  return `${blocks.join('\n\n')}\n`;
}

function record(r: TrafficStat, areas: readonly StatsArea[]): Record<string, unknown> {
  const out: Record<string, unknown> = { entity: r.entity, interval: new Date(r.interval_start_ms).toISOString(), interval_start_ms: r.interval_start_ms };
  for (const area of areas) out[area] = r[area];
  return out;
}

/**
 * formatStats prints traffic stats: a table per entity (percentages to one decimal, money to the rollup's precision,
 * the most frequent SIP codes); CSV with a header, one row per entity and interval (ISO 8601 UTC, every code); or a
 * JSON array of objects. Each shows the interval and the chosen areas.
 */
export function formatStats(rows: readonly TrafficStat[], format: StatsFormat, view: StatsView): string {
  if (format === 'json') return `${JSON.stringify(rows.map((r) => record(r, view.areas)), null, 2)}\n`;
  if (format === 'csv') {
    return csv(['entity', 'interval', ...view.areas], rows.map((r) => [
      r.entity,
      new Date(r.interval_start_ms).toISOString(),
      ...view.areas.map((area) => (area === 'codes' ? codeList(r.codes) : r[area])),
    ]));
  }
  return formatTable(rows, view);
}
