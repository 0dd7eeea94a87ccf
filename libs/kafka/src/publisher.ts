import type { Producer, IHeaders } from 'kafkajs';
import type { SchemaName, SchemaTypes } from '@callwatch/schemas';
import type { RegistryCodec } from './codec';

/** OutgoingMessage is one value to publish, keyed by entity (or by id on compacted topics); null is a tombstone. */
export interface OutgoingMessage<T> {
  key: string;
  value: T | null;
  headers?: IHeaders;
}

const SEND_CHUNK = 5_000;
// What a record costs in a v2 record batch beyond its key, value and headers (length, attributes, deltas, lengths),
// rounded up, and the batch's own header: the estimate of a request is never below what the broker counts.
const RECORD_OVERHEAD = 24;
const BATCH_OVERHEAD = 64;

/** DEFAULT_MAX_REQUEST_BYTES keeps a request under the brokers' default `message.max.bytes` (1,048,588). */
export const DEFAULT_MAX_REQUEST_BYTES = 1_000_000;

/** RawMessage is an encoded message to send as it is. */
export interface RawMessage {
  key: Buffer | string | null;
  value: Buffer | null;
  headers?: IHeaders;
}

/** Publisher sends many encoded messages per request: KafkaJS has no linger, so batching is ours to do. */
export class Publisher {
  constructor(
    private readonly producer: Producer,
    private readonly codec: RegistryCodec,
    /** the most bytes of messages in one request (see publishRaw) */
    private readonly maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES,
  ) {}

  /** publish encodes the values with the topic's schema and sends them (see publishRaw). */
  async publish<N extends SchemaName>(topic: string, schema: N, messages: Array<OutgoingMessage<SchemaTypes[N]>>): Promise<void> {
    await this.publishRaw(topic, messages.map((m) => ({ key: m.key, value: m.value === null ? null : this.codec.encode(schema, m.value), headers: m.headers })));
  }

  /**
   * publishRaw sends bytes as they are (dead-letter copies and repartitioned events keep the original bytes), in
   * requests one after another so their order holds, each of at most SEND_CHUNK messages and `maxRequestBytes`: a
   * request's messages may all go to one partition (a batch's entities share their partition number in every
   * topic), and the broker refuses a partition's record batch above its `message.max.bytes`, every time it is
   * retried. A message larger than that alone goes in a request of its own.
   */
  async publishRaw(topic: string, messages: RawMessage[]): Promise<void> {
    let from = 0;
    let bytes = BATCH_OVERHEAD;
    for (let i = 0; i < messages.length; i++) {
      const size = messageBytes(messages[i] as RawMessage);
      if (i > from && (i - from >= SEND_CHUNK || bytes + size > this.maxRequestBytes)) {
        await this.producer.send({ topic, messages: messages.slice(from, i) });
        from = i;
        bytes = BATCH_OVERHEAD;
      }
      bytes += size;
    }
    if (from < messages.length) await this.producer.send({ topic, messages: from === 0 ? messages : messages.slice(from) });
  }
}

/** messageBytes is about what one message takes in a record batch, never less. */
function messageBytes({ key, value, headers }: RawMessage): number {
  let bytes = RECORD_OVERHEAD + (value?.length ?? 0) + (key === null ? 0 : typeof key === 'string' ? Buffer.byteLength(key) : key.length);
  if (headers) {
    for (const name in headers) {
      const header = headers[name];
      bytes += RECORD_OVERHEAD + Buffer.byteLength(name);
      for (const part of Array.isArray(header) ? header : [header]) if (part !== undefined) bytes += typeof part === 'string' ? Buffer.byteLength(part) : part.length;
    }
  }
  return bytes;
}
