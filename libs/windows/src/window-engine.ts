import type { Window } from '@callwatch/schemas';
import { WindowCounters } from './window-counters';
import { BUCKETS_PER_WINDOW, bucketSizeMs } from './buckets';
import { roundMoney } from './counters';
import { creditGauges } from './credit';
import { ACCOUNT_LATENESS_MS, type EntityMetrics, type WindowStoreOptions } from './entity-metrics';
import { IdSet, idHash } from './id-set';
import type { EntityDelta, EntityPosition } from './pre-aggregate';

interface PeriodWindow {
  first: number | undefined;
  /** buckets holding data, in order */
  list: number[];
  buckets: Map<number, WindowCounters>;
  tot: WindowCounters;
  /** the second that holds the window's peak of calls started (`k` in tot) */
  peakSecond: number | undefined;
}

interface EntityState {
  clock: number;
  wclock: number;
  late: number;
  offsets: Map<string, number>;
  /** ids of counted events (hashes, `idHash`), with their times */
  ids: IdSet;
  /** ids older than this are forgotten; they are dropped from the set in sweeps, when it has doubled */
  idsFrom: number;
  idsSweepAt: number;
  /** the stored fields of ids, with the newest time of each */
  seenFields: Map<string, number>;
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
  /** the debit limit of the newest account snapshot */
  balLimit: number | null;
  moves: Map<number, number>;
  /** movements after balAt older than the account lateness, as one sum, all at or before second balOldTo */
  balOld: number;
  balOldTo: number;
  /** no second before this is in `moves` */
  movesFrom: number;
  /** grows with every change */
  version: number;
  periods: Map<number, PeriodWindow>;
  /** what changed since the last `takeChanges`, when the engine tracks changes */
  changes: Tracked | null;
}

/** Tracked is what changed in one entity since its last checkpoint, as names of what to write and delete. */
interface Tracked {
  /** whether anything was applied since */
  applied: boolean;
  bucketsGone: Set<string>;
  ids: Array<[number, number]>;
  starts: Set<number>;
  startsGone: Set<number>;
  opened: Set<string>;
  closed: Set<string>;
  moves: Set<number>;
  movesGone: Set<number>;
}

/**
 * StoredState is an entity's state as it is kept durably (in Redis: docs/design.md, "Window state"): hash fields of
 * its meta, of its windows (`<periodMs>:<bucket>` and `<periodMs>:tot`, JSON counters), of its call starts and money
 * movements per second, of its ids (`<newest ms>:<version>`: the hashes of the ids one checkpoint added, 8 bytes
 * each, a big-endian double), and its open calls with their start times.
 */
export interface StoredState {
  meta: Record<string, string>;
  windows: Record<string, string>;
  seen: Record<string, Buffer>;
  starts: Record<string, string>;
  open: Array<[string, number]>;
  moves: Record<string, string>;
}

/**
 * StateChanges is what one checkpoint writes of an entity: fields and members to set (flat pairs: field, value,
 * field, value…, or score-member pairs for open calls), and those to delete.
 */
export interface StateChanges {
  meta: string[];
  metaGone: string[];
  windows: string[];
  windowsGone: string[];
  seen: Array<string | Buffer>;
  seenGone: string[];
  starts: string[];
  startsGone: string[];
  opened: string[];
  closed: string[];
  moves: string[];
  movesGone: string[];
}

const ID_SWEEP_MIN = 1024;
const NOTHING_SEEN: ReadonlySet<string> = new Set();

// An id counts while it is younger than the entity's id retention, as if every older one had been deleted.
function hasId(e: EntityState, id: string): boolean {
  return e.ids.has(idHash(id), e.idsFrom);
}

const NO_DELTA: Omit<EntityDelta, 'entity'> = {
  maxOffset: -1, maxEventMs: 0, periods: new Map(), ids: [], starts: new Map(), calls: [], opens: [], moves: new Map(), account: null, events: 0, late: 0, duplicates: 0,
};

/** WindowEngineOptions are the store's limits, and whether it tracks changes for checkpoints. */
export interface WindowEngineOptions extends WindowStoreOptions {
  /** keep, per entity, what changed since its last `takeChanges` (the aggregator's checkpoints); off for replays */
  track?: boolean;
}

