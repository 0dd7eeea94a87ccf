import { decide, type AlertState } from '@callwatch/rules';
import { makeRule } from '@callwatch/rules/testing';
import type { MetricSnapshot, Rule } from '@callwatch/schemas';
import type { EntityAlerts } from '@callwatch/redis';
import { judgeChunk, type ChunkInput, type PositionedSnapshot } from './judge-chunk';

const MIN = 60_000;
const T = 1_800_000_000_000;
const ACME = 'customer:acme';
const GLOBEX = 'customer:globex';

const snapshot = (entity: string, at: number, asr: number, offset: number, version = at * 1_000): PositionedSnapshot => ({
  partition: 0,
  offset: String(offset),
  value: {
    entity, at_ms: at, channels: null, balance: null, credit: null, credit_used: null, late: 0, version,
    windows: [{ sample_period_ms: 900_000, attempts: 50, answered: Math.round(asr / 2), asr, ner: null, acd: null, pdd: null, cps: null, spend: null, margin: null, sdr: null, codes: {} }],
  } satisfies MetricSnapshot,
});

// Repeats every 4 minutes; fires after 3 minutes at or below 30.
const repeating = makeRule({ id: 'repeating', scope: { kind: 'all_customers', value: null }, repeat_ms: 4 * MIN });
const slow = makeRule({ id: 'slow', scope: { kind: 'all_customers', value: null }, for_ms: 3 * MIN });

function input(overrides: Partial<ChunkInput> & Pick<ChunkInput, 'clockMs'>, rules: Rule[] = [repeating, slow]): ChunkInput {
  return { snapshots: [], due: new Map(), saved: new Map(), rulesFor: () => rules, ruleOf: (id) => rules.find((r) => r.id === id), ...overrides };
}

const saved = (states: Array<[string, AlertState]>, applied: string | null = null, valued: string[] = []): EntityAlerts => ({ states: new Map(states), applied, valued: new Set(valued) });
const firingAt = (rule: Rule, at: number, value = 20) => decide(rule, undefined, { value, attempts: 50 }, at).state;
const pendingAt = (at: number, value = 20) => decide(slow, undefined, { value, attempts: 50 }, at).state;
const lines = (outcome: ReturnType<typeof judgeChunk>) => outcome.events.map((e) => `${e.entity} ${e.rule_id} ${e.type}@${(e.at_ms - T) / MIN}=${e.value}`);

