import { readFile, readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { CallwatchError, type ErrorCode } from '@callwatch/core';
import type { RuleFileText } from './rule-file';

const RULE_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** SourceKind names what a set of files holds, for the error when one cannot be read: `rule` files, `class` files. */
export interface SourceKind {
  noun: string;
  code: ErrorCode;
}

/**
 * loadRuleFiles reads rule files; a directory stands for every *.yaml, *.yml and *.json file below it, in name order,
 * so the same tree always loads (and reports duplicates) the same way.
 */
export function loadRuleFiles(paths: readonly string[]): Promise<RuleFileText[]> {
  return loadSourceFiles(paths, { noun: 'rule', code: 'CW_ERR_RULE_INVALID' });
}

/** loadSourceFiles reads YAML/JSON files and folders of them as loadRuleFiles does, for any kind of file. */
export async function loadSourceFiles(paths: readonly string[], kind: SourceKind): Promise<RuleFileText[]> {
  const files: string[] = [];
  for (const path of paths) files.push(...(await expand(path, kind)));
  return Promise.all(files.map(async (path) => ({ path, text: await read(path, kind) })));
}

async function expand(path: string, kind: SourceKind): Promise<string[]> {
  const info = await stat(path).catch((cause: unknown) => {
    throw new CallwatchError(kind.code, `cannot read ${kind.noun} path ${path}`, { cause, details: { path } });
  });
  if (!info.isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  const out: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) out.push(...(await expand(child, kind)));
    else if (RULE_EXTENSIONS.has(extname(entry.name).toLowerCase())) out.push(child);
  }
  return out;
}

async function read(path: string, kind: SourceKind): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new CallwatchError(kind.code, `cannot read ${kind.noun} file ${path}`, { cause, details: { path } });
  }
}
