import type { ICustomPartitioner } from 'kafkajs';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/**
 * murmur2 is the 32-bit hash the Java client's default partitioner applies to a key's bytes (Kafka's
 * `Utils.murmur2`), in 32-bit integer arithmetic: KafkaJS's own version uses 64-bit Long objects and allocates
 * several per message, which showed up in the aggregator's profile.
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = (data[i] as number) | ((data[i + 1] as number) << 8) | ((data[i + 2] as number) << 16) | ((data[i + 3] as number) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= (data[blocks + 2] as number) << 16;
  if (rest >= 2) h ^= (data[blocks + 1] as number) << 8;
  if (rest >= 1) h = Math.imul(h ^ (data[blocks] as number), M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h;
}

/**
 * keyPartitioner places a keyed message where the Java client's default partitioner would (positive murmur2 of the
 * key modulo the partition count), so a switch's Java producer and ours put an entity on the same partition. A
 * message with an explicit partition keeps it; one without a key goes round-robin over partitions that have a leader.
 */
export const keyPartitioner: ICustomPartitioner = () => {
  const next = new Map<string, number>();
  return ({ topic, partitionMetadata, message }) => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (message.key !== null && message.key !== undefined) {
      const bytes = typeof message.key === 'string' ? Buffer.from(message.key) : message.key;
      return (murmur2(bytes) & 0x7fffffff) % partitionMetadata.length;
    }
    const led = partitionMetadata.filter((p) => p.leader >= 0);
    const turn = next.get(topic) ?? Math.floor(Math.random() * 0x7fffffff);
    next.set(topic, turn + 1);
    return led.length > 0 ? (led[turn % led.length] as (typeof led)[number]).partitionId : turn % partitionMetadata.length;
  };
};
