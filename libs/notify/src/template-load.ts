import { readFile, readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { CallwatchError } from '@callwatch/core';
import type { TemplateFileText } from './template-file';

const TEMPLATE_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/**
 * loadTemplateFiles reads template files; a directory stands for every *.yaml, *.yml and *.json file below it, in name
 * order, so the same tree always loads (and reports duplicates) the same way.
 */
export async function loadTemplateFiles(paths: readonly string[]): Promise<TemplateFileText[]> {
  const files: string[] = [];
  for (const path of paths) files.push(...(await expand(path)));
  return Promise.all(files.map(async (path) => ({ path, text: await read(path) })));
}

async function expand(path: string): Promise<string[]> {
  const info = await stat(path).catch((cause: unknown) => {
    throw new CallwatchError('CW_ERR_TEMPLATE_INVALID', `cannot read template path ${path}`, { cause, details: { path } });
  });
  if (!info.isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  const out: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) out.push(...(await expand(child)));
    else if (TEMPLATE_EXTENSIONS.has(extname(entry.name).toLowerCase())) out.push(child);
  }
  return out;
}

async function read(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new CallwatchError('CW_ERR_TEMPLATE_INVALID', `cannot read template file ${path}`, { cause, details: { path } });
  }
}
