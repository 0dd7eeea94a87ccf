import { randomUUID } from 'node:crypto';
import { createKafka, RegistryCodec, type Consumer, type TopicNames } from '@callwatch/kafka';
import type { Action, AlertEvent } from '@callwatch/schemas';

/** Seen is one record read back, with when the observer read it. */
export interface Seen<T> {
  value: T;
  atMs: number;
}

/**
 * TopicObserver reads the alert and action topics from the beginning for the whole suite. A broker restart can outlast
 * KafkaJS's retries and crash the consumer: then a new one, in a new group, reads everything again, and records are
 * kept once per topic, partition and offset, so a re-read adds nothing.
 */
export class TopicObserver {
  readonly alerts: Array<Seen<AlertEvent>> = [];
  readonly actions: Array<Seen<Action>> = [];
  private readonly offsets = new Set<string>();
  private consumer: Consumer | undefined;
  private stopped = false;
  private readonly codec: RegistryCodec;

  constructor(
    private readonly env: { KAFKA_BROKERS: string; SCHEMA_REGISTRY_URL: string },
    private readonly topics: TopicNames,
  ) {
    this.codec = new RegistryCodec(env.SCHEMA_REGISTRY_URL);
  }

  async start(): Promise<void> {
    const kafka = createKafka({ brokers: this.env.KAFKA_BROKERS.split(','), clientId: 'chaos-observer' });
    const consumer = kafka.consumer({ groupId: `chaos-observer-${randomUUID()}`, maxWaitTimeInMs: 200, retry: { retries: 20 } });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, () => {
      if (this.stopped) return;
      void consumer.disconnect().catch(() => {}).then(() => this.restart());
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [this.topics.alert, this.topics.action], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        await this.codec.prefetch(batch.messages.map((m) => m.value));
        for (const m of batch.messages) {
          const id = `${batch.topic}/${batch.partition}/${m.offset}`;
          if (this.offsets.has(id) || m.value === null) continue;
          this.offsets.add(id);
          const atMs = Date.now();
          if (batch.topic === this.topics.alert) this.alerts.push({ value: this.codec.decode('alert', m.value), atMs });
          else this.actions.push({ value: this.codec.decode('action', m.value), atMs });
        }
      },
    });
  }

  private async restart(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      try {
        await this.start();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer?.disconnect();
  }
}