/**
 * WindowEngine is the one implementation of callwatch's window semantics (docs/design.md, "Windows"): it folds
 * entities' deltas into their windows, call starts, open calls and balances, in memory, and slides windows as time
 * passes. The aggregator keeps the entities of its partitions in one, loads an entity from Redis on first touch and
 * writes what changed back after each batch (`takeChanges`); `callwatch replay` and the backtests run one alone.
 */
export class WindowEngine {
  private readonly entities = new Map<string, EntityState>();
  private periods: Array<[number, number]> = [];
  private longestMs = 0;

  constructor(private options: WindowEngineOptions) {
    this.setPeriods(options.periodsMs, options.idRetentionMs);
  }

  /** setPeriods changes the sample periods kept: a new one's windows fill from now on, one left out is dropped at each entity's next change. */
  setPeriods(periodsMs: number[], idRetentionMs: number): void {
    this.periods = periodsMs.map((p) => [p, bucketSizeMs(p)]);
    this.longestMs = Math.max(...periodsMs);
    this.options = { ...this.options, periodsMs, idRetentionMs };
  }

  /** size is the number of entities in memory. */
  get size(): number {
    return this.entities.size;
  }

  has(entity: string): boolean {
    return this.entities.has(entity);
  }

  /** evict forgets an entity (its state is reloaded, or starts afresh, at its next `load`). */
  evict(entity: string): void {
    this.entities.delete(entity);
  }

  clear(): void {
    this.entities.clear();
  }

  /** load puts an entity's stored state in memory (null: nothing stored, it starts afresh), replacing what was there. */
  load(entity: string, stored: StoredState | null): void {
    const e = emptyState(this.options.track === true);
    if (stored) restore(e, stored);
    this.entities.set(entity, e);
  }

  /** positions is what an entity's state says before a batch of `source`: offset applied, clock, ids seen, call starts. */
  positions(source: string, idsByEntity: ReadonlyMap<string, string[]>): Map<string, EntityPosition> {
    const out = new Map<string, EntityPosition>();
    for (const [entity, ids] of idsByEntity) {
      const e = this.entities.get(entity);
      out.set(entity, {
        offset: e?.offsets.get(source) ?? -1,
        clockMs: e?.clock ?? 0,
        callStarts: e?.callStarts ?? false,
        seen: e === undefined || e.ids.size === 0 ? NOTHING_SEEN : new Set(ids.filter((id) => hasId(e, id))),
      });
    }
    return out;
  }

  /** apply applies each entity's delta and returns its metrics. */
  apply(source: string, deltas: EntityDelta[]): EntityMetrics[] {
    return deltas.map((d) => {
      const [e, applied, wclock] = this.applyEntity(d.entity, source, d, 0);
      return this.metrics(d.entity, e, applied, wclock);
    });
  }

  /**
   * fold applies each entity's delta without computing metrics: many batches can fold into an entity before one
   * checkpoint writes it and one snapshot (`metricsOf`) is published.
   */
  fold(source: string, deltas: EntityDelta[]): void {
    for (const d of deltas) this.applyEntity(d.entity, source, d, 0);
  }

  /** metricsOf is an entity's metrics as its state stands (null when it is not in memory). */
  metricsOf(entity: string): EntityMetrics | null {
    const e = this.entities.get(entity);
    return e === undefined ? null : this.metrics(entity, e, true, Math.max(e.clock, e.wclock));
  }

  /** tick slides the windows of entities to `clockMs` (their side and partition's clock) and returns their metrics. */
  tick(entities: string[], clockMs: number): EntityMetrics[] {
    return entities.map((entity) => {
      const [e, applied, wclock] = this.applyEntity(entity, '', { entity, ...NO_DELTA }, clockMs);
      return this.metrics(entity, e, applied, wclock);
    });
  }

