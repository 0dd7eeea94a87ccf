import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CdrCounters, deriveWindow } from '@callwatch/windows';
import type { Cdr } from '@callwatch/schemas';
import { createClickHouse, type ClickHouseClient } from './client';
import { migrate } from './migrations';
import { clickHouseReader, type HistoryReader } from './reader';
import { insertRows } from './statements';
import { intervalStart, nextInterval, trafficStats, type StatsInterval, type TrafficStat } from './stats';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const NOV30 = Date.UTC(2026, 10, 30);
const DEC1 = Date.UTC(2026, 11, 1);

let n = 0;
const cdr = (over: Partial<Cdr> & Pick<Cdr, 'start_ms' | 'end_ms' | 'sip_code'>): Cdr => ({
  cdr_id: `cdr-${++n}`, switch_id: 'sw1', customer_id: 'acme', carrier_id: 'telco', call_id: null, answer_ms: null, pdd_ms: null, caller: null,
  callee: '4420', destination: null, charge: 0, cost: 0, currency: 'EUR', ...over,
});

// Traffic around the turn of November to December (UTC), for acme and its carriers telco and other.
const TRAFFIC: Cdr[] = [
  cdr({ start_ms: Date.UTC(2026, 10, 15, 12), end_ms: Date.UTC(2026, 10, 15, 12, 0, 20), sip_code: 480, pdd_ms: 4000 }),
  cdr({ start_ms: NOV30 + 10 * H, answer_ms: NOV30 + 10 * H + 5 * S, end_ms: NOV30 + 10 * H + 30 * S, sip_code: 200, pdd_ms: 2000, charge: 0.03, cost: 0.01 }),
  cdr({ start_ms: NOV30 + 23 * H + 10 * M, answer_ms: NOV30 + 23 * H + 10 * M + 2 * S, end_ms: NOV30 + 23 * H + 12 * M + 2 * S, sip_code: 200, pdd_ms: 1500, charge: 0.12, cost: 0.1 }),
  cdr({ start_ms: NOV30 + 23 * H + 20 * M, answer_ms: NOV30 + 23 * H + 20 * M + 3 * S, end_ms: NOV30 + 23 * H + 20 * M + 7 * S, sip_code: 200, pdd_ms: 2500, charge: 0.01, cost: 0.008 }),
  cdr({ start_ms: NOV30 + 23 * H + 30 * M, end_ms: NOV30 + 23 * H + 30 * M + 5 * S, sip_code: 486, pdd_ms: 3000 }),
  cdr({ start_ms: NOV30 + 23 * H + 40 * M, end_ms: NOV30 + 23 * H + 40 * M + 10 * S, sip_code: 302, carrier_id: null, cost: null }),
  // Answered at 23:59:40 on 30 November, ended on 1 December: it counts in December, where it ended.
  cdr({ start_ms: DEC1 - 30 * S, answer_ms: DEC1 - 20 * S, end_ms: DEC1 + 100 * S, sip_code: 200, pdd_ms: 10_000, charge: 0.2, cost: null, carrier_id: 'other' }),
  cdr({ start_ms: DEC1 + 5 * M, end_ms: DEC1 + 5 * M + S, sip_code: 503, pdd_ms: 800 }),
  cdr({ start_ms: DEC1 + 10 * M, answer_ms: DEC1 + 10 * M + S, end_ms: DEC1 + 10 * M + 31 * S, sip_code: 200, pdd_ms: 1000, charge: 0.05, cost: 0.03 }),
];

// Calls of customer:peaks on 20 November (no carrier), for the peaks:
//   second (UTC)    change              calls in progress
//   19th 08:00:00   a call starts       (before the lead-in: its end alone is in the range's sum)
//   19th 11:00:00   it ends
//   09:59:58        +1                  1
//   10:00:01        3 start, 1 of them ends in the same second: +2     3
//   10:00:02        1 ends, 1 starts    3
//   10:00:03        −1                  2
//   10:00:05        −1                  1
//   10:20:00        −1                  0
//   10:30:00        1 starts and ends   0
//   11:00:00        2 start             2
//   11:00:09/10     −1, −1              0
//   11:59:00/30     +1, +1              2 (until 12:10, into the next hour)
//   12:10:00        −1                  1
//   12:30:00        −1                  0
const NOV20 = Date.UTC(2026, 10, 20);
const at = (h: number, m: number, s: number) => NOV20 + h * H + m * M + s * S;
const peaks = (start: number, end: number) => cdr({ customer_id: 'peaks', carrier_id: null, start_ms: start, end_ms: end, sip_code: 486 });
const PEAKS: Cdr[] = [
  peaks(NOV20 - D + 8 * H, NOV20 - D + 11 * H),
  peaks(at(9, 59, 58.5), at(10, 0, 5)),
  peaks(at(10, 0, 1.2), at(10, 0, 3.9)),
  peaks(at(10, 0, 1.7), at(10, 0, 2.1)),
  peaks(at(10, 0, 1.9), at(10, 0, 1.95)),
  peaks(at(10, 0, 2), at(10, 20, 0)),
  peaks(at(10, 30, 0), at(10, 30, 0.5)),
  peaks(at(11, 0, 0), at(11, 0, 10)),
  peaks(at(11, 0, 0.5), at(11, 0, 9)),
  peaks(at(11, 59, 0), at(12, 30, 0)),
  peaks(at(11, 59, 30), at(12, 10, 0)),
];

