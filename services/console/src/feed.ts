import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { retry, type Logger } from '@callwatch/core';
import { CompactedTable, consume, type BatchConsumer, type Runtime } from '@callwatch/kafka';
import { AlertStore, PenaltyStore, scanEntities, readLiveSnapshots, type Redis, type RedisKeys } from '@callwatch/redis';
import type { SchemaTypes } from '@callwatch/schemas';
import type { ModelChange } from './api-types';
import type { ModelEvent, ViewModel } from './view-model';

/** FeedOptions are what the feed reads and where what it learns goes. */
export interface FeedOptions {
  runtime: Runtime;
  redis: Redis;
  keys: RedisKeys;
  model: ViewModel;
  /** the consumer group of this console instance (no other instance shares it) */
  groupId: string;
  /** alert events and delivery records read back from before the start */
  recentEvents: number;
  /** receives every change the model reports, for live viewers */
  onChanges: (changes: ModelChange[]) => void;
}

/** Feed is the console's view model being kept up to date; `stop` ends its consumers. */
export interface Feed {
  stop(): Promise<void>;
}

type StreamSchema = 'alert' | 'metric' | 'action' | 'notification';

/** consoleGroupId is one console instance's own consumer group: it reads every partition, alone. */
export function consoleGroupId(topicPrefix: string, groupId: string): string {
  return `${topicPrefix}${groupId}-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
}

/**
 * startFeed fills the view model once from where things stand (the compacted topics read whole; the evaluator's firing
 * states, the penalties and the live windows from Redis; the last alert events and delivery records) and then follows
 * the alert, metric, action and notification topics from where they ended at the start. The ends are taken before
 * Redis is read, so nothing that happens during the start is missed (some of it is applied twice, which changes nothing).
 */
export async function startFeed(options: FeedOptions): Promise<Feed> {
  const { runtime, redis, keys, model, groupId, onChanges } = options;
  const { topics, log } = runtime;
  const apply = (event: ModelEvent) => {
    const changes = model.apply(event, Date.now());
    if (changes.length > 0) onChanges(changes);
  };

  const tables = {
    rule: new CompactedTable({ ...runtime, log, topic: topics.rule, schema: 'rule', groupPrefix: `${groupId}-rules`, deadLetter: false }),
    silence: new CompactedTable({ ...runtime, log, topic: topics.silence, schema: 'silence', groupPrefix: `${groupId}-silences`, deadLetter: false }),
    account: new CompactedTable({ ...runtime, log, topic: topics.account, schema: 'account', groupPrefix: `${groupId}-accounts`, deadLetter: false }),
  };
  tables.rule.onChange((id, rule) => apply({ kind: 'rule', id, rule }));
  tables.silence.onChange((id, silence) => apply({ kind: 'silence', id, silence }));
  tables.account.onChange((entity, account) => apply({ kind: 'account', entity, account }));
  const stopTables = () => Promise.all(Object.values(tables).map((t) => t.stop().catch(() => {})));
  let tail: BatchConsumer | undefined;
  try {
    await Promise.all(Object.values(tables).map((t) => t.start()));

    const streams: Array<{ topic: string; schema: StreamSchema; back: number }> = [
      { topic: topics.alert, schema: 'alert', back: options.recentEvents },
      { topic: topics.notification, schema: 'notification', back: options.recentEvents },
      { topic: topics.metric, schema: 'metric', back: 0 },
      { topic: topics.action, schema: 'action', back: 0 },
    ];
    const ends = await startPositions(runtime, groupId, streams);
    await readRedis({ redis, keys, apply, log });

    tail = await consume(runtime, {
      groupId,
      topic: topics.alert,
      schema: 'alert' as StreamSchema,
      alsoTopics: streams.slice(1).map(({ topic, schema }) => ({ topic, schema })),
      fromBeginning: false,
      deadLetter: false,
      handle: async (batch) => {
        const end = ends.get(`${batch.topic}/${batch.partition}`) ?? 0n;
        for (const m of batch.messages) {
          const live = BigInt(m.offset) >= end;
          if (batch.topic === topics.alert) apply({ kind: 'alert', alert: m.value as SchemaTypes['alert'], live });
          else if (batch.topic === topics.notification) apply({ kind: 'notification', notification: m.value as SchemaTypes['notification'] });
          else if (batch.topic === topics.metric) apply({ kind: 'metric', snapshot: m.value as SchemaTypes['metric'] });
          else apply({ kind: 'action', action: m.value as SchemaTypes['action'] });
        }
      },
    });
  } catch (err) {
    await stopTables();
    throw err;
  }
  return {
    stop: async () => {
      await tail?.stop();
      await stopTables();
      const admin = runtime.kafka.admin();
      try {
        await admin.connect();
        await admin.deleteGroups([groupId]);
      } catch {
        // Best effort: an empty group expires on its own.
      } finally {
        await admin.disconnect();
      }
    },
  };
}

/**
 * startPositions commits, for the console's fresh group, where each partition is to be read from (its end, or a few
 * messages before it), so the consumer starts exactly there; it returns each partition's end as it was.
 */
async function startPositions(runtime: Runtime, groupId: string, streams: Array<{ topic: string; back: number }>): Promise<Map<string, bigint>> {
  const ends = new Map<string, bigint>();
  const admin = runtime.kafka.admin();
  await admin.connect();
  try {
    for (const { topic, back } of streams) {
      const offsets = await retry(() => admin.fetchTopicOffsets(topic), { retries: 8, initialDelayMs: 250, maxDelayMs: 3_000 });
      // The recent past is spread over the partitions: each gives its share.
      const share = BigInt(Math.ceil(back / Math.max(1, offsets.length)));
      const partitions = offsets.map(({ partition, high, low }) => {
        const end = BigInt(high);
        ends.set(`${topic}/${partition}`, end);
        const start = end - share > BigInt(low) ? end - share : BigInt(low);
        return { partition, offset: String(start) };
      });
      await admin.setOffsets({ groupId, topic, partitions });
    }
  } finally {
    await admin.disconnect();
  }
  return ends;
}

// What the evaluator, the enforcer and the aggregators hold now: read once, then the topics tell what changes.
async function readRedis({ redis, keys, apply, log }: { redis: Redis; keys: RedisKeys; apply: (e: ModelEvent) => void; log: Logger }): Promise<void> {
  const now = Date.now();
  const withStates = await scanEntities(redis, keys, 'alerts');
  const states = await new AlertStore(redis, keys).load(withStates);
  for (const [entity, { states: byRule }] of states) {
    for (const [ruleId, state] of byRule) if (state.status === 'firing') apply({ kind: 'alert-state', entity, ruleId, state });
  }
  for (const p of await new PenaltyStore(redis, keys).list()) if (p.until_ms > now) apply({ kind: 'penalty', penalty: p });
  const withWindows = await scanEntities(redis, keys, 'meta');
  for (const snapshot of (await readLiveSnapshots(redis, keys, withWindows, now)).values()) apply({ kind: 'metric', snapshot });
  log.info({ entities: withWindows.length, alertStates: withStates.length }, 'read the live state from Redis');
}
