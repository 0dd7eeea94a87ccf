import { randomUUID } from 'node:crypto';
import { RedisKeys, WindowStore, createRedis, readMetricSeries, type Redis } from '@callwatch/redis';
import { preAggregate, type InputEvent } from '@callwatch/windows';
import { cdr } from '../support/cdrs';

// The series reader against what the real window store (its Lua script) writes: buckets of the rule's period, call
// starts per second, and money movements per second after an account snapshot.
describe.each([
  ['a standalone Redis', process.env.REDIS_URL as string],
  ['a Redis Cluster', process.env.REDIS_CLUSTER_URL as string],
])('readMetricSeries on %s', (_, url) => {
  let redis: Redis;
  let keys: RedisKeys;
  const periodMs = 900_000; // 15 s buckets
  const options = { periodsMs: [300_000, periodMs], idRetentionMs: 1_200_000, maxCallMs: 14_400_000 };
  // A whole 15 minutes, bucket-aligned, ending a little before now (the window follows event time, not the wall).
  const T0 = Math.floor((Date.now() - 3_600_000) / 900_000) * 900_000;
  let offset = 0;

  beforeAll(() => {
    redis = createRedis(url, { name: 'test' });
    keys = new RedisKeys(`t-series-${randomUUID().slice(0, 8)}:`);
  });

  afterAll(async () => {
    for (const entity of ['customer:acme', 'customer:payer']) {
      await redis.del(keys.entityMeta(entity), keys.entityWindows(entity), keys.entitySeen(entity), keys.entityStarts(entity), keys.entityOpenCalls(entity), keys.entityMoves(entity));
    }
    redis.disconnect();
  });

  async function apply(side: 'customer' | 'billing', events: InputEvent[]): Promise<void> {
    const store = new WindowStore(redis, keys, options);
    const deltas = preAggregate(events.map((event) => ({ offset: ++offset, event })), { side, periodsMs: options.periodsMs, latenessMs: 3_600_000, positions: new Map() });
    await store.apply(`${side}/0`, [...deltas.values()], 'e1');
  }

  it('gives ASR per step from the buckets of the rule period: a ratio of the step\'s calls, gaps where none ended', async () => {
    // Minute m (0..14) ends 4 calls; minute 7 none; answered: 3 of 4 in minutes 0-9, 1 of 4 from minute 10 on.
    const events: InputEvent[] = [];
    for (let m = 0; m < 15; m++) {
      if (m === 7) continue;
      for (let i = 0; i < 4; i++) events.push({ type: 'cdr', ...cdr('acme', i < (m < 10 ? 3 : 1), T0 + m * 60_000 + 20_000 + i * 1_000, { carrier_id: null }) });
    }
    await apply('customer', events);
    const series = await readMetricSeries(redis, keys, 'customer:acme', 'asr', { fromMs: T0, toMs: T0 + periodMs, stepMs: 60_000 });
    expect(series.kind).toBe('steps');
    expect(series.stepMs).toBe(60_000);
    expect(series.points.map((p) => p.atMs)).toEqual(Array.from({ length: 15 }, (_, m) => T0 + (m + 1) * 60_000));
    expect(series.points.map((p) => p.value)).toEqual([75, 75, 75, 75, 75, 75, 75, null, 75, 75, 25, 25, 25, 25, 25]);

    const attempts = await readMetricSeries(redis, keys, 'customer:acme', 'attempts', { fromMs: T0, toMs: T0 + periodMs, stepMs: 300_000 });
    expect(attempts.points.map((p) => p.value)).toEqual([20, 16, 20]);
    // Before the window (its buckets are gone), nothing is known: null, not 0. The window (60 buckets up to the clock,
    // 14m23s past T0) reaches 37 s before T0: that step's known buckets held no call.
    const before = await readMetricSeries(redis, keys, 'customer:acme', 'attempts', { fromMs: T0 - periodMs, toMs: T0, stepMs: 300_000 });
    expect(before.points.map((p) => p.value)).toEqual([null, null, 0]);
  });

  it('gives cps per step as the peak second, and channels only as its value now', async () => {
    const cps = await readMetricSeries(redis, keys, 'customer:acme', 'cps', { fromMs: T0 + 540_000, toMs: T0 + 600_000, stepMs: 60_000 });
    // The 4 calls of a minute start a second apart (30 s before they end): at most 1 a second.
    expect(cps.points).toEqual([{ atMs: T0 + 600_000, value: 1 }]);
    expect(await readMetricSeries(redis, keys, 'customer:acme', 'channels', { fromMs: T0, toMs: T0 + periodMs, stepMs: 60_000 })).toEqual({ kind: 'current', stepMs: 0, points: [] });
  });

  it('rebuilds the balance from the movements after the newest account snapshot, and nothing before it', async () => {
    const at = Math.ceil((T0 + 60_000) / 120_000) * 120_000;
    const account: InputEvent = {
      type: 'account', entity: 'customer:payer', name: 'Payer', class: null, status: 'active', balance: 50, debit_limit: 100, currency: 'EUR',
      emails: [], phones: [], timezone: null, locale: null, at_ms: at,
    };
    const pay = (id: string, amount: number, atMs: number): InputEvent => ({ type: 'payment', payment_id: id, customer_id: 'payer', amount, status: 'completed', source: 'portal', at_ms: atMs });
    await apply('billing', [account, pay('p1', 10, at + 120_000), pay('p2', -4, at + 300_000)]);
    await apply('customer', [{ type: 'cdr', ...cdr('payer', true, at + 600_000, { carrier_id: null, charge: 1.5 }) }]);

    const series = await readMetricSeries(redis, keys, 'customer:payer', 'balance', { fromMs: at - 3_600_000, toMs: at + 600_000, stepMs: 120_000 });
    expect(series.kind).toBe('history');
    expect(series.points).toEqual([
      { atMs: at, value: 50 }, // the snapshot: nothing is known before it
      { atMs: at + 120_000, value: 60 },
      { atMs: at + 240_000, value: 60 },
      { atMs: at + 360_000, value: 56 },
      { atMs: at + 480_000, value: 56 },
      { atMs: at + 600_000, value: 54.5 },
    ]);
    // Credit is the balance plus the debit limit of that same snapshot.
    const credit = await readMetricSeries(redis, keys, 'customer:payer', 'credit', { fromMs: at - 3_600_000, toMs: at + 600_000, stepMs: 120_000 });
    expect(credit.points.map((p) => p.value)).toEqual([150, 160, 160, 156, 156, 154.5]);
  });
});
