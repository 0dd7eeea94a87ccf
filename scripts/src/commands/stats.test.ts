import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { insertRows, createClickHouse, migrate } from '@callwatch/clickhouse';
import { CHART_COLORS } from '@callwatch/notify';
import type { Cdr } from '@callwatch/schemas';
import { showStats, type StatsFlags } from './stats';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const DEC1 = Date.UTC(2026, 11, 1);
const NOW = DEC1 + 2 * H + 30 * M;

let n = 0;
const cdr = (over: Partial<Cdr> & Pick<Cdr, 'start_ms' | 'end_ms' | 'sip_code'>): Cdr => ({
  cdr_id: `cdr-${++n}`, switch_id: 'sw1', customer_id: 'acme', carrier_id: 'telco', call_id: null, answer_ms: null, pdd_ms: null, caller: null,
  callee: '4420', destination: null, charge: 0, cost: 0, currency: 'EUR', ...over,
});

// acme: three calls in the last hour of November (two of them in progress at once), one in the first of December.
const CDRS: Cdr[] = [
  cdr({ start_ms: DEC1 - 50 * M, answer_ms: DEC1 - 50 * M + 2 * S, end_ms: DEC1 - 49 * M + 2 * S, sip_code: 200, pdd_ms: 2000, charge: 0.5, cost: 0.3 }),
  cdr({ start_ms: DEC1 - 50 * M + 500, end_ms: DEC1 - 50 * M + 4 * S, sip_code: 486, pdd_ms: 3000 }),
  cdr({ start_ms: DEC1 - 30 * M, end_ms: DEC1 - 30 * M + 3 * S, sip_code: 503 }),
  cdr({ start_ms: DEC1 + 15 * M, answer_ms: DEC1 + 15 * M + S, end_ms: DEC1 + 15 * M + 5 * S, sip_code: 200, pdd_ms: 1000, charge: 0.25, cost: 0.2 }),
  cdr({ customer_id: 'beta', start_ms: DEC1 + 20 * M, end_ms: DEC1 + 20 * M + 2 * S, sip_code: 404, pdd_ms: 500, cost: null }),
];

