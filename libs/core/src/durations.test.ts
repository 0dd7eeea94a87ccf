import { formatDuration, parseDuration } from './durations';

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

  it.each([
    [900_000, '15m'],
    [5_400_000, '1h30m'],
    [0, '0s'],
    [1_500, '1s500ms'],
  ])('formats %i as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
