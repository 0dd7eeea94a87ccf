import type { Redis } from 'ioredis';
import type { Window } from '@callwatch/schemas';
import {
  ACCOUNT_LATENESS_MS, bucketSizeMs, creditGauges, roundMoney, windowOf, type EntityDelta, type EntityMetrics, type EntityPosition,
  type WindowStoreOptions,
} from '@callwatch/windows';
import { pipelined, type PipelinedCommand } from './client';
import type { RedisKeys } from './keys';
import { LUA_DIR, checkScriptResult, loadScripts } from './scripts';

/** Positions is what `positions` read: the epoch markers as Redis has them now, and each entity's position. */
export interface Positions {
  markers: Array<string | null>;
  entities: Map<string, EntityPosition>;
}

type ApplyEntity = (...args: Array<string | number>) => unknown;

const STALE_EPOCH = -3;
// Entities per pipeline of `apply`: Redis runs the first while Node encodes the next, and Node reads one's results
// while Redis runs the next (one pipeline of a whole batch kept each waiting for the other).
const APPLY_CHUNK = 100;
const EMPTY = { seen: new Set<string>(), offset: -1, clockMs: 0, callStarts: false };

/** WindowStore keeps entities' windows, call starts and balances in Redis; each entity changes with its consumed offset in one Lua call. */
export class WindowStore {
  private periods: Array<[number, number]> = [];
  /** due-index updates, written with the next round trip that goes to Redis anyway */
  private readonly pendingDue = new Map<string, Map<string, number>>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private options: WindowStoreOptions,
  ) {
    loadScripts(redis, LUA_DIR);
    this.setPeriods(options.periodsMs, options.idRetentionMs);
  }

  /**
   * setPeriods changes the sample periods kept from the next call on (a rule that uses a new one arrived, or the last
   * that used one left), and how long ids are remembered. A new period's windows fill from then on; a period left out
   * is deleted from each entity at its next call.
   */
  setPeriods(periodsMs: number[], idRetentionMs: number): void {
    this.periods = periodsMs.map((p) => [p, bucketSizeMs(p)]);
    this.options = { ...this.options, periodsMs, idRetentionMs };
  }

  /**
   * positions reads, in one round trip, the epoch `markers` (see `Epoch`) and each entity's last applied offset of `source`, its
   * clock, whether it has call starts, and which of the batch's ids it has counted. State of another epoch than
   * `epoch` predates a Redis loss: it reads as empty.
   */
  async positions(source: string, idsByEntity: ReadonlyMap<string, string[]>, epoch: string, markers: readonly string[]): Promise<Positions> {
    const commands = this.flushDue();
    const queued = commands.length;
    for (const marker of markers) commands.push({ key: marker, queue: (p) => p.get(marker) });
    const entities = [...idsByEntity.keys()];
    for (const entity of entities) {
      const meta = this.keys.entityMeta(entity);
      commands.push({ key: meta, queue: (p) => p.hmget(meta, `off:${source}`, 'clock', 'starts', 'epoch') });
      const ids = idsByEntity.get(entity) as string[];
      const idsKey = this.keys.entityIds(entity);
      commands.push({ key: idsKey, queue: (p) => (ids.length > 0 ? p.zmscore(idsKey, ...ids) : p.exists(idsKey)) });
    }
    const results = (await pipelined(this.redis, commands)).slice(queued);
    const out = new Map<string, EntityPosition>();
    entities.forEach((entity, i) => {
      const meta = results[markers.length + 2 * i] as Array<string | null>;
      if (meta[3] !== epoch) {
        out.set(entity, EMPTY);
        return;
      }
      const scores = results[markers.length + 1 + 2 * i] as Array<string | null> | number;
      const ids = idsByEntity.get(entity) as string[];
      out.set(entity, {
        offset: meta[0] === null ? -1 : Number(meta[0]),
        clockMs: meta[1] === null ? 0 : Number(meta[1]),
        callStarts: meta[2] !== null,
        seen: Array.isArray(scores) ? new Set(ids.filter((_, j) => scores[j] !== null)) : EMPTY.seen,
      });
    });
    return { markers: results.slice(0, markers.length) as Array<string | null>, entities: out };
  }

  /**
   * apply writes every entity's delta, APPLY_CHUNK entities to a pipeline, and returns each entity's metrics (none for
   * entities rebuilt since `epoch`).
   */
  async apply(source: string, deltas: EntityDelta[], epoch: string): Promise<EntityMetrics[]> {
    const chunks: Array<Promise<EntityMetrics[]>> = [];
    for (let i = 0; i < deltas.length; i += APPLY_CHUNK) chunks.push(this.applyChunk(source, deltas.slice(i, i + APPLY_CHUNK), epoch));
    return (await Promise.all(chunks)).flat();
  }

  private async applyChunk(source: string, deltas: EntityDelta[], epoch: string): Promise<EntityMetrics[]> {
    const commands: PipelinedCommand[] = [];
    for (const d of deltas) {
      // Flat, as ZADD takes them: the script passes them on without a table per id.
      const ids: Array<string | number> = [];
      for (const [id, ms] of d.ids) ids.push(ms, id);
      const payload = {
        e: d.maxEventMs,
        l: d.late,
        p: this.periods.map(([p, g]) => [p, g, [...(d.periods.get(p) ?? [])]]),
        i: ids,
        s: d.starts.size > 0 ? [...d.starts] : undefined,
        c: d.calls.length > 0 ? d.calls : undefined,
        o: d.opens.length > 0 ? d.opens : undefined,
        m: d.moves.size > 0 ? [...d.moves] : undefined,
        a: d.account ?? undefined,
      };
      commands.push(this.applyEntity(d.entity, source, d.maxOffset, epoch, JSON.stringify(payload), 0));
    }
    return this.run(commands, deltas.map((d) => d.entity));
  }

  /** tick slides the windows of entities that had no events while time (the partition's clock) passed, and returns their metrics. */
  async tick(entities: string[], clockMs: number, epoch: string): Promise<EntityMetrics[]> {
    const payload = JSON.stringify({ p: this.periods.map(([p, g]) => [p, g, []]) });
    return this.run(entities.map((entity) => this.applyEntity(entity, '', -1, epoch, payload, clockMs)), entities);
  }

  /**
   * queueDue remembers when each entity's windows next change, in the index of its side and partition. The index
   * is a hint for ticks, so it is written with the next round trip rather than in one of its own: were it lost, an
   * idle entity's windows would slide at its next event instead.
   */
  queueDue(side: string, partition: number, metrics: EntityMetrics[]): void {
    const key = this.keys.windowsDue(side, partition);
    const queue = this.pendingDue.get(key) ?? new Map<string, number>();
    for (const m of metrics) queue.set(m.entity, m.dueMs);
    this.pendingDue.set(key, queue);
  }

  /** dueEntities lists up to `limit` entities of a side and partition whose windows change by `clockMs`. */
  async dueEntities(side: string, partition: number, clockMs: number, limit = 1_000): Promise<string[]> {
    const commands = this.flushDue();
    const key = this.keys.windowsDue(side, partition);
    commands.push({ key, queue: (p) => p.zrangebyscore(key, '-inf', clockMs, 'LIMIT', 0, limit) });
    const results = await pipelined(this.redis, commands);
    return results[results.length - 1] as string[];
  }

  /** flushDue takes the queued due-index updates as commands for the next round trip. */
  private flushDue(): PipelinedCommand[] {
    const commands: PipelinedCommand[] = [];
    for (const [key, queue] of this.pendingDue) {
      const gone = [...queue].filter(([, due]) => due === 0).map(([entity]) => entity);
      const scored = [...queue].filter(([, due]) => due > 0).flatMap(([entity, due]) => [due, entity]);
      if (gone.length > 0) commands.push({ key, queue: (p) => p.zrem(key, ...gone) });
      if (scored.length > 0) commands.push({ key, queue: (p) => p.zadd(key, ...scored) });
    }
    this.pendingDue.clear();
    return commands;
  }

  /** applyEntity is one call of the script for an entity, as a command for `pipelined`. */
  private applyEntity(entity: string, source: string, maxOffset: number, epoch: string, payload: string, tickMs: number): PipelinedCommand {
    const keys = this.entityKeys(entity);
    const args = [source, maxOffset, epoch, payload, ...this.limits(tickMs)];
    return { key: keys[0] as string, queue: (p) => (p as unknown as { applyEntity: ApplyEntity }).applyEntity(...keys, ...args) };
  }

  /** The script's last arguments: the limits, and the clock of a tick (0 for a batch). */
  private limits(tickMs: number): number[] {
    const { idRetentionMs, maxCallMs, accountLatenessMs = ACCOUNT_LATENESS_MS } = this.options;
    return [idRetentionMs, maxCallMs, tickMs, accountLatenessMs];
  }

  private entityKeys(entity: string): string[] {
    const k = this.keys;
    return [k.entityMeta(entity), k.entityWindows(entity), k.entityIds(entity), k.entityStarts(entity), k.entityOpenCalls(entity), k.entityMoves(entity)];
  }

  private async run(commands: PipelinedCommand[], entities: string[]): Promise<EntityMetrics[]> {
    const results = await pipelined(this.redis, commands);
    const out: EntityMetrics[] = [];
    results.forEach((raw, i) => {
      // A stale epoch: the entity was rebuilt since this batch began, and the batch's partition is being replayed.
      if (raw === STALE_EPOCH) return;
      checkScriptResult('applyEntity', raw);
      out.push(parseMetrics(entities[i] as string, raw as unknown[]));
    });
    return out;
  }
}

function parseMetrics(entity: string, raw: unknown[]): EntityMetrics {
  const windows: Window[] = [];
  for (let i = 8; i + 1 < raw.length; i += 2) windows.push(windowOf(Number(raw[i]), String(raw[i + 1])));
  const [applied, clock, late, channels, rawBalance, due, version, debitLimit] = raw as [number, number, number, number, string, string, string, string];
  const balance = rawBalance === '' ? null : roundMoney(Number(rawBalance));
  return {
    entity,
    applied: applied === 1,
    clockMs: Number(clock),
    late: Number(late),
    channels: channels < 0 ? null : channels,
    balance,
    ...creditGauges(balance, debitLimit === '' ? null : Number(debitLimit)),
    dueMs: Number(due),
    version: Number(version),
    windows,
  };
}