describe('callwatch stats', () => {
  let dir: string;
  let out: string[];
  let notes: string[];
  const run = (flags: StatsFlags) =>
    showStats(flags, {
      env: { CLICKHOUSE_PATH: join(dir, 'chdb'), RECORDER_URL: 'http://127.0.0.1:1' },
      print: (text) => void out.push(text),
      warn: (line) => void notes.push(line),
      now: NOW,
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'callwatch-cli-stats-'));
    const client = createClickHouse({ url: undefined, path: join(dir, 'chdb') });
    try {
      await migrate(client);
      const values = CDRS.map((c, i) => ({ ...c, src_topic: 'voip.cdr.v1', src_partition: 0, src_offset: i }));
      await insertRows(client, 'cdrs', values);
    } finally {
      await client.close();
    }
  });

  beforeEach(() => {
    out = [];
    notes = [];
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints an entity per hour over the last 24 hours in aligned columns', async () => {
    await run({ entity: 'customer:acme' });
    expect(out.join('')).toBe([
      'customer:acme  per hour, 2026-11-30 02:00 to 2026-12-01 03:00 UTC',
      'interval          attempts  answered     asr     ner     acd      pdd     sdr  peak_cps  peak_channels  spend  margin  codes',
      '2026-11-30 23:00         3         1   33.3%   66.7%  60.0 s  2500 ms    0.0%         2              2   0.50    0.20  200:1 486:1 503:1',
      '2026-12-01 00:00         1         1  100.0%  100.0%   4.0 s  1000 ms  100.0%         1              1   0.25    0.05  200:1',
      '',
    ].join('\n'));
  });

  it('prints a block per entity without --entity, columns aligned across blocks, only the areas asked for', async () => {
    await run({ by: 'day', since: '2d', area: ['attempts', 'asr,codes'] });
    expect(out.join('')).toBe([
      'carrier:telco  per day, 2026-11-29 to 2026-12-02 UTC',
      'interval    attempts     asr  codes',
      '2026-11-30         3   33.3%  200:1 486:1 503:1',
      '2026-12-01         2   50.0%  200:1 404:1',
      '',
      'customer:acme  per day, 2026-11-29 to 2026-12-02 UTC',
      'interval    attempts     asr  codes',
      '2026-11-30         3   33.3%  200:1 486:1 503:1',
      '2026-12-01         1  100.0%  200:1',
      '',
      'customer:beta  per day, 2026-11-29 to 2026-12-02 UTC',
      'interval    attempts     asr  codes',
      '2026-12-01         1    0.0%  404:1',
      '',
    ].join('\n'));
  });

  it('writes CSV with a header and JSON as an array of objects', async () => {
    await run({ entity: 'customer:acme', by: 'day', format: 'csv', area: ['asr', 'spend', 'peak_channels', 'codes'] });
    expect(out.join('')).toBe([
      'entity,interval,asr,spend,peak_channels,codes',
      `customer:acme,2026-11-30T00:00:00.000Z,${(1 / 3) * 100},0.5,2,200:1 486:1 503:1`,
      'customer:acme,2026-12-01T00:00:00.000Z,100,0.25,1,200:1',
      '',
    ].join('\r\n'));
    out = [];
    await run({ entity: 'carrier:telco', by: 'month', format: 'json' });
    const rows = JSON.parse(out.join('')) as Array<Record<string, unknown>>;
    expect(rows).toEqual([
      expect.objectContaining({ entity: 'carrier:telco', interval: '2026-11-01T00:00:00.000Z', interval_start_ms: Date.UTC(2026, 10, 1), attempts: 3, asr: (1 / 3) * 100, codes: { '200': 1, '486': 1, '503': 1 } }),
      expect.objectContaining({ interval: '2026-12-01T00:00:00.000Z', attempts: 2, answered: 1, ner: 50, acd: 4, pdd: 750, sdr: 100, spend: 0.25, margin: 0.05, peak_cps: 1 }),
    ]);
    expect(Object.keys(rows[0]!)).toHaveLength(3 + 12);
  });

  it('says when nothing was recorded, keeping CSV and JSON valid', async () => {
    expect(await run({ entity: 'customer:nobody', since: '7d' })).toEqual([]);
    expect(out.join('')).toBe('nothing was recorded for customer:nobody from 2026-11-24 02:00 to 2026-12-01 03:00 UTC\n');
    out = [];
    await run({ entity: 'customer:acme', from: '2026-11-01', to: '2026-11-02', format: 'json' });
    expect(out.join('')).toBe('[]\n');
    expect(notes).toEqual(['nothing was recorded for customer:acme from 2026-11-01 00:00 to 2026-11-02 00:00 UTC']);
  });

  it.each<[string, StatsFlags, RegExp]>([
    ['--by', { by: 'week' }, /^--by: expected hour, day, month, got "week"$/],
    ['--format', { format: 'xml' }, /^--format: expected table, csv, json, got "xml"$/],
    ['--area', { area: ['asr', 'acr'] }, /^--area: expected attempts, answered, asr, .*, got "acr"$/],
    ['--entity', { entity: 'acme' }, /^--entity: expected an entity such as customer:<id> or carrier:<id>, got "acme"$/],
    ['--chart file type', { entity: 'customer:acme', chart: 'x.jpg' }, /^--chart: expected a file name ending in \.png or \.svg, got "x\.jpg"$/],
    ['--chart without --entity', { chart: 'x.png' }, /^--chart draws one entity: give --entity$/],
    ['--chart of codes', { entity: 'customer:acme', chart: 'x.png', area: ['codes'] }, /^--chart: SIP codes are not drawn/],
    ['--from and --to (a range that ends before it starts)', { from: '2026-12-01', to: '2026-11-01' }, /before it starts/],
  ])('refuses a bad %s as a usage error', async (_what, flags, message) => {
    await expect(run(flags)).rejects.toMatchObject({ code: 'CW_ERR_CLI_USAGE', message: expect.stringMatching(message) });
  });

  it('draws ASR and attempts into a PNG', async () => {
    const path = join(dir, 'acme.png');
    await run({ entity: 'customer:acme', chart: path, area: ['ner'] });
    expect(out.at(-1)).toBe(`chart written to ${path}\n`);
    const png = readFileSync(path);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([960, 400]);
    const image = PNG.sync.read(png);
    const colours = new Set<number>();
    let asr = 0;
    const series = [1, 3, 5].map((i) => parseInt(CHART_COLORS.series.slice(i, i + 2), 16));
    for (let i = 0; i < image.data.length; i += 4) {
      colours.add(image.data.readUInt32BE(i));
      if (series.every((c, k) => Math.abs(c - (image.data[i + k] as number)) <= 8)) asr++;
    }
    expect(colours.size).toBeGreaterThan(1);
    // The ASR line, its two points and its legend: a blank or ASR-less chart has none of its colour.
    expect(asr).toBeGreaterThan(50);
  });

  it('draws an SVG whose ASR points sit at the intervals and heights of the data', async () => {
    const path = join(dir, 'acme.svg');
    await run({ entity: 'customer:acme', chart: path });
    const svg = readFileSync(path, 'utf8');
    expect(svg).toMatch(/^<svg width="960" height="400" [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    // ASR is series 0; its symbols carry the index of their interval (02:00 on 30 November is 0) and sit at its value.
    const points = [...svg.matchAll(/transform="matrix\([\d.]+,0,0,[\d.]+,([\d.]+),([\d.]+)\)"[^>]*ecmeta_series_index="0" ecmeta_data_index="(\d+)"/g)]
      .map((m) => ({ index: Number(m[3]), y: Number(m[2]) }));
    expect(points.map((p) => p.index)).toEqual([21, 22]);
    // The y axis starts at 0 on the grid's bottom edge (400 − 60): 33.3% is a third of the height of 100%.
    const [nov, dec] = points.map((p) => 340 - p.y) as [number, number];
    expect(nov / dec).toBeCloseTo(1 / 3, 2);
  });
});
