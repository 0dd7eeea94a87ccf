import calculateSlot from 'cluster-key-slot';
import type { Cluster, ChainableCommander, Redis, RedisOptions } from 'ioredis';
import type { Logger, RedisNode } from '@callwatch/core';
import { connectionFailure, tlsProbe } from './connection-failure';
import { redisConnection, type RedisConnection, type RedisSettings } from './connection';
import { GuardedCluster, GuardedRedis, failWith } from './guarded-clients';

export type { Redis };

/** ClientOptions name a client (CLIENT SETNAME) and say where its connection errors are logged (else stderr). */
export interface ClientOptions {
  name?: string;
  log?: Logger;
}

/**
 * createRedis connects to REDIS_URL, as REDIS_ENV has it: `redis://…` or `rediss://…` (TLS) for a standalone Redis,
 * `redis-cluster://…` or `rediss-cluster://…` for a Redis Cluster (any of its nodes; the client finds the rest, and
 * connects to each with the same TLS options and credentials). A bare URL stands for settings without files. Commands
 * queue while reconnecting, so a Redis restart is a pause, not a crash; but credentials Redis refuses, or a TLS
 * handshake that fails, end the client, and every command fails with CW_ERR_REDIS_AUTH or CW_ERR_REDIS_TLS naming the
 * node and the reason. A Cluster client answers the same commands; pipelines that mix entities go through `pipelined`.
 */
export function createRedis(settings: RedisSettings | string, { name = 'callwatch', log }: ClientOptions = {}): Redis {
  const connection = redisConnection(settings);
  const { target } = connection;
  return target.cluster ? cluster(connection, name, log) : standalone(target.nodes[0] as RedisNode, connection, name, log);
}

/**
 * connectNodes opens one connection to each node of REDIS_URL (the standalone Redis, or every node a Cluster URL
 * names), with the same TLS options and credentials as createRedis, for what must ask each node itself: its
 * statistics, or the keys it holds.
 */
export function connectNodes(settings: RedisSettings | string, { name = 'callwatch', log }: ClientOptions = {}): Redis[] {
  const connection = redisConnection(settings);
  return connection.target.nodes.map((node) => standalone(node, connection, name, log));
}

function standalone(node: RedisNode, connection: RedisConnection, name: string, log: Logger | undefined): Redis {
  const address = `${node.host}:${node.port}`;
  const client = new GuardedRedis({ ...nodeOptions(connection, name), host: node.host, port: node.port, db: connection.target.db, enableAutoPipelining: false, lazyConnect: false });
  const fail = failWith(client);
  client.on('error', (err: Error) => {
    const failure = connectionFailure(err, address, connection.username);
    if (failure) fail(failure);
    else report(log, err, address);
  });
  return client;
}

function cluster(connection: RedisConnection, name: string, log: Logger | undefined): Redis {
  const { nodes } = connection.target;
  const client = new GuardedCluster(nodes, { redisOptions: nodeOptions(connection, name), enableAutoPipelining: false, scaleReads: 'master' });
  const fail = failWith(client);
  client.on('node error', (err: unknown, address: string) => {
    const failure = connectionFailure(err, address, connection.username);
    if (failure) fail(failure);
  });
  client.on('error', (err: Error & { lastNodeError?: Error }) => {
    if (client.first.failure || client.probe) return;
    const reconnecting = () => report(log, new Error(`${err.message} ${err.lastNodeError?.message ?? ''}`.trim(), { cause: err }), nodes.map(({ host, port }) => `${host}:${port}`).join(','));
    // The nodes' TLS errors stay inside the client, which reports "Connection is closed." instead: ask the nodes.
    if (!connection.tls || client.first.opened) return reconnecting();
    client.probe = Promise.all(nodes.map((node) => tlsProbe(node, connection.tls ?? {}))).then((failures) => {
      const failure = failures.find((f) => f !== null) ?? null;
      if (failure) fail(failure);
      else reconnecting();
      client.probe = null;
      return failure;
    });
  });
  // Both speak every command callwatch sends; typed as one so that code need not tell them apart.
  return client as unknown as Redis;
}

