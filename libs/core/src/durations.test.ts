import { MAX_DURATION_MS, formatDuration, parseDuration } from './durations';

describe('durations', () => {
  it.each([
    ['15m', 900_000],
    ['1h30m', 5_400_000],
    ['90s', 90_000],
    ['0', 0],
    ['250ms', 250],
    ['1d', 86_400_000],
  ])('parses %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '15', 'm', '15 minutes', '-5m', '1h junk'])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/expected a duration/);
  });

  it('rejects a duration past 36500 days, which would take times past what a date can hold', () => {
    expect(parseDuration('36500d')).toBe(MAX_DURATION_MS);
    expect(() => parseDuration('99999999999h')).toThrow('expected a duration of at most 36500d, got "99999999999h"');
    expect(() => parseDuration(MAX_DURATION_MS + 1)).toThrow('at most 36500d');
  });

  it.each([
    [900_000, '15m'],
    [5_400_000, '1h30m'],
    [0, '0s'],
    [1_500, '1s500ms'],
  ])('formats %i as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
