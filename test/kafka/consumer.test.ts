import { createLogger, loadConfig, COMMON_ENV } from '@callwatch/core';
import { LAG_METRIC, connect, startBatchConsumer, type BatchConsumer, type Connection } from '@callwatch/kafka';
import { Registry } from 'prom-client';
import { cdr } from '../support/cdrs';
import { eventually, testScope, type TestScope } from '../support/harness';

describe('batch consumer on real Kafka', () => {
  let scope: TestScope;
  let connection: Connection;
  let consumer: BatchConsumer | undefined;
  let seeking: BatchConsumer | undefined;
  let lagging: BatchConsumer | undefined;

  beforeAll(async () => {
    scope = await testScope('consumer', { TOPIC_PARTITIONS: '1' });
    connection = await connect(loadConfig(COMMON_ENV, scope.env), `${scope.id}-producer`, ['cdr']);
  });

  afterAll(async () => {
    await consumer?.stop();
    await seeking?.stop();
    await lagging?.stop();
    await connection?.close();
  });

  it('keeps consuming after a handler fails (as with Redis away): the batch is retried, nothing is skipped', async () => {
    const values = [cdr('acme', true), cdr('acme', false), cdr('acme', true)];
    await connection.publisher.publish(connection.topics.cdr, 'cdr', values.map((value) => ({ key: 'customer:acme', value })));
    let calls = 0;
    const handled: string[] = [];
    consumer = await startBatchConsumer({
      kafka: scope.kafka, codec: connection.codec, publisher: connection.publisher, log: createLogger('test', 'fatal'),
      groupId: `${scope.id}-group`, topic: connection.topics.cdr, schema: 'cdr',
      handle: async (batch) => {
        calls++;
        if (calls <= 2) throw new Error('Redis is away');
        for (const m of batch.messages) handled.push(m.value.cdr_id);
      },
    });
    await eventually(async () => expect(handled).toEqual(values.map((v) => v.cdr_id)), { timeoutMs: 60_000, intervalMs: 200 });
    expect(calls).toBeGreaterThan(2);
    // And it is still running: a later message is handled too.
    const later = cdr('acme', true);
    await connection.publisher.publish(connection.topics.cdr, 'cdr', [{ key: 'customer:acme', value: later }]);
    await eventually(async () => expect(handled).toContain(later.cdr_id), { timeoutMs: 30_000, intervalMs: 200 });
  });

  it('tells a batch that its partition was sought while it was handled, and brings its messages again from there', async () => {
    const values = [cdr('globex', true), cdr('globex', false)];
    await connection.publisher.publish(connection.topics.cdr, 'cdr', values.map((value) => ({ key: 'customer:globex', value })));
    const batches: Array<{ first: string; ids: string[]; movedBefore: boolean; movedAfter: boolean }> = [];
    seeking = await startBatchConsumer({
      kafka: scope.kafka, codec: connection.codec, publisher: connection.publisher, log: createLogger('test', 'fatal'),
      groupId: `${scope.id}-seeking`, topic: connection.topics.cdr, schema: 'cdr',
      handle: async (batch) => {
        // The group's first batch may come before startBatchConsumer returns.
        await eventually(async () => expect(seeking).toBeDefined(), { timeoutMs: 10_000, intervalMs: 20 });
        const movedBefore = batch.moved();
        // As a replay of another partition's batch does: seek this one back to where the batch starts.
        if (batches.length === 0) seeking?.seek(batch.topic, batch.partition, batch.firstOffset);
        batches.push({ first: batch.firstOffset, ids: batch.messages.map((m) => m.value.cdr_id), movedBefore, movedAfter: batch.moved() });
      },
    });
    await eventually(async () => expect(batches.flatMap((b) => b.ids).filter((id) => id === values[1]?.cdr_id)).toHaveLength(2), { timeoutMs: 60_000, intervalMs: 200 });
    const [first, again] = batches;
    expect(first).toMatchObject({ movedBefore: false, movedAfter: true });
    expect(again).toMatchObject({ first: first?.first, ids: first?.ids, movedBefore: false, movedAfter: false });
  });

  it('reports how many messages the group is behind the end of the partition after each batch', async () => {
    const topic = `${scope.id}.lag`;
    const admin = scope.kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    await admin.disconnect();
    await scope.codec.register('cdr', topic);
    // Three requests, so three record batches: a fetch of one byte a partition brings one of them at a time.
    for (const customer of ['a', 'b', 'c']) await connection.publisher.publish(topic, 'cdr', [{ key: `customer:${customer}`, value: cdr(customer, true) }]);
    const registry = new Registry();
    const lag = async () => (await registry.getSingleMetric(LAG_METRIC)?.get())?.values.map((v) => [v.labels, v.value]);
    const seen: unknown[] = [];
    lagging = await startBatchConsumer({
      kafka: scope.kafka, codec: connection.codec, publisher: connection.publisher, log: createLogger('test', 'fatal'),
      groupId: `${scope.id}-lagging`, topic, schema: 'cdr', maxBytesPerPartition: 1, registry,
      // What the gauge said after the batch before this one.
      handle: async () => void seen.push(await lag()),
    });
    const group = `${scope.id}-lagging`;
    await eventually(async () => expect(await lag()).toEqual([[{ group, topic, partition: 0 }, 0]]), { timeoutMs: 30_000, intervalMs: 100 });
    expect(seen).toEqual([[], [[{ group, topic, partition: 0 }, 2]], [[{ group, topic, partition: 0 }, 1]]]);
  });
});
