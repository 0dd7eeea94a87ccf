import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CallwatchError } from '@callwatch/core';

/** ContextFlags are the CLI's global flags that choose a deployment. */
export interface ContextFlags {
  /** a run name: TOPIC_PREFIX=<run>. and REDIS_KEY_PREFIX=<run>: */
  prefix?: string;
  envFile?: string;
}

/** CliContext is the environment the CLI's commands read, and the demo context file it came from when one was used. */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  /** the context file whose values were used (none when every value it holds was set more strongly, or no file) */
  contextFile: string | null;
}

/** DEMO_CONTEXT_FILE is where `npm start` writes its context, under the repository root. */
export const DEMO_CONTEXT_FILE = join('.run', 'demo.env');

/**
 * parseEnvFile reads KEY=value lines: `export KEY=value` is allowed, `#` starts a comment line, a value may be
 * quoted ('…' as is, "…" with \n \" \\ escapes); anything else is an error naming the file and line.
 */
export function parseEnvFile(text: string, file: string): Record<string, string> {
  const values: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (match === null) {
      throw new CallwatchError('CW_ERR_CLI_USAGE', `${file}:${index + 1}: expected KEY=value (or export KEY=value), got "${line}"`);
    }
    values[match[1] as string] = unquote(match[2] as string, `${file}:${index + 1}`);
  });
  return values;
}

function unquote(value: string, where: string): string {
  const quote = value[0];
  if (quote !== '"' && quote !== "'") return value.replace(/\s+#.*$/, '');
  const end = value.lastIndexOf(quote);
  if (end === 0) throw new CallwatchError('CW_ERR_CLI_USAGE', `${where}: the value opens with ${quote} and never closes it`);
  const inner = value.slice(1, end);
  return quote === "'" ? inner : inner.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

/** prefixEnv gives a run's prefixes with their separators, so nobody has to know that topics take `.` and keys `:`. */
export function prefixEnv(run: string): { TOPIC_PREFIX: string; REDIS_KEY_PREFIX: string } {
  const name = run.trim().replace(/[.:]+$/, '');
  if (name === '' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new CallwatchError('CW_ERR_CLI_USAGE', `--prefix: expected a run name such as demo-20261204-101500 (letters, digits, . _ -), got "${run}"`);
  }
  return { TOPIC_PREFIX: `${name}.`, REDIS_KEY_PREFIX: `${name}:` };
}

/**
 * contextFilePath says which context file the CLI reads: CALLWATCH_CONTEXT when set ("none" reads none), else the
 * demo's under the repository root when it exists.
 */
export function contextFilePath(env: NodeJS.ProcessEnv, repositoryRoot: string | null): string | null {
  const chosen = env.CALLWATCH_CONTEXT;
  if (chosen === 'none') return null;
  if (chosen !== undefined && chosen !== '') return chosen;
  if (repositoryRoot === null) return null;
  const file = join(repositoryRoot, DEMO_CONTEXT_FILE);
  return existsSync(file) ? file : null;
}

function readEnvFile(file: string, what: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CallwatchError('CW_ERR_CLI_USAGE', `${what} ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
  return parseEnvFile(text, file);
}

/**
 * resolveContext builds the CLI's environment. Precedence: flags > the process environment > --env-file > the
 * context file > the defaults (which loadConfig applies later).
 */
export function resolveContext(flags: ContextFlags, processEnv: NodeJS.ProcessEnv, contextFile: string | null): CliContext {
  const fromContext = contextFile === null ? {} : readEnvFile(contextFile, 'the context file');
  const fromEnvFile = flags.envFile === undefined ? {} : readEnvFile(flags.envFile, '--env-file');
  const fromFlags = flags.prefix === undefined ? {} : prefixEnv(flags.prefix);
  const env: NodeJS.ProcessEnv = { ...fromContext, ...fromEnvFile, ...processEnv, ...fromFlags };
  const used = Object.keys(fromContext).some((key) => processEnv[key] === undefined && !(key in fromEnvFile) && !(key in fromFlags));
  return { env, contextFile: used ? contextFile : null };
}

/** contextNotice is the one line the CLI prints on stderr when it used the demo's context, so nobody is surprised. */
export function contextNotice(context: CliContext, cwd: string): string | null {
  if (context.contextFile === null) return null;
  const file = relative(cwd, context.contextFile);
  const where = `topics ${context.env.TOPIC_PREFIX ?? ''}*, Redis keys ${context.env.REDIS_KEY_PREFIX ?? ''}*`;
  return `callwatch: using the context in ${file.startsWith('..') ? context.contextFile : file} (${where}); CALLWATCH_CONTEXT=none ignores it`;
}
