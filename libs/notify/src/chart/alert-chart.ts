import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts';
import { CallwatchError } from '@callwatch/core';
import type { SeriesPoint } from '@callwatch/windows';
import { altText, chartTitle, clockTime, chartZone, type ChartMoment, type ChartText } from './chart-text';

/** AlertChartInput is everything a chart of one alert shows: the series, its words, the threshold lines and moments. */
export interface AlertChartInput extends ChartText, ChartMoment {
  points: readonly SeriesPoint[];
  level: string;
  /** draw steps (a gauge's history, which holds its value until the next change) rather than a line */
  stepped?: boolean;
  width?: number;
  height?: number;
}

/** ChartImage is a rendered chart: a PNG of width × height pixels and the same content in words. */
export interface ChartImage {
  png: Buffer;
  alt: string;
  width: number;
  height: number;
}

/** CHART_COLORS are the chart's colours, exported so tests can look for the lines in the pixels. */
export const CHART_COLORS = {
  background: '#ffffff',
  series: '#1565c0',
  threshold: '#d32f2f',
  reset: '#2e7d32',
  fired: { info: '#1976d2', warning: '#ef6c00', error: '#c62828', critical: '#6a1b9a' } as Record<string, string>,
} as const;

const FONT = 'DejaVu Sans';
// resvg draws text with fonts it finds on the host: a Debian image has DejaVu. On a host without any font the text is
// left out and the lines are still drawn, which is why the alt text carries the numbers too.
const RESVG_FONTS = { loadSystemFonts: true, defaultFontFamily: FONT, sansSerifFamily: FONT };
const SIDE_LABEL: Record<string, string> = { '<': '<', '<=': '≤', '>': '>', '>=': '≥', '=': '=', '!=': '≠' };

/**
 * renderAlertChart draws a metric over an alert's window as a PNG: the series (gaps where it has no value), the
 * threshold and reset threshold as labelled horizontal lines, the fire and reset moments as vertical ones. It throws
 * CW_ERR_CHART when the chart cannot be drawn.
 */
export function renderAlertChart(input: AlertChartInput): ChartImage {
  const { width = 640, height = 280 } = input;
  const alt = altText(input, input, input.points);
  try {
    return { png: renderChart(chartOption(input), { width, height, format: 'png' }), alt, width, height };
  } catch (err) {
    throw new CallwatchError('CW_ERR_CHART', `chart of ${input.areaLabel} for ${input.entityName}: ${(err as Error).message}`, { cause: err });
  }
}

/** ChartFormat is the file format of a rendered chart. */
export type ChartFormat = 'svg' | 'png';

/**
 * renderChart draws any ECharts option server-side as the alert charts are drawn (no animation, their background and
 * font unless the option says otherwise): an SVG document, or the PNG resvg makes of it. It throws what ECharts or
 * resvg throw.
 */
export function renderChart(option: echarts.EChartsOption, { width, height, format }: { width: number; height: number; format: ChartFormat }): Buffer {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, backgroundColor: CHART_COLORS.background, textStyle: { fontFamily: FONT }, ...option });
    const svg = chart.renderToSVGString();
    return format === 'svg' ? Buffer.from(svg) : new Resvg(svg, { font: RESVG_FONTS, fitTo: { mode: 'width', value: width } }).render().asPng();
  } finally {
    chart.dispose();
  }
}

