import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Redis } from 'ioredis';
import { CallwatchError } from '@callwatch/core';

/** LUA_DIR is the folder of callwatch's Lua scripts (`lua/` of this package), one file per command. */
export const LUA_DIR = join(__dirname, '..', 'lua');

const NAME = /^([a-zA-Z][a-zA-Z0-9]*)-(\d+)\.lua$/;
const INCLUDE = /^--- @include "([a-zA-Z0-9-]+)"\s*$/gm;

const loaded = new WeakMap<Redis, Map<string, string[]>>();

/**
 * loadScripts registers every `<command>-<numberOfKeys>.lua` of a folder on the client with defineCommand,
 * once per client and folder (a second call answers what the first did); `--- @include "name"` lines pull in
 * `includes/<name>.lua`.
 */
export function loadScripts(redis: Redis, dir: string): string[] {
  const done = loaded.get(redis)?.get(dir);
  if (done) return done;
  const names: string[] = [];
  for (const file of readdirSync(dir).sort()) {
    const match = NAME.exec(file);
    if (!match) continue;
    const [, command, keys] = match as unknown as [string, string, string];
    const lua = readFileSync(join(dir, file), 'utf8').replace(INCLUDE, (_, include: string) =>
      readFileSync(join(dir, 'includes', `${include}.lua`), 'utf8'),
    );
    redis.defineCommand(command, { numberOfKeys: Number(keys), lua });
    names.push(basename(command));
  }
  loaded.set(redis, (loaded.get(redis) ?? new Map<string, string[]>()).set(dir, names));
  return names;
}

/** SCRIPT_ERRORS maps the negative return codes of our Lua scripts to what they mean. */
export const SCRIPT_ERRORS: Record<number, string> = {
  [-1]: 'a key has the wrong type',
  [-2]: 'malformed script arguments',
  [-3]: 'stale epoch: the state was rebuilt after the caller began',
};

/** checkScriptResult turns a negative return code into a typed error. */
export function checkScriptResult(command: string, result: unknown): void {
  if (typeof result === 'number' && result < 0) {
    throw new CallwatchError('CW_ERR_REDIS_SCRIPT', `${command} failed: ${SCRIPT_ERRORS[result] ?? `code ${result}`}`, { details: { command, code: result } });
  }
}