// A few of them again as customer:twice, inserted twice under two tokens.
const TWICE: Cdr[] = TRAFFIC.slice(0, 3).map((c) => ({ ...c, cdr_id: `twice-${c.cdr_id}`, customer_id: 'twice', carrier_id: null }));

const entitiesOf = (c: Cdr) => [`customer:${c.customer_id}`, ...(c.carrier_id === null ? [] : [`carrier:${c.carrier_id}`])];

// What the aggregator's own code makes of the CDRs that ended in one interval: CdrCounters, then deriveWindow.
function expected(cdrs: Cdr[], entity: string, by: StatsInterval, startMs: number) {
  const counters = new CdrCounters();
  for (const c of cdrs) if (entitiesOf(c).includes(entity) && intervalStart(c.end_ms, by) === startMs) counters.add(c);
  const sums: Record<string, number> = {};
  counters.addTo(sums);
  const { sample_period_ms: _period, cps: _cps, ...areas } = deriveWindow(nextInterval(startMs, by) - startMs, sums);
  return areas;
}

const areasOf = ({ entity: _e, interval_start_ms: _s, peak_cps: _k, peak_channels: _c, ...areas }: TrafficStat) => areas;

describe('trafficStats', () => {
  let dir: string;
  let client: ClickHouseClient;
  let reader: HistoryReader;
  const insert = (values: Cdr[], token: string) =>
    insertRows(client, 'cdrs', values.map((v, i) => ({ ...v, src_topic: 'voip.cdr.v1', src_partition: 0, src_offset: i })), { token });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'callwatch-stats-'));
    client = createClickHouse({ url: undefined, path: dir });
    reader = clickHouseReader(client, 'test');
    await migrate(client);
    // Every batch goes in twice under its token, as the recorder replays one after a crash. The same CDRs under two
    // tokens are two batches: customer:twice shows that a count that doubled would be seen. (Everything is written
    // before the first read: a read-only query leaves the embedded session read-only.)
    for (let i = 0; i < 2; i++) {
      await insert(TRAFFIC, 'traffic-1');
      await insert(PEAKS, 'peaks-1');
      await insert(TWICE, `twice-${i}`);
    }
  });

  afterAll(async () => {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads per hour across a month boundary the values worked out by hand', async () => {
    const rows = await trafficStats(reader, { entity: 'customer:acme', by: 'hour', fromMs: NOV30 + 22 * H, toMs: DEC1 + H });
    expect(rows.map((r) => new Date(r.interval_start_ms).toISOString())).toEqual(['2026-11-30T23:00:00.000Z', '2026-12-01T00:00:00.000Z']);
    const [h23, h00] = rows;
    expect(h23).toEqual({
      entity: 'customer:acme', interval_start_ms: NOV30 + 23 * H, attempts: 4, answered: 2, asr: 50, ner: 100, acd: 62, pdd: 7000 / 3, sdr: 50,
      peak_cps: 1, peak_channels: 1, spend: 0.13, margin: 0.022, codes: { '200': 2, '302': 1, '486': 1 },
    });
    // The call answered before midnight counts once, in December where it ended; its start counts in November's hour.
    expect(h00).toEqual({
      entity: 'customer:acme', interval_start_ms: DEC1, attempts: 3, answered: 2, asr: (2 / 3) * 100, ner: (2 / 3) * 100, acd: 75, pdd: 11_800 / 3, sdr: 0,
      peak_cps: 1, peak_channels: 1, spend: 0.25, margin: 0.02, codes: { '200': 2, '503': 1 },
    });
  });

  it('reads per day and per month across the boundary, and for carriers', async () => {
    const days = await trafficStats(reader, { entity: 'customer:acme', by: 'day', fromMs: NOV30, toMs: DEC1 + D });
    expect(days.map((r) => [new Date(r.interval_start_ms).toISOString().slice(0, 10), r.attempts, r.answered, r.acd])).toEqual([
      ['2026-11-30', 5, 3, (25 + 120 + 4) / 3],
      ['2026-12-01', 3, 2, 75],
    ]);
    const months = await trafficStats(reader, { entity: 'customer:acme', by: 'month', fromMs: Date.UTC(2026, 10, 10), toMs: Date.UTC(2026, 11, 2) });
    expect(months.map((r) => [new Date(r.interval_start_ms).toISOString().slice(0, 7), r.attempts, r.ner, r.spend, r.codes])).toEqual([
      ['2026-11', 6, 100, 0.16, { '200': 3, '302': 1, '480': 1, '486': 1 }],
      ['2026-12', 3, (2 / 3) * 100, 0.25, { '200': 2, '503': 1 }],
    ]);
    const telco = await trafficStats(reader, { entity: 'carrier:telco', by: 'day', fromMs: DEC1, toMs: DEC1 + D });
    expect(telco).toEqual([{
      entity: 'carrier:telco', interval_start_ms: DEC1, attempts: 2, answered: 1, asr: 50, ner: 50, acd: 30, pdd: 900, sdr: 0,
      peak_cps: 1, peak_channels: 1, spend: 0.05, margin: 0.02, codes: { '200': 1, '503': 1 },
    }]);
  });

  it.each<StatsInterval>(['hour', 'day', 'month'])('agrees per %s with deriveWindow fed by CdrCounters, for every entity', async (by) => {
    const rows = await trafficStats(reader, { by, fromMs: Date.UTC(2026, 10, 1), toMs: Date.UTC(2026, 11, 31) });
    expect([...new Set(rows.map((r) => r.entity))]).toEqual(['carrier:other', 'carrier:telco', 'customer:acme', 'customer:peaks', 'customer:twice']);
    // What went in: every batch once, and customer:twice's twice.
    const cdrs = [...TRAFFIC, ...PEAKS, ...TWICE, ...TWICE];
    for (const row of rows) expect(areasOf(row)).toEqual(expected(cdrs, row.entity, by, row.interval_start_ms));
    // Every interval with a CDR that ended in it is a row.
    const intervals = new Set(cdrs.filter((c) => c.end_ms >= Date.UTC(2026, 10, 1)).flatMap((c) => entitiesOf(c).map((e) => `${e} ${intervalStart(c.end_ms, by)}`)));
    expect(rows.filter((r) => r.attempts > 0).map((r) => `${r.entity} ${r.interval_start_ms}`).sort()).toEqual([...intervals].sort());
  });

  it('finds the peak calls per second and calls in progress, counting calls that began before the range', async () => {
    const hours = await trafficStats(reader, { entity: 'customer:peaks', by: 'hour', fromMs: at(10, 15, 0), toMs: at(12, 45, 0) });
    expect(hours.map((r) => [new Date(r.interval_start_ms).toISOString().slice(11, 16), r.attempts, r.peak_cps, r.peak_channels])).toEqual([
      ['10:00', 6, 3, 3],
      ['11:00', 2, 2, 2],
      // No call started in this hour; the two that began at 11:59 were in progress until 12:10.
      ['12:00', 2, 0, 2],
    ]);
    // The 09:00 hour has a call that started but no CDR that ended: a row with no attempts.
    const withNine = await trafficStats(reader, { entity: 'customer:peaks', by: 'hour', fromMs: at(9, 0, 0), toMs: at(10, 0, 0) });
    expect(withNine).toEqual([expect.objectContaining({ interval_start_ms: at(9, 0, 0), attempts: 0, asr: null, peak_cps: 1, peak_channels: 1 })]);
    const day = await trafficStats(reader, { entity: 'customer:peaks', by: 'day', fromMs: NOV20, toMs: NOV20 + D });
    expect(day.map((r) => [r.attempts, r.peak_cps, r.peak_channels])).toEqual([[10, 3, 3]]);
  });

  it('counts a batch inserted twice with the same deduplication token once', async () => {
    const range = { by: 'hour' as const, fromMs: Date.UTC(2026, 10, 1), toMs: Date.UTC(2026, 11, 31) };
    const acme = await trafficStats(reader, { ...range, entity: 'customer:acme' });
    expect(acme.map((r) => r.attempts)).toEqual([1, 1, 4, 3]);
    for (const row of acme) expect(areasOf(row)).toEqual(expected(TRAFFIC, 'customer:acme', 'hour', row.interval_start_ms));
    const twice = await trafficStats(reader, { ...range, entity: 'customer:twice' });
    expect(twice.map((r) => [r.attempts, r.spend, r.peak_cps])).toEqual([[2, 0, 2], [2, 0.06, 2], [2, 0.24, 2]]);
  });
});
