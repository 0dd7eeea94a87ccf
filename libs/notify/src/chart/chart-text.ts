import type { SeriesPoint } from '@callwatch/windows';

/** ChartText is what a chart says in words: whose metric, over which span, in which unit and time zone. */
export interface ChartText {
  areaLabel: string;
  entityName: string;
  /** appended to values: "%", " EUR"… */
  unit: string;
  decimals: number;
  fromMs: number;
  toMs: number;
  /** IANA zone of the times shown; UTC when absent or unknown */
  timeZone?: string;
}

/** ChartMoment is a threshold crossing the alt text tells about: the fire (or reset) time and its condition. */
export interface ChartMoment {
  type: 'fired' | 'repeated' | 'reset' | 'report';
  threshold: number | null;
  resetThreshold: number | null;
  operator: string | null;
  firedAtMs: number | null;
  resetAtMs: number | null;
}

const SIDE: Record<string, string> = { '<': 'below', '<=': 'at or below', '>': 'above', '>=': 'at or above', '=': 'at', '!=': 'away from' };

/** spanText writes a chart's span for a title: 15m, 1h30m, 24h (a day reads better as hours on a chart). */
export function spanText(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return hours === 0 ? `${rest}m` : rest === 0 ? `${hours}h` : `${hours}h${rest}m`;
}

/** spanWords writes a span for a sentence: "15 minutes", "1 hour", "1 hour 30 minutes". */
export function spanWords(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const hours = Math.floor(minutes / 60);
  if (hours === 0) return plural(minutes, 'minute');
  return minutes % 60 === 0 ? plural(hours, 'hour') : `${plural(hours, 'hour')} ${plural(minutes % 60, 'minute')}`;
}

/** chartTitle is the line above a chart: "ASR — ACME, last 15m". */
export function chartTitle(text: ChartText): string {
  return `${text.areaLabel} — ${text.entityName}, last ${spanText(text.toMs - text.fromMs)}`;
}

/** chartZone returns the zone if this runtime knows it, else UTC: a bad account setting must not lose the chart. */
export function chartZone(timeZone: string | undefined): string {
  if (!timeZone) return 'UTC';
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return timeZone;
  } catch {
    return 'UTC';
  }
}

const FORMATS = new Map<string, Intl.DateTimeFormat>();

/** clockTime writes a time as hours and minutes in a zone, with the zone's short name: "14:05 UTC", "16:05 CEST". */
export function clockTime(ms: number, timeZone: string): string {
  let format = FORMATS.get(timeZone);
  if (!format) {
    // Building a formatter costs far more than using one, and an axis formats a dozen times per chart.
    format = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' });
    FORMATS.set(timeZone, format);
  }
  const parts = format.formatToParts(ms);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('hour')}:${part('minute')} ${part('timeZoneName')}`;
}

/**
 * altText says what the chart shows for someone who cannot see it: "ASR for ACME over the last 15 minutes: from 52%
 * down to 28%, at or below the threshold 30% since 14:05 UTC".
 */
export function altText(text: ChartText, moment: ChartMoment, points: readonly SeriesPoint[]): string {
  const zone = chartZone(text.timeZone);
  const value = (v: number) => `${v.toFixed(text.decimals)}${text.unit}`;
  const known = points.filter((p): p is { atMs: number; value: number } => p.value !== null);
  const head = `${text.areaLabel} for ${text.entityName} over the last ${spanWords(text.toMs - text.fromMs)}`;
  const first = known[0];
  const last = known[known.length - 1];
  let shape = 'no data';
  if (first && last && known.length === 1) shape = `${value(last.value)} at ${clockTime(last.atMs, zone)}`;
  else if (first && last) {
    const change = last.value === first.value ? 'unchanged at' : last.value < first.value ? 'down to' : 'up to';
    shape = change === 'unchanged at' ? `unchanged at ${value(last.value)}` : `from ${value(first.value)} ${change} ${value(last.value)}`;
  }
  return `${head}: ${shape}${condition(moment, value, zone)}`;
}

function condition(moment: ChartMoment, value: (v: number) => string, zone: string): string {
  const { type, threshold, resetThreshold, operator, firedAtMs, resetAtMs } = moment;
  if (type === 'report' || threshold === null || operator === null) return '';
  const side = SIDE[operator] ?? operator;
  if (type === 'reset') {
    const past = resetThreshold === null ? `no longer ${side} the threshold ${value(threshold)}` : `back past the reset threshold ${value(resetThreshold)}`;
    return `, ${past}${resetAtMs === null ? '' : ` since ${clockTime(resetAtMs, zone)}`}`;
  }
  return `, ${side} the threshold ${value(threshold)}${firedAtMs === null ? '' : ` since ${clockTime(firedAtMs, zone)}`}`;
}
