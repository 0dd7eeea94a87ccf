import type { Redis } from 'ioredis';
import { CallwatchError } from '@callwatch/core';
import {
  WindowEngine, type EntityDelta, type EntityMetrics, type EntityPosition, type StateChanges, type WindowStoreOptions,
} from '@callwatch/windows';
import { pipelined, type PipelinedCommand } from './client';
import type { RedisKeys } from './keys';
import { LUA_DIR, checkScriptResult, loadScripts } from './scripts';

/** WindowStoreSettings are the window limits, and how many entities the store keeps in memory. */
export interface WindowStoreSettings extends WindowStoreOptions {
  /** entities kept in memory at most: the least recently touched beyond it are dropped (they are in Redis) */
  maxEntities?: number;
}

/** The fence of an entity in memory: the epoch and version its last write left in Redis (or its load found). */
interface Fence {
  /** the epoch the state in memory belongs to (that of the batch that loaded it) */
  loadedIn: string;
  epoch: string;
  ver: string;
  /** the state in Redis predates a Redis loss: the next write deletes it first */
  wipe: boolean;
}

type Checkpoint = (...args: Array<string | number | Buffer>) => unknown;

// Entities per pipeline: Redis runs one while Node prepares the next.
const CHUNK = 200;
// Conflicting writers of one entity retry this often before the batch fails (and is retried whole).
const MAX_CONFLICTS = 20;
const DEFAULT_MAX_ENTITIES = 200_000;

/**
 * WindowStore keeps the windows, call starts and balances of the entities this aggregator counts in memory, in a
 * WindowEngine, and Redis as their checkpoint and read model: an entity is loaded from Redis on first touch, and after
 * each batch what changed is written back with the offsets applied, in one fenced write per entity (`checkpoint-6.lua`).
 * A write finds whether another writer changed the entity since (the other side of a customer, an instance that had its
 * partition): then the entity is reloaded and its events folded again. Entities not touched for a while leave memory.
 */
