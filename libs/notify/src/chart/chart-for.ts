import { CallwatchError } from '@callwatch/core';
import type { Account, AlertEvent, Rule } from '@callwatch/schemas';
import type { MetricHistory, MetricSeries, SeriesPoint } from '@callwatch/windows';
import { AREA_FORMATS, areaFormat } from '../areas';
import type { InlineImage } from '../channels/channel';
import { buildContext } from '../context';
import { renderAlertChart, type ChartImage } from './alert-chart';

/** CHART_CID is the Content-ID of an alert email's chart; templates show it with `<img src="cid:{{chart.cid}}">`. */
export const CHART_CID = 'chart@callwatch';

/** ChartSize is the size of a chart in pixels. */
export interface ChartSize {
  width: number;
  height: number;
}

/** GAUGE_SPAN_MS is how far back a gauge's chart looks (a balance has no window of its own): 24 hours. */
export const GAUGE_SPAN_MS = 86_400_000;
// A gauge's chart spans at least this, so a history of one point is not drawn on an axis of no width.
const GAUGE_MIN_SPAN_MS = 900_000;
const GAUGE_STEP_MS = 60_000;
// A window's steps: 2 buckets each (30 s of a 15m window), smooth enough to read, fine enough to show the drop.
const WINDOW_STEPS = 30;

/**
 * chartFor draws the chart of an alert's metric: over the rule's window ending at the alert's time for windowed areas
 * (each step's own value), over what is known of the last 24 hours for gauges (with the value the alert judged). It
 * returns null for event and script rules and when no value is known, and throws CW_ERR_CHART when the series cannot
 * be read or drawn.
 */
export async function chartFor(alert: AlertEvent, rule: Rule, account: Account | undefined, history: MetricHistory, size?: Partial<ChartSize>): Promise<ChartImage | null> {
  // Metric areas have a format of their own; event and script rules have no metric to chart.
  if (!(alert.area in AREA_FORMATS)) return null;
  const windowMs = alert.sample_period_ms;
  const toMs = alert.at_ms;
  let series: MetricSeries;
  try {
    series = await history.read(alert.entity, alert.area, windowMs === null
      ? { fromMs: toMs - GAUGE_SPAN_MS, toMs, stepMs: GAUGE_STEP_MS }
      : { fromMs: toMs - windowMs, toMs, stepMs: windowMs / WINDOW_STEPS, codes: rule.codes });
  } catch (err) {
    throw new CallwatchError('CW_ERR_CHART', `chart of ${alert.area} for ${alert.entity}: cannot read its series: ${(err as Error).message}`, { cause: err });
  }
  const points = windowMs === null ? withJudgedValue(series.points, alert, toMs) : series.points;
  if (!points.some((p) => p.value !== null)) return null;
  const fromMs = windowMs === null ? gaugeStart(points, toMs) : toMs - windowMs;
  const format = areaFormat(alert.area);
  const currency = account?.currency.trim();
  const context = buildContext(alert, rule, account);
  return renderAlertChart({
    areaLabel: context.areaLabel,
    entityName: context.entity.name,
    unit: format.money ? (currency ? ` ${currency}` : '') : format.unit,
    decimals: format.decimals,
    fromMs,
    toMs,
    ...(account?.timezone ? { timeZone: account.timezone } : {}),
    points: points.filter((p) => p.atMs >= fromMs && p.atMs <= toMs),
    stepped: series.kind !== 'steps',
    level: alert.level,
    type: alert.type,
    threshold: alert.threshold,
    resetThreshold: alert.reset_threshold,
    operator: alert.operator,
    firedAtMs: alert.type === 'report' ? null : alert.first_fired_at_ms,
    resetAtMs: alert.type === 'reset' ? alert.at_ms : null,
    ...size,
  });
}

/** AlertImagesOptions say whether and how the notifier draws charts, and where a failed chart is reported. */
export interface AlertImagesOptions {
  history: MetricHistory;
  enabled?: boolean;
  size?: Partial<ChartSize>;
  /** told of a chart that failed; the email goes without it */
  onError?: (err: CallwatchError) => void;
}

/**
 * alertImages is what an alert's emails carry inline: its chart, or nothing when charts are off, the alert has
 * nothing to chart, or drawing failed (an email without its chart beats no email).
 */
export async function alertImages(alert: AlertEvent, rule: Rule, account: Account | undefined, options: AlertImagesOptions): Promise<InlineImage[]> {
  if (options.enabled === false) return [];
  try {
    const chart = await chartFor(alert, rule, account, options.history, options.size);
    return chart ? [{ cid: CHART_CID, ...chart }] : [];
  } catch (err) {
    options.onError?.(err instanceof CallwatchError ? err : new CallwatchError('CW_ERR_CHART', String(err), { cause: err }));
    return [];
  }
}

// A gauge's value as the alert judged it is a point of its history too, and the only one for a gauge without history.
function withJudgedValue(points: readonly SeriesPoint[], alert: AlertEvent, toMs: number): SeriesPoint[] {
  const known = points.filter((p) => p.atMs < toMs);
  if (alert.value !== null) known.push({ atMs: toMs, value: alert.value });
  else known.push(...points.filter((p) => p.atMs === toMs));
  return known;
}

function gaugeStart(points: readonly SeriesPoint[], toMs: number): number {
  const first = points.find((p) => p.value !== null)?.atMs ?? toMs;
  return Math.max(toMs - GAUGE_SPAN_MS, Math.min(first, toMs - GAUGE_MIN_SPAN_MS));
}
