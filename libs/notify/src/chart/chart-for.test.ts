import type { AlertEvent, Rule } from '@callwatch/schemas';
import type { MetricHistory, MetricSeries, SeriesQuery } from '@callwatch/windows';
import { alertImages, chartFor, CHART_CID } from './chart-for';

const AT = Date.UTC(2024, 4, 1, 14, 5);
const alert = (over: Partial<AlertEvent> = {}): AlertEvent => ({
  event_id: 'evt-1', type: 'fired', rule_id: 'r', rule_title: 'Low balance', entity: 'customer:acme', area: 'balance', value: 44.99, threshold: 45,
  reset_threshold: null, operator: '<', level: 'warning', sample_period_ms: null, at_ms: AT, first_fired_at_ms: AT, test: false, ...over,
});
const rule = { id: 'r', title: 'Low balance', codes: [] } as unknown as Rule;
const history = (series: MetricSeries, asked: SeriesQuery[] = []): MetricHistory => ({ read: async (_e, _a, query) => (asked.push(query), series) });

describe('chartFor', () => {
  it('charts a gauge over what is known of the last 24 h, ending with the value the alert judged', async () => {
    const asked: SeriesQuery[] = [];
    const chart = await chartFor(alert(), rule, undefined, history({ kind: 'history', stepMs: 60_000, points: [{ atMs: AT - 3_600_000, value: 50 }, { atMs: AT, value: 44.5 }] }, asked));
    expect(asked).toEqual([{ fromMs: AT - 86_400_000, toMs: AT, stepMs: 60_000 }]);
    expect(chart?.alt).toBe('Balance for acme over the last 1 hour: from 50.00 down to 44.99, below the threshold 45.00 since 14:05 UTC');
  });

  it('charts a gauge without history from the value the alert judged alone', async () => {
    const chart = await chartFor(alert({ area: 'channels', value: 120, threshold: 100, operator: '>' }), rule, undefined, history({ kind: 'current', stepMs: 0, points: [] }));
    expect(chart?.alt).toBe('Channels for acme over the last 15 minutes: 120 at 14:05 UTC, above the threshold 100 since 14:05 UTC');
  });

  it('asks for the rule window in 30 steps, and draws nothing for event rules or without any value', async () => {
    const asked: SeriesQuery[] = [];
    const empty: MetricSeries = { kind: 'steps', stepMs: 30_000, points: [{ atMs: AT, value: null }] };
    expect(await chartFor(alert({ area: 'asr', sample_period_ms: 900_000 }), rule, undefined, history(empty, asked))).toBeNull();
    expect(asked).toEqual([{ fromMs: AT - 900_000, toMs: AT, stepMs: 30_000, codes: [] }]);
    expect(await chartFor(alert({ area: 'event' }), rule, undefined, history(empty))).toBeNull();
  });
});

describe('alertImages', () => {
  it('gives the chart under its Content-ID, nothing when charts are off, and nothing but a report when drawing fails', async () => {
    const series: MetricSeries = { kind: 'history', stepMs: 60_000, points: [] };
    const [image] = await alertImages(alert(), rule, undefined, { history: history(series) });
    expect(image).toMatchObject({ cid: CHART_CID, width: 640, height: 280 });
    expect(await alertImages(alert(), rule, undefined, { history: history(series), enabled: false })).toEqual([]);
    const errors: unknown[] = [];
    const broken: MetricHistory = { read: async () => { throw new Error('connection lost'); } };
    expect(await alertImages(alert(), rule, undefined, { history: broken, onError: (err) => errors.push(err) })).toEqual([]);
    expect(errors).toEqual([expect.objectContaining({ code: 'CW_ERR_CHART', message: expect.stringContaining('connection lost') })]);
  });
});
