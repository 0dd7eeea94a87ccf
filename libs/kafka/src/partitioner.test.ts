import { randomBytes } from 'node:crypto';
import { keyPartitioner, murmur2 } from './partitioner';

// KafkaJS's port of the Java client's murmur2 (64-bit Long arithmetic): the reference ours must agree with.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const referenceMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: Buffer) => number;

describe('murmur2', () => {
  it('agrees with the Java client on keys of every length remainder, ASCII and not', () => {
    const keys = [
      '', 'a', 'ab', 'abc', 'abcd', 'customer:acme', 'carrier:c-1', 'customer:Zürich-Ökö', 'carrier:日本',
      ...Array.from({ length: 2_000 }, (_, i) => randomBytes(i % 67).toString(i % 2 === 0 ? 'hex' : 'latin1')),
    ];
    for (const key of keys) expect([key, murmur2(Buffer.from(key))]).toEqual([key, referenceMurmur2(Buffer.from(key))]);
  });

  it('hashes known keys to the values Kafka documents in its tests', () => {
    // org.apache.kafka.common.utils.UtilsTest#testMurmur2
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
    expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536);
  });
});

describe('keyPartitioner', () => {
  const partitionMetadata = [0, 1, 2, 3, 4, 5].map((partitionId) => ({ partitionId, leader: partitionId === 2 ? -1 : 1, replicas: [1], isr: [1], offlineReplicas: [], partitionErrorCode: 0 }));
  const partition = keyPartitioner();

  it('places keys like the Java client, keeps explicit partitions, and spreads unkeyed messages over led partitions', () => {
    for (const key of ['customer:acme', 'carrier:c-1', 'customer:cust-42']) {
      expect(partition({ topic: 't', partitionMetadata, message: { key, value: null } })).toBe((referenceMurmur2(Buffer.from(key)) & 0x7fffffff) % 6);
    }
    expect(partition({ topic: 't', partitionMetadata, message: { key: 'customer:acme', partition: 4, value: null } })).toBe(4);
    const unkeyed = Array.from({ length: 10 }, () => partition({ topic: 'u', partitionMetadata, message: { value: null } }));
    expect(new Set(unkeyed)).toEqual(new Set([0, 1, 3, 4, 5]));
  });
});
