import type { AlertState } from '@callwatch/rules';
import { pipelined, pipelinedInOrder, type PipelinedCommand, type Redis } from './client';
import type { RedisKeys } from './keys';

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
      const alerts: EntityAlerts = { states: new Map(), applied: fields[APPLIED] ?? null, valued: NONE };
      for (const ruleId in fields) if (ruleId !== APPLIED && ruleId !== VALUES) alerts.states.set(ruleId, JSON.parse(fields[ruleId] as string) as AlertState);
      if (fields[VALUES] !== undefined) alerts.valued = overlayValues(alerts.states, fields[VALUES]);
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
    const [json, values] = await this.redis.hmget(this.keys.alertStates(entity), ruleId, VALUES);
    if (json === null || json === undefined) return undefined;
    const states = new Map([[ruleId, JSON.parse(json) as AlertState]]);
    if (values) overlayValues(states, values);
    return states.get(ruleId);
  }

  /**
   * save writes many states, deletes others and records the snapshot each entity was judged on, in one atomic HSET
   * per entity (plus an HDEL): `states` is entity -> rule id -> state, `removed` is entity -> rule ids whose states go,
   * `applied` is entity -> snapshot position (see `snapshotPosition`). With `deadlines`, it also moves entities in
   * their partition's deadline index, and saves the partition's clock, so that the index never holds a deadline later
   * than a saved state's: a deadline that comes sooner is indexed before the states are written, one that goes later
   * or away after (a crash in between leaves an early entry, which is judged, finds nothing due and is moved on).
   * `values` is entity -> rule id -> the last value of each of its states that have a deadline (see `StateValues`).
   * One round trip on a standalone Redis; on a Cluster, one per stage that has commands.
   */
  async save(
    states: ReadonlyMap<string, ReadonlyMap<string, AlertState>>,
    removed: ReadonlyMap<string, readonly string[]> = new Map(),
    applied: ReadonlyMap<string, string> = new Map(),
    deadlines?: DeadlineWrites,
    values: ReadonlyMap<string, StateValues> = new Map(),
  ): Promise<void> {
    const sooner: PipelinedCommand[] = [];
    const writes: PipelinedCommand[] = [];
    const later: PipelinedCommand[] = [];
    const unvalued = new Set<string>();
    for (const entity of new Set([...states.keys(), ...applied.keys(), ...values.keys()])) {
      const fields: Record<string, string> = {};
      for (const [ruleId, state] of states.get(entity) ?? []) fields[ruleId] = JSON.stringify(state);
      const position = applied.get(entity);
      if (position !== undefined) fields[APPLIED] = position;
      const latest = values.get(entity);
      if (latest && Object.keys(latest).length > 0) fields[VALUES] = JSON.stringify(latest);
      else if (latest) unvalued.add(entity);
      if (Object.keys(fields).length === 0) continue;
      const key = this.keys.alertStates(entity);
      writes.push({ key, queue: (p) => p.hset(key, fields) });
    }
    for (const entity of new Set([...removed.keys(), ...unvalued])) {
      const fields = [...(removed.get(entity) ?? []), ...(unvalued.has(entity) ? [VALUES] : [])];
      if (fields.length === 0) continue;
      const key = this.keys.alertStates(entity);
      writes.push({ key, queue: (p) => p.hdel(key, ...fields) });
    }
    if (deadlines) {
      const index = this.deadlineCommands(deadlines);
      sooner.push(...index.sooner);
      writes.push(...index.withStates);
      later.push(...index.later);
    }
    if (sooner.length + writes.length + later.length === 0) return;
    await pipelinedInOrder(this.redis, [sooner, writes, later]);
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
    for (const [entity, latest] of values) {
      const known = this.cache.get(entity);
      if (!known) continue;
      known.valued = new Set(Object.keys(latest));
      for (const [ruleId, value] of Object.entries(latest)) {
        const state = known.states.get(ruleId);
        if (state && state.value !== value) known.states.set(ruleId, { ...state, value });
      }
    }
  }

  // The index moves of a save, by stage: deadlines that come sooner go before the states, the partition's clock with
  // them, and deadlines that go later or away after them.
  private deadlineCommands({ partition, moves, clock }: DeadlineWrites): Record<'sooner' | 'withStates' | 'later', PipelinedCommand[]> {
    const key = this.keys.alertDeadlines(partition);
    const earlier: Array<number | string> = [];
    const moved: Array<number | string> = [];
    const gone: string[] = [];
    for (const [entity, before, after] of moves) {
      if (after === null) {
        if (before !== undefined) gone.push(entity);
      } else if (before === undefined || after < before) earlier.push(after, entity);
      else if (after > before) moved.push(after, entity);
    }
    const out: Record<'sooner' | 'withStates' | 'later', PipelinedCommand[]> = { sooner: [], withStates: [], later: [] };
    if (earlier.length > 0) out.sooner.push({ key, queue: (p) => p.zadd(key, ...earlier) });
    if (moved.length > 0) out.later.push({ key, queue: (p) => p.zadd(key, ...moved) });
    if (gone.length > 0) out.later.push({ key, queue: (p) => p.zrem(key, ...gone) });
    if (clock?.clockMs != null) {
      const clockKey = this.keys.alertClock(partition);
      out.withStates.push({ key: clockKey, queue: (p) => p.hset(clockKey, { clock: String(clock.clockMs), wall: String(clock.wallMs) }) });
    }
    return out;
  }

  /** loadDeadlines reads one metric partition's deadline index (entity, earliest deadline) and its clock. */
  async loadDeadlines(partition: number): Promise<{ deadlines: Array<[string, number]>; time: PartitionTime }> {
    const key = this.keys.alertDeadlines(partition);
    const clockKey = this.keys.alertClock(partition);
    const [scored, clock] = (await pipelined(this.redis, [
      { key, queue: (p) => p.zrange(key, 0, -1, 'WITHSCORES') },
      { key: clockKey, queue: (p) => p.hgetall(clockKey) },
    ])) as [string[], Record<string, string>];
    const deadlines: Array<[string, number]> = [];
    for (let i = 0; i + 1 < scored.length; i += 2) deadlines.push([scored[i] as string, Number(scored[i + 1])]);
    const time: PartitionTime = clock.clock === undefined ? { clockMs: null, wallMs: 0 } : { clockMs: Number(clock.clock), wallMs: Number(clock.wall) };
    return { deadlines, time };
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
  /** the rules whose states' values were saved apart from the states (`StateValues`) */
  valued: ReadonlySet<string>;
}

