import type { PartitionTime } from '@callwatch/redis';
import { advanceClock, judgedClock } from './partition-clock';

const limits = { idleMs: 30_000, aheadMs: 300_000 };
const WALL = 1_800_000_000_000;

describe('advanceClock', () => {
  const start: PartitionTime = { clockMs: null, wallMs: 0 };

  it('moves to the newest snapshot time, stamped with the wall time of the move', () => {
    const t = advanceClock(start, [WALL - 5_000, WALL - 9_000], WALL, limits);
    expect(t).toEqual({ clockMs: WALL - 5_000, wallMs: WALL });
  });

  it('never goes back, and keeps its wall time when it does not move', () => {
    const t: PartitionTime = { clockMs: WALL - 5_000, wallMs: WALL - 1_000 };
    expect(advanceClock(t, [WALL - 6_000], WALL, limits)).toBe(t);
    expect(advanceClock(t, [], WALL, limits)).toBe(t);
  });

  it('goes no further than aheadMs past the wall clock', () => {
    expect(advanceClock(start, [WALL + 86_400_000], WALL, limits)).toEqual({ clockMs: WALL + 300_000, wallMs: WALL });
  });
});

describe('judgedClock', () => {
  const t: PartitionTime = { clockMs: WALL - 3_600_000, wallMs: WALL };

  it.each<[string, number, number | null]>([
    ['is the event-time clock while snapshots keep coming', WALL + 29_999, WALL - 3_600_000],
    ['follows the wall clock from the last move once the partition is quiet', WALL + 30_000, WALL - 3_600_000 + 30_000],
    ['keeps following it', WALL + 600_000, WALL - 3_600_000 + 600_000],
  ])('%s', (_name, wall, expected) => {
    expect(judgedClock(t, wall, limits)).toBe(expected);
  });

  it('is null before the first snapshot', () => {
    expect(judgedClock({ clockMs: null, wallMs: WALL }, WALL + 3_600_000, limits)).toBeNull();
  });
});