describe('judgeChunk', () => {
  it('judges an entity\'s deadlines before its snapshot, on its previous value, and the snapshot after them', () => {
    const outcome = judgeChunk(input({
      snapshots: [snapshot(ACME, T + 9 * MIN, 50, 7)],
      clockMs: T + 9 * MIN,
      saved: new Map([[ACME, saved([['repeating', firingAt(repeating, T)], ['slow', pendingAt(T)]])]]),
    }));
    expect(lines(outcome)).toEqual([
      `${ACME} slow fired@3=20`, `${ACME} repeating repeated@4=20`, `${ACME} repeating repeated@8=20`,
      `${ACME} repeating reset@9=50`, `${ACME} slow reset@9=50`,
    ]);
    expect(outcome.deadlinesJudged).toBe(3);
    expect(outcome.deadlines).toEqual(new Map([[ACME, null]]));
    expect(outcome.judged.get(ACME)).toBe(`0:7:${(T + 9 * MIN) * 1_000}`);
  });

  it('judges the deadlines of entities without a snapshot that the partition\'s clock passed, and says when each is next due', () => {
    const outcome = judgeChunk(input({
      snapshots: [snapshot(GLOBEX, T + 5 * MIN, 60, 3)],
      clockMs: T + 5 * MIN,
      due: new Map([[ACME, T + 3 * MIN]]),
      saved: new Map([[ACME, saved([['repeating', firingAt(repeating, T)], ['slow', pendingAt(T)]])], [GLOBEX, saved([])]]),
    }));
    expect(lines(outcome)).toEqual([`${ACME} slow fired@3=20`, `${ACME} repeating repeated@4=20`]);
    expect(outcome.deadlines).toEqual(new Map([[GLOBEX, null], [ACME, T + 8 * MIN]]));
    // Only states that changed are written: globex's first snapshot made two ok states.
    expect([...outcome.changed.get(ACME)?.keys() ?? []]).toEqual(['slow', 'repeating']);
    expect(outcome.changed.get(GLOBEX)?.size).toBe(2);
    expect(outcome.judged.has(ACME)).toBe(false);
  });

  it('leaves a deadline at the clock itself for later: a snapshot at that time may come yet', () => {
    const outcome = judgeChunk(input({ clockMs: T + 3 * MIN, due: new Map([[ACME, T + 3 * MIN]]), saved: new Map([[ACME, saved([['slow', pendingAt(T)]])]]) }));
    expect(outcome.events).toEqual([]);
    expect(outcome.deadlines.get(ACME)).toBe(T + 3 * MIN);
  });

  it('skips a redelivered and a stale snapshot, and their deadlines wait for the clock', () => {
    const outcome = judgeChunk(input({
      snapshots: [snapshot(ACME, T + 9 * MIN, 50, 7), snapshot(ACME, T + 10 * MIN, 50, 9, 1)],
      clockMs: T + MIN,
      saved: new Map([[ACME, saved([['slow', pendingAt(T)]], `0:8:${(T + 2 * MIN) * 1_000}`)]]),
    }));
    expect([outcome.redelivered, outcome.stale, outcome.events.length, outcome.changed.size, outcome.deadlines.size]).toEqual([1, 1, 0, 0, 0]);
  });

  it('resets at its deadline an alert whose rule was deleted, and removes the state', () => {
    const outcome = judgeChunk(input({
      clockMs: T + 5 * MIN,
      due: new Map([[ACME, T + 4 * MIN]]),
      saved: new Map([[ACME, saved([['repeating', firingAt(repeating, T)]])]]),
    }, [slow]));
    expect(lines(outcome)).toEqual([`${ACME} repeating reset@4=20`]);
    expect(outcome.removed).toEqual(new Map([[ACME, ['repeating']]]));
    expect(outcome.deadlines).toEqual(new Map([[ACME, null]]));
  });

  it('saves apart the changed values of states with a deadline, which deadlines are judged on, and not the states', () => {
    const outcome = judgeChunk(input({
      snapshots: [snapshot(ACME, T + MIN, 25, 1)],
      clockMs: T + MIN,
      saved: new Map([[ACME, saved([['repeating', firingAt(repeating, T)], ['slow', pendingAt(T)]])]]),
    }));
    expect(outcome.events).toEqual([]);
    expect(outcome.changed.size).toBe(0);
    expect(outcome.values).toEqual(new Map([[ACME, { repeating: 25, slow: 25 }]]));
  });

  it('saves no values when they did not change, and drops those of states whose deadline went', () => {
    const states: Array<[string, AlertState]> = [['repeating', firingAt(repeating, T, 25)], ['slow', pendingAt(T, 25)]];
    const same = judgeChunk(input({ snapshots: [snapshot(ACME, T + MIN, 25, 1)], clockMs: T + MIN, saved: new Map([[ACME, saved(states, null, ['repeating', 'slow'])]]) }));
    expect(same.values.size).toBe(0);
    // ASR back above 30: both reset, no deadline left, and the values saved apart go.
    const reset = judgeChunk(input({ snapshots: [snapshot(ACME, T + MIN, 60, 1)], clockMs: T + MIN, saved: new Map([[ACME, saved(states, null, ['repeating', 'slow'])]]) }));
    expect(reset.values).toEqual(new Map([[ACME, {}]]));
    expect([...reset.changed.get(ACME)?.values() ?? []].map((s) => s.status)).toEqual(['ok', 'ok']);
  });
});
