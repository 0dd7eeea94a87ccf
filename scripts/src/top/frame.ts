import type { AlertEvent, Delivery, EntityRow, FiringAlert, Level, TopData } from './console-types';

/** FrameOptions are the terminal's size, the clock, and whether to colour (a TTY) or not (a pipe, a file). */
export interface FrameOptions {
  width: number;
  height: number;
  now: number;
  colour: boolean;
  url: string;
}

const LEVEL_COLOURS: Record<Level, string> = { critical: '31', warning: '33', info: '36' };
const paint = (on: boolean, code: string, text: string) => (on ? `\x1b[${code}m${text}\x1b[0m` : text);

/** clock renders a time as HH:MM:SS in UTC, as the alert lines of the CLI do. */
const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/** ago renders how long since a moment: 45s, 12m, 3h, 2d. */
export function ago(sinceMs: number, now: number): string {
  const s = Math.max(0, Math.round((now - sinceMs) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

const num = (value: number | null, digits: number, unit = '') => (value === null ? '-' : `${value.toFixed(digits)}${unit}`);

/** fit cuts a line to the terminal's width (a line that wraps would push the frame off the screen). */
function fit(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

function firingLine(a: FiringAlert, now: number): string {
  // A value without a unit (a script's ratio) gets three decimals: two would hide 0.403 > 0.4.
  const value = a.value === null ? 'n/a' : String(Number(a.value.toFixed(a.unit ? 2 : 3)));
  const condition = `${a.area} ${value}${a.unit ? ` ${a.unit}` : ''} ${a.operator ?? ''} ${a.threshold ?? ''}`.replace(/\s+/g, ' ').trim();
  return ` ${a.level.padEnd(8)} ${a.entity.padEnd(22)} ${a.rule_id.padEnd(24)} ${condition.padEnd(26)} since ${ago(a.since_ms, now)}${a.silenced ? '  (silenced)' : ''}`;
}

const ENTITY_HEADER = ` ${'ENTITY'.padEnd(22)} ${'ASR'.padStart(6)} ${'ACD'.padStart(6)} ${'PDD'.padStart(6)} ${'CPS'.padStart(5)} ${'CHAN'.padStart(5)} ${'BALANCE'.padStart(10)}  CLOSE`;

function entityLine(e: EntityRow): string {
  const m = e.metrics;
  const pdd = m.pdd === null ? '-' : `${(m.pdd / 1000).toFixed(1)}s`;
  const bar = '█'.repeat(Math.min(5, Math.round(Math.min(e.closeness, 1) * 5))).padEnd(5, '·');
  const marks = `${e.firing > 0 ? ` ${e.firing} firing` : ''}${e.penalty ? ' blocked' : ''}`;
  return ` ${e.entity.padEnd(22)} ${num(m.asr, 1, '%').padStart(6)} ${num(m.acd, 0, 's').padStart(6)} ${pdd.padStart(6)} ${num(m.cps, 0).padStart(5)}`
    + ` ${num(m.channels, 0).padStart(5)} ${num(m.balance, 2).padStart(10)}  ${bar} ${e.closeness.toFixed(2)}${marks}`;
}

function alertLine(a: AlertEvent): string {
  const value = a.value === null ? '' : ` ${a.area} ${Number(a.value.toFixed(2))}`;
  return ` ${clock(a.at_ms)} ${a.type.toUpperCase().padEnd(8)} ${a.level.padEnd(8)} ${a.entity}  ${a.rule_id}${value}`;
}

function deliveryLine(d: Delivery): string {
  return ` ${clock(d.at_ms)} ${d.channel.padEnd(8)} ${d.status.padEnd(8)} ${d.recipient}  ${d.rule_id} ${d.entity}${d.error ? `  ${d.error}` : ''}`;
}

/**
 * renderFrame draws one screen of `callwatch top` from the console's API: a header, the firing alerts, the entities
 * sorted by how close they are to firing, the recent transitions and deliveries, at most `height` lines each cut to
 * `width`. Sections shrink to fit, the entities first giving way to the firing alerts.
 */
export function renderFrame(data: TopData, { width, height, now, colour, url }: FrameOptions): string[] {
  const { overview } = data;
  const c = overview.counts;
  const title = `callwatch top  ${url}  topics ${overview.deployment.topic_prefix || '(no prefix)'}*  ${c.entities} entities  ${c.firing} firing`
    + `  ${c.penalties} penalties  ${clock(now)} UTC`;
  const lines: Array<{ text: string; style?: string }> = [{ text: title, style: '1' }];
  const rows = Math.max(1, height - 1); // the last row stays free: `q quits`
  const recent = data.recent.slice(0, Math.min(5, Math.max(0, Math.floor(rows / 6))));
  const deliveries = data.deliveries.slice(0, Math.min(4, Math.max(0, Math.floor(rows / 8))));
  const tail = (recent.length > 0 ? recent.length + 1 : 0) + (deliveries.length > 0 ? deliveries.length + 1 : 0);
  const room = rows - lines.length - tail;

  const firing = overview.firing.slice(0, Math.max(0, Math.min(overview.firing.length, Math.ceil(room / 2) - 1)));
  lines.push({ text: overview.firing.length === 0 ? 'FIRING  none' : `FIRING  ${overview.firing.length}`, style: '1' });
  for (const a of firing) lines.push({ text: firingLine(a, now), style: `1;${LEVEL_COLOURS[a.level]}` });
  if (firing.length < overview.firing.length) lines.push({ text: ` … ${overview.firing.length - firing.length} more` });

  const entityRoom = rows - lines.length - tail - 1;
  if (entityRoom > 0) {
    lines.push({ text: ENTITY_HEADER, style: '1' });
    for (const e of overview.entities.slice(0, entityRoom)) {
      lines.push({ text: entityLine(e), ...(e.worst_level === null ? {} : { style: LEVEL_COLOURS[e.worst_level] }) });
    }
  }
  if (recent.length > 0) {
    lines.push({ text: 'RECENT ALERTS', style: '1' });
    for (const a of recent) lines.push({ text: alertLine(a), ...(a.type === 'fired' ? { style: LEVEL_COLOURS[a.level] } : {}) });
  }
  if (deliveries.length > 0) {
    lines.push({ text: 'DELIVERIES', style: '1' });
    for (const d of deliveries) lines.push({ text: deliveryLine(d), ...(d.status === 'failed' ? { style: '31' } : {}) });
  }
  return lines.slice(0, rows).map(({ text, style }) => {
    const cut = fit(text, width);
    return style === undefined ? cut : paint(colour, style, cut);
  });
}
