import { loadConfig } from '@callwatch/core';
import { AGGREGATOR_ENV, startAggregator, type Aggregator } from '@callwatch/aggregator';
import { DLQ_REASON_HEADER, dlqTopic, connect, type Connection } from '@callwatch/kafka';
import { entityStatus } from '@callwatch/cli';
import { cdr } from '../support/cdrs';
import { collect, testScope, type TestScope } from '../support/harness';

describe('aggregator dead letters', () => {
  let scope: TestScope;
  let aggregator: Aggregator;
  let producer: Connection;

  beforeAll(async () => {
    scope = await testScope('dlq');
    aggregator = await startAggregator(loadConfig(AGGREGATOR_ENV, { ...scope.env, AGGREGATOR_PERIODS: '5m' }));
    producer = await connect(loadConfig(AGGREGATOR_ENV, scope.env), `${scope.id}-producer`, ['cdr']);
    await scope.codec.register('metric', scope.topics.metric);
  });

  afterAll(async () => {
    await producer?.close();
    await aggregator?.stop();
  });

  it('sends malformed CDRs to voip.cdr.v1.dlq with their reason and counts the good ones around them', async () => {
    const customer = `dlq-${scope.id}`;
    const key = `customer:${customer}`;
    const end = Date.now();
    const encode = (value: ReturnType<typeof cdr>) => producer.codec.encode('cdr', value);
    // One partition key for all, so the bad messages sit between the good ones in one partition.
    await producer.producer.send({
      topic: scope.topics.cdr,
      messages: [
        { key, value: encode(cdr(customer, true, end)) },
        { key, value: Buffer.from('{"cdr_id": "not avro at all"}') },
        { key, value: encode(cdr(customer, false, end, { end_ms: end - 60_000, start_ms: end })) },
        { key, value: Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0]), Buffer.from('garbage')]) },
        { key, value: encode(cdr(customer, false, end)) },
      ],
    });

    const dead = await collect(scope, dlqTopic(scope.topics.cdr), 'raw', (m) => m.length >= 3);
    expect(dead).toHaveLength(3);
    const reasons = dead.map((m) => m.headers[DLQ_REASON_HEADER]);
    expect(reasons[0]).toMatch(/not in Confluent wire format/);
    expect(reasons[1]).toMatch(/^end_ms: expected at or after start_ms/);
    expect(reasons[2]).toMatch(/unknown schema id 2147483632/);
    expect(dead[0]?.value.toString()).toBe('{"cdr_id": "not avro at all"}');
    expect(dead.every((m) => m.key === key)).toBe(true);

    // The two good CDRs are counted: one snapshot (or more) ends with 2 attempts, 1 answered.
    const snapshots = await collect(scope, scope.topics.metric, 'metric', (m) => m.some((s) => s.value.entity === key && s.value.windows[0]?.attempts === 2));
    const last = snapshots.filter((s) => s.value.entity === key).pop()?.value;
    expect(last?.windows[0]).toMatchObject({ sample_period_ms: 300_000, attempts: 2, answered: 1, asr: 50 });

    // And Redis holds exactly those counts.
    const status = await entityStatus(key, scope.env);
    expect(status.windows[0]).toMatchObject({ attempts: 2, answered: 1 });
  });
});