function chartOption(input: AlertChartInput): echarts.EChartsOption {
  const zone = chartZone(input.timeZone);
  const value = (v: number) => `${v.toFixed(input.decimals)}${input.unit}`;
  const inRange = (ms: number | null): ms is number => ms !== null && ms >= input.fromMs && ms <= input.toMs;
  const lines: Array<Record<string, unknown>> = [];
  const side = SIDE_LABEL[input.operator ?? ''] ?? '';
  // Two close lines keep their labels apart: the upper one's above it, the lower one's below.
  const resetAbove = input.resetThreshold !== null && input.threshold !== null && input.resetThreshold > input.threshold;
  if (input.threshold !== null) lines.push(horizontal(input.threshold, `${side} ${value(input.threshold)}`.trim(), CHART_COLORS.threshold, !resetAbove));
  if (input.resetThreshold !== null) lines.push(horizontal(input.resetThreshold, `reset ${value(input.resetThreshold)}`, CHART_COLORS.reset, resetAbove));
  const firedColor = CHART_COLORS.fired[input.level] ?? CHART_COLORS.series;
  if (input.type !== 'report' && inRange(input.firedAtMs)) lines.push(vertical(input.firedAtMs, `fired ${clockTime(input.firedAtMs, zone)}`, firedColor));
  if (inRange(input.resetAtMs)) lines.push(vertical(input.resetAtMs, `reset ${clockTime(input.resetAtMs, zone)}`, CHART_COLORS.reset));
  const known = input.points.filter((p) => p.value !== null).length;
  const [min, max, interval] = yBounds([...input.points.map((p) => p.value), input.threshold, input.resetThreshold]);
  return {
    animation: false,
    backgroundColor: CHART_COLORS.background,
    textStyle: { fontFamily: FONT },
    title: { text: chartTitle(input), left: 8, top: 6, textStyle: { fontSize: 13, fontWeight: 'bold', color: '#222222' } },
    // The fire moment is usually the chart's right edge: its label ("fired 10:30 GMT", centred on the line) needs room.
    grid: { left: 56, right: 56, top: 40, bottom: 28 },
    xAxis: {
      type: 'time', min: input.fromMs, max: input.toMs,
      axisLabel: { color: '#555555', hideOverlap: true, formatter: (ms: number) => clockTime(ms, zone).split(' ')[0] as string },
    },
    yAxis: { type: 'value', min, max, interval, axisLabel: { color: '#555555', formatter: (v: number) => `${Number(v.toFixed(input.decimals))}` } },
    series: [{
      type: 'line',
      data: input.points.map((p) => [p.atMs, p.value]),
      connectNulls: false,
      step: input.stepped ? 'end' : false,
      // Isolated values (a gauge known only now) are invisible without a symbol.
      showSymbol: known < 20,
      symbolSize: 5,
      lineStyle: { color: CHART_COLORS.series, width: 2 },
      itemStyle: { color: CHART_COLORS.series },
      markLine: { symbol: 'none', silent: true, animation: false, data: lines },
    }],
  } as echarts.EChartsOption;
}

function horizontal(y: number, label: string, color: string, above: boolean): Record<string, unknown> {
  const position = above ? 'insideEndTop' : 'insideEndBottom';
  return { yAxis: y, lineStyle: { color, width: 2, type: 'dashed' }, label: { formatter: label, position, color, fontSize: 11 } };
}

function vertical(x: number, label: string, color: string): Record<string, unknown> {
  return { xAxis: x, lineStyle: { color, width: 2, type: 'solid' }, label: { formatter: label, position: 'end', color, fontSize: 11 } };
}

/** yBounds picks a y axis that holds the values and the threshold lines, on round steps. */
export function yBounds(values: ReadonlyArray<number | null>): [number, number, number] {
  const known = values.filter((v): v is number => v !== null && Number.isFinite(v));
  let lo = known.length > 0 ? Math.min(...known) : 0;
  let hi = known.length > 0 ? Math.max(...known) : 1;
  // Zero is a floor for metrics that cannot go below it (ratios, counts): no axis dipping below 0 for a value of 0.
  const floorAtZero = lo >= 0;
  if (hi === lo) [lo, hi] = [lo - Math.max(1, Math.abs(lo) * 0.1), hi + Math.max(1, Math.abs(hi) * 0.1)];
  const raw = (hi - lo) / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const min = Math.floor(lo / step) * step;
  return [floorAtZero ? Math.max(0, min) : min, Math.ceil(hi / step) * step, step];
}
