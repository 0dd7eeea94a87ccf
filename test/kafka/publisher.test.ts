import { loadConfig, COMMON_ENV } from '@callwatch/core';
import { connect, type Connection } from '@callwatch/kafka';
import { collect, testScope, type TestScope } from '../support/harness';

describe('publisher on real Kafka', () => {
  let scope: TestScope;
  let connection: Connection;

  beforeAll(async () => {
    scope = await testScope('publisher');
    connection = await connect(loadConfig(COMMON_ENV, scope.env), `${scope.id}-producer`, []);
  });

  afterAll(async () => {
    await connection?.close();
  });

  it('sends more than the broker takes in one record batch for one partition, in several requests: all arrive, in order', async () => {
    // What a batch of thousands of entities publishes: their snapshots share one partition (the batch's partition
    // number), 2.4 MB where the broker's message.max.bytes is 1 MiB.
    const messages = Array.from({ length: 6_000 }, (_, i) => ({ key: 'customer:one-partition', value: Buffer.from(`${String(i).padStart(6, '0')}:${'x'.repeat(393)}`) }));
    await connection.publisher.publishRaw(connection.topics.alert, messages);
    const seen = await collect(scope, connection.topics.alert, 'raw', (read) => read.length >= messages.length);
    expect(seen.map((m) => (m.value as unknown as Buffer).subarray(0, 6).toString())).toEqual(messages.map((_, i) => String(i).padStart(6, '0')));
  });

  it('splits requests at KAFKA_MAX_REQUEST_BYTES, and sends a message that alone passes it in a request of its own', async () => {
    const limited = await connect(loadConfig(COMMON_ENV, { ...scope.env, KAFKA_MAX_REQUEST_BYTES: '10000' }), `${scope.id}-limited`, []);
    try {
      // Every request that reaches Kafka, by its number of messages (the real producer still sends each).
      const sizes: number[] = [];
      const send = limited.producer.send.bind(limited.producer);
      limited.producer.send = (record) => {
        sizes.push(record.messages.length);
        return send(record);
      };
      // About 3 KB each: three fit in 10,000 bytes; the 12 KB one goes alone (the broker takes it: its limit is 1 MiB).
      const small = (i: number) => ({ key: 'one-partition', value: Buffer.alloc(3_000, i), headers: { source: `test-${i}` } });
      const big = { key: 'one-partition', value: Buffer.alloc(12_000, 9), headers: { source: 'big' } };
      await limited.publisher.publishRaw(connection.topics.notification, [small(1), small(2), small(3), big, small(4), small(5), small(6)]);
      expect(sizes).toEqual([3, 1, 3]);
      const seen = await collect(scope, connection.topics.notification, 'raw', (read) => read.length >= 7);
      expect(seen.map((m) => m.headers.source)).toEqual(['test-1', 'test-2', 'test-3', 'big', 'test-4', 'test-5', 'test-6']);
    } finally {
      await limited.close();
    }
  });
});
