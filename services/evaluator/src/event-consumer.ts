import { accountEvent, actionEvent, eventAlerts, paymentEvent, type RuleEvent } from '@callwatch/rules';
import { consume, type Batch, type BatchConsumer, type Runtime } from '@callwatch/kafka';
import { pipelined, type PipelinedCommand, type Redis, type RedisKeys } from '@callwatch/redis';
import type { Account, Action, AlertEvent, Payment, Rule, SchemaName, SchemaTypes } from '@callwatch/schemas';

/** EventConsumerOptions wire the event-rule consumer into the evaluator. */
export interface EventConsumerOptions {
  runtime: Runtime;
  redis: Redis;
  keys: RedisKeys;
  groupId: string;
  /** rulesFor lists the enabled rules whose scope covers an entity (the evaluator's rule index). */
  rulesFor: (entity: string) => Rule[];
  /** Events older than this (by the wall clock) notify nobody: a new group reading old payments stays quiet. */
  maxAgeMs: number;
  /** onAlerts is told of every alert event published (for counters and logs). */
  onAlerts: (alerts: AlertEvent[]) => void;
}

/**
 * startEventConsumer runs event rules: payments, account snapshots and penalty actions become `fired` alert
 * events of the rules they match. Its own consumer group reads the three topics; an account's last status is kept
 * in Redis, written after the alerts are published, so a redelivery re-publishes the same alert ids (deduped
 * downstream) and never misses a change.
 */
export async function startEventConsumer(opts: EventConsumerOptions): Promise<BatchConsumer> {
  const { runtime, redis, keys } = opts;
  const { topics } = runtime;
  return consume(runtime, {
    groupId: opts.groupId,
    topic: topics.payment,
    schema: 'payment' as SchemaName,
    alsoTopics: [{ topic: topics.account, schema: 'account' }, { topic: topics.action, schema: 'action' }],
    // The aggregator dead-letters bad input on these topics; here undecodable messages are only logged.
    deadLetter: false,
    allowTombstones: true,
    handle: async (batch: Batch<SchemaTypes[SchemaName]>) => {
      // Tombstones are allowed for the compacted account topic; a null on any topic is skipped, never a crash.
      const values = batch.messages.map((m) => m.value).filter((v) => v !== null);
      let events: RuleEvent[];
      const statuses = new Map<string, string>();
      if (batch.topic === topics.payment) {
        events = (values as Payment[]).flatMap((p) => paymentEvent(p) ?? []);
      } else if (batch.topic === topics.action) {
        events = (values as Action[]).map(actionEvent);
      } else {
        const accounts = values as Account[];
        const entities = [...new Set(accounts.map((a) => a.entity))];
        const reads = entities.map((e): PipelinedCommand => {
          const key = keys.accountStatus(e);
          return { key, queue: (p) => p.get(key) };
        });
        (await pipelined(redis, reads)).forEach((status, i) => {
          if (typeof status === 'string') statuses.set(entities[i] as string, status);
        });
        events = [];
        for (const a of accounts) {
          const event = accountEvent(a, statuses.get(a.entity) ?? null);
          if (event) events.push(event);
          statuses.set(a.entity, a.status);
        }
      }
      const now = Date.now();
      const alerts = events.filter((e) => now - e.at_ms <= opts.maxAgeMs).flatMap((event) => eventAlerts(opts.rulesFor(event.entity), event));
      await runtime.publisher.publish(topics.alert, 'alert', alerts.map((a) => ({ key: a.entity, value: a })));
      if (statuses.size > 0) {
        const writes = [...statuses].map(([entity, status]): PipelinedCommand => {
          const key = keys.accountStatus(entity);
          return { key, queue: (p) => p.set(key, status) };
        });
        await pipelined(redis, writes);
      }
      opts.onAlerts(alerts);
    },
  });
}
