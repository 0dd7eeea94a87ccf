import type { AlertEvent, Delivery, EntityRow, FiringAlert, TopData } from './console-types';
import { ago, renderFrame, type FrameOptions } from './frame';

const NOW = Date.UTC(2026, 11, 4, 14, 3, 22);

const entity = (id: string, closeness: number, overrides: Partial<EntityRow> = {}): EntityRow => ({
  entity: `customer:${id}`,
  metrics: { asr: 41.25, acd: 63.4, pdd: 2300, cps: 3, channels: 12, balance: 48.5 },
  firing: 0, worst_level: null, closeness, penalty: null, ...overrides,
});

const firing = (id: string, level: FiringAlert['level']): FiringAlert => ({
  rule_id: 'low-asr-warning', entity: `customer:${id}`, area: 'asr', level, operator: '<=', value: 4.123, threshold: 30, unit: '%',
  since_ms: NOW - 185_000, silenced: false,
});

const alert: AlertEvent = { type: 'fired', rule_id: 'low-asr-warning', entity: 'customer:acme', area: 'asr', level: 'warning', value: 4.1, threshold: 30, operator: '<=', at_ms: NOW - 60_000 };
const delivery: Delivery = { rule_id: 'low-asr-warning', entity: 'customer:acme', channel: 'email', recipient: 'j***@example.com', status: 'sent', error: null, at_ms: NOW - 50_000 };

const data = (overrides: Partial<TopData['overview']> = {}): TopData => ({
  overview: {
    now_ms: NOW,
    deployment: { topic_prefix: 'demo-1.', redis_key_prefix: 'demo-1:' },
    counts: { entities: 3, firing: 1, silenced: 0, penalties: 1 },
    firing: [firing('acme', 'critical')],
    entities: [
      entity('acme', 1.2, { firing: 1, worst_level: 'critical', penalty: { until_ms: NOW + 3_600_000 }, metrics: { asr: 4.1, acd: null, pdd: null, cps: 1, channels: null, balance: 12 } }),
      entity('globex', 0.4),
      entity('initech', 0.1),
    ],
    ...overrides,
  },
  recent: [alert],
  deliveries: [delivery],
});

const plain: FrameOptions = { width: 120, height: 30, now: NOW, colour: false, url: 'http://127.0.0.1:9480' };

describe('renderFrame', () => {
  it('shows a value without a unit (a script rule) to three decimals, so it reads past its threshold', () => {
    const script: FiringAlert = { ...firing('umbrella', 'error'), rule_id: 'premium-rate-mix', area: 'script', operator: '>', value: 0.40264, threshold: 0.4, unit: null };
    const lines = renderFrame(data({ firing: [script] }), plain);
    expect(lines).toContain(' error    customer:umbrella      premium-rate-mix         script 0.403 > 0.4         since 3m');
  });

  it('draws the header, the firing alerts, the entities in the order the console sorted them, transitions and deliveries', () => {
    expect(renderFrame(data(), plain)).toEqual([
      'callwatch top  http://127.0.0.1:9480  topics demo-1.*  3 entities  1 firing  1 penalties  14:03:22 UTC',
      'FIRING  1',
      ' critical customer:acme          low-asr-warning          asr 4.12 % <= 30           since 3m',
      ' ENTITY                    ASR    ACD    PDD   CPS  CHAN    BALANCE  CLOSE',
      ' customer:acme            4.1%      -      -     1     -      12.00  █████ 1.20 1 firing blocked',
      ' customer:globex         41.3%    63s   2.3s     3    12      48.50  ██··· 0.40',
      ' customer:initech        41.3%    63s   2.3s     3    12      48.50  █···· 0.10',
      'RECENT ALERTS',
      ' 14:02:22 FIRED    warning  customer:acme  low-asr-warning asr 4.1',
      'DELIVERIES',
      ' 14:02:32 email    sent     j***@example.com  low-asr-warning customer:acme',
    ]);
  });

  it('has no escape codes without colour, and paints firing alerts in their level\'s colour with it', () => {
    expect(renderFrame(data(), plain).join('\n')).not.toContain('\x1b');
    const coloured = renderFrame(data(), { ...plain, colour: true });
    expect(coloured[2]).toBe(`\x1b[1;31m${renderFrame(data(), plain)[2]}\x1b[0m`);
    expect(coloured[4]).toMatch(/^\x1b\[31m customer:acme/);
    expect(coloured[5]).not.toContain('\x1b'); // an entity with nothing firing stays plain
  });

  it.each([
    { width: 40, height: 30 },
    { width: 80, height: 12 },
    { width: 200, height: 6 },
    { width: 20, height: 3 },
  ])('fits a $width x $height terminal: no line wider, one row left for the key help', ({ width, height }) => {
    const many = data({ entities: Array.from({ length: 50 }, (_, i) => entity(`c${i}`, 1 - i / 50)) });
    const lines = renderFrame(many, { ...plain, width, height });
    expect(lines.length).toBeLessThanOrEqual(height - 1);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(width);
  });

  it('keeps room for the entities when many alerts fire, and says how many it left out', () => {
    const storm = data({ firing: Array.from({ length: 40 }, (_, i) => firing(`c${i}`, i % 2 === 0 ? 'critical' : 'warning')) });
    const lines = renderFrame(storm, { ...plain, height: 24 });
    expect(lines.filter((line) => line.includes('low-asr-warning') && line.includes('since'))).toHaveLength(8);
    expect(lines).toContain(' … 32 more');
    expect(lines.some((line) => line.startsWith(' ENTITY'))).toBe(true);
    expect(lines.some((line) => line.startsWith(' customer:acme '))).toBe(true);
  });

  it('says "none" when nothing fires, and shows no prefix as such', () => {
    const lines = renderFrame(data({ firing: [], deployment: { topic_prefix: '', redis_key_prefix: 'cw:' } }), plain);
    expect(lines[0]).toContain('topics (no prefix)*');
    expect(lines[1]).toBe('FIRING  none');
  });
});

describe('ago', () => {
  it.each([
    [0, '0s'], [59_000, '59s'], [60_000, '1m'], [3_599_000, '59m'], [3_600_000, '1h'], [86_400_000, '1d'], [-5_000, '0s'],
  ])('%i ms ago is %s', (ms, text) => {
    expect(ago(NOW - ms, NOW)).toBe(text);
  });
});
