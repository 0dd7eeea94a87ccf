// Seeded fuzzing for tests (`@callwatch/core/testing`): a small PRNG, mutators for bytes, YAML/JSON text and JSON
// values, and a runner that reports every finding with the seed that reproduces it. `npm test` runs a few hundred
// cases per target; `npm run fuzz` sets FUZZ_CASES, FUZZ_SECONDS (a time budget per target) and a random FUZZ_SEED.

/** Rng is a seeded pseudo-random generator (mulberry32): one seed always gives the same sequence. */
export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** next returns a number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** int returns an integer in [0, max). */
  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  /** chance is true with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** pick returns one of the items. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** bytes returns n random bytes. */
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

/** FuzzTarget is one property to try on many generated inputs. */
export interface FuzzTarget<T> {
  /** name says what is fuzzed, in findings and in the long run's report */
  name: string;
  /** cases run when FUZZ_CASES is not set: a few seconds' worth in `npm test` */
  cases: number;
  generate(rng: Rng): T;
  /** check throws (or rejects) when the property does not hold for the input */
  check(input: T): void | Promise<void>;
  /** show renders a failing input for the report (default: JSON, bytes as hex) */
  show?(input: T): string;
  /** caseLimitMs is how long one case may take before it is a finding (a hang); generous, as machines are noisy */
  caseLimitMs?: number;
}

/** FuzzReport is what one run of a target did. */
export interface FuzzReport {
  name: string;
  seed: number;
  cases: number;
  ms: number;
  findings: string[];
}

const MAX_FINDINGS = 10;
const SHOWN_CHARS = 600;

/** fuzzSeed is the run's base seed: FUZZ_SEED (a number, or `random`), else a fixed one per target so `npm test` repeats itself. */
function fuzzSeed(name: string): number {
  const raw = process.env.FUZZ_SEED;
  if (raw === 'random') return Math.floor(Math.random() * 4_294_967_296);
  if (raw !== undefined && raw !== '') {
    const seed = Number(raw);
    if (!Number.isInteger(seed) || seed < 0 || seed >= 4_294_967_296) throw new Error(`FUZZ_SEED: expected an integer from 0 to 4294967295 or "random", got "${raw}"`);
    return seed;
  }
  let hash = 2_166_136_261;
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 16_777_619) >>> 0;
  return hash;
}

/** longRun tells whether FUZZ_CASES or FUZZ_SECONDS asks for a long run (`npm run fuzz`) rather than `npm test`'s few cases. */
function longRun(): boolean {
  return Boolean(process.env.FUZZ_CASES || process.env.FUZZ_SECONDS);
}

/** fuzzTimeoutMs is the jest timeout of a fuzz test: `normalMs` in `npm test`, a day in a long run. */
export function fuzzTimeoutMs(normalMs: number): number {
  return longRun() ? 86_400_000 : normalMs;
}

function fuzzSeconds(): number {
  const raw = process.env.FUZZ_SECONDS;
  if (raw === undefined || raw === '') return Infinity;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`FUZZ_SECONDS: expected a positive number, got "${raw}"`);
  return seconds;
}

function fuzzCases(fallback: number): number {
  const raw = process.env.FUZZ_CASES;
  if (raw === undefined || raw === '') return process.env.FUZZ_SECONDS ? Number.MAX_SAFE_INTEGER : fallback;
  const cases = Number(raw);
  if (!Number.isInteger(cases) || cases <= 0) throw new Error(`FUZZ_CASES: expected a positive integer, got "${raw}"`);
  return cases;
}

/** caseSeed is the seed of case i: case 0 has the base seed itself, so FUZZ_SEED=<seed> FUZZ_CASES=1 replays one case. */
function caseSeed(base: number, i: number): number {
  return (base + Math.imul(i, 0x9e3779b9)) >>> 0;
}

function defaultShow(input: unknown): string {
  if (Buffer.isBuffer(input)) return `bytes ${input.toString('hex')}`;
  if (typeof input === 'string') return JSON.stringify(input);
  return JSON.stringify(input, (_key, value: unknown) => (Buffer.isBuffer(value) ? `bytes ${value.toString('hex')}` : value));
}

