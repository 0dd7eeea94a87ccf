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

/** Publisher sends many encoded messages per request: KafkaJS has no linger, so batching is ours to do. */
export class Publisher {
  constructor(
    private readonly producer: Producer,
    private readonly codec: RegistryCodec,
  ) {}

  /** publish encodes the values with the topic's schema and sends them (see publishRaw). */
  async publish<N extends SchemaName>(topic: string, schema: N, messages: Array<OutgoingMessage<SchemaTypes[N]>>): Promise<void> {
    await this.publishRaw(topic, messages.map((m) => ({ key: m.key, value: m.value === null ? null : this.codec.encode(schema, m.value), headers: m.headers })));
  }

  /**
   * publishRaw sends bytes as they are (dead-letter copies and repartitioned events keep the original bytes), in
   * requests of at most SEND_CHUNK messages, one after another so their order holds (one huge request can pass the
   * broker's size limit).
   */
  async publishRaw(topic: string, messages: Array<{ key: Buffer | string | null; value: Buffer | null; headers?: IHeaders }>): Promise<void> {
    for (let i = 0; i < messages.length; i += SEND_CHUNK) await this.producer.send({ topic, messages: messages.slice(i, i + SEND_CHUNK) });
  }
}
