import type { Window } from '@callwatch/schemas';
import { BUCKETS_PER_WINDOW, bucketSizeMs } from './buckets';
import { deriveWindow, roundMoney } from './counters';
import { creditGauges } from './credit';
import { ACCOUNT_LATENESS_MS, type EntityMetrics, type WindowStoreOptions } from './entity-metrics';
import type { EntityDelta, EntityPosition } from './pre-aggregate';

interface PeriodWindow {
  first: number | undefined;
  /** buckets holding data, in order */
  list: number[];
  buckets: Map<number, Map<string, number>>;
  tot: Map<string, number>;
  /** the second that holds the window's peak of calls started (`k` in tot) */
  peakSecond: number | undefined;
}

interface StoredEntity {
  clock: number;
  wclock: number;
  late: number;
  offsets: Map<string, number>;
  ids: Map<string, number>;
  /**
   * ids older than this are gone, as the script deletes them at the end of each apply; here they are dropped in
   * sweeps (when the map has doubled), since one scan of a busy entity's ids per event made replays quadratic
   */
  idsFrom: number;
  idsSweepAt: number;
  starts: Map<number, number>;
  /** no second in `starts` is older than this (a bound, so a slide scans them only when one may have left) */
  startsMin: number;
  callStarts: boolean;
  open: Map<string, number>;
  /** no open call started before this (a bound, so expiry scans them only when one may have expired) */
  openMin: number;
  expired: number;
  balBase: number;
  balAt: number;
  balSum: number;
  /** the debit limit of the newest account snapshot (what the script keeps as `bal_limit`) */
  balLimit: number | null;
  moves: Map<number, number>;
  /** movements after balAt older than the account lateness, as one sum, all at or before second balOldTo */
  balOld: number;
  balOldTo: number;
  /** no second before this is in `moves` (what the script keeps as `bal_from`) */
  movesFrom: number;
  /** grows with every change (what the script keeps as `ver`) */
  version: number;
  periods: Map<number, PeriodWindow>;
}

const ID_SWEEP_MIN = 1024;

// An id counts while it is younger than the entity's id retention, as if every older one had been deleted.
function hasId(e: StoredEntity, id: string): boolean {
  const ms = e.ids.get(id);
  return ms !== undefined && ms >= e.idsFrom;
}

const NO_DELTA: Omit<EntityDelta, 'entity'> = {
  maxOffset: -1, maxEventMs: 0, periods: new Map(), ids: [], starts: new Map(), calls: [], opens: [], moves: new Map(), account: null, events: 0, late: 0, duplicates: 0,
};

/**
 * MemoryStore keeps entities' windows, call starts and balances in memory with exactly the semantics of
 * `lua/applyEntity-6.lua`, step for step, so `callwatch replay` can run the aggregator offline (no Kafka or
 * Redis) and a test can check that both agree.
 */
export class MemoryStore {
  private readonly entities = new Map<string, StoredEntity>();
  private readonly periods: Array<[number, number]>;
  private readonly longestMs: number;

  constructor(private readonly options: WindowStoreOptions) {
    this.periods = options.periodsMs.map((p) => [p, bucketSizeMs(p)]);
    this.longestMs = Math.max(...options.periodsMs);
  }

  /** positions is what an entity's state says before a batch of `source`, as WindowStore.positions reads it from Redis. */
  positions(source: string, idsByEntity: ReadonlyMap<string, string[]>): Map<string, EntityPosition> {
    const out = new Map<string, EntityPosition>();
    for (const [entity, ids] of idsByEntity) {
      const e = this.entities.get(entity);
      out.set(entity, {
        offset: e?.offsets.get(source) ?? -1,
        clockMs: e?.clock ?? 0,
        callStarts: e?.callStarts ?? false,
        seen: new Set(ids.filter((id) => e !== undefined && hasId(e, id))),
      });
    }
    return out;
  }

  /** apply applies each entity's delta and returns its metrics, as WindowStore.apply does in Redis. */
  apply(source: string, deltas: EntityDelta[]): EntityMetrics[] {
    return deltas.map((d) => this.applyEntity(d.entity, source, d, 0));
  }

  /** tick slides the windows of entities to `clockMs`, as WindowStore.tick does. */
  tick(entities: string[], clockMs: number): EntityMetrics[] {
    return entities.map((entity) => this.applyEntity(entity, '', { entity, ...NO_DELTA }, clockMs));
  }

  /** entity is the stored state of one entity, for `status`-like reads (undefined when nothing was counted). */
  has(entity: string): boolean {
    return this.entities.has(entity);
  }

