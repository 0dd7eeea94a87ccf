import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { CallwatchError, retry, type Logger } from '@callwatch/core';
import type { SchemaName, SchemaTypes } from '@callwatch/schemas';
import type { RegistryCodec } from './codec';
import type { Publisher } from './publisher';
import { startBatchConsumer, type BatchConsumer } from './consumer';

/**
 * CompactedTable mirrors a compacted topic (rules, templates, accounts) in memory: every instance reads it
 * whole, and `ready` resolves once it has caught up with the end of the topic as it was at start.
 */
export class CompactedTable<N extends SchemaName> {
  private readonly rows = new Map<string, SchemaTypes[N]>();
  private readonly listeners: Array<(key: string, value: SchemaTypes[N] | null) => void> = [];
  private consumer: BatchConsumer | undefined;
  private groupId = '';

  constructor(
    /** `deadLetter: false` logs and skips what cannot be decoded, for a topic that has no `.dlq` of its own. */
    private readonly opts: { kafka: Kafka; codec: RegistryCodec; publisher: Publisher; log: Logger; topic: string; schema: N; groupPrefix: string; deadLetter?: boolean },
  ) {}

  /** start reads the topic from the beginning and resolves when the table holds everything published before the call. */
  async start({ timeoutMs = 60_000 }: { timeoutMs?: number } = {}): Promise<void> {
    const { kafka, topic } = this.opts;
    const admin = kafka.admin();
    await admin.connect();
    // A topic created a moment ago may not have its leader known everywhere yet (NOT_LEADER is retriable).
    const ends = await retry(() => admin.fetchTopicOffsets(topic), { retries: 8, initialDelayMs: 250, maxDelayMs: 3_000 }).finally(() => admin.disconnect());
    // Each partition is caught up once the offset before its end at start has been applied.
    const pending = new Map(ends.filter((p) => Number(p.high) > Number(p.low)).map((p) => [p.partition, BigInt(p.high) - 1n]));
    let resolveReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => (resolveReady = resolve));
    if (pending.size === 0) resolveReady();
    this.groupId = `${this.opts.groupPrefix}-${randomUUID()}`;
    this.consumer = await startBatchConsumer({
      ...this.opts,
      groupId: this.groupId,
      fromBeginning: true,
      allowTombstones: true,
      handle: async (batch) => {
        for (const m of batch.messages) {
          if (m.key === null) continue;
          if (m.value === null) this.rows.delete(m.key);
          else this.rows.set(m.key, m.value);
          for (const listener of this.listeners) listener(m.key, m.value);
        }
        const last = batch.messages[batch.messages.length - 1];
        const target = pending.get(batch.partition);
        if (last && target !== undefined && BigInt(last.offset) >= target) {
          pending.delete(batch.partition);
          if (pending.size === 0) resolveReady();
        }
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CallwatchError('CW_ERR_TABLE_CATCH_UP', `${topic}: not read to its end after ${timeoutMs} ms`, { details: { topic, timeoutMs } })), timeoutMs);
    });
    await Promise.race([ready, timeout]).finally(() => clearTimeout(timer));
  }

  /** get returns the newest value of a key, if any. */
  get(key: string): SchemaTypes[N] | undefined {
    return this.rows.get(key);
  }

  /** view is the live table as a read-only map (it changes as the topic does). */
  view(): ReadonlyMap<string, SchemaTypes[N]> {
    return this.rows;
  }

  /** values returns every current row. */
  values(): IterableIterator<SchemaTypes[N]> {
    return this.rows.values();
  }

  /** onChange calls `listener` for every row applied after it is registered (null for a deletion). */
  onChange(listener: (key: string, value: SchemaTypes[N] | null) => void): void {
    this.listeners.push(listener);
  }

  /** stop disconnects and deletes the private consumer group, which no one else will use. */
  async stop(): Promise<void> {
    await this.consumer?.stop();
    const admin = this.opts.kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([this.groupId]);
    } catch {
      // Best effort: an empty group expires on its own.
    } finally {
      await admin.disconnect();
    }
  }
}