function nodeOptions({ username, password, tls }: RedisConnection, name: string): RedisOptions {
  return { connectionName: name, maxRetriesPerRequest: null, username, password, tls };
}

function report(log: Logger | undefined, err: Error, address: string): void {
  if (log) log.warn({ err, redis: address }, 'Redis connection failed; reconnecting');
  else console.error(`callwatch: Redis at ${address}: ${err.message}; reconnecting`);
}

/** PipelinedCommand is one command for `pipelined`: a key it touches (all its keys share one slot), and how to queue it. */
export interface PipelinedCommand {
  key: string;
  queue(pipeline: ChainableCommander): void;
}

/**
 * pipelined sends commands in as few pipelines as the deployment allows, all before any reply is read: one on a
 * standalone Redis, one per node on a Cluster (whose pipelines must not span nodes). It answers the replies in the
 * commands' order, or, once every pipeline is back, throws the first command's error.
 */
export async function pipelined(redis: Redis, commands: readonly PipelinedCommand[]): Promise<unknown[]> {
  const cluster = clusterOf(redis);
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
  for (const [err] of replies) if (err) throw err;
  return replies.map(([, value]) => value);
}

/**
 * pipelinedInOrder sends stages of commands so that no command of a stage is run before every command of the stages
 * before it was: one pipeline on a standalone Redis (one connection keeps order, so a client that dies midway leaves
 * a prefix), one round trip per stage that has commands on a Cluster (whose nodes keep no order between them).
 */
export async function pipelinedInOrder(redis: Redis, stages: ReadonlyArray<readonly PipelinedCommand[]>): Promise<void> {
  if (!clusterOf(redis)) {
    await pipelined(redis, stages.flat());
    return;
  }
  for (const stage of stages) if (stage.length > 0) await pipelined(redis, stage);
}

/** clusterOf is the Cluster client behind `redis`, or null for a standalone Redis. */
function clusterOf(redis: Redis): Cluster | null {
  return (redis as unknown as { isCluster?: boolean }).isCluster === true ? (redis as unknown as Cluster) : null;
}

const tagsOf = new WeakMap<object, { masters: number; tags: Map<string, string> }>();

/**
 * nodeTags returns, on a Redis Cluster, one hash tag per primary that serves slots, as the client knows the slots now
 * (a key holding `{tag}` lives on that primary), sorted; on a standalone Redis, none. Call it once the client is
 * connected: before, it knows no slots.
 */
export function nodeTags(redis: Redis): string[] {
  const cluster = clusterOf(redis);
  if (!cluster) return [];
  const slots = cluster.slots;
  // The client updates its slot table in place: what was found holds while every tag's slot has the same primary and
  // no primary came or went.
  const masters = cluster.nodes('master').length;
  const known = tagsOf.get(cluster);
  if (known && known.masters === masters && [...known.tags].every(([tag, primary]) => slots[calculateSlot(tag)]?.[0] === primary)) return [...known.tags.keys()];
  const primaries = new Set<string>();
  for (const nodes of slots) if (nodes?.[0]) primaries.add(nodes[0]);
  const byPrimary = new Map<string, string>();
  for (let i = 0; byPrimary.size < primaries.size && i < 1_000_000; i++) {
    const tag = `n${i}`;
    const primary = slots[calculateSlot(tag)]?.[0];
    if (primary !== undefined && !byPrimary.has(primary)) byPrimary.set(primary, tag);
  }
  const tags = new Map([...byPrimary].map(([primary, tag]): [string, string] => [tag, primary]).sort(([a], [b]) => a.localeCompare(b)));
  tagsOf.set(cluster, { masters, tags });
  return [...tags.keys()];
}