  private applyEntity(entity: string, source: string, d: EntityDelta, tickMs: number): EntityMetrics {
    let e = this.entities.get(entity);
    if (!e) {
      e = {
        clock: 0, wclock: 0, late: 0, offsets: new Map(), ids: new Map(), idsFrom: -Infinity, idsSweepAt: ID_SWEEP_MIN, starts: new Map(), startsMin: Infinity,
        callStarts: false, open: new Map(), openMin: Infinity, expired: 0,
        balBase: 0, balAt: -1, balSum: 0, balLimit: null, moves: new Map(), balOld: 0, balOldTo: -1, movesFrom: -Infinity, version: 0, periods: new Map(),
      };
      this.entities.set(entity, e);
    }
    let wclock = Math.max(e.clock, e.wclock, tickMs);
    let applied = false;
    if (source === '' || d.maxOffset > (e.offsets.get(source) ?? -1)) {
      applied = true;
      e.clock = Math.max(e.clock, d.maxEventMs);
      wclock = Math.max(wclock, e.clock);
      e.wclock = wclock;
      e.version = Math.max(e.version + 1, wclock * 1000);
      if (source !== '') e.offsets.set(source, d.maxOffset);
      e.late += d.late;
      for (const [p, g] of this.periods) {
        const w = this.window(e, p);
        this.slide(e, w, g, Math.floor(wclock / g) - BUCKETS_PER_WINDOW + 1);
        for (const [b, counters] of d.periods.get(p) ?? []) {
          if (b < (w.first as number)) continue;
          const bucket = w.buckets.get(b) ?? new Map<string, number>();
          w.buckets.set(b, bucket);
          for (const [name, amount] of Object.entries(counters)) {
            bucket.set(name, (bucket.get(name) ?? 0) + amount);
            w.tot.set(name, (w.tot.get(name) ?? 0) + amount);
          }
          mark(w, b);
        }
      }
      for (const [second, n] of d.starts) this.countStart(e, second, n);
      if (d.opens.length > 0) e.callStarts = true;
      for (const [callId, startMs] of d.opens) {
        if (hasId(e, `call:${callId}`)) continue;
        e.ids.set(`call:${callId}`, startMs);
        e.open.set(callId, startMs);
        e.openMin = Math.min(e.openMin, startMs);
        this.countStart(e, Math.floor(startMs / 1000), 1);
      }
      for (const [callId, second, endMs] of d.calls) {
        if (e.open.delete(callId) || hasId(e, `call:${callId}`)) continue;
        e.ids.set(`call:${callId}`, endMs);
        this.countStart(e, second, 1);
      }
      if (e.callStarts && e.openMin < e.clock - this.options.maxCallMs) {
        e.openMin = Infinity;
        for (const [callId, startMs] of e.open) {
          if (startMs < e.clock - this.options.maxCallMs) {
            e.open.delete(callId);
            e.expired++;
          } else e.openMin = Math.min(e.openMin, startMs);
        }
      }
      const oldest = Math.floor((wclock - this.longestMs) / 1000);
      if (e.startsMin < oldest) {
        e.startsMin = Infinity;
        for (const second of e.starts.keys()) {
          if (second < oldest) e.starts.delete(second);
          else e.startsMin = Math.min(e.startsMin, second);
        }
      }
      if (d.account && d.account[1] > e.balAt) {
        e.balAt = d.account[1];
        e.balBase = d.account[0];
        e.balLimit = d.account[2];
        const baseSecond = Math.floor(e.balAt / 1000);
        e.balSum = 0;
        for (const [second, amount] of e.moves) {
          if (second <= baseSecond) e.moves.delete(second);
          else e.balSum += amount;
        }
        if (e.balOldTo <= baseSecond) {
          e.balOld = 0;
          e.balOldTo = -1;
        } else {
          e.balSum += e.balOld;
        }
      }
      const baseSecond = e.balAt >= 0 ? Math.floor(e.balAt / 1000) : -1;
      const movedFrom = Math.floor((e.clock - (this.options.accountLatenessMs ?? ACCOUNT_LATENESS_MS)) / 1000);
      let folded = 0;
      if (e.movesFrom < movedFrom) {
        // As the script forgets seconds: the ones the clock passed, one by one when fewer than those kept.
        const fold = (second: number, amount: number) => {
          e.moves.delete(second);
          folded += amount;
        };
        if (movedFrom - e.movesFrom <= e.moves.size) {
          for (let second = e.movesFrom; second < movedFrom; second++) {
            const amount = e.moves.get(second);
            if (amount !== undefined) fold(second, amount);
          }
        } else {
          for (const [second, amount] of e.moves) if (second < movedFrom) fold(second, amount);
        }
        e.movesFrom = movedFrom;
      }
      for (const [second, amount] of d.moves) {
        if (second <= baseSecond) continue;
        if (second < movedFrom) folded += amount;
        else e.moves.set(second, (e.moves.get(second) ?? 0) + amount);
        e.balSum += amount;
      }
      if (folded !== 0) {
        e.balOld += folded;
        e.balOldTo = Math.max(e.balOldTo, movedFrom - 1);
      }
      for (const [id, ms] of d.ids) e.ids.set(id, ms);
      e.idsFrom = Math.max(e.idsFrom, e.clock - this.options.idRetentionMs);
      if (e.ids.size >= e.idsSweepAt) {
        for (const [id, ms] of e.ids) if (ms < e.idsFrom) e.ids.delete(id);
        e.idsSweepAt = Math.max(ID_SWEEP_MIN, 2 * e.ids.size);
      }
    }
    return this.metrics(entity, e, applied, wclock);
  }

