import { DEFAULT_RATE, parseSoakOptions } from './soak-options';

describe('parseSoakOptions', () => {
  it('defaults to 10 minutes at half the aggregator\'s ceiling, 10,000 customers and 1,000 rules', () => {
    expect(parseSoakOptions([])).toEqual({ minutes: 10, warmupMinutes: 2, rate: DEFAULT_RATE, customers: 10_000, rules: 1_000, keep: false, help: false });
  });

  it('reads every flag, numbers with underscores too, and halves the warm-up of a short run', () => {
    expect(parseSoakOptions(['--minutes', '2', '--rate', '8_000', '--customers=500', '--rules', '50', '--keep'])).toEqual({ minutes: 2, warmupMinutes: 1, rate: 8_000, customers: 500, rules: 50, keep: true, help: false });
    expect(parseSoakOptions(['--minutes', '30', '--warmup', '0'])).toMatchObject({ minutes: 30, warmupMinutes: 0 });
    expect(parseSoakOptions(['-h']).help).toBe(true);
  });

  it.each([
    [['--minute', '3'], /^Unknown option '--minute' \(npm run bench:soak -- --help lists the flags\)$/],
    [['--rate'], /^Option '--rate <value>' argument missing/],
    [['--rate', '0'], /^--rate: expected a number above 0, got "0"$/],
    [['--minutes', 'ten'], /^--minutes: expected a number above 0, got "ten"$/],
    [['--customers', '1.5'], /^--customers: expected a whole number of at least 2, got "1.5"$/],
    [['--rules', ''], /^--rules: expected a whole number of at least 1, got ""$/],
    [['--warmup', '-1'], /^Option '--warmup' argument is ambiguous/],
    [['--warmup=-1'], /^--warmup: expected a number of at least 0, got "-1"$/],
    [['--minutes', '2', '--warmup', '2'], /^--warmup \(2\) must be shorter than --minutes \(2\)/],
    [['extra'], /^Unexpected argument 'extra'/],
  ])('refuses %j with a precise error', (argv, message) => {
    expect(() => parseSoakOptions(argv)).toThrow(message);
  });
});
