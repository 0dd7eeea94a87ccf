import type { AlertState } from '@callwatch/rules';
import { pipelined, type PipelinedCommand, type RedisKeys, type Redis } from '@callwatch/redis';

/**
 * AlertStore keeps the alert states of an entity in one hash in its hash slot, one field per rule: a batch reads
 * each touched entity's states with one HGETALL, not one key per (rule, entity) pair.
 *
 * It also remembers, for up to `cacheEntities` entities, the states as Redis holds them, so that an entity's next
 * snapshot needs no read. That is sound only while this evaluator is the one writer of those entities, i.e. while
 * it owns their partitions: the evaluator calls `forget()` whenever its consumer group reassigns partitions.
 */
export class AlertStore {
  private readonly cache = new Map<string, EntityAlerts>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly cacheEntities = 0,
  ) {}

  /**
   * load returns the alert states of the given entities (rule id -> state) and the metric snapshot they were last
   * judged on, reading from Redis (in one round trip) only the entities it does not remember. The maps are the
   * store's: read them, do not change them.
   */
  async load(entities: Iterable<string>): Promise<Map<string, EntityAlerts>> {
    const out = new Map<string, EntityAlerts>();
    const missing: string[] = [];
    for (const entity of entities) {
      const known = this.cache.get(entity);
      if (known) out.set(entity, known);
      else missing.push(entity);
    }
    if (missing.length === 0) return out;
    const replies = await pipelined(this.redis, missing.map((entity) => {
      const key = this.keys.alertStates(entity);
      return { key, queue: (p) => p.hgetall(key) };
    }));
    replies.forEach((raw, i) => {
      const fields = raw as Record<string, string>;
      const alerts: EntityAlerts = { states: new Map(), applied: fields[APPLIED] ?? null };
      for (const ruleId in fields) if (ruleId !== APPLIED) alerts.states.set(ruleId, JSON.parse(fields[ruleId] as string) as AlertState);
      const entity = missing[i] as string;
      out.set(entity, alerts);
      this.remember(entity, alerts);
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
   * save writes many states, deletes others and records the snapshot each entity was judged on, in one round trip
   * and one atomic HSET per entity (plus an HDEL): `states` is entity -> rule id -> state, `removed` is entity ->
   * rule ids whose states go, `applied` is entity -> snapshot position (see `snapshotPosition`).
   */
  async save(
    states: ReadonlyMap<string, ReadonlyMap<string, AlertState>>,
    removed: ReadonlyMap<string, readonly string[]> = new Map(),
    applied: ReadonlyMap<string, string> = new Map(),
  ): Promise<void> {
    const writes: PipelinedCommand[] = [];
    for (const entity of new Set([...states.keys(), ...applied.keys()])) {
      const fields: Record<string, string> = {};
      for (const [ruleId, state] of states.get(entity) ?? []) fields[ruleId] = JSON.stringify(state);
      const position = applied.get(entity);
      if (position !== undefined) fields[APPLIED] = position;
      if (Object.keys(fields).length === 0) continue;
      const key = this.keys.alertStates(entity);
      writes.push({ key, queue: (p) => p.hset(key, fields) });
    }
    for (const [entity, ruleIds] of removed) {
      if (ruleIds.length === 0) continue;
      const key = this.keys.alertStates(entity);
      writes.push({ key, queue: (p) => p.hdel(key, ...ruleIds) });
    }
    if (writes.length === 0) return;
    await pipelined(this.redis, writes);
    // Only once Redis has them: after a failed write the batch is retried from the states Redis still holds.
    for (const [entity, byRule] of states) {
      const known = this.cache.get(entity);
      if (known) for (const [ruleId, state] of byRule) known.states.set(ruleId, state);
    }
    for (const [entity, ruleIds] of removed) {
      const known = this.cache.get(entity);
      if (known) for (const ruleId of ruleIds) known.states.delete(ruleId);
    }
    for (const [entity, position] of applied) {
      const known = this.cache.get(entity);
      if (known) known.applied = position;
    }
  }

  private remember(entity: string, alerts: EntityAlerts): void {
    if (this.cacheEntities <= 0) return;
    this.cache.set(entity, alerts);
    // The entities remembered longest ago go first (Map keeps insertion order).
    for (const oldest of this.cache.keys()) {
      if (this.cache.size <= this.cacheEntities) break;
      this.cache.delete(oldest);
    }
  }
}

/** EntityAlerts is what the store holds for one entity: its alert states by rule id, and the snapshot they were last judged on. */
export interface EntityAlerts {
  states: Map<string, AlertState>;
  /** the position of the last metric snapshot judged (`snapshotPosition`), null before the first */
  applied: string | null;
}

// Rule ids are slugs that start with a letter or digit, so this field never names a rule.
const APPLIED = '_applied';

/**
 * snapshotPosition names a metric snapshot the way the store records the last one judged: its partition and offset,
 * and the newest entity version judged so far (`judged`, the position recorded before, keeps a higher one: a
 * snapshot of unknown version, 0, does not lower it).
 */
export function snapshotPosition(partition: number, offset: string, version = 0, judged: string | null = null): string {
  return `${partition}:${offset}:${Math.max(version, parsePosition(judged).version)}`;
}

/**
 * snapshotVerdict tells what to do with a snapshot at `partition` and `offset`, of entity version `version`, given
 * the position the states were saved with (`snapshotPosition`):
 * - `redelivered`: it was judged before (a redelivery after a crash between saving states and committing
 *   offsets), and must not be judged again against the newer states;
 * - `stale`: a newer state of the entity was judged already. The entity's sides (calls, billing) publish their
 *   snapshots concurrently, so an older one can reach the topic after a newer one; judged, it would take the
 *   entity back in time (a balance before a payment, say);
 * - `new`: judge it. A snapshot of another partition (the topic was repartitioned) is new unless stale.
 */
export function snapshotVerdict(applied: string | null, partition: number, offset: string, version: number): 'new' | 'redelivered' | 'stale' {
  if (applied === null) return 'new';
  const saved = parsePosition(applied);
  if (saved.partition === partition && BigInt(offset) <= saved.offset) return 'redelivered';
  return version > 0 && version < saved.version ? 'stale' : 'new';
}

function parsePosition(position: string | null): { partition: number; offset: bigint; version: number } {
  if (position === null) return { partition: -1, offset: -1n, version: 0 };
  // Positions saved before snapshots had versions are `partition:offset`.
  const [partition, offset, version = '0'] = position.split(':');
  return { partition: Number(partition), offset: BigInt(offset as string), version: Number(version) };
}

/**
 * stateChanged tells whether a new state must be written back: a change of status or of any of its times.
 * The last observed value alone does not count, or every snapshot would rewrite every state.
 */
export function stateChanged(before: AlertState | undefined, after: AlertState): boolean {
  return before === undefined || before.status !== after.status || before.since_ms !== after.since_ms
    || before.first_fired_at_ms !== after.first_fired_at_ms || before.last_notified_ms !== after.last_notified_ms;
}
