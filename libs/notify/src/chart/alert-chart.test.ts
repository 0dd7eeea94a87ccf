import { PNG } from 'pngjs';
import { CHART_COLORS, renderAlertChart, yBounds, type AlertChartInput } from './alert-chart';

const T0 = Date.UTC(2024, 4, 1, 14, 0);
// ASR falling from 52% to 28% over 15 minutes in 30 s steps, with a gap of no calls in the middle.
const input: AlertChartInput = {
  areaLabel: 'ASR', entityName: 'ACME', unit: '%', decimals: 1, fromMs: T0, toMs: T0 + 900_000,
  points: Array.from({ length: 30 }, (_, i) => ({ atMs: T0 + (i + 1) * 30_000, value: i === 12 ? null : 52 - (24 * i) / 29 })),
  threshold: 30, resetThreshold: 31, operator: '<=', type: 'fired', firedAtMs: T0 + 840_000, resetAtMs: null, level: 'critical',
};

const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
function pixels(png: Buffer) {
  const image = PNG.sync.read(png);
  const at = (i: number) => Array.from(image.data.subarray(i * 4, i * 4 + 3));
  const count = (match: (p: number[]) => boolean) => {
    let n = 0;
    for (let i = 0; i < image.width * image.height; i++) if (match(at(i))) n++;
    return n;
  };
  return { image, count };
}

describe('renderAlertChart', () => {
  it('draws a PNG of the asked size with the series, the threshold line and the fired moment', () => {
    const chart = renderAlertChart(input);
    const { image, count } = pixels(chart.png);
    expect([image.width, image.height, chart.width, chart.height]).toEqual([640, 280, 640, 280]);
    const background = rgb(CHART_COLORS.background);
    // A blank chart would be all background; the lines, labels and axes are thousands of pixels.
    expect(count((p) => p.some((c, i) => c !== background[i]))).toBeGreaterThan(3000);
    const is = (hex: string) => (p: number[]) => p.every((c, i) => Math.abs(c - (rgb(hex)[i] as number)) <= 8);
    expect(count(is(CHART_COLORS.threshold))).toBeGreaterThan(300);
    expect(count(is(CHART_COLORS.reset))).toBeGreaterThan(300);
    expect(count(is(CHART_COLORS.series))).toBeGreaterThan(300);
    expect(count(is(CHART_COLORS.fired.critical as string))).toBeGreaterThan(200);
    expect(chart.alt).toBe('ASR for ACME over the last 15 minutes: from 52.0% down to 28.0%, at or below the threshold 30.0% since 14:14 UTC');
  });

  it('keeps the label of a fire moment at the right edge (an alert that fired now) inside the image', () => {
    const chart = renderAlertChart({ ...input, firedAtMs: input.toMs });
    const { image } = pixels(chart.png);
    const fired = rgb(CHART_COLORS.fired.critical as string);
    // Label text is drawn in the line's colour: none of it may reach the last columns, where it would be cut off.
    let atEdge = 0;
    for (let y = 0; y < image.height; y++) {
      for (let x = image.width - 6; x < image.width; x++) {
        const i = (y * image.width + x) * 4;
        if ([0, 1, 2].every((c) => Math.abs((image.data[i + c] as number) - (fired[c] as number)) <= 40)) atEdge++;
      }
    }
    expect(atEdge).toBe(0);
  });

  it('draws in tens of milliseconds once warm', () => {
    renderAlertChart(input);
    const started = performance.now();
    for (let i = 0; i < 5; i++) renderAlertChart({ ...input, width: 600 + i });
    const perChart = (performance.now() - started) / 5;
    // A budget with room for a busy CI machine; a chart takes about 50 ms on an idle one.
    expect(perChart).toBeLessThan(400);
  });

  it('draws a chart with no value at all rather than failing', () => {
    const chart = renderAlertChart({ ...input, points: input.points.map((p) => ({ ...p, value: null })) });
    expect(PNG.sync.read(chart.png).width).toBe(640);
    expect(chart.alt).toBe('ASR for ACME over the last 15 minutes: no data, at or below the threshold 30.0% since 14:14 UTC');
  });
});

describe('yBounds', () => {
  it('holds the values and both thresholds on round steps, never below zero for metrics that are not', () => {
    expect(yBounds([52, 28, 30, 31])).toEqual([25, 55, 5]);
    expect(yBounds([0, 0])).toEqual([0, 1, 0.5]);
    expect(yBounds([-12, 40])).toEqual([-20, 40, 20]);
  });
});
