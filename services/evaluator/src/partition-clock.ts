import type { PartitionTime } from '@callwatch/redis';

/** ClockLimits are how a partition's clock follows event time and, when the partition goes quiet, the wall clock. */
export interface ClockLimits {
  /** after this long without a snapshot that moves the clock, the clock moves on with the wall clock */
  idleMs: number;
  /** a snapshot moves the clock at most this far ahead of the wall clock (a switch whose clock runs ahead) */
  aheadMs: number;
}

/**
 * advanceClock moves a partition's clock to the newest of `snapshotTimes`, never back and never more than
 * `aheadMs` past the wall clock `wallMs`; the wall time is that of the move, or kept when the clock did not move.
 */
export function advanceClock(time: PartitionTime, snapshotTimes: Iterable<number>, wallMs: number, limits: ClockLimits): PartitionTime {
  let clockMs = time.clockMs;
  for (const at of snapshotTimes) {
    const capped = Math.min(at, wallMs + limits.aheadMs);
    if (clockMs === null || capped > clockMs) clockMs = capped;
  }
  return clockMs === time.clockMs ? time : { clockMs, wallMs };
}

/**
 * judgedClock is the time up to which a partition's deadlines are judged at wall time `wallMs`: its event-time clock,
 * or, once no snapshot has moved that for `idleMs`, the clock plus the wall time since it last moved (a quiet
 * partition's deadlines still fall due, on time by the wall clock, never sooner than `idleMs` after its last snapshot).
 * Null before the partition's first snapshot.
 */
export function judgedClock(time: PartitionTime, wallMs: number, limits: ClockLimits): number | null {
  if (time.clockMs === null) return null;
  const quietMs = wallMs - time.wallMs;
  return quietMs >= limits.idleMs ? time.clockMs + quietMs : time.clockMs;
}
