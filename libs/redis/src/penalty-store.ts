import type { Redis } from 'ioredis';
import type { Penalty } from '@callwatch/rules';
import { pipelined, type PipelinedCommand } from './client';
import type { RedisKeys } from './keys';
import { LUA_DIR, checkScriptResult, loadScripts } from './scripts';

type Script = (key: string, ...args: Array<string | number>) => Promise<unknown>;

/** CLAIM_TTL_MS is how long a claim on a penalty's end holds before another enforcer may take it over. */
const CLAIM_TTL_MS = 30_000;

/** ActivePenalty is a penalty as `callwatch penalties list` shows it. */
export interface ActivePenalty extends Penalty {
  entity: string;
  since_ms: number;
}

/** PenaltyStore keeps penalties in Redis: one hash per entity (with the alert offsets applied) and an index by end time. */
// The source restored penalties are applied under (see restore).
const RESTORED_SOURCE = 'restored-from-actions';

export class PenaltyStore {
  private readonly scripts: { applyPenalty: Script; claimPenalty: Script; endPenalty: Script };

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    loadScripts(redis, LUA_DIR);
    this.scripts = redis as unknown as PenaltyStore['scripts'];
  }

  /** current reads the active penalties of entities (absent when none). */
  async current(entities: string[]): Promise<Map<string, Penalty>> {
    const reads = entities.map((entity): PipelinedCommand => {
      const key = this.keys.penalty(entity);
      return { key, queue: (p) => p.hmget(key, 'until', 'rule', 'reason') };
    });
    const out = new Map<string, Penalty>();
    (await pipelined(this.redis, reads)).forEach((value, i) => {
      const [until, rule, reason] = value as Array<string | null>;
      if (until !== null) out.set(entities[i] as string, { until_ms: Number(until), rule_id: rule ?? '', reason: reason ?? '' });
    });
    return out;
  }

  /** apply records an alert's offset and, when given, the penalty it began or extended; false when the offset was already applied. */
  async apply(entity: string, source: string, offset: number, penalty: Penalty | null, sinceMs: number): Promise<boolean> {
    const result = await this.scripts.applyPenalty(this.keys.penalty(entity), source, offset, penalty?.until_ms ?? '', penalty?.rule_id ?? '', penalty?.reason ?? '', sinceMs);
    checkScriptResult('applyPenalty', result);
    if (result === 2 && penalty) await this.redis.zadd(this.keys.penaltyIndex(), penalty.until_ms, entity);
    return result !== 0;
  }

  /**
   * restore puts back the penalties of `disable` actions that are the newest action of their entity, after Redis lost
   * them, and marks the penalties complete. Like an alert's, a restored penalty only ever extends one Redis holds.
   * Returns how many were restored.
   */
  async restore(disables: Array<{ entity: string; penalty: Penalty; sinceMs: number }>): Promise<number> {
    let restored = 0;
    for (const { entity, penalty, sinceMs } of disables) {
      // Not an alert offset: a source of its own whose "offset" only grows, so the script never skips it.
      if (await this.apply(entity, RESTORED_SOURCE, Date.now(), penalty, sinceMs)) restored++;
    }
    await this.redis.set(this.keys.penaltiesRestored(), String(Date.now()));
    return restored;
  }

  /** complete says whether Redis still holds the mark `restore` left: false after Redis lost its state. */
  async complete(): Promise<boolean> {
    return (await this.redis.exists(this.keys.penaltiesRestored())) === 1;
  }

  /** due lists entities whose penalty ends by `nowMs`. */
  async due(nowMs: number, limit = 500): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.penaltyIndex(), '-inf', nowMs, 'LIMIT', 0, limit);
  }

  /** claim takes the end of an entity's penalty for `owner` (when due, or at once with `force`); null when another has it, or none is due. */
  async claim(entity: string, owner: string, nowMs: number, force = false): Promise<Penalty | null> {
    const result = await this.scripts.claimPenalty(this.keys.penalty(entity), nowMs, owner, force ? '1' : '0', CLAIM_TTL_MS);
    if (!Array.isArray(result)) {
      // A penalty the index still lists but that is gone or later than indexed: put the index right.
      const [penalty] = [...(await this.current([entity])).values()];
      if (!penalty) await this.redis.zrem(this.keys.penaltyIndex(), entity);
      else if (!force && penalty.until_ms > nowMs) await this.redis.zadd(this.keys.penaltyIndex(), penalty.until_ms, entity);
      return null;
    }
    const [until, rule, reason] = result as [string, string, string];
    return { until_ms: Number(until), rule_id: rule, reason };
  }

  /** end removes a claimed penalty once its `enable` action is published (unless it grew meanwhile). */
  async end(entity: string, owner: string, penalty: Penalty): Promise<boolean> {
    const ended = (await this.scripts.endPenalty(this.keys.penalty(entity), String(penalty.until_ms), owner)) === 1;
    if (ended) await this.redis.zrem(this.keys.penaltyIndex(), entity);
    return ended;
  }

  /** list returns every active penalty, soonest end first. */
  async list(): Promise<ActivePenalty[]> {
    const entities = await this.redis.zrange(this.keys.penaltyIndex(), 0, -1);
    const reads = entities.map((entity): PipelinedCommand => {
      const key = this.keys.penalty(entity);
      return { key, queue: (p) => p.hmget(key, 'until', 'rule', 'reason', 'since') };
    });
    const out: ActivePenalty[] = [];
    (await pipelined(this.redis, reads)).forEach((value, i) => {
      const [until, rule, reason, since] = value as Array<string | null>;
      if (until !== null) out.push({ entity: entities[i] as string, until_ms: Number(until), rule_id: rule ?? '', reason: reason ?? '', since_ms: Number(since ?? 0) });
    });
    return out.sort((a, b) => a.until_ms - b.until_ms);
  }
}
