import type { CompactedTable } from '@callwatch/kafka';
import { deliver, type ChannelSet, type DeliverInput } from '@callwatch/notify';
import { redisDedupStore, type DeliveryPolicy, type Redis, type RedisKeys } from '@callwatch/redis';
import type { Notification } from '@callwatch/schemas';

/** NotifierTables are the compacted topics the notifier reads names, rules and templates from. */
export interface NotifierTables {
  rules: CompactedTable<'rule'>;
  accounts: CompactedTable<'account'>;
  templates: CompactedTable<'template'>;
}

/** SenderOptions say how deliveries are made: the channels, where their claims live, and the retry and crash policy. */
export interface SenderOptions {
  channels: ChannelSet;
  redis: Redis;
  keys: RedisKeys;
  retries: number;
  policy: DeliveryPolicy;
  leaseMs: number;
}

/** Sender delivers one rendered notification to one recipient once, on the recipient's channel, claiming it under a hash tag. */
export class Sender {
  constructor(private readonly options: SenderOptions) {}

  /** send delivers once: an alert's deliveries are claimed under its entity, a digest's under `digests`. */
  send(input: Omit<DeliverInput, 'channel' | 'dedup' | 'retry'>, dedupTag: string): Promise<Notification[]> {
    const { channels, redis, keys, retries, policy, leaseMs } = this.options;
    return deliver({
      ...input,
      channel: channels[input.recipient.channel],
      dedup: redisDedupStore(redis, keys, dedupTag, { policy, leaseMs }),
      retry: { retries },
    });
  }
}
