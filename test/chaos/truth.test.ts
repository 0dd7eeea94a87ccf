import { countIds, emptyTally } from './truth';

// The scoreboard's arithmetic: what counts as lost, duplicated (another id) and redelivered (the same id again).
describe('chaos scoreboard counting', () => {
  it('tells a missing record, a second id and a copy with the same id apart', () => {
    const tally = emptyTally();
    countIds(tally, 'alert', ['fired a', 'fired b', 'fired c'], [
      ['fired a', 'e1'],
      ['fired a', 'e1'], // redelivered: the same event again
      ['fired b', 'e2'],
      ['fired b', 'e3'], // duplicated: the transition under a second id
      ['reset z', 'e9'], // duplicated: nothing expected it
    ]);
    expect(tally).toMatchObject({ lost: 1, duplicated: 2, redelivered: 1, seen: { alert: 5 } });
    expect(tally.details).toEqual(['alert fired c: missing', 'alert fired b: 2 ids', 'alert reset z: not expected']);
  });

  it('finds nothing wrong when every expected record came once', () => {
    const tally = emptyTally();
    countIds(tally, 'action', ['disable a', 'enable a'], [['disable a', 'x'], ['enable a', 'y']]);
    expect(tally).toMatchObject({ lost: 0, duplicated: 0, redelivered: 0, details: [] });
  });
});