  /**
   * takeChanges is what changed in an entity since the last call, as fields and members to write and delete (null
   * when nothing did), and starts tracking afresh. Its meta holds every offset applied, so the state and the offsets
   * that produced it are written together.
   */
  takeChanges(entity: string): StateChanges | null {
    const e = this.entities.get(entity);
    const t = e?.changes;
    if (!e || !t?.applied) return null;
    t.applied = false;
    const windows: string[] = [];
    const windowsGone: string[] = [...t.bucketsGone];
    for (const [p, w] of e.periods) {
      for (const b of w.list) {
        const bucket = w.buckets.get(b);
        if (!bucket?.dirty) continue;
        windows.push(`${p}:${b}`, bucket.json());
        bucket.dirty = false;
      }
      windows.push(`${p}:tot`, storedTotals(w));
    }
    const meta: string[] = [
      'clock', String(e.clock), 'wclock', String(e.wclock), 'late', String(e.late), 'expired', String(e.expired), 'bal_sum', String(e.balSum),
      'ver', String(e.version), 'periods', [...e.periods.keys()].join(','),
    ];
    const metaGone: string[] = [];
    for (const [source, offset] of e.offsets) meta.push(`off:${source}`, String(offset));
    if (e.callStarts) meta.push('starts', '1');
    if (e.balAt >= 0) {
      meta.push('bal_at', String(e.balAt), 'bal_base', String(e.balBase));
      if (e.balLimit !== null) meta.push('bal_limit', String(e.balLimit));
      else metaGone.push('bal_limit');
    }
    if (e.balOldTo >= 0) meta.push('bal_old', String(e.balOld), 'bal_old_to', String(e.balOldTo));
    else metaGone.push('bal_old', 'bal_old_to');
    const values = (keys: Set<number>, from: Map<number, number>) => {
      const out: string[] = [];
      for (const key of keys) {
        const value = from.get(key);
        if (value !== undefined) out.push(String(key), String(value));
      }
      return out;
    };
    const opened: string[] = [];
    for (const callId of t.opened) {
      const startMs = e.open.get(callId);
      if (startMs !== undefined) opened.push(String(startMs), callId);
    }
    const seen: Array<string | Buffer> = [];
    if (t.ids.length > 0) {
      let newest = -Infinity;
      const packed = Buffer.allocUnsafe(8 * t.ids.length);
      t.ids.forEach(([hash, ms], i) => {
        newest = Math.max(newest, ms);
        packed.writeDoubleBE(hash, 8 * i);
      });
      const field = `${newest}:${e.version}`;
      seen.push(field, packed);
      e.seenFields.set(field, newest);
    }
    const seenGone: string[] = [];
    // Oldest first, as they were written: the first still remembered ends the search (one written later with an
    // older newest id waits for the next).
    for (const [field, newest] of e.seenFields) {
      if (newest >= e.idsFrom) break;
      seenGone.push(field);
      e.seenFields.delete(field);
    }
    const changes: StateChanges = {
      meta, metaGone, windows, windowsGone, seen, seenGone,
      starts: values(t.starts, e.starts), startsGone: [...t.startsGone].map(String),
      opened, closed: [...t.closed],
      moves: values(t.moves, e.moves), movesGone: [...t.movesGone].map(String),
    };
    // Cleared rather than made anew: a busy aggregator takes thousands of entities' changes a second.
    for (const set of [t.bucketsGone, t.starts, t.startsGone, t.opened, t.closed, t.moves, t.movesGone]) if (set.size > 0) set.clear();
    t.ids = [];
    return changes;
  }

