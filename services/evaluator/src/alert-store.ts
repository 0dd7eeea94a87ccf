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

  /** load reads every alert state of the given entities in one round trip, keyed by stateKey(entity, rule id). */
  async load(entities: Iterable<string>): Promise<Map<string, AlertState>> {
    const out = new Map<string, AlertState>();
    const list = [...entities];
    if (list.length === 0) return out;
    const pipeline = this.redis.pipeline();
    for (const entity of list) pipeline.hgetall(this.keys.alertStates(entity));
    const replies = (await pipeline.exec()) ?? [];
    replies.forEach(([err, fields], i) => {
      if (err) throw err;
      const entity = list[i] as string;
      for (const [ruleId, json] of Object.entries(fields as Record<string, string>)) out.set(stateKey(entity, ruleId), JSON.parse(json) as AlertState);
    });
    return out;
  }

  /** get reads the state of one rule for one entity (for `callwatch rules test`); undefined when it has none. */
  async get(entity: string, ruleId: string): Promise<AlertState | undefined> {
    const json = await this.redis.hget(this.keys.alertStates(entity), ruleId);
    return json === null ? undefined : (JSON.parse(json) as AlertState);
  }

  /** save writes many states in one round trip, one HSET per entity. */
  async save(states: Iterable<{ entity: string; ruleId: string; state: AlertState }>): Promise<void> {
    const byEntity = new Map<string, Record<string, string>>();
    for (const s of states) {
      const fields = byEntity.get(s.entity) ?? {};
      fields[s.ruleId] = JSON.stringify(s.state);
      byEntity.set(s.entity, fields);
    }
    if (byEntity.size === 0) return;
    const pipeline = this.redis.pipeline();
    for (const [entity, fields] of byEntity) pipeline.hset(this.keys.alertStates(entity), fields);
    for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
  }
}

/** stateKey identifies one (entity, rule) pair in memory. */
export function stateKey(entity: string, ruleId: string): string {
  return `${entity}\u0000${ruleId}`;
}

/**
 * stateChanged tells whether a new state must be written back: a change of status or of any of its times.
 * The last observed value alone does not count, or every snapshot would rewrite every state.
 */
export function stateChanged(before: AlertState | undefined, after: AlertState): boolean {
  return before === undefined || before.status !== after.status || before.since_ms !== after.since_ms
    || before.first_fired_at_ms !== after.first_fired_at_ms || before.last_notified_ms !== after.last_notified_ms;
}
