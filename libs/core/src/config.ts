import { parseDuration } from './durations';
import { CallwatchError } from './errors';
import { redactUrl } from './redact';
import { parseRedisUrl } from './redis-url';

/** EnvSpec describes one environment variable: how to parse it, its default, and what it is for. */
export interface EnvSpec<T> {
  parse: (raw: string) => T;
  default?: T;
  doc: string;
  /** a password or key: its value never appears in an error message or in the docs */
  secret?: boolean;
}

/** env builds the spec of one variable; `parse` throws a plain Error whose message says what was expected. */
export function env<T>(parse: (raw: string) => T, doc: string, defaultValue?: T): EnvSpec<T> {
  return defaultValue === undefined ? { parse, doc } : { parse, doc, default: defaultValue };
}

/** secretEnv builds the spec of a password or key (empty by default), whose value no message ever shows. */
export function secretEnv(doc: string): EnvSpec<string> {
  return { parse: (raw) => raw, doc, default: '', secret: true };
}

const BYTE_UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** Parsers for the common variable kinds; each message says what was expected. */
export const parsers = {
  string: (raw: string): string => raw,
  int: (raw: string): number => {
    if (!/^-?\d+$/.test(raw.trim())) throw new Error(`expected an integer, got "${raw}"`);
    return Number(raw);
  },
  positiveInt: (raw: string): number => {
    const n = parsers.int(raw);
    if (n <= 0) throw new Error(`expected a positive integer, got ${n}`);
    return n;
  },
  port: (raw: string): number => {
    const n = parsers.int(raw);
    if (n < 0 || n > 65535) throw new Error(`expected a port 0-65535, got ${n}`);
    return n;
  },
  bool: (raw: string): boolean => {
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
    throw new Error(`expected true or false, got "${raw}"`);
  },
  /** A duration in milliseconds, written as a number of milliseconds or with a unit (5m, 90s). */
  durationMs: (raw: string): number => (/^\d+$/.test(raw.trim()) ? Number(raw) : parseDuration(raw)),
  /** A size in bytes, written as a number of bytes or with a binary unit (512KiB, 4MiB). */
  bytes: (raw: string): number => {
    const match = /^(\d+)\s*(B|KiB|MiB|GiB)?$/.exec(raw.trim());
    const n = match ? Number(match[1]) * (BYTE_UNITS[match[2] ?? 'B'] as number) : 0;
    if (n <= 0) throw new Error(`expected a positive size in bytes, such as 1048576 or 4MiB, got "${raw}"`);
    return n;
  },
  /** A Redis URL (see REDIS_URL_FORMS): redis:// or rediss:// for a standalone Redis, redis-cluster:// or rediss-cluster:// for a Cluster. */
  redisUrl: (raw: string): string => {
    parseRedisUrl(raw);
    return raw.trim();
  },
  list: (raw: string): string[] => raw.split(',').map((s) => s.trim()).filter(Boolean),
  url: (raw: string): string => {
    try {
      return new URL(raw).toString().replace(/\/$/, '');
    } catch {
      throw new Error(`expected a URL, got "${redactUrl(raw)}"`);
    }
  },
  /** A comma-separated list whose every item is one of `values`. */
  listOf:
    <T extends string>(...values: T[]) =>
    (raw: string): T[] => {
      const items = parsers.list(raw);
      const bad = items.filter((item) => !(values as string[]).includes(item));
      if (bad.length > 0) throw new Error(`expected a comma-separated list of ${values.join(', ')}, got "${bad.join(', ')}"`);
      return items as T[];
    },
  oneOf:
    <T extends string>(...values: T[]) =>
    (raw: string): T => {
      if (!(values as string[]).includes(raw)) throw new Error(`expected one of ${values.join(', ')}, got "${raw}"`);
      return raw as T;
    },
};

type Specs = Record<string, EnvSpec<unknown>>;
/** ConfigOf is the parsed configuration object of a set of EnvSpecs. */
export type ConfigOf<S extends Specs> = { [K in keyof S]: S[K] extends EnvSpec<infer T> ? T : never };

/**
 * loadConfig reads and validates every variable once; a missing or bad value throws a CallwatchError
 * naming the variable (all problems at once, so an operator fixes them in one go).
 */
export function loadConfig<S extends Specs>(specs: S, source: NodeJS.ProcessEnv = process.env): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    const raw = source[name];
    if (raw === undefined || raw === '') {
      if (spec.default === undefined) problems.push(`${name} is required (${spec.doc})`);
      else out[name] = spec.default;
      continue;
    }
    try {
      out[name] = spec.parse(raw);
    } catch (err) {
      problems.push(`${name}: ${spec.secret ? 'invalid (the value is secret, so not shown)' : (err as Error).message} (${spec.doc})`);
    }
  }
  if (problems.length > 0) {
    throw new CallwatchError('CW_ERR_CONFIG', `invalid configuration:\n  ${problems.join('\n  ')}`, { details: { problems } });
  }
  return out as ConfigOf<S>;
}
