import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { checkScriptResult, loadScripts, type RedisKeys } from '@callwatch/redis';
import type { Window } from '@callwatch/schemas';
import type { EntityDelta } from './pre-aggregate';
import { bucketSizeMs } from './windows';

/** EntityWindows is an entity's state after a batch: its clock and one window per sample period. */
export interface EntityWindows {
  entity: string;
  applied: boolean;
  clockMs: number;
  windows: Window[];
}

type ApplyEntity = (meta: string, win: string, source: string, maxOffset: number, maxEventMs: number, delta: string) => Promise<unknown>;

/** WindowStore keeps window buckets in Redis; each entity's counters and consumed offset change in one Lua call. */
export class WindowStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    loadScripts(redis, join(__dirname, '..', 'lua'));
  }

  /** appliedOffsets reads, in one round trip, the last offset of `source` applied to each entity. */
  async appliedOffsets(source: string, entities: string[]): Promise<Map<string, number>> {
    const pipeline = this.redis.pipeline();
    for (const entity of entities) pipeline.hget(this.keys.entityMeta(entity), `off:${source}`);
    const results = (await pipeline.exec()) ?? [];
    const out = new Map<string, number>();
    results.forEach(([err, value], i) => {
      if (err) throw err;
      if (value !== null) out.set(entities[i] as string, Number(value));
    });
    return out;
  }

  /** apply writes every entity's delta in one pipelined round trip and returns each entity's windows. */
  async apply(source: string, deltas: EntityDelta[], periodsMs: number[]): Promise<EntityWindows[]> {
    const pipeline = this.redis.pipeline() as unknown as { applyEntity: ApplyEntity; exec: () => Promise<Array<[Error | null, unknown]> | null> };
    for (const d of deltas) {
      const payload = periodsMs.map((p) => [p, bucketSizeMs(p), [...(d.periods.get(p) ?? new Map())].map(([b, c]) => [b, c.attempts, c.answered])]);
      void pipeline.applyEntity(this.keys.entityMeta(d.entity), this.keys.entityWindows(d.entity), source, d.maxOffset, d.maxEventMs, JSON.stringify(payload));
    }
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, raw], i) => {
      if (err) throw err;
      checkScriptResult('applyEntity', raw);
      return parseWindows((deltas[i] as EntityDelta).entity, raw as Array<number | string>);
    });
  }
}

function parseWindows(entity: string, raw: Array<number | string>): EntityWindows {
  const windows: Window[] = [];
  for (let i = 2; i + 2 < raw.length; i += 3) {
    const attempts = Number(raw[i + 1]);
    const answered = Number(raw[i + 2]);
    windows.push({
      sample_period_ms: Number(raw[i]),
      attempts,
      answered,
      asr: attempts > 0 ? (answered / attempts) * 100 : null,
      ner: null, acd: null, pdd: null, cps: null, spend: null, margin: null, sdr: null,
      codes: {},
    });
  }
  return { entity, applied: Number(raw[0]) === 1, clockMs: Number(raw[1]), windows };
}