function clip(text: string): string {
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}… (${text.length} characters)` : text;
}

/**
 * fuzz runs a target's cases, each from its own seed, and throws one error listing every finding (up to ten): the
 * case's seed, what went wrong and the input. In a long run it stops at FUZZ_CASES or after FUZZ_SECONDS, whichever
 * comes first, and prints the rate and the findings.
 */
export async function fuzz<T>(target: FuzzTarget<T>): Promise<FuzzReport> {
  const seed = fuzzSeed(target.name);
  const cases = fuzzCases(target.cases);
  const limitMs = target.caseLimitMs ?? 10_000;
  const show = target.show ?? defaultShow;
  const findings: string[] = [];
  const started = performance.now();
  const deadline = started + fuzzSeconds() * 1000;
  let ran = 0;
  for (let i = 0; i < cases && findings.length < MAX_FINDINGS && performance.now() < deadline; i++) {
    const s = caseSeed(seed, i);
    const input = target.generate(new Rng(s));
    const caseStarted = performance.now();
    let problem: string | null = null;
    try {
      await target.check(input);
    } catch (err) {
      problem = err instanceof Error ? `${err.name}: ${err.message}` : `threw ${String(err)}`;
    }
    const ms = performance.now() - caseStarted;
    if (problem === null && ms > limitMs) problem = `took ${Math.round(ms)} ms (limit ${limitMs} ms)`;
    if (problem !== null) findings.push(`seed ${s}: ${clip(problem)}\n    input: ${clip(show(input))}`);
    ran++;
  }
  const report: FuzzReport = { name: target.name, seed, cases: ran, ms: performance.now() - started, findings };
  if (longRun()) {
    const rate = Math.round(ran / (report.ms / 1000));
    process.stdout.write(`fuzz ${target.name}: ${ran} cases in ${(report.ms / 1000).toFixed(1)} s (${rate}/s), seed ${seed}, ${findings.length} finding(s)\n`);
  }
  if (findings.length > 0) {
    throw new Error(`fuzz ${target.name}: ${findings.length} finding(s) in ${ran} cases (base seed ${seed}; replay one with FUZZ_SEED=<seed> FUZZ_CASES=1)\n  ${findings.join('\n  ')}`);
  }
  return report;
}

/** zigzagVarint encodes n as Avro encodes an int or a long, e.g. to forge a length prefix. */
export function zigzagVarint(n: number): Buffer {
  let z = n >= 0 ? 2 * n : -2 * n - 1;
  const out: number[] = [];
  while (z >= 0x80) {
    out.push((z % 0x80) | 0x80);
    z = Math.floor(z / 0x80);
  }
  out.push(z);
  return Buffer.from(out);
}

// Lengths and counts that break readers: negative, one past, and far past anything a message holds.
const HOSTILE_COUNTS = [-1, -2, -1_000_000, 1, 127, 128, 65_536, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53 - 1, 1e15];

/** mutateBytes applies one to four random byte-level changes: bit flips, overwrites, inserts, deletes, truncation, extension and forged varints. */
export function mutateBytes(rng: Rng, input: Buffer): Buffer {
  let buf = Buffer.from(input);
  const times = 1 + rng.int(4);
  for (let n = 0; n < times; n++) {
    const at = rng.int(buf.length + 1);
    switch (rng.int(7)) {
      case 0:
        if (buf.length > 0) buf[at % buf.length] = (buf[at % buf.length] as number) ^ (1 << rng.int(8));
        break;
      case 1:
        if (buf.length > 0) buf[at % buf.length] = rng.pick([0x00, 0x01, 0x7f, 0x80, 0xff, rng.int(256)]);
        break;
      case 2:
        buf = Buffer.concat([buf.subarray(0, at), rng.bytes(1 + rng.int(8)), buf.subarray(at)]);
        break;
      case 3:
        buf = Buffer.concat([buf.subarray(0, at), buf.subarray(Math.min(buf.length, at + 1 + rng.int(8)))]);
        break;
      case 4:
        buf = buf.subarray(0, at);
        break;
      case 5:
        buf = Buffer.concat([buf, rng.chance(0.5) ? rng.bytes(1 + rng.int(16)) : buf.subarray(rng.int(buf.length + 1))]);
        break;
      default:
        buf = Buffer.concat([buf.subarray(0, at), zigzagVarint(rng.pick(HOSTILE_COUNTS)), buf.subarray(Math.min(buf.length, at + rng.int(3)))]);
        break;
    }
  }
  return buf;
}

/** HOSTILE_SCALARS are YAML and JSON scalars of every troublesome kind: wrong types, extremes, special floats, odd unicode. */
export const HOSTILE_SCALARS: readonly string[] = [
  '', '~', 'null', 'true', 'no', '0', '-0', '-1', '1e309', '-1e309', '1e-400', '9007199254740993', '123456789012345678901234567890',
  '.nan', '.inf', '-.inf', 'NaN', '0x1F', '0o17', '1_000', '"5m"', '"-5m"', '"0s"', '"99999999999h"', '"1.5m"', '[]', '{}', '[1, [2, [3]]]',
  '{ a: 1 }', '"\\u0000"', '"\\u202e\\u200b"', '"\u00e9\u0301"', '"\ud83d\udcde"', '"\\r\\nBcc: x@y"', '"\u2028"', '"<script>x</script>"',
  '"{{constructor.constructor}}"', '"__proto__"', '"constructor"', '!!binary aGVsbG8=', '!!timestamp 2024-01-01', '!!float 1', '2024-01-01',
  '"x"', `"${'x'.repeat(5000)}"`, '&anchor 1', '*anchor', '? complex', '- item', '|\n  block', '>-\n  folded', '"unterminated', "'single'",
];

// A billion-laughs bomb: ten aliases of ten aliases of … (10^7 nodes if expanded).
const ALIAS_BOMB = [
  'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
  ...['b', 'c', 'd', 'e', 'f', 'g'].map((name, i) => {
    const prev = String.fromCharCode('a'.charCodeAt(0) + i);
    return `${name}: &${name} [${Array(10).fill(`*${prev}`).join(',')}]`;
  }),
].join('\n');

/** mutateText applies one to three line- and token-level changes to a YAML or JSON text. */
export function mutateText(rng: Rng, input: string): string {
  let lines = input.split('\n');
  const times = 1 + rng.int(3);
  for (let n = 0; n < times; n++) {
    const at = rng.int(lines.length);
    const line = lines[at] ?? '';
    switch (rng.int(12)) {
      case 0:
        lines.splice(at, 1);
        break;
      case 1:
        lines.splice(at, 0, line);
        break;
      case 2: {
        const other = rng.int(lines.length);
        lines[at] = lines[other] ?? '';
        lines[other] = line;
        break;
      }
      case 3:
      case 4: {
        // Replace a value: after `key:`, or a list item, or anywhere in JSON.
        const colon = line.search(/:\s|:$|-\s/);
        const scalar = rng.pick(HOSTILE_SCALARS);
        lines[at] = colon === -1 ? scalar : `${line.slice(0, colon + 1)} ${scalar}${line.trimEnd().endsWith(',') ? ',' : ''}`;
        break;
      }
      case 5: {
        const pos = rng.int(line.length + 1);
        lines[at] = line.slice(0, pos) + rng.pick(['\u0000', '\t', '\r', '\u2028', '\ufeff', '\u202e', '\ud800', '"', "'", '{', '[', ']', '}', ':', '#', '&', '*', '!', '%', '@', '`', '|', '>', '\\']) + line.slice(pos);
        break;
      }
      case 6: {
        const pos = rng.int(line.length + 1);
        lines[at] = line.slice(0, pos) + line.slice(pos + 1 + rng.int(4));
        break;
      }
      case 7:
        lines[at] = rng.chance(0.5) ? `  ${line}` : line.replace(/^ {1,2}/, '');
        break;
      case 8: {
        const depth = rng.pick([10, 100, 1_000, 3_000]);
        const colon = line.indexOf(':');
        const nested = rng.chance(0.5) ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{a: '.repeat(depth)}1${'}'.repeat(depth)}`;
        lines[at] = colon === -1 ? nested : `${line.slice(0, colon + 1)} ${nested}`;
        break;
      }
      case 9:
        lines.splice(rng.int(lines.length + 1), 0, ...ALIAS_BOMB.split('\n'));
        break;
      case 10:
        lines = lines.slice(0, at);
        break;
      default:
        lines.splice(at, 0, rng.pick(['---', '...', '%YAML 1.1', '<<: *a', 'id: dup', '- ', '  - 1', 'unknown_field: 1', '"quoted key": 1', '? a']));
        break;
    }
  }
  return lines.join('\n');
}

