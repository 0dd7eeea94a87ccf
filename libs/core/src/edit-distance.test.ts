import { editDistance } from './edit-distance';

describe('editDistance', () => {
  it.each([
    ['subject', 'subject', 0],
    ['subjet', 'subject', 1],
    ['subject', 'subjet', 1],
    ['level', 'lavel', 1],
    ['notify', 'ntoify', 2],
    ['', 'sms', 3],
    ['sms', '', 3],
    ['kitten', 'sitting', 3],
  ])('%j to %j is %d', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
  });
});
