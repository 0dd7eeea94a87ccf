import { snapshotPosition, snapshotVerdict, stateChanged } from './snapshot-position';

describe('snapshotVerdict', () => {
  it.each([
    ['nothing saved yet', null, 0, '5', 7, 'new'],
    ['an earlier offset of the same partition', snapshotPosition(2, '10'), 2, '9', 0, 'redelivered'],
    ['the same offset', snapshotPosition(2, '10'), 2, '10', 0, 'redelivered'],
    ['a later offset', snapshotPosition(2, '10'), 2, '11', 0, 'new'],
    ['another partition (the topic was repartitioned)', snapshotPosition(2, '10'), 3, '1', 0, 'new'],
    ['offsets compared as numbers, not text', snapshotPosition(0, '9'), 0, '10', 0, 'new'],
    ['offsets beyond 2^53', snapshotPosition(0, '9007199254740993'), 0, '9007199254740992', 0, 'redelivered'],
    ['a later offset of a newer version', snapshotPosition(0, '10', 5_000), 0, '11', 5_001, 'new'],
    ['a later offset of the same version (a redelivered batch publishes the state again)', snapshotPosition(0, '10', 5_000), 0, '11', 5_000, 'new'],
    ['a later offset of an older version: overtaken on its way', snapshotPosition(0, '10', 5_000), 0, '11', 4_999, 'stale'],
    ['an older version on another partition', snapshotPosition(0, '10', 5_000), 1, '1', 4_999, 'stale'],
    ['a later offset of unknown version (an older aggregator)', snapshotPosition(0, '10', 5_000), 0, '11', 0, 'new'],
    ['a position saved before versions', '0:10', 0, '11', 1, 'new'],
    ['a redelivery of an older version', snapshotPosition(0, '10', 5_000), 0, '9', 4_000, 'redelivered'],
  ])('%s', (_, applied, partition, offset, version, expected) => {
    expect(snapshotVerdict(applied, partition, offset, version)).toBe(expected);
  });

  it('records the newest version judged: a snapshot of unknown version does not lower it', () => {
    expect(snapshotPosition(0, '11', 0, snapshotPosition(0, '10', 5_000))).toBe('0:11:5000');
    expect(snapshotPosition(0, '11', 6_000, snapshotPosition(0, '10', 5_000))).toBe('0:11:6000');
    expect(snapshotPosition(0, '11', 6_000, '0:10')).toBe('0:11:6000');
  });
});

describe('stateChanged', () => {
  const ok = { status: 'ok' as const, since_ms: 1, first_fired_at_ms: null, last_notified_ms: null, value: 10 };
  it('ignores a change of value alone, and sees status, times and whether there was data', () => {
    expect(stateChanged(undefined, ok)).toBe(true);
    expect(stateChanged(ok, { ...ok, value: 99 })).toBe(false);
    expect(stateChanged(ok, { ...ok, status: 'pending' })).toBe(true);
    expect(stateChanged(ok, { ...ok, since_ms: 2 })).toBe(true);
    expect(stateChanged(ok, { ...ok, no_data: true })).toBe(true);
  });
});
