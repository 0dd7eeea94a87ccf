import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import type { Connection } from '@callwatch/kafka';
import { redisClusterNodes } from '@callwatch/core';
import { connectNodes } from '@callwatch/redis';

/** counterValue sums a prom-client counter over its labels, read from a service's registry. */
export async function counterValue(registry: { getSingleMetricAsString(name: string): Promise<string> }, name: string): Promise<number> {
  const text = await registry.getSingleMetricAsString(name);
  return text.split('\n').filter((l) => l.startsWith(name)).reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

/** percentile reads the p-th percentile of an ascending list (NaN when empty). */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** procStat reads the fields of /proc/<pid>/stat after the command name (Linux), or null when the process is gone. */
function procStat(pid: number | string): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  } catch {
    return null;
  }
}

/** processCpu is the CPU time (user + system) in a process's stat fields. */
function processCpu(fields: string[]): number {
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** cpuSeconds reads the CPU time (user + system) a process has used so far, from /proc (Linux); NaN when it is gone. */
export function cpuSeconds(pid: number): number {
  const fields = procStat(pid);
  return fields === null ? NaN : processCpu(fields);
}

// USER_HZ: 100 on every Linux architecture Node runs on.
const CLOCK_TICKS_PER_SECOND = 100;

/** groupCpuSeconds is the CPU time of every live process in a process group (a component `infra` started with its children). */
export function groupCpuSeconds(pgid: number): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    // A process gone meanwhile has no fields.
    const fields = procStat(entry);
    if (fields !== null && Number(fields[2]) === pgid) total += processCpu(fields);
  }
  return total;
}

/** infraPid reads the pid of a component that `infra up` started (kafka, redis, registry, moto), or null. */
export function infraPid(component: string): number | null {
  try {
    return Number(readFileSync(join(process.env.CALLWATCH_RUN_DIR ?? '.run', component, `${component}.pid`), 'utf8').trim());
  } catch {
    return null;
  }
}

/** removeBenchData deletes what a benchmark run left behind: its topics and its Redis keys (all named with `prefix`). */
export async function removeBenchData(kafka: Connection['kafka'], redisUrl: string, prefix: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
  await removeBenchKeys(redisUrl, prefix);
}

/** removeBenchKeys deletes the Redis keys a benchmark run left behind (all named with `prefix`), node by node. */
export async function removeBenchKeys(redisUrl: string, prefix: string): Promise<void> {
  for (const redis of connectNodes(redisUrl, { name: 'bench-cleanup' })) {
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
        // One key a command: a Cluster node refuses a command whose keys are in different slots.
        if (keys.length > 0) await Promise.all(keys.map((key) => redis.unlink(key)));
        cursor = next;
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  }
}

/**
 * startCpuMeter notes the CPU time used so far by this process, Redis and Kafka; the function it returns describes
 * what each used since ("node 10.4 s, redis 5.1 s, kafka 0.8 s").
 */
export function startCpuMeter(redisUrl = process.env.REDIS_URL ?? ''): () => string {
  const redis = redisClusterNodes(redisUrl) ? 'redis-cluster' : 'redis';
  // A component's pid is its process group's: the Cluster's nodes are children of the script that started them.
  const pids = { node: process.pid, [redis]: infraPid(redis), kafka: infraPid('kafka') };
  const cpu = (pid: number) => (pid === process.pid ? cpuSeconds(pid) : groupCpuSeconds(pid));
  const before = new Map(Object.entries(pids).map(([name, pid]) => [name, pid === null ? NaN : cpu(pid)]));
  return () => Object.entries(pids).map(([name, pid]) => `${name} ${pid === null ? '?' : (cpu(pid) - (before.get(name) as number)).toFixed(1)} s`).join(', ');
}

/**
 * startCpuProfile profiles this process with the V8 inspector when `path` is set (BENCH_CPU_PROFILE), so a profile
 * covers only the measured phase and not the publishing before it; the function it returns writes the
 * `.cpuprofile` (open it in Chrome DevTools) and does nothing when `path` is unset.
 */
export async function startCpuProfile(path: string | undefined): Promise<() => Promise<void>> {
  if (!path) return async () => {};
  const session = new Session();
  session.connect();
  const post = (method: string) => new Promise<unknown>((resolve, reject) => session.post(method, (err, result) => (err ? reject(err) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.start');
  return async () => {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    writeFileSync(path, JSON.stringify(profile));
    session.disconnect();
    console.log(`CPU profile of the measured phase: ${path}`);
  };
}

/** luaCalls reads how often Redis ran scripts (EVALSHA) and for how long in total, from INFO commandstats (summed over a Cluster's nodes). */
export async function luaCalls(redisUrl: string): Promise<{ calls: number; usec: number }> {
  const total = { calls: 0, usec: 0 };
  for (const redis of connectNodes(redisUrl, { name: 'bench' })) {
    try {
      const line = (await redis.info('commandstats')).split('\n').find((l) => l.startsWith('cmdstat_evalsha:')) ?? '';
      total.calls += Number(/calls=(\d+)/.exec(line)?.[1] ?? 0);
      total.usec += Number(/usec=(\d+)/.exec(line)?.[1] ?? 0);
    } finally {
      redis.disconnect();
    }
  }
  return total;
}

/** redisMemory reads how many bytes Redis uses for data (INFO memory used_memory, summed over a Cluster's nodes). */
export async function redisMemory(redisUrl: string): Promise<number> {
  let total = 0;
  for (const redis of connectNodes(redisUrl, { name: 'bench' })) {
    try {
      total += Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
    } finally {
      redis.disconnect();
    }
  }
  return total;
}
