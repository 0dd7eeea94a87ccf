const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** MAX_DURATION_MS is the longest duration accepted, 36500 days: a time plus it is still a date, and a safe integer. */
export const MAX_DURATION_MS = 36_500 * 86_400_000;

/** parseDuration turns "15m", "1h30m", "90s", "0" or a number of milliseconds into milliseconds; it throws on anything else. */
export function parseDuration(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new Error(`expected a duration such as 15m, got ${input}`);
    if (input > MAX_DURATION_MS) throw new Error(`expected a duration of at most 36500d, got ${input}`);
    return input;
  }
  const text = input.trim();
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let consumed = 0;
  let match: RegExpExecArray | null;
  while ((match = re.exec(text)) !== null) {
    total += Number(match[1]) * (UNITS[match[2] as string] as number);
    consumed = re.lastIndex;
  }
  if (consumed !== text.length || consumed === 0) throw new Error(`expected a duration such as 15m, 1h or 90s, got "${input}"`);
  if (total > MAX_DURATION_MS) throw new Error(`expected a duration of at most 36500d, got "${input}"`);
  return Math.round(total);
}

/** formatDuration renders milliseconds the way rules write them: 15m, 1h, 1h30m, 90s. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0) parts.push(`${rest}ms`);
  return parts.join('');
}