// JSON values of every troublesome kind, for fields of JSON inputs.
const HOSTILE_VALUES: readonly unknown[] = [
  null, true, false, 0, -1, 1.5, -0, 1e308, -1e308, 2 ** 53 + 2, 2 ** 63, 8.7e15, 2 ** 31, '', ' ', 'x', '0', '1e3', 'NaN', '-1', '\u0000', '\r\n', '\u2028',
  'x'.repeat(10_000), '{{constructor.constructor}}', '<script>x</script>', '__proto__', [], [1], ['a'], [null], {}, { __proto__: null, polluted: 1 },
  JSON.parse('{"__proto__": {"polluted": true}}') as unknown, { constructor: { prototype: { polluted: true } } },
];

/** mutateJson changes one to three fields of a JSON object (replaced by a hostile value, deleted, or added), then maybe its text. */
export function mutateJson(rng: Rng, input: Record<string, unknown>): string {
  const value: Record<string, unknown> = { ...input };
  const times = 1 + rng.int(3);
  for (let n = 0; n < times; n++) {
    const keys = Object.keys(value);
    const key = keys.length > 0 && rng.chance(0.8) ? rng.pick(keys) : rng.pick(['__proto__', 'constructor', 'unknown', 'type', '']);
    if (rng.chance(0.15)) delete value[key];
    else Object.defineProperty(value, key, { value: rng.pick(HOSTILE_VALUES), enumerable: true, configurable: true, writable: true });
  }
  const text = JSON.stringify(value);
  return rng.chance(0.25) ? mutateText(rng, text) : text;
}

