import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { checkScriptResult, loadScripts, type RedisKeys } from '@callwatch/redis';
import type { Window } from '@callwatch/schemas';
import { deriveWindow } from './counters';
import type { EntityDelta, EntityPosition } from './pre-aggregate';
import { bucketSizeMs } from './windows';

/** EntityWindows is an entity's state after a batch: its clock, late events so far, one window per sample period. */
export interface EntityWindows {
  entity: string;
  applied: boolean;
  clockMs: number;
  late: number;
  windows: Window[];
}

type ApplyEntity = (meta: string, win: string, ids: string, ...args: Array<string | number>) => Promise<unknown>;

/** WindowStore keeps window buckets in Redis; each entity's counters and consumed offset change in one Lua call. */
export class WindowStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly idRetentionMs: number,
  ) {
    loadScripts(redis, join(__dirname, '..', 'lua'));
  }

  /** positions reads, in one round trip, each entity's last applied offset of `source`, its clock, and which of the batch's ids it has counted. */
  async positions(source: string, idsByEntity: ReadonlyMap<string, string[]>): Promise<Map<string, EntityPosition>> {
    const pipeline = this.redis.pipeline();
    const entities = [...idsByEntity.keys()];
    for (const entity of entities) {
      pipeline.hmget(this.keys.entityMeta(entity), `off:${source}`, 'clock');
      pipeline.zmscore(this.keys.entityIds(entity), ...(idsByEntity.get(entity) as string[]));
    }
    const results = (await pipeline.exec()) ?? [];
    const out = new Map<string, EntityPosition>();
    entities.forEach((entity, i) => {
      const [metaErr, meta] = results[2 * i] as [Error | null, Array<string | null>];
      const [idsErr, scores] = results[2 * i + 1] as [Error | null, Array<string | null>];
      if (metaErr) throw metaErr;
      if (idsErr) throw idsErr;
      const ids = idsByEntity.get(entity) as string[];
      out.set(entity, {
        offset: meta[0] === null ? -1 : Number(meta[0]),
        clockMs: meta[1] === null ? 0 : Number(meta[1]),
        seen: new Set(ids.filter((_, j) => scores[j] !== null)),
      });
    });
    return out;
  }

  /** apply writes every entity's delta in one pipelined round trip and returns each entity's windows. */
  async apply(source: string, deltas: EntityDelta[], periodsMs: number[]): Promise<EntityWindows[]> {
    const pipeline = this.redis.pipeline() as unknown as { applyEntity: ApplyEntity; exec: () => Promise<Array<[Error | null, unknown]> | null> };
    for (const d of deltas) {
      const payload = periodsMs.map((p) => [p, bucketSizeMs(p), [...(d.periods.get(p) ?? new Map())].map(([b, c]) => [b, Object.fromEntries(c)])]);
      void pipeline.applyEntity(
        this.keys.entityMeta(d.entity), this.keys.entityWindows(d.entity), this.keys.entityIds(d.entity),
        source, d.maxOffset, d.maxEventMs, d.late, JSON.stringify(payload), JSON.stringify(d.ids), this.idRetentionMs,
      );
    }
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, raw], i) => {
      if (err) throw err;
      checkScriptResult('applyEntity', raw);
      return parseWindows((deltas[i] as EntityDelta).entity, raw as unknown[]);
    });
  }
}

function parseWindows(entity: string, raw: unknown[]): EntityWindows {
  const windows: Window[] = [];
  for (const entry of raw.slice(3) as Array<Array<string | number>>) {
    const sums: Record<string, number> = {};
    for (let i = 1; i + 1 < entry.length; i += 2) sums[String(entry[i])] = Number(entry[i + 1]);
    windows.push(deriveWindow(Number(entry[0]), sums));
  }
  return { entity, applied: Number(raw[0]) === 1, clockMs: Number(raw[1]), late: Number(raw[2]), windows };
}
