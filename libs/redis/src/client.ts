import { Redis } from 'ioredis';

export type { Redis };

/** createRedis connects to REDIS_URL; commands queue while reconnecting so a Redis restart is a pause, not a crash. */
export function createRedis(url: string, { name = 'callwatch' }: { name?: string } = {}): Redis {
  return new Redis(url, { connectionName: name, maxRetriesPerRequest: null, enableAutoPipelining: false, lazyConnect: false });
}