/**
 * StateValues are the last observed values of an entity's states that have a deadline, by rule id. A deadline is
 * judged on its state's last observation, so its value must outlive a restart; saved apart from the states, it costs
 * one small field per entity and chunk rather than every such state written again whenever its value moves.
 */
export type StateValues = Record<string, number | null>;

/** PartitionTime is a metric partition's event-time clock, and the wall time at which it last moved. */
export interface PartitionTime {
  /** the newest snapshot time seen in the partition (capped a little ahead of the wall clock); null before any */
  clockMs: number | null;
  /** the wall time at which `clockMs` last moved */
  wallMs: number;
}

/**
 * DeadlineWrites are the changes of one metric partition's deadline index that a save makes: per entity, its earliest
 * deadline as the index holds it (undefined: none) and as the saved states give it (null: none); and the partition's
 * clock to save with them.
 */
export interface DeadlineWrites {
  partition: number;
  moves: Iterable<[entity: string, before: number | undefined, after: number | null]>;
  clock?: PartitionTime;
}

// Rule ids are slugs that start with a letter or digit, so these fields never name a rule.
const APPLIED = '_applied';
const VALUES = '_values';
const NONE: ReadonlySet<string> = new Set();

// Puts the values saved apart into the states read with them, and tells which rules they were for.
function overlayValues(states: Map<string, AlertState>, json: string): ReadonlySet<string> {
  const values = JSON.parse(json) as StateValues;
  for (const [ruleId, value] of Object.entries(values)) {
    const state = states.get(ruleId);
    if (state) state.value = value;
  }
  return new Set(Object.keys(values));
}
