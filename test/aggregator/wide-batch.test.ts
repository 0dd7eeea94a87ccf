import { loadConfig } from '@callwatch/core';
import { AGGREGATOR_ENV, startAggregator, type Aggregator } from '@callwatch/aggregator';
import { connect, type Connection } from '@callwatch/kafka';
import { cdr } from '../support/cdrs';
import { collect, eventually, testScope, type TestScope } from '../support/harness';

const CUSTOMERS = 6_000;

describe('aggregator batch of thousands of entities', () => {
  const started: Aggregator[] = [];
  const connections: Connection[] = [];

  afterAll(async () => {
    for (const connection of connections) await connection.close();
    for (const aggregator of started) await aggregator.stop().catch(() => undefined);
  });

  /** wideScope is a scope of one partition: every customer's snapshot goes to the one metric partition, as a batch's snapshots always share their partition number. */
  async function wideScope(name: string): Promise<{ scope: TestScope; publishCdrs: (prefix: string) => Promise<void> }> {
    const scope = await testScope(name, { TOPIC_PARTITIONS: '1' });
    const producer = await connect(loadConfig(AGGREGATOR_ENV, scope.env), `${scope.id}-producer`, ['cdr']);
    connections.push(producer);
    await scope.codec.register('metric', scope.topics.metric);
    const end = Date.now();
    const publishCdrs = (prefix: string) => producer.publisher.publish(scope.topics.cdr, 'cdr', Array.from({ length: CUSTOMERS }, (_, i) => {
      const customer = `${prefix}-${i}`;
      return { key: `customer:${customer}`, value: cdr(customer, true, end) };
    }));
    return { scope, publishCdrs };
  }

  async function start(scope: TestScope, env: NodeJS.ProcessEnv = {}): Promise<Aggregator> {
    const aggregator = await startAggregator(loadConfig(AGGREGATOR_ENV, { ...scope.env, AGGREGATOR_PERIODS: '5m,15m,1h', ...env }));
    started.push(aggregator);
    return aggregator;
  }

  /** snapshotsOf waits until every customer of `prefix` has a snapshot, and answers the attempts each one counted. */
  async function snapshotsOf(scope: TestScope, prefix: string): Promise<Map<string, number>> {
    const attempts = new Map<string, number>();
    let read = 0;
    await collect(scope, scope.topics.metric, 'metric', (snapshots) => {
      for (; read < snapshots.length; read++) {
        const { value } = snapshots[read] as (typeof snapshots)[number];
        if (value.entity.startsWith(`customer:${prefix}-`)) attempts.set(value.entity, Math.max(attempts.get(value.entity) ?? 0, value.windows[0]?.attempts ?? 0));
      }
      return attempts.size >= CUSTOMERS;
    }, { timeoutMs: 90_000 });
    return attempts;
  }

  const eachOnce = (attempts: Map<string, number>) => new Set(attempts.values());

  it('publishes the snapshots of 6,000 customers counted in one batch (about 1.7 MB for one partition, above the broker\'s 1 MiB)', async () => {
    const { scope, publishCdrs } = await wideScope('wide');
    await publishCdrs('wide');
    // Started after the CDRs are in Kafka: its first fetch brings them all in one batch.
    await start(scope);
    const attempts = await snapshotsOf(scope, 'wide');
    expect(attempts.size).toBe(CUSTOMERS);
    expect(eachOnce(attempts)).toEqual(new Set([1]));
  }, 120_000);

  it('publishes, once it can, the snapshots of a batch checkpointed by a run whose publishing failed', async () => {
    const { scope, publishCdrs } = await wideScope('unpublished');
    await publishCdrs('late');
    // A request limit above the broker's: the batch is checkpointed in Redis, and then its snapshots are refused.
    const failing = await start(scope, { KAFKA_MAX_REQUEST_BYTES: '100MiB' });
    await eventually(async () => expect(failing.store.counts.writes).toBeGreaterThanOrEqual(CUSTOMERS), { timeoutMs: 60_000 });
    // The consumer retries the batch meanwhile, and each retry is refused again.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await failing.stop().catch(() => undefined);
    // The next run finds every event applied in Redis (none counted twice) and publishes the snapshots as they stand.
    await start(scope);
    const attempts = await snapshotsOf(scope, 'late');
    expect(attempts.size).toBe(CUSTOMERS);
    expect(eachOnce(attempts)).toEqual(new Set([1]));
  }, 150_000);
});