/** PlacedProblem is how the rule, template and class file loaders report a problem: file, place, field and message. */
export interface PlacedProblem {
  code: string;
  file: string;
  line: number;
  column: number;
  path: string;
  message: string;
}

/**
 * checkPlacedProblems throws unless every problem names the file, a line and column inside its text, and the field
 * (`<prefix>[i]…`) or, for a YAML or JSON syntax error only, none; and says what was expected.
 */
export function checkPlacedProblems(problems: readonly PlacedProblem[], file: { path: string; text: string }, prefix: string): void {
  const lines = file.text.split('\n');
  for (const p of problems) {
    const where = `${p.file}:${p.line}:${p.column} ${p.path}: ${p.message}`;
    if (!/^CW_ERR_[A-Z_]+$/.test(p.code)) throw new Error(`expected an error code, got "${p.code}" (${where})`);
    if (p.file !== file.path) throw new Error(`expected the file ${file.path}, got ${where}`);
    if (!Number.isInteger(p.line) || p.line < 1 || p.line > lines.length + 1) throw new Error(`expected a line from 1 to ${lines.length + 1}, got ${where}`);
    if (!Number.isInteger(p.column) || p.column < 1) throw new Error(`expected a column from 1, got ${where}`);
    if (p.path === '' ? !p.message.startsWith('expected valid YAML or JSON') : !p.path.startsWith(`${prefix}[`)) {
      throw new Error(`expected a field path ${prefix}[i]… (or a syntax error), got ${where}`);
    }
    if (!p.message.startsWith('expected ')) throw new Error(`expected a message "expected …, got …", got ${where}`);
  }
}

/**
 * checkAccepted throws unless an item a loader accepted fits its Avro schema (`invalid` lists the fields that do not)
 * and loads back, alone and equal, from what its export command writes (`reload`).
 */
export function checkAccepted<T>(
  what: string,
  item: T,
  invalid: readonly string[],
  reload: () => { items: readonly T[]; errors: ReadonlyArray<{ path: string; message: string }> },
  equals: (a: T, b: T) => boolean,
): void {
  if (invalid.length > 0) throw new Error(`accepted ${what} does not match the Avro schema: ${invalid.join(', ')}`);
  const again = reload();
  if (again.errors.length > 0 || again.items.length !== 1 || !equals(item, again.items[0] as T)) {
    throw new Error(`accepted ${what} does not load back from its export: ${JSON.stringify(again.errors.map((e) => `${e.path}: ${e.message}`))}`);
  }
}