export class WindowStore {
  private readonly engine: WindowEngine;
  /** entities in memory, least recently touched first */
  private readonly fences = new Map<string, Fence>();
  private readonly maxEntities: number;
  /** what the store did since it started: entities read from Redis, checkpoint writes, and writes another writer had overtaken */
  readonly counts = { loads: 0, writes: 0, conflicts: 0 };
  private refold?: (entities: string[]) => void;
  /** due-index updates, written with the next round trip that goes to Redis anyway */
  private readonly pendingDue = new Map<string, Map<string, number>>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    options: WindowStoreSettings,
  ) {
    loadScripts(redis, LUA_DIR);
    this.engine = new WindowEngine({ ...options, track: true });
    this.maxEntities = options.maxEntities ?? DEFAULT_MAX_ENTITIES;
  }

  /**
   * setPeriods changes the sample periods kept from the next change on (a rule that uses a new one arrived, or the last
   * that used one left), and how long ids are remembered. A new period's windows fill from then on; a period left out
   * is deleted from each entity at its next change.
   */
  setPeriods(periodsMs: number[], idRetentionMs: number): void {
    this.engine.setPeriods(periodsMs, idRetentionMs);
  }

  /** entitiesInMemory is how many entities the store holds now. */
  get entitiesInMemory(): number {
    return this.fences.size;
  }

  /**
   * load reads, in one round trip, the epoch `markers` (see `Epoch`) as Redis has them now, and the state of each
   * entity not in memory. State of an older epoch than `epoch` predates a Redis loss: it loads as empty. An entity
   * whose state is of a newer epoch (a replay is rebuilding it) stays out of memory, and folds leave it alone.
   */
  async load(entities: Iterable<string>, epoch: string, markers: readonly string[] = []): Promise<Array<string | null>> {
    const extra: PipelinedCommand[] = markers.map((marker) => ({ key: marker, queue: (p) => p.get(marker) }));
    const { extraResults } = await this.ensure([...entities], epoch, extra);
    return extraResults as Array<string | null>;
  }

  /**
   * positions answers, from memory, each entity's last applied offset of `source`, its clock, whether it has call
   * starts, and which of the batch's ids it has counted (an entity not in memory reads as new).
   */
  positions(source: string, idsByEntity: ReadonlyMap<string, string[]>): Map<string, EntityPosition> {
    return this.engine.positions(source, idsByEntity);
  }

  /**
   * apply folds every entity's delta and checkpoints them at once, and returns their metrics (see `fold` and
   * `checkpoint`); an entity another writer changed meanwhile is CW_ERR_REDIS_CONFLICT, unless `onLoad` folds again.
   */
  async apply(source: string, deltas: EntityDelta[], epoch: string): Promise<EntityMetrics[]> {
    await this.ensure(deltas.map((d) => d.entity), epoch);
    this.fold(source, deltas, epoch);
    return this.checkpoint(deltas.map((d) => d.entity), epoch);
  }

  /**
   * fold applies every entity's delta in memory; `checkpoint` writes the changes. Entities not loaded in `epoch` are
   * left alone: they were dropped (a write another writer overtook, or one that failed) and their next load folds
   * their pending events again (`onLoad`).
   */
  fold(source: string, deltas: EntityDelta[], epoch: string): void {
    this.engine.fold(source, deltas.filter((d) => this.fences.get(d.entity)?.loadedIn === epoch && this.engine.has(d.entity)));
  }

  /**
   * onLoad sets what runs right after entities are loaded from Redis: the aggregator folds into them again the events
   * it folded since their last checkpoint, so that memory is always the checkpoint plus what is still to be written.
   */
  onLoad(refold: (entities: string[]) => void): void {
    this.refold = refold;
  }

  /**
   * checkpoint writes what changed in each of `entities` with the offsets applied, and returns their metrics (none for
   * entities rebuilt since `epoch`). An entity another writer changed since it was loaded is loaded again (its pending
   * events folded again, see `onLoad`) and written again.
   */
  async checkpoint(entities: readonly string[], epoch: string): Promise<EntityMetrics[]> {
    const out: EntityMetrics[] = [];
    let todo = entities;
    for (let attempt = 0; todo.length > 0; attempt++) {
      const { stale } = await this.ensure(todo, epoch);
      const metrics: EntityMetrics[] = [];
      for (const entity of todo) {
        const m = stale.has(entity) ? null : this.engine.metricsOf(entity);
        if (m !== null) metrics.push(m);
      }
      const conflicts = await this.write(metrics, epoch, out);
      if (conflicts.size === 0) break;
      // Without a way to fold its events again, an entity read back would be written without them.
      if (!this.refold || attempt >= MAX_CONFLICTS) {
        throw new CallwatchError('CW_ERR_REDIS_CONFLICT', `${conflicts.size} entities kept changing under another writer`, { details: { entities: [...conflicts].slice(0, 10) } });
      }
      todo = [...conflicts];
    }
    this.trim();
    return out;
  }

  /** tick slides the windows of entities that had no events while time (the partition's clock) passed, and returns their metrics. */
  async tick(entities: string[], clockMs: number, epoch: string): Promise<EntityMetrics[]> {
    const out: EntityMetrics[] = [];
    let todo = entities;
    for (let attempt = 0; todo.length > 0 && attempt <= MAX_CONFLICTS; attempt++) {
      const { stale } = await this.ensure(todo, epoch);
      const metrics = this.engine.tick(todo.filter((entity) => !stale.has(entity)), clockMs);
      todo = [...(await this.write(metrics, epoch, out))];
    }
    this.trim();
    return out;
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

  /**
   * ensure loads the entities not in memory (or loaded in another epoch) in one round trip, with `extra` commands in
   * it, and answers the entities whose state in Redis is of a newer epoch than `epoch` (the caller began before a Redis
   * loss was noticed: its partition is being replayed) and the replies of `extra`.
   */
  private async ensure(entities: readonly string[], epoch: string, extra: PipelinedCommand[] = []): Promise<{ stale: Set<string>; extraResults: unknown[] }> {
    const missing: string[] = [];
    for (const entity of entities) {
      const fence = this.fences.get(entity);
      if (fence === undefined || fence.loadedIn !== epoch || !this.engine.has(entity)) {
        missing.push(entity);
        continue;
      }
      // Touched: to the end of the eviction order.
      this.fences.delete(entity);
      this.fences.set(entity, fence);
    }
    const stale = new Set<string>();
    const commands = [...this.flushDue(), ...extra];
    if (missing.length === 0 && commands.length === 0) return { stale, extraResults: [] };
    const queued = commands.length;
    for (const entity of missing) {
      const [meta, windows, ids, starts, open, moves] = this.entityKeys(entity) as [string, string, string, string, string, string];
      commands.push(
        { key: meta, queue: (p) => p.hgetall(meta) },
        { key: windows, queue: (p) => p.hgetall(windows) },
        { key: ids, queue: (p) => p.hgetallBuffer(ids) },
        { key: starts, queue: (p) => p.hgetall(starts) },
        { key: open, queue: (p) => p.zrange(open, 0, -1, 'WITHSCORES') },
        { key: moves, queue: (p) => p.hgetall(moves) },
      );
    }
    const results = await pipelined(this.redis, commands);
    this.counts.loads += missing.length;
    const loaded: string[] = [];
    missing.forEach((entity, i) => {
      const [meta, windows, ids, starts, open, moves] = results.slice(queued + 6 * i, queued + 6 * i + 6) as [
        Record<string, string>, Record<string, string>, Record<string, Buffer>, Record<string, string>, string[], Record<string, string>,
      ];
      // Loaded by another call while this read was on its way, and perhaps changed since: what memory holds is newer.
      if (this.fences.get(entity)?.loadedIn === epoch && this.engine.has(entity)) return;
      const found = meta.epoch ?? '';
      const fence: Fence = { loadedIn: epoch, epoch: found, ver: meta.ver ?? '', wipe: false };
      if (found > epoch) {
        stale.add(entity);
        this.forget(entity);
        return;
      }
      if (found !== '' && found < epoch) {
        // Written before Redis was lost and rebuilt by replay: the replay brings it back, so it starts afresh.
        this.engine.load(entity, null);
        fence.wipe = true;
      } else {
        this.engine.load(entity, { meta, windows, seen: ids, starts, open: scored(open), moves });
      }
      this.fences.delete(entity);
      this.fences.set(entity, fence);
      loaded.push(entity);
    });
    if (loaded.length > 0) this.refold?.(loaded);
    return { stale, extraResults: results.slice(queued - extra.length, queued) };
  }

  /**
   * write writes what changed in each entity of `metrics`, in one fenced call per entity, and adds the metrics of
   * those written (or unchanged) to `out`. It answers the entities another writer changed since they were loaded: they
   * are dropped from memory, as is every entity of a write that failed.
   */
  private async write(metrics: EntityMetrics[], epoch: string, out: EntityMetrics[]): Promise<Set<string>> {
    const conflicts = new Set<string>();
    const writes: Array<{ m: EntityMetrics; command: PipelinedCommand }> = [];
    for (const m of metrics) {
      const changes = this.engine.takeChanges(m.entity);
      const fence = this.fences.get(m.entity) as Fence;
      if (changes === null) {
        out.push(m);
        continue;
      }
      const args = [fence.epoch, fence.ver, ...operations(changes, epoch, fence.wipe)];
      const keys = this.entityKeys(m.entity);
      writes.push({ m, command: { key: keys[0] as string, queue: (p) => (p as unknown as { checkpoint: Checkpoint }).checkpoint(...keys, ...args) } });
      // The next write of this entity, perhaps sent before this one is answered, expects what this one leaves.
      this.fences.set(m.entity, { loadedIn: epoch, epoch, ver: changes.meta[changes.meta.indexOf('ver') + 1] as string, wipe: false });
    }
    const chunks: Array<Promise<void>> = [];
    for (let i = 0; i < writes.length; i += CHUNK) {
      const chunk = writes.slice(i, i + CHUNK);
      chunks.push(
        pipelined(this.redis, chunk.map((w) => w.command)).then(
          (results) => {
            results.forEach((result, j) => {
              const { m } = chunk[j] as { m: EntityMetrics };
              checkScriptResult('checkpoint', result);
              this.counts.writes++;
              if (result === 1) out.push(m);
              else {
                this.counts.conflicts++;
                conflicts.add(m.entity);
                this.forget(m.entity);
              }
            });
          },
          (err: unknown) => {
            // Whether Redis has these changes is unknown: the entities are read again at their next batch.
            for (const { m } of chunk) this.forget(m.entity);
            throw err;
          },
        ),
      );
    }
    const settled = await Promise.allSettled(chunks);
    for (const result of settled) if (result.status === 'rejected') throw result.reason;
    return conflicts;
  }

  /** forget drops an entity from memory: it is read again at its next touch. */
  forget(entity: string): void {
    this.fences.delete(entity);
    this.engine.evict(entity);
  }

  /** trim drops the least recently touched entities beyond the budget: their state is in Redis. */
  private trim(): void {
    for (const entity of this.fences.keys()) {
      if (this.fences.size <= this.maxEntities) break;
      this.forget(entity);
    }
  }

  private entityKeys(entity: string): string[] {
    const k = this.keys;
    return [k.entityMeta(entity), k.entityWindows(entity), k.entitySeen(entity), k.entityStarts(entity), k.entityOpenCalls(entity), k.entityMoves(entity)];
  }
}

/** scored pairs the flat member-score reply of ZRANGE … WITHSCORES. */
function scored(flat: string[]): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i] as string, Number(flat[i + 1])]);
  return out;
}

/** operations are the checkpoint script's operations for one entity's changes (deletions first, then writes), and the ids' fields. */
function operations(c: StateChanges, epoch: string, wipe: boolean): Array<string | Buffer> {
  const ops: Array<[string, number, string[]]> = [];
  const op = (command: string, key: number, args: string[]) => {
    if (args.length > 0) ops.push([command, key, args]);
  };
  if (wipe) for (let key = 1; key <= 6; key++) ops.push(['DEL', key, []]);
  op('HDEL', 1, c.metaGone);
  op('HDEL', 2, c.windowsGone);
  op('HDEL', 3, c.seenGone);
  op('HDEL', 4, c.startsGone);
  op('ZREM', 5, c.closed);
  op('HDEL', 6, c.movesGone);
  op('HSET', 1, [...c.meta, 'epoch', epoch]);
  op('HSET', 2, c.windows);
  op('HSET', 4, c.starts);
  op('ZADD', 5, c.opened);
  op('HSET', 6, c.moves);
  return [JSON.stringify(ops), ...c.seen];
}
