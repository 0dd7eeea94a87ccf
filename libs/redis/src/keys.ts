/**
 * RedisKeys builds every Redis key name of callwatch, in this one place. Every key of an entity carries the
 * entity as its hash tag (`{customer:acme}`) so all of it lives in one Redis Cluster slot and one Lua call can
 * touch it atomically.
 */
export class RedisKeys {
  constructor(private readonly prefix = 'cw:') {}

  /** entityMeta holds an entity's clock and the last offset applied per source partition. */
  entityMeta(entity: string): string {
    return `${this.prefix}{${entity}}:meta`;
  }

  /** entityWindows holds an entity's window buckets for every sample period (field `<periodMs>:<bucket>:<counter>`). */
  entityWindows(entity: string): string {
    return `${this.prefix}{${entity}}:win`;
  }

  /** entityIds holds the ids of an entity's counted events, scored by event time, to drop duplicates. */
  entityIds(entity: string): string {
    return `${this.prefix}{${entity}}:ids`;
  }

  /** alertState holds the state of one rule for one entity (ok / pending / firing, since, last notified). */
  alertState(entity: string, ruleId: string): string {
    return `${this.prefix}{${entity}}:alert:${ruleId}`;
  }

  /** delivered marks one alert event as delivered to one recipient on one channel (dedup). */
  delivered(entity: string, dedupKey: string): string {
    return `${this.prefix}{${entity}}:delivered:${dedupKey}`;
  }

  /** pattern matches every key under this prefix (for tests and `status`). */
  pattern(): string {
    return `${this.prefix}*`;
  }
}
