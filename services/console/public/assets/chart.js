// Hand-made SVG charts: a sparkline for table cells and a time-series chart with threshold lines for an entity's
// page. Gaps (null values) break the line instead of being drawn as zero.

import { s } from './dom.js';
import { areaName, clockTime, formatNumber, formatValue, operatorSign } from './format.js';

// segments splits points into runs without gaps: [[x, y], …] per run.
function segments(points) {
  const runs = [];
  let run = [];
  for (const point of points) {
    if (point[1] === null || point[1] === undefined || Number.isNaN(point[1])) {
      if (run.length > 0) runs.push(run);
      run = [];
    } else {
      run.push(point);
    }
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

function extent(values, extra = []) {
  const all = values.concat(extra).filter((v) => typeof v === 'number' && Number.isFinite(v));
  if (all.length === 0) return null;
  let min = Math.min(...all);
  let max = Math.max(...all);
  if (min === max) {
    const pad = Math.abs(min) * 0.1 || 1;
    min -= pad;
    max += pad;
  }
  return { min, max };
}

/** sparkline draws the last values of an area as a small line; its label says what it shows for screen readers. */
export function sparkline(area, values) {
  const width = 100;
  const height = 24;
  const label = sparklineLabel(area, values);
  const svg = s('svg', { class: 'spark', viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': label },
    s('title', {}, label));
  const range = extent(values ?? []);
  if (range === null) return svg;
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const y = (v) => height - 2 - ((v - range.min) / (range.max - range.min)) * (height - 4);
  for (const run of segments(values.map((v, i) => [i * step, v]))) {
    const d = run.map(([px, v], i) => `${i === 0 ? 'M' : 'L'}${px.toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    svg.append(s('path', { d: run.length === 1 ? `${d} h0.1` : d, 'vector-effect': 'non-scaling-stroke' }));
  }
  return svg;
}

function sparklineLabel(area, values) {
  const known = (values ?? []).filter((v) => typeof v === 'number');
  if (known.length === 0) return `${areaName(area)} trend: no values yet`;
  return `${areaName(area)} trend over the last ${values.length} snapshots: from ${formatValue(area, known[0])} to ${formatValue(area, known[known.length - 1])}`;
}

/**
 * timeChart draws one area's series ([[at_ms, value], …]) with the thresholds of the rules on it as dashed lines in
 * their level's colour. `currency` is the unit of money areas.
 */
export function timeChart(area, series, { thresholds = [], currency, title } = {}) {
  const width = 560;
  const height = 190;
  const left = 68;
  const right = 12;
  const top = 12;
  const bottom = 26;
  const points = (series ?? []).filter((p) => Array.isArray(p) && typeof p[0] === 'number');
  const values = points.map((p) => p[1]);
  const label = chartLabel(area, points, thresholds, currency, title);
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label }, s('title', {}, label));
  const range = extent(values, thresholds.map((t) => t.threshold));
  if (points.length === 0 || range === null) {
    svg.append(s('text', { x: width / 2, y: height / 2, class: 'chart-empty', 'text-anchor': 'middle' }, 'no values in this period yet'));
    return svg;
  }
  const t0 = points[0][0];
  const t1 = Math.max(points[points.length - 1][0], t0 + 1);
  const x = (t) => left + ((t - t0) / (t1 - t0)) * (width - left - right);
  const y = (v) => top + (1 - (v - range.min) / (range.max - range.min)) * (height - top - bottom);

  for (let i = 0; i <= 3; i++) {
    const v = range.min + ((range.max - range.min) * i) / 3;
    svg.append(
      s('line', { class: 'grid', x1: left, x2: width - right, y1: y(v), y2: y(v) }),
      s('text', { class: 'axis', x: left - 6, y: y(v) + 4, 'text-anchor': 'end' }, formatNumber(area, v)),
    );
  }
  svg.append(
    s('text', { class: 'axis', x: left, y: height - 6 }, clockTime(t0)),
    s('text', { class: 'axis', x: width - right, y: height - 6, 'text-anchor': 'end' }, clockTime(t1)),
  );
  for (const t of thresholds) {
    if (typeof t.threshold !== 'number') continue;
    svg.append(
      s('line', { class: `threshold level-${t.level}`, x1: left, x2: width - right, y1: y(t.threshold), y2: y(t.threshold) }),
      s('text', { class: `threshold-label level-${t.level}`, x: width - right - 4, y: y(t.threshold) - 4, 'text-anchor': 'end' },
        `${operatorSign(t.operator)} ${formatNumber(area, t.threshold)} ${t.title}`),
    );
  }
  for (const run of segments(points)) {
    const d = run.map(([t, v], i) => `${i === 0 ? 'M' : 'L'}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    svg.append(s('path', { class: 'series', d: run.length === 1 ? `${d} h0.5` : d }));
  }
  const last = points.filter((p) => typeof p[1] === 'number').pop();
  if (last) svg.append(s('circle', { class: 'last', cx: x(last[0]), cy: y(last[1]), r: 3 }));
  return svg;
}

function chartLabel(area, points, thresholds, currency, title) {
  const known = points.filter((p) => typeof p[1] === 'number').map((p) => p[1]);
  const name = title ?? areaName(area);
  if (known.length === 0) return `${name}: no values in this period yet`;
  const parts = [
    `${name} from ${clockTime(points[0][0])} to ${clockTime(points[points.length - 1][0])}`,
    `latest ${formatValue(area, known[known.length - 1], currency)}`,
    `lowest ${formatValue(area, Math.min(...known), currency)}`,
    `highest ${formatValue(area, Math.max(...known), currency)}`,
  ];
  for (const t of thresholds) parts.push(`${t.title} fires at ${operatorSign(t.operator)} ${formatValue(area, t.threshold, currency)}`);
  return parts.join('; ');
}
