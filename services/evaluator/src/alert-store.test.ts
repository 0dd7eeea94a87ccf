import { alreadyJudged, snapshotPosition, stateChanged } from './alert-store';

describe('alreadyJudged', () => {
  it.each([
    ['nothing saved yet', null, 0, '5', false],
    ['an earlier offset of the same partition', snapshotPosition(2, '10'), 2, '9', true],
    ['the same offset', snapshotPosition(2, '10'), 2, '10', true],
    ['a later offset', snapshotPosition(2, '10'), 2, '11', false],
    ['another partition (the topic was repartitioned)', snapshotPosition(2, '10'), 3, '1', false],
    ['offsets compared as numbers, not text', snapshotPosition(0, '9'), 0, '10', false],
    ['offsets beyond 2^53', snapshotPosition(0, '9007199254740993'), 0, '9007199254740992', true],
  ])('%s', (_, applied, partition, offset, expected) => {
    expect(alreadyJudged(applied, partition, offset)).toBe(expected);
  });
});

describe('stateChanged', () => {
  const ok = { status: 'ok' as const, since_ms: 1, first_fired_at_ms: null, last_notified_ms: null, value: 10 };
  it('ignores a change of value alone, and sees status and times', () => {
    expect(stateChanged(undefined, ok)).toBe(true);
    expect(stateChanged(ok, { ...ok, value: 99 })).toBe(false);
    expect(stateChanged(ok, { ...ok, status: 'pending' })).toBe(true);
    expect(stateChanged(ok, { ...ok, since_ms: 2 })).toBe(true);
  });
});