  /** applyEntity applies one delta (or slides to `tickMs`) and answers the state, whether the delta was new, and the window clock. */
  private applyEntity(entity: string, source: string, d: EntityDelta, tickMs: number): [EntityState, boolean, number] {
    let e = this.entities.get(entity);
    if (!e) this.entities.set(entity, (e = emptyState(this.options.track === true)));
    const t = e.changes;
    let wclock = Math.max(e.clock, e.wclock, tickMs);
    let applied = false;
    if (source === '' || d.maxOffset > (e.offsets.get(source) ?? -1)) {
      applied = true;
      if (t) t.applied = true;
      e.clock = Math.max(e.clock, d.maxEventMs);
      wclock = Math.max(wclock, e.clock);
      e.wclock = wclock;
      e.version = Math.max(e.version + 1, wclock * 1000);
      if (source !== '') e.offsets.set(source, d.maxOffset);
      e.late += d.late;
      // A period no longer asked for (no rule uses it any more) leaves with its buckets.
      for (const [p, w] of e.periods) {
        if (this.periods.some(([kept]) => kept === p)) continue;
        for (const b of w.list) t?.bucketsGone.add(`${p}:${b}`);
        t?.bucketsGone.add(`${p}:tot`);
        e.periods.delete(p);
      }
      for (const [p, g] of this.periods) {
        const w = this.window(e, p);
        this.slide(e, p, w, g, Math.floor(wclock / g) - BUCKETS_PER_WINDOW + 1);
        for (const [b, counters] of d.periods.get(p) ?? []) {
          if (b < (w.first as number)) continue;
          let bucket = w.buckets.get(b);
          if (!bucket) w.buckets.set(b, (bucket = new WindowCounters()));
          bucket.addRecord(counters);
          w.tot.addRecord(counters);
          bucket.dirty = true;
          mark(w, b);
        }
      }
      for (const [second, n] of d.starts) this.countStart(e, second, n);
      if (d.opens.length > 0) e.callStarts = true;
      for (const [callId, startMs] of d.opens) {
        // A call already started, or already ended by its CDR (the CDR can overtake its call-start event), is not new.
        if (e.open.has(callId) || hasId(e, `call:${callId}`)) continue;
        this.addId(e, `call:${callId}`, startMs);
        e.open.set(callId, startMs);
        t?.opened.add(callId);
        e.openMin = Math.min(e.openMin, startMs);
        this.countStart(e, Math.floor(startMs / 1000), 1);
      }
      for (const [callId, second, endMs] of d.calls) {
        if (e.open.delete(callId)) {
          t?.closed.add(callId);
          continue;
        }
        // No call-start event for this call (yet): its CDR's start counts, and a late call start is ignored.
        if (hasId(e, `call:${callId}`)) continue;
        this.addId(e, `call:${callId}`, endMs);
        this.countStart(e, second, 1);
      }
      if (e.callStarts && e.openMin < e.clock - this.options.maxCallMs) {
        e.openMin = Infinity;
        for (const [callId, startMs] of e.open) {
          if (startMs < e.clock - this.options.maxCallMs) {
            e.open.delete(callId);
            t?.closed.add(callId);
            e.expired++;
          } else e.openMin = Math.min(e.openMin, startMs);
        }
      }
      // Seconds older than the longest window cannot raise any window's peak again.
      const oldest = Math.floor((wclock - this.longestMs) / 1000);
      if (e.startsMin < oldest) {
        e.startsMin = Infinity;
        for (const second of e.starts.keys()) {
          if (second < oldest) {
            e.starts.delete(second);
            t?.startsGone.add(second);
          } else e.startsMin = Math.min(e.startsMin, second);
        }
      }
      this.moveMoney(e, d);
      for (const [id, ms] of d.ids) this.addId(e, id, ms);
      e.idsFrom = Math.max(e.idsFrom, e.clock - this.options.idRetentionMs);
      if (e.ids.size >= e.idsSweepAt) {
        e.ids.forget(e.idsFrom);
        e.idsSweepAt = Math.max(ID_SWEEP_MIN, 2 * e.ids.size);
      }
    }
    return [e, applied, wclock];
  }

