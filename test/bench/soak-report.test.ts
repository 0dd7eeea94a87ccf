import { spellLatencies } from './soak-report';
import type { Spell } from './soak-traffic';

const spell = (firedTipMs: number | null, firedReadMs: number | null, resetTipMs: number | null = null, resetReadMs: number | null = null): Spell =>
  ({ entity: 'customer:x', startMs: 0, failedSent: 0, answeredSent: 0, firedTipMs, firedReadMs, resetTipMs, resetReadMs });

describe('spellLatencies', () => {
  it('measures from the tipping CDR\'s publish to the alert read, over the spells tipped from a time on', () => {
    const spells = [spell(1_000, 1_500), spell(2_000, 2_100, 5_000, 5_300), spell(3_000, null), spell(null, null), spell(4_000, 4_900)];
    expect(spellLatencies(spells, 'fired', 0)).toEqual({ tipped: 4, count: 3, p50: 500, p99: 900 });
    expect(spellLatencies(spells, 'fired', 2_000)).toEqual({ tipped: 3, count: 2, p50: 900, p99: 900 });
    expect(spellLatencies(spells, 'fired', 0, 3_000)).toEqual({ tipped: 4, count: 1, p50: 900, p99: 900 });
    expect(spellLatencies(spells, 'reset', 0)).toEqual({ tipped: 1, count: 1, p50: 300, p99: 300 });
    expect(spellLatencies([], 'reset', 0)).toEqual({ tipped: 0, count: 0, p50: NaN, p99: NaN });
  });
});
