import calculateSlot from 'cluster-key-slot';
import { Cluster, Redis, type ChainableCommander } from 'ioredis';
import { redisClusterNodes } from '@callwatch/core';

export type { Redis };

/**
 * createRedis connects to REDIS_URL: `redis://…` for a standalone Redis, `redis-cluster://host:port[,host:port…]` for a
 * Redis Cluster (any of its nodes; the client finds the rest). Commands queue while reconnecting, so a Redis restart is
 * a pause, not a crash. A Cluster client answers the same commands; pipelines that mix entities go through `pipelined`.
 */
export function createRedis(url: string, { name = 'callwatch' }: { name?: string } = {}): Redis {
  const nodes = redisClusterNodes(url);
  if (!nodes) return new Redis(url, { connectionName: name, maxRetriesPerRequest: null, enableAutoPipelining: false, lazyConnect: false });
  const cluster = new Cluster(nodes, { redisOptions: { connectionName: name, maxRetriesPerRequest: null }, enableAutoPipelining: false, scaleReads: 'master' });
  // Both speak every command callwatch sends; typed as one so that code need not tell them apart.
  return cluster as unknown as Redis;
}

/**
 * connectNodes opens one plain connection to each node of REDIS_URL (the standalone Redis, or every node a
 * `redis-cluster://` URL names), for what must ask each node itself: its statistics, or the keys it holds.
 */
export function connectNodes(url: string, { name = 'callwatch' }: { name?: string } = {}): Redis[] {
  const nodes = redisClusterNodes(url);
  if (!nodes) return [createRedis(url, { name })];
  return nodes.map(({ host, port }) => new Redis({ host, port, connectionName: name, maxRetriesPerRequest: null }));
}

/** PipelinedCommand is one command for `pipelined`: a key it touches (all its keys share one slot), and how to queue it. */
export interface PipelinedCommand {
  key: string;
  queue(pipeline: ChainableCommander): void;
}

/**
 * pipelined sends commands in as few pipelines as the deployment allows, all before any reply is read: one on a
 * standalone Redis, one per node on a Cluster (whose pipelines must not span nodes). Replies come back in the
 * commands' order, as [error, result] pairs like a pipeline's.
 */
export async function pipelined(redis: Redis, commands: readonly PipelinedCommand[]): Promise<Array<[Error | null, unknown]>> {
  const cluster = (redis as unknown as { isCluster?: boolean }).isCluster === true ? (redis as unknown as Cluster) : null;
  const groups = new Map<string, number[]>();
  commands.forEach((command, i) => {
    let group = '';
    if (cluster) {
      const slot = calculateSlot(command.key);
      group = cluster.slots[slot]?.join(',') ?? `slot:${slot}`;
    }
    const indices = groups.get(group);
    if (indices) indices.push(i);
    else groups.set(group, [i]);
  });
  const replies = new Array<[Error | null, unknown]>(commands.length);
  await Promise.all(
    [...groups.values()].map(async (indices) => {
      const pipeline = redis.pipeline();
      for (const i of indices) (commands[i] as PipelinedCommand).queue(pipeline);
      const results = (await pipeline.exec()) ?? [];
      indices.forEach((i, j) => (replies[i] = results[j] ?? [new Error('no reply'), null]));
    }),
  );
  return replies;
}
