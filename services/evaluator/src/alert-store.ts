import type { AlertState } from '@callwatch/rules';
import type { RedisKeys, Redis } from '@callwatch/redis';

/**
 * AlertStore keeps the alert states of an entity in one hash in its hash slot, one field per rule: a batch reads
 * each touched entity's states with one HGETALL, not one key per (rule, entity) pair.
 *
 * It also remembers, for up to `cacheEntities` entities, the states as Redis holds them, so that an entity's next
 * snapshot needs no read. That is sound only while this evaluator is the one writer of those entities, i.e. while
 * it owns their partitions: the evaluator calls `forget()` whenever its consumer group reassigns partitions.
 */
export class AlertStore {
  private readonly cache = new Map<string, Map<string, AlertState>>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly cacheEntities = 0,
  ) {}

  /**
   * load returns every alert state of the given entities, entity -> rule id -> state, reading from Redis (in one
   * round trip) only the entities it does not remember. The maps are the store's: read them, do not change them.
   */
  async load(entities: Iterable<string>): Promise<Map<string, ReadonlyMap<string, AlertState>>> {
    const out = new Map<string, ReadonlyMap<string, AlertState>>();
    const missing: string[] = [];
    for (const entity of entities) {
      const known = this.cache.get(entity);
      if (known) out.set(entity, known);
      else missing.push(entity);
    }
    if (missing.length === 0) return out;
    const pipeline = this.redis.pipeline();
    for (const entity of missing) pipeline.hgetall(this.keys.alertStates(entity));
    const replies = (await pipeline.exec()) ?? [];
    replies.forEach(([err, fields], i) => {
      if (err) throw err;
      const states = new Map<string, AlertState>();
      for (const ruleId in fields as Record<string, string>) states.set(ruleId, JSON.parse((fields as Record<string, string>)[ruleId] as string) as AlertState);
      const entity = missing[i] as string;
      out.set(entity, states);
      this.remember(entity, states);
    });
    return out;
  }

  /** forget drops every remembered state: the next load reads Redis again. */
  forget(): void {
    this.cache.clear();
  }

  /** get reads the state of one rule for one entity (for `callwatch rules test`); undefined when it has none. */
  async get(entity: string, ruleId: string): Promise<AlertState | undefined> {
    const json = await this.redis.hget(this.keys.alertStates(entity), ruleId);
    return json === null ? undefined : (JSON.parse(json) as AlertState);
  }

  /**
   * save writes many states and deletes others in one round trip, one HSET and one HDEL per entity: `states` is
   * entity -> rule id -> state, `removed` is entity -> rule ids whose states go.
   */
  async save(states: ReadonlyMap<string, ReadonlyMap<string, AlertState>>, removed: ReadonlyMap<string, readonly string[]> = new Map()): Promise<void> {
    const pipeline = this.redis.pipeline();
    let writes = 0;
    for (const [entity, byRule] of states) {
      if (byRule.size === 0) continue;
      const fields: Record<string, string> = {};
      for (const [ruleId, state] of byRule) fields[ruleId] = JSON.stringify(state);
      pipeline.hset(this.keys.alertStates(entity), fields);
      writes++;
    }
    for (const [entity, ruleIds] of removed) {
      if (ruleIds.length === 0) continue;
      pipeline.hdel(this.keys.alertStates(entity), ...ruleIds);
      writes++;
    }
    if (writes === 0) return;
    for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
    // Only once Redis has them: after a failed write the batch is retried from the states Redis still holds.
    for (const [entity, byRule] of states) {
      const known = this.cache.get(entity);
      if (known) for (const [ruleId, state] of byRule) known.set(ruleId, state);
    }
    for (const [entity, ruleIds] of removed) {
      const known = this.cache.get(entity);
      if (known) for (const ruleId of ruleIds) known.delete(ruleId);
    }
  }

  private remember(entity: string, states: Map<string, AlertState>): void {
    if (this.cacheEntities <= 0) return;
    this.cache.set(entity, states);
    // The entities remembered longest ago go first (Map keeps insertion order).
    for (const oldest of this.cache.keys()) {
      if (this.cache.size <= this.cacheEntities) break;
      this.cache.delete(oldest);
    }
  }
}

/**
 * stateChanged tells whether a new state must be written back: a change of status or of any of its times.
 * The last observed value alone does not count, or every snapshot would rewrite every state.
 */
export function stateChanged(before: AlertState | undefined, after: AlertState): boolean {
  return before === undefined || before.status !== after.status || before.since_ms !== after.since_ms
    || before.first_fired_at_ms !== after.first_fired_at_ms || before.last_notified_ms !== after.last_notified_ms;
}
