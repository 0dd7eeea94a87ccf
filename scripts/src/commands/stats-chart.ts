import { nextInterval, type StatsInterval, type TrafficStat } from '@callwatch/clickhouse';
import { CHART_COLORS, renderChart, type ChartFormat } from '@callwatch/notify';
import { intervalLabel, rangeLabel, type StatsArea } from './stats-format';

/** ChartArea is an area a stats chart can draw: every column but the codes. */
export type ChartArea = Exclude<StatsArea, 'codes'>;

type Axis = 'percent' | 'calls' | 'seconds' | 'ms' | 'money';

interface ChartShape {
  label: string;
  axis: Axis;
  /** what an interval without a row (no traffic) shows: zero, or nothing known */
  noTraffic: 0 | null;
}

const percent = (label: string): ChartShape => ({ label, axis: 'percent', noTraffic: null });
const calls = (label: string): ChartShape => ({ label, axis: 'calls', noTraffic: 0 });

/** CHART_AREAS say how each area is drawn: its label, and the axis it shares with areas of the same unit. */
export const CHART_AREAS: Readonly<Record<ChartArea, ChartShape>> = {
  attempts: calls('attempts'),
  answered: calls('answered'),
  asr: percent('ASR'),
  ner: percent('NER'),
  acd: { label: 'ACD', axis: 'seconds', noTraffic: null },
  pdd: { label: 'PDD', axis: 'ms', noTraffic: null },
  sdr: percent('SDR'),
  peak_cps: calls('peak CPS'),
  // Calls may be in progress through an interval in which none started or ended: their number there is not known.
  peak_channels: { label: 'peak channels', axis: 'calls', noTraffic: null },
  spend: { label: 'spend', axis: 'money', noTraffic: 0 },
  margin: { label: 'margin', axis: 'money', noTraffic: 0 },
};

const AXIS_NAMES: Record<Axis, string> = { percent: '%', calls: 'calls', seconds: 's', ms: 'ms', money: 'money' };
const ATTEMPTS_COLOR = '#90a4ae';
const MORE_COLORS = ['#2e7d32', '#ef6c00', '#6a1b9a', '#c62828', '#00838f', '#6d4c41', '#ad1457', '#9e9d24', '#283593'];
const AXIS_GAP = 56;

/** StatsChartInput is one entity's stats over a range of whole intervals, and the areas to draw besides ASR and attempts. */
export interface StatsChartInput {
  entity: string;
  by: StatsInterval;
  fromMs: number;
  toMs: number;
  rows: readonly TrafficStat[];
  areas: readonly ChartArea[];
  format: ChartFormat;
  width?: number;
  height?: number;
}

/**
 * renderStatsChart draws an entity's stats per interval: attempts as bars on the right axis, ASR as a line on the
 * left one, and each further area as a line on the axis of its unit (percentages with ASR, counts with attempts,
 * seconds, milliseconds and money on axes of their own). Intervals without traffic show no ratio and zero calls.
 */
export function renderStatsChart(input: StatsChartInput): Buffer {
  const { width = 960, height = 400 } = input;
  const starts: number[] = [];
  for (let t = input.fromMs; t < input.toMs; t = nextInterval(t, input.by)) starts.push(t);
  const byStart = new Map(input.rows.filter((r) => r.entity === input.entity).map((r) => [r.interval_start_ms, r]));
  const areas: ChartArea[] = [...new Set<ChartArea>(['asr', 'attempts', ...input.areas])];
  // ASR's axis on the left, attempts' on the right, then one more on the right for each other unit asked.
  const axes: Axis[] = [...new Set<Axis>(['percent', 'calls', ...areas.map((a) => CHART_AREAS[a].axis)])];
  const colors = new Map<ChartArea, string>([['asr', CHART_COLORS.series], ['attempts', ATTEMPTS_COLOR]]);
  for (const area of areas) if (!colors.has(area)) colors.set(area, MORE_COLORS[(colors.size - 2) % MORE_COLORS.length] as string);
  const right = AXIS_GAP * (axes.length - 1);
  return renderChart({
    title: { text: `${input.entity}: ${areas.map((a) => CHART_AREAS[a].label).join(', ')} per ${input.by}`, subtext: rangeLabel(input.fromMs, input.toMs, input.by), left: 8, top: 6, textStyle: { fontSize: 13, fontWeight: 'bold', color: '#222222' } },
    legend: { bottom: 6 },
    grid: { left: 56, right, top: 72, bottom: 60 },
    xAxis: { type: 'category', data: starts.map((t) => intervalLabel(t, input.by)), axisLabel: { color: '#555555', hideOverlap: true } },
    yAxis: axes.map((axis, i) => ({
      type: 'value',
      name: AXIS_NAMES[axis],
      position: i === 0 ? 'left' : 'right',
      offset: i === 0 ? 0 : AXIS_GAP * (i - 1),
      min: axis === 'money' ? undefined : 0,
      splitLine: { show: i === 0 },
      axisLine: { show: true },
      axisLabel: { color: '#555555' },
    })),
    series: areas.map((area) => {
      const shape = CHART_AREAS[area];
      const color = colors.get(area) as string;
      return {
        name: shape.label,
        type: area === 'attempts' ? 'bar' : 'line',
        yAxisIndex: axes.indexOf(shape.axis),
        data: starts.map((t) => byStart.get(t)?.[area] ?? shape.noTraffic),
        connectNulls: false,
        showSymbol: starts.length <= 48,
        symbolSize: 5,
        itemStyle: { color },
        ...(area === 'attempts' ? {} : { lineStyle: { color, width: 2 } }),
      };
    }),
  }, { width, height, format: input.format });
}
