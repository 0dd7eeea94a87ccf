import type { MetricSnapshot, Window } from '@callwatch/schemas';
import { SPARKLINE_AREAS, type EntityMetrics, type SparklineArea, type WindowRow } from './api-types';

/** SERIES_AREAS are the areas whose live values the console keeps over time, per entity. */
export const SERIES_AREAS = ['asr', 'ner', 'acd', 'pdd', 'attempts', 'cps', 'spend', 'channels', 'balance'] as const;

/** SeriesArea is one of SERIES_AREAS. */
export type SeriesArea = (typeof SERIES_AREAS)[number];

/** SeriesLimits bound what one entity's series hold: how far back, and one point per step at most. */
export interface SeriesLimits {
  seriesMs: number;
  stepMs: number;
}

/** EntityView is what the console holds for one entity: its newest snapshot and the series of its values. */
export interface EntityView {
  entity: string;
  snapshot: MetricSnapshot | null;
  /** when the console last heard of the entity (its snapshot's time) */
  updatedMs: number;
  series: Map<SeriesArea, Array<[number, number | null]>>;
}

/** newEntityView is an entity the console knows nothing of yet but its name. */
export function newEntityView(entity: string, atMs: number): EntityView {
  return { entity, snapshot: null, updatedMs: atMs, series: new Map() };
}

/** shortestWindow is the snapshot's window with the shortest sample period, the one an entity row shows. */
export function shortestWindow(snapshot: MetricSnapshot | null): Window | null {
  let best: Window | null = null;
  for (const w of snapshot?.windows ?? []) if (best === null || w.sample_period_ms < best.sample_period_ms) best = w;
  return best;
}

/** currentMetrics are an entity row's values: windowed ones from the shortest window, then the gauges. */
export function currentMetrics(snapshot: MetricSnapshot | null): EntityMetrics {
  const w = shortestWindow(snapshot);
  return {
    asr: w?.asr ?? null,
    acd: w?.acd ?? null,
    pdd: w?.pdd ?? null,
    cps: w?.cps ?? null,
    ner: w?.ner ?? null,
    attempts: w?.attempts ?? null,
    spend: w?.spend ?? null,
    channels: snapshot?.channels ?? null,
    balance: snapshot?.balance ?? null,
  };
}

/** windowRows are an entity's windows by sample period (ms, as a string key). */
export function windowRows(snapshot: MetricSnapshot | null): Record<string, WindowRow> {
  const out: Record<string, WindowRow> = {};
  for (const w of snapshot?.windows ?? []) {
    out[String(w.sample_period_ms)] = { asr: w.asr, ner: w.ner, acd: w.acd, pdd: w.pdd, attempts: w.attempts, answered: w.answered, cps: w.cps, spend: w.spend, margin: w.margin, sdr: w.sdr };
  }
  return out;
}

/**
 * applySnapshot makes a snapshot the entity's newest (an older one, overtaken on its way, is dropped: false) and adds
 * its values to the series: one point per `stepMs` (a later snapshot in the same step replaces the point), none older
 * than `seriesMs` before the newest.
 */
export function applySnapshot(view: EntityView, snapshot: MetricSnapshot, { seriesMs, stepMs }: SeriesLimits): boolean {
  const current = view.snapshot;
  if (current && (snapshot.version > 0 && current.version > 0 ? snapshot.version < current.version : snapshot.at_ms < current.at_ms)) return false;
  view.snapshot = snapshot;
  view.updatedMs = Math.max(view.updatedMs, snapshot.at_ms);
  const values = currentMetrics(snapshot);
  const step = Math.floor(snapshot.at_ms / stepMs);
  for (const area of SERIES_AREAS) {
    const points = view.series.get(area) ?? [];
    const value = values[area as keyof EntityMetrics] ?? null;
    const last = points[points.length - 1];
    if (last && Math.floor(last[0] / stepMs) === step) points[points.length - 1] = [snapshot.at_ms, value];
    else if (!last || last[0] < snapshot.at_ms) points.push([snapshot.at_ms, value]);
    const oldest = snapshot.at_ms - seriesMs;
    let drop = 0;
    while (drop < points.length && (points[drop] as [number, number | null])[0] < oldest) drop++;
    if (drop > 0) points.splice(0, drop);
    view.series.set(area, points);
  }
  return true;
}

/** sparklines are the last `points` values of each sparkline area's series, oldest first. */
export function sparklines(view: EntityView, points: number): Record<SparklineArea, Array<number | null>> {
  const out = {} as Record<SparklineArea, Array<number | null>>;
  for (const area of SPARKLINE_AREAS) out[area] = (view.series.get(area) ?? []).slice(-points).map(([, v]) => v);
  return out;
}

/** seriesSince is each series of the entity from `sinceMs` on. */
export function seriesSince(view: EntityView, sinceMs: number): Record<string, Array<[number, number | null]>> {
  const out: Record<string, Array<[number, number | null]>> = {};
  for (const [area, points] of view.series) out[area] = points.filter(([at]) => at >= sinceMs);
  return out;
}
