import { loadConfig } from '@callwatch/core';
import { AGGREGATOR_ENV, startAggregator, type Aggregator } from '@callwatch/aggregator';
import { entityStatus } from '@callwatch/cli';
import { connect, type Connection } from '@callwatch/kafka';
import type { Cdr, MetricSnapshot } from '@callwatch/schemas';
import { cdr } from '../support/cdrs';
import { collect, testScope, type TestScope } from '../support/harness';

describe('aggregator windows on real Kafka and Redis', () => {
  let scope: TestScope;
  let aggregator: Aggregator | undefined;
  let switches: Connection;
  const config = () => loadConfig(AGGREGATOR_ENV, { ...scope.env, AGGREGATOR_PERIODS: '5m,1h', AGGREGATOR_LATENESS_MS: '5m' });

  beforeAll(async () => {
    scope = await testScope('areas');
    switches = await connect(config(), `${scope.id}-switch`, ['cdr']);
    await scope.codec.register('metric', scope.topics.metric);
  });

  afterAll(async () => {
    await switches?.close();
    await aggregator?.stop();
  });

  const send = (cdrs: Cdr[]) => switches.publisher.publish(switches.topics.cdr, 'cdr', cdrs.map((c) => ({ key: `customer:${c.customer_id}`, value: c })));
  const latest = async (entity: string, done: (s: MetricSnapshot) => boolean) => {
    const seen = await collect(scope, scope.topics.metric, 'metric', (m) => m.some((s) => s.value.entity === entity && done(s.value)));
    return seen.map((s) => s.value).filter((s) => s.entity === entity && done(s))[0] as MetricSnapshot;
  };

  it('computes every windowed area exactly, counts a duplicate once and leaves a late CDR out', async () => {
    aggregator = await startAggregator(config());
    const customer = `areas-${scope.id}`;
    const end = Date.now();
    const calls: Cdr[] = [
      // answered 60 s (billed 58 s) and answered 4 s (short), with PDD and cost
      cdr(customer, true, end, { cdr_id: 'a1', start_ms: end - 60_000, answer_ms: end - 58_000, pdd_ms: 1_000, charge: 0.6, cost: 0.4 }),
      cdr(customer, true, end, { cdr_id: 'a2', answer_ms: end - 4_000, pdd_ms: 3_000, charge: 0.05, cost: 0.04 }),
      cdr(customer, false, end, { cdr_id: 'f1', sip_code: 486, pdd_ms: 2_000 }), // busy: NER-neutral
      cdr(customer, false, end, { cdr_id: 'f2', sip_code: 503 }), // network failure: counts against NER
      cdr(customer, false, end, { cdr_id: 'f3', sip_code: 302 }), // redirect: outside NER's denominator
      cdr(customer, false, end, { cdr_id: 'f2', sip_code: 503 }), // the same id again: counted once
      cdr(customer, false, end - 10 * 60_000, { cdr_id: 'late', start_ms: end - 11 * 60_000, sip_code: 486 }), // 10 min behind: late
    ];
    await send(calls);

    const snapshot = await latest(`customer:${customer}`, (s) => s.windows[0]?.attempts === 5 && s.late === 1);
    const fiveMinutes = snapshot.windows.find((w) => w.sample_period_ms === 300_000);
    expect(fiveMinutes).toEqual({
      sample_period_ms: 300_000,
      attempts: 5,
      answered: 2,
      asr: 40, // 2 / 5
      ner: 75, // (200, 200, 486) / (5 − one 3xx)
      acd: 31, // (58 + 4) s / 2
      pdd: 2_000, // (1000 + 3000 + 2000) / 3 reporting
      cps: 4, // a2, f1, f2 and f3 started in the same second (a1 30 s earlier; the duplicate and the late CDR not at all)
      spend: 0.65,
      margin: 0.21, // (0.6 − 0.4) + (0.05 − 0.04)
      sdr: 50, // one of two answered under 6 s
      codes: { '200': 2, '486': 1, '503': 1, '302': 1 },
    });
    expect(snapshot.windows.find((w) => w.sample_period_ms === 3_600_000)?.attempts).toBe(5);
    expect(snapshot.at_ms).toBe(end);
    // The version grows with every change, from at least the entity's clock × 1000.
    expect(snapshot.version).toBeGreaterThanOrEqual(end * 1_000);

    // `callwatch status` reads the same windows (and version) back from Redis.
    const status = await entityStatus(`customer:${customer}`, scope.env);
    expect(status).toEqual({ entity: `customer:${customer}`, clockMs: end, late: 1, channels: null, expired: 0, balance: null, credit: null, creditUsed: null, version: snapshot.version, windows: snapshot.windows });
  });

  it('never counts a redelivered CDR twice: a consumer rewound to the beginning changes nothing', async () => {
    const customer = `redeliver-${scope.id}`;
    const carrier = `tel-r-${scope.id}`;
    await send(Array.from({ length: 10 }, (_, i) => cdr(customer, i < 3, Date.now(), { cdr_id: `r${i}`, carrier_id: carrier })));
    await latest(`customer:${customer}`, (s) => s.windows[0]?.attempts === 10);
    await latest(`carrier:${carrier}`, (s) => s.windows[0]?.attempts === 10);
    await aggregator?.stop();
    aggregator = undefined;

    // Rewind the group as a crash before the commit would: every CDR of the topic is delivered again.
    const admin = scope.kafka.admin();
    await admin.connect();
    await admin.resetOffsets({ groupId: scope.env.AGGREGATOR_GROUP_ID as string, topic: scope.topics.cdr, earliest: true });
    await admin.disconnect();

    aggregator = await startAggregator(config());
    await send([cdr(customer, true, Date.now(), { cdr_id: 'r10', carrier_id: carrier })]);
    const after = await latest(`customer:${customer}`, (s) => s.windows[0]?.attempts !== 10);
    expect(after.windows[0]).toMatchObject({ attempts: 11, answered: 4 });
    // The rewound customer side re-published every copy to the carrier topic; the carrier drops them by cdr_id.
    const carrierAfter = await latest(`carrier:${carrier}`, (s) => s.windows[0]?.attempts !== 10);
    expect(carrierAfter.windows[0]).toMatchObject({ attempts: 11, answered: 4 });
    expect((await entityStatus(`carrier:${carrier}`, scope.env)).windows[0]).toMatchObject({ attempts: 11 });
  });

  it('counts a CDR for its customer and for its carrier', async () => {
    aggregator ??= await startAggregator(config());
    const carrier = `tel-${scope.id}`;
    const end = Date.now();
    await send([
      ...[0, 1, 2].map((i) => cdr(`c1-${scope.id}`, i === 0, end, { cdr_id: `c1-${i}`, carrier_id: carrier })),
      ...[0, 1, 2].map((i) => cdr(`c2-${scope.id}`, i < 2, end, { cdr_id: `c2-${i}`, carrier_id: carrier })),
      cdr(`c2-${scope.id}`, true, end, { cdr_id: 'c2-no-carrier', carrier_id: null }),
    ]);
    const snapshot = await latest(`carrier:${carrier}`, (s) => s.windows[0]?.attempts === 6);
    expect(snapshot.windows[0]).toMatchObject({ attempts: 6, answered: 3, asr: 50 });
    const customer2 = await latest(`customer:c2-${scope.id}`, (s) => s.windows[0]?.attempts === 4);
    expect(customer2.windows[0]).toMatchObject({ attempts: 4, answered: 3 });
  });
});
