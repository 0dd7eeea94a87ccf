import type { AlertState } from '@callwatch/rules';
import type { RedisKeys, Redis } from '@callwatch/redis';

/**
 * AlertStore keeps the alert states of an entity in one hash in its hash slot, one field per rule: a batch reads
 * each touched entity's states with one HGETALL, not one key per (rule, entity) pair.
 */
export class AlertStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** load reads every alert state of the given entities in one round trip: entity -> rule id -> state. */
  async load(entities: Iterable<string>): Promise<Map<string, Map<string, AlertState>>> {
    const out = new Map<string, Map<string, AlertState>>();
    const list = [...entities];
    if (list.length === 0) return out;
    const pipeline = this.redis.pipeline();
    for (const entity of list) pipeline.hgetall(this.keys.alertStates(entity));
    const replies = (await pipeline.exec()) ?? [];
    replies.forEach(([err, fields], i) => {
      if (err) throw err;
      const states = new Map<string, AlertState>();
      for (const ruleId in fields as Record<string, string>) states.set(ruleId, JSON.parse((fields as Record<string, string>)[ruleId] as string) as AlertState);
      out.set(list[i] as string, states);
    });
    return out;
  }

  /** get reads the state of one rule for one entity (for `callwatch rules test`); undefined when it has none. */
  async get(entity: string, ruleId: string): Promise<AlertState | undefined> {
    const json = await this.redis.hget(this.keys.alertStates(entity), ruleId);
    return json === null ? undefined : (JSON.parse(json) as AlertState);
  }

  /** save writes many states in one round trip, one HSET per entity: entity -> rule id -> state. */
  async save(states: ReadonlyMap<string, ReadonlyMap<string, AlertState>>): Promise<void> {
    const pipeline = this.redis.pipeline();
    let writes = 0;
    for (const [entity, byRule] of states) {
      if (byRule.size === 0) continue;
      const fields: Record<string, string> = {};
      for (const [ruleId, state] of byRule) fields[ruleId] = JSON.stringify(state);
      pipeline.hset(this.keys.alertStates(entity), fields);
      writes++;
    }
    if (writes === 0) return;
    for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
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
