import { readFileSync, readdirSync } from 'node:fs';
import { RECORDED_ROLES } from '@callwatch/clickhouse';
import type { Kafka, TopicNames } from '@callwatch/kafka';
import { connectNodes } from '@callwatch/redis';
import type { ServiceName } from '../support/service-fleet';

/** ConsumerGroup is one consumer group of a service and the topics it reads. */
export interface ConsumerGroup {
  service: ServiceName;
  groupId: string;
  topics: string[];
}

/**
 * consumerGroups lists the groups the services consume with, as each service subscribes them (docs/design.md,
 * "Topics"), each group id behind the run's prefix. The compacted tables' groups (rules, accounts…) are left out: they
 * are read whole at start and again on every change, and their groups have random names.
 */
export function consumerGroups(prefix: string, topics: TopicNames): ConsumerGroup[] {
  return [
    { service: 'aggregator', groupId: `${prefix}aggregator`, topics: [topics.cdr, topics.callStart] },
    { service: 'aggregator', groupId: `${prefix}aggregator-carrier`, topics: [topics.cdrByCarrier, topics.callStartByCarrier] },
    { service: 'aggregator', groupId: `${prefix}aggregator-billing`, topics: [topics.payment, topics.account] },
    { service: 'evaluator', groupId: `${prefix}evaluator`, topics: [topics.metric] },
    { service: 'evaluator', groupId: `${prefix}evaluator-events`, topics: [topics.payment, topics.account, topics.action] },
    { service: 'notifier', groupId: `${prefix}notifier`, topics: [topics.alert] },
    { service: 'enforcer', groupId: `${prefix}enforcer`, topics: [topics.alert] },
    { service: 'recorder', groupId: `${prefix}recorder`, topics: RECORDED_ROLES.map((role) => topics[role]) },
  ];
}

/** GroupOffsets is what one look at a group found: its lag (end offset − committed, summed) and what it has committed per topic. */
export interface GroupOffsets {
  group: ConsumerGroup;
  lag: number;
  committed: Map<string, number>;
}

type Admin = ReturnType<Kafka['admin']>;

/**
 * readGroupOffsets asks Kafka (the KafkaJS admin) for every topic's end offsets and every group's committed offsets.
 * A partition a group has not committed on yet counts from its first offset: a group that never commits shows its lag.
 */
export async function readGroupOffsets(admin: Admin, groups: ConsumerGroup[]): Promise<GroupOffsets[]> {
  const topics = [...new Set(groups.flatMap((g) => g.topics))];
  const ends = new Map(await Promise.all(topics.map(async (topic) => [topic, await admin.fetchTopicOffsets(topic)] as const)));
  return Promise.all(groups.map(async (group) => {
    const committed = new Map<string, number>();
    let lag = 0;
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId: group.groupId, topics: group.topics })) {
      const end = new Map((ends.get(topic) ?? []).map((p) => [p.partition, p]));
      let sum = 0;
      for (const { partition, offset } of partitions) {
        const { high = '0', low = '0' } = end.get(partition) ?? {};
        const at = Number(offset) < 0 ? Number(low) : Number(offset);
        lag += Math.max(0, Number(high) - at);
        sum += at;
      }
      committed.set(topic, sum);
    }
    return { group, lag, committed };
  }));
}

/** rssBytes reads a process's resident set size (VmRSS in /proc/<pid>/status, Linux), or NaN when it is gone. */
export function rssBytes(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;
  } catch {
    return NaN;
  }
}

/**
 * runQueueSeconds is how long a process's threads have waited for a core while ready to run (the second field of
 * /proc/<pid>/task/<tid>/schedstat, summed), or NaN when it is gone: beside its CPU time, it tells a process starved
 * of CPU from one waiting on the network.
 */
export function runQueueSeconds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/task`).reduce((sum, tid) => {
      try {
        return sum + Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
      } catch {
        return sum; // a thread that ended meanwhile
      }
    }, 0);
  } catch {
    return NaN;
  }
}

/**
 * heapUsedBytes reads a service's V8 heap in use (nodejs_heap_size_used_bytes, from its /metrics), or NaN when it
 * does not answer: beside the RSS, it tells live JavaScript objects from memory the process merely keeps.
 */
export async function heapUsedBytes(metricsPort: number): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
    return Number(/^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

/** RedisUse is Redis's memory (INFO memory used_memory, summed over a Cluster's nodes) and the entities that have state under a prefix. */
export interface RedisUse {
  usedBytes: number;
  entities: number;
}

/** redisUse reads used_memory and counts the entities (`{customer:…}`, `{carrier:…}` hash tags) with a key under `prefix`. */
export async function redisUse(redisUrl: string, prefix: string): Promise<RedisUse> {
  const use = { usedBytes: 0, entities: 0 };
  const entities = new Set<string>();
  for (const redis of connectNodes(redisUrl, { name: 'bench-soak' })) {
    try {
      use.usedBytes += Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? NaN);
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}{*`, 'COUNT', 5_000);
        for (const key of keys) {
          const tag = key.slice(prefix.length + 1, key.indexOf('}', prefix.length));
          if (tag.startsWith('customer:') || tag.startsWith('carrier:')) entities.add(tag);
        }
        cursor = next;
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  }
  use.entities = entities.size;
  return use;
}

/** Sample is one reading of a gauge (an RSS, a lag) at a time. */
export interface Sample {
  atMs: number;
  value: number;
}

/** Growth compares a series at the end of warm-up with its end, and fits a line through what came after warm-up. */
export interface Growth {
  from: number;
  to: number;
  /** least-squares slope of the samples from warm-up on, per minute */
  perMinute: number;
}

/** growth reads a series from the sample nearest `fromMs` (the end of warm-up) to its last one; null without samples after it. */
export function growth(samples: readonly Sample[], fromMs: number): Growth | null {
  const after = samples.filter((s) => s.atMs >= fromMs && Number.isFinite(s.value));
  const first = after[0];
  const last = after[after.length - 1];
  if (first === undefined || last === undefined) return null;
  const n = after.length;
  const mx = after.reduce((sum, s) => sum + s.atMs, 0) / n;
  const my = after.reduce((sum, s) => sum + s.value, 0) / n;
  const sxx = after.reduce((sum, s) => sum + (s.atMs - mx) ** 2, 0);
  const sxy = after.reduce((sum, s) => sum + (s.atMs - mx) * (s.value - my), 0);
  return { from: first.value, to: last.value, perMinute: sxx === 0 ? 0 : (sxy / sxx) * 60_000 };
}

/** perMinute keeps the last sample of each whole minute since `startMs`: a series short enough to print on one line. */
export function perMinute(samples: readonly Sample[], startMs: number): number[] {
  const minutes: number[] = [];
  for (const s of samples) minutes[Math.floor((s.atMs - startMs) / 60_000)] = s.value;
  return Array.from(minutes, (v) => v ?? NaN);
}