  /** moveMoney applies an account snapshot and money movements to the balance (docs/design.md, "Balance"). */
  private moveMoney(e: EntityState, d: EntityDelta): void {
    const t = e.changes;
    if (d.account && d.account[1] > e.balAt) {
      // A newer account snapshot includes every movement up to its second; keep only the later ones.
      e.balAt = d.account[1];
      e.balBase = d.account[0];
      e.balLimit = d.account[2];
      const baseSecond = Math.floor(e.balAt / 1000);
      e.balSum = 0;
      for (const [second, amount] of e.moves) {
        if (second <= baseSecond) {
          e.moves.delete(second);
          t?.movesGone.add(second);
        } else e.balSum += amount;
      }
      if (e.balOldTo <= baseSecond) {
        e.balOld = 0;
        e.balOldTo = -1;
      } else {
        // A snapshot later than the account lateness: the movements kept as one sum count as after it.
        e.balSum += e.balOld;
      }
    }
    const baseSecond = e.balAt >= 0 ? Math.floor(e.balAt / 1000) : -1;
    // Movements older than the account lateness join the one sum: those the clock passed, and late ones.
    const movedFrom = Math.floor((e.clock - (this.options.accountLatenessMs ?? ACCOUNT_LATENESS_MS)) / 1000);
    let folded = 0;
    if (e.movesFrom < movedFrom) {
      const fold = (second: number, amount: number) => {
        e.moves.delete(second);
        t?.movesGone.add(second);
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
      else {
        e.moves.set(second, (e.moves.get(second) ?? 0) + amount);
        t?.moves.add(second);
      }
      e.balSum += amount;
    }
    if (folded !== 0) {
      e.balOld += folded;
      e.balOldTo = Math.max(e.balOldTo, movedFrom - 1);
    }
  }

  private addId(e: EntityState, id: string, ms: number): void {
    const hash = idHash(id);
    e.ids.add(hash, ms);
    e.changes?.ids.push([hash, ms]);
  }

  private window(e: EntityState, p: number): PeriodWindow {
    let w = e.periods.get(p);
    if (!w) e.periods.set(p, (w = { first: undefined, list: [], buckets: new Map(), tot: new WindowCounters(), peakSecond: undefined }));
    return w;
  }

  /** slide moves one period's window to start at bucket `first`: buckets that leave it are subtracted from its totals. */
  private slide(e: EntityState, p: number, w: PeriodWindow, g: number, first: number): void {
    if (w.first !== undefined && first > w.first) {
      const kept: number[] = [];
      for (const b of w.list) {
        if (b >= first) {
          kept.push(b);
          continue;
        }
        const bucket = w.buckets.get(b);
        if (bucket) w.tot.subtract(bucket);
        w.buckets.delete(b);
        e.changes?.bucketsGone.add(`${p}:${b}`);
      }
      // Nothing is left in the window: start from exact zeros rather than float remainders.
      if (kept.length === 0) w.tot = new WindowCounters();
      w.list = kept;
      w.first = first;
      if (w.peakSecond !== undefined && w.peakSecond * 1000 < first * g) {
        // The second that held the peak left the window: find the peak again among the seconds left.
        w.tot.k = 0;
        w.peakSecond = undefined;
        for (const [second, count] of e.starts) {
          if (second * 1000 < first * g || second * 1000 >= (first + BUCKETS_PER_WINDOW) * g) continue;
          raisePeak(w, second, count);
        }
      }
    }
    if (w.first === undefined || first > w.first) w.first = first;
  }

  private countStart(e: EntityState, second: number, n: number): void {
    const count = (e.starts.get(second) ?? 0) + n;
    e.starts.set(second, count);
    e.changes?.starts.add(second);
    e.changes?.startsGone.delete(second);
    e.startsMin = Math.min(e.startsMin, second);
    for (const [p, g] of this.periods) {
      const w = this.window(e, p);
      const b = Math.floor((second * 1000) / g);
      if (w.first === undefined || b < w.first || b > w.first + BUCKETS_PER_WINDOW - 1) continue;
      raisePeak(w, second, count);
      mark(w, b);
    }
  }

  private metrics(entity: string, e: EntityState, applied: boolean, wclock: number): EntityMetrics {
    const windows: Window[] = [];
    let dueMs = 0;
    for (const [p, g] of this.periods) {
      const w = this.window(e, p);
      windows.push(w.tot.window(p));
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

function newTracked(): Tracked {
  return {
    applied: false, bucketsGone: new Set(), ids: [], starts: new Set(), startsGone: new Set(), opened: new Set(), closed: new Set(), moves: new Set(), movesGone: new Set(),
  };
}

function emptyState(track: boolean): EntityState {
  return {
    clock: 0, wclock: 0, late: 0, offsets: new Map(), ids: new IdSet(), idsFrom: -Infinity, idsSweepAt: ID_SWEEP_MIN, seenFields: new Map(), starts: new Map(), startsMin: Infinity,
    callStarts: false, open: new Map(), openMin: Infinity, expired: 0,
    balBase: 0, balAt: -1, balSum: 0, balLimit: null, moves: new Map(), balOld: 0, balOldTo: -1, movesFrom: -Infinity, version: 0, periods: new Map(),
    changes: track ? newTracked() : null,
  };
}

const BUCKET_FIELD = /^(\d+):(\d+|tot)$/;

/** restore fills an empty state from its stored form. */
function restore(e: EntityState, s: StoredState): void {
  const num = (value: string | undefined, otherwise: number) => (value === undefined ? otherwise : Number(value));
  const { meta } = s;
  e.clock = num(meta.clock, 0);
  e.wclock = num(meta.wclock, 0);
  e.late = num(meta.late, 0);
  e.expired = num(meta.expired, 0);
  e.version = num(meta.ver, 0);
  e.callStarts = meta.starts !== undefined;
  for (const [field, value] of Object.entries(meta)) if (field.startsWith('off:')) e.offsets.set(field.slice(4), Number(value));
  e.balAt = num(meta.bal_at, -1);
  e.balBase = num(meta.bal_base, 0);
  e.balSum = num(meta.bal_sum, 0);
  e.balLimit = meta.bal_limit === undefined ? null : Number(meta.bal_limit);
  e.balOld = num(meta.bal_old, 0);
  e.balOldTo = num(meta.bal_old_to, -1);
  for (const [field, raw] of Object.entries(s.windows)) {
    const match = BUCKET_FIELD.exec(field);
    if (!match) continue;
    const p = Number(match[1]);
    let w = e.periods.get(p);
    if (!w) e.periods.set(p, (w = { first: undefined, list: [], buckets: new Map(), tot: new WindowCounters(), peakSecond: undefined }));
    const counters = JSON.parse(raw) as Record<string, unknown>;
    if (match[2] !== 'tot') {
      w.buckets.set(Number(match[2]), WindowCounters.of(counters));
      continue;
    }
    w.tot = WindowCounters.of(counters);
    if (typeof counters._first === 'number') w.first = counters._first;
    if (typeof counters._ks === 'number') w.peakSecond = counters._ks;
    // Written by an older version: the buckets with data as a list.
    const marked: number[] = Array.isArray(counters._b) ? [...(counters._b as number[])] : [];
    const mask = typeof counters._m === 'string' ? counters._m : '';
    for (let i = 0; i < mask.length; i++) if (mask[i] === '1') marked.push((w.first as number) + i);
    w.list = marked;
  }
  // Buckets with data, and those marked as holding a peak of calls started (which have no counters of their own).
  for (const w of e.periods.values()) w.list = [...new Set([...w.list, ...w.buckets.keys()])].sort((a, b) => a - b);
  // Each id is taken as of the newest time of its checkpoint: remembered a little longer, never shorter.
  for (const [field, hashes] of Object.entries(s.seen)) {
    const newest = Number(field.slice(0, field.indexOf(':')));
    e.seenFields.set(field, newest);
    for (let i = 0; i + 8 <= hashes.length; i += 8) e.ids.add(hashes.readDoubleBE(i), newest);
  }
  e.idsSweepAt = Math.max(ID_SWEEP_MIN, 2 * e.ids.size);
  for (const [second, count] of Object.entries(s.starts)) {
    e.starts.set(Number(second), Number(count));
    e.startsMin = Math.min(e.startsMin, Number(second));
  }
  for (const [callId, startMs] of s.open) {
    e.open.set(callId, startMs);
    e.openMin = Math.min(e.openMin, startMs);
  }
  for (const [second, amount] of Object.entries(s.moves)) e.moves.set(Number(second), Number(amount));
}

/** storedTotals is a window's running totals as stored (JSON): its counters, its first bucket, its buckets with data, its peak's second. */
function storedTotals(w: PeriodWindow): string {
  let tail = '';
  if (w.first !== undefined) {
    tail += `"_first":${w.first}`;
    // One character per bucket from the first, "1" for data: which buckets a reader finds in the hash.
    let mask = '';
    for (const b of w.list) mask += '0'.repeat(b - w.first - mask.length) + '1';
    if (mask !== '') tail += `,"_m":"${mask}"`;
  }
  if (w.peakSecond !== undefined) tail += `${tail === '' ? '' : ','}"_ks":${w.peakSecond}`;
  return w.tot.json(tail);
}

function raisePeak(w: PeriodWindow, second: number, count: number): void {
  const peak = w.tot.k;
  if (count > peak || (count === peak && second > (w.peakSecond as number))) {
    w.tot.k = count;
    w.peakSecond = second;
  }
}

/** mark records that bucket `b` of a window holds data, keeping the list in order. */
function mark(w: PeriodWindow, b: number): void {
  const last = w.list[w.list.length - 1];
  if (last === b) return;
  if (last === undefined || last < b) {
    w.list.push(b);
    return;
  }
  const i = w.list.findIndex((x) => x >= b);
  if (i === -1) w.list.push(b);
  else if (w.list[i] !== b) w.list.splice(i, 0, b);
}
