import type { AlertState } from '@callwatch/rules';
import type { RedisKeys, Redis } from '@callwatch/redis';

/** AlertStore keeps one state per (rule, entity) in the entity's hash slot. */
export class AlertStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** load reads the states of many (entity, rule) pairs in one round trip. */
  async load(pairs: Array<{ entity: string; ruleId: string }>): Promise<Map<string, AlertState>> {
    const out = new Map<string, AlertState>();
    if (pairs.length === 0) return out;
    const values = await this.redis.mget(...pairs.map((p) => this.keys.alertState(p.entity, p.ruleId)));
    values.forEach((value, i) => {
      const pair = pairs[i] as { entity: string; ruleId: string };
      if (value) out.set(stateKey(pair.entity, pair.ruleId), JSON.parse(value) as AlertState);
    });
    return out;
  }

  /** save writes many states in one round trip. */
  async save(states: Array<{ entity: string; ruleId: string; state: AlertState }>): Promise<void> {
    if (states.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const s of states) pipeline.set(this.keys.alertState(s.entity, s.ruleId), JSON.stringify(s.state));
    const results = (await pipeline.exec()) ?? [];
    for (const [err] of results) if (err) throw err;
  }
}

/** stateKey identifies one (entity, rule) pair in memory. */
export function stateKey(entity: string, ruleId: string): string {
  return `${entity}\u0000${ruleId}`;
}
