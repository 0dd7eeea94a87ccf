import type { AlertState } from '@callwatch/rules';

/**
 * snapshotPosition names a metric snapshot the way the store records the last one judged: its partition and offset,
 * and the newest entity version judged so far (`judged`, the position recorded before, keeps a higher one: a
 * snapshot of unknown version, 0, does not lower it).
 */
export function snapshotPosition(partition: number, offset: string, version = 0, judged: string | null = null): string {
  return `${partition}:${offset}:${Math.max(version, parsePosition(judged).version)}`;
}

/**
 * snapshotVerdict tells what to do with a snapshot at `partition` and `offset`, of entity version `version`, given
 * the position the states were saved with (`snapshotPosition`):
 * - `redelivered`: it was judged before (a redelivery after a crash between saving states and committing
 *   offsets), and must not be judged again against the newer states;
 * - `stale`: a newer state of the entity was judged already. The entity's sides (calls, billing) publish their
 *   snapshots concurrently, so an older one can reach the topic after a newer one; judged, it would take the
 *   entity back in time (a balance before a payment, say);
 * - `new`: judge it. A snapshot of another partition (the topic was repartitioned) is new unless stale.
 */
export function snapshotVerdict(applied: string | null, partition: number, offset: string, version: number): 'new' | 'redelivered' | 'stale' {
  if (applied === null) return 'new';
  const saved = parsePosition(applied);
  if (saved.partition === partition && BigInt(offset) <= saved.offset) return 'redelivered';
  return version > 0 && version < saved.version ? 'stale' : 'new';
}

function parsePosition(position: string | null): { partition: number; offset: bigint; version: number } {
  if (position === null) return { partition: -1, offset: -1n, version: 0 };
  // Positions saved before snapshots had versions are `partition:offset`.
  const [partition, offset, version = '0'] = position.split(':');
  return { partition: Number(partition), offset: BigInt(offset as string), version: Number(version) };
}

/**
 * stateChanged tells whether a new state must be written back: a change of status, of any of its times, or of whether
 * its last observation had data. The value alone does not count, or every snapshot would rewrite every state: the
 * values that deadlines need are saved apart (`StateValues`).
 */
export function stateChanged(before: AlertState | undefined, after: AlertState): boolean {
  return before === undefined || before.status !== after.status || before.since_ms !== after.since_ms
    || before.first_fired_at_ms !== after.first_fired_at_ms || before.last_notified_ms !== after.last_notified_ms
    || before.no_data !== after.no_data;
}