  private window(e: StoredEntity, p: number): PeriodWindow {
    let w = e.periods.get(p);
    if (!w) e.periods.set(p, (w = { first: undefined, list: [], buckets: new Map(), tot: new Map(), peakSecond: undefined }));
    return w;
  }

  private slide(e: StoredEntity, w: PeriodWindow, g: number, first: number): void {
    if (w.first !== undefined && first > w.first) {
      const kept: number[] = [];
      for (const b of w.list) {
        if (b >= first) {
          kept.push(b);
          continue;
        }
        for (const [name, amount] of w.buckets.get(b) ?? []) w.tot.set(name, (w.tot.get(name) ?? 0) - amount);
        w.buckets.delete(b);
      }
      if (kept.length === 0) w.tot = new Map();
      w.list = kept;
      w.first = first;
      if (w.peakSecond !== undefined && w.peakSecond * 1000 < first * g) {
        // The second that held the peak left the window: find the peak again among the seconds left.
        w.tot.delete('k');
        w.peakSecond = undefined;
        for (const [second, count] of e.starts) {
          if (second * 1000 < first * g || second * 1000 >= (first + BUCKETS_PER_WINDOW) * g) continue;
          this.raisePeak(w, second, count);
        }
      }
    }
    if (w.first === undefined || first > w.first) w.first = first;
  }

  private raisePeak(w: PeriodWindow, second: number, count: number): void {
    const peak = w.tot.get('k');
    if (peak === undefined || count > peak || (count === peak && second > (w.peakSecond as number))) {
      w.tot.set('k', count);
      w.peakSecond = second;
    }
  }

  private countStart(e: StoredEntity, second: number, n: number): void {
    const count = (e.starts.get(second) ?? 0) + n;
    e.starts.set(second, count);
    e.startsMin = Math.min(e.startsMin, second);
    for (const [p, g] of this.periods) {
      const w = this.window(e, p);
      const b = Math.floor((second * 1000) / g);
      if (w.first === undefined || b < w.first || b > w.first + BUCKETS_PER_WINDOW - 1) continue;
      this.raisePeak(w, second, count);
      mark(w, b);
    }
  }

  private metrics(entity: string, e: StoredEntity, applied: boolean, wclock: number): EntityMetrics {
    const windows: Window[] = [];
    let dueMs = 0;
    for (const [p, g] of this.periods) {
      const w = this.window(e, p);
      windows.push(deriveWindow(p, Object.fromEntries(w.tot)));
      const oldest = w.list[0];
      if (oldest !== undefined) {
        const change = (oldest + BUCKETS_PER_WINDOW) * g;
        if (dueMs === 0 || change < dueMs) dueMs = change;
      }
    }
    const balance = e.balAt >= 0 ? roundMoney(e.balBase + e.balSum) : null;
    return {
      entity,
      applied,
      clockMs: wclock,
      late: e.late,
      channels: e.callStarts ? e.open.size : null,
      balance,
      ...creditGauges(balance, e.balLimit),
      dueMs,
      version: e.version,
      windows,
    };
  }
}

/** mark records that bucket `b` of a window holds data, keeping the list in order. */
function mark(w: PeriodWindow, b: number): void {
  const i = w.list.findIndex((x) => x >= b);
  if (i === -1) w.list.push(b);
  else if (w.list[i] !== b) w.list.splice(i, 0, b);
}
