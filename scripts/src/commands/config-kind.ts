// The shared shape of the configuration an admin keeps as files and applies to a compacted topic (rules,
// templates, classes): how `apply` and `diff` plan changes, and how `export` writes the live items back as files.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { CallwatchError } from '@callwatch/core';

/** ConfigPlan is what applying files would change on a compacted topic: items to create, to update, and those already as in the files. */
export interface ConfigPlan<T> {
  create: T[];
  update: T[];
  unchanged: T[];
}

/** ConfigKind is one kind of configuration kept on a compacted topic (rules, templates, classes): its key, equality and field-level changes. */
export interface ConfigKind<T> {
  key(item: T): string;
  /** equals ignores who applied an item and when */
  equals(a: T, b: T): boolean;
  /** changes lists how `to` differs from `from`, one line per field (`threshold: 30 → 25`) */
  changes(from: T, to: T): string[];
}

/** planConfig compares the items in the files with those on the topic. */
export function planConfig<T>(kind: ConfigKind<T>, wanted: readonly T[], current: (key: string) => T | undefined): ConfigPlan<T> {
  const plan: ConfigPlan<T> = { create: [], update: [], unchanged: [] };
  for (const item of wanted) {
    const existing = current(kind.key(item));
    if (!existing) plan.create.push(item);
    else if (kind.equals(existing, item)) plan.unchanged.push(item);
    else plan.update.push(item);
  }
  return plan;
}

/** printConfigPlan prints a plan: `+` new items, `~` changed ones with each changed field, `=` unchanged ones. */
export function printConfigPlan<T>(kind: ConfigKind<T>, plan: ConfigPlan<T>, current: (key: string) => T | undefined, print: (line: string) => void): void {
  for (const item of plan.create) print(`+ ${kind.key(item)}  (new)`);
  for (const item of plan.update) {
    print(`~ ${kind.key(item)}  (changed)`);
    for (const change of kind.changes(current(kind.key(item)) as T, item)) print(`    ${change}`);
  }
  for (const item of plan.unchanged) print(`= ${kind.key(item)}  (unchanged)`);
}

/** ConfigFormat is the file format `export` writes: YAML (the default) or JSON. */
export type ConfigFormat = 'yaml' | 'json';

/** formatConfigFiles writes exported items as one file's text; `yamlLineWidth` 0 keeps long strings (template bodies) unfolded. */
export function formatConfigFiles(files: unknown[], format: ConfigFormat, yamlLineWidth?: number): string {
  return format === 'json' ? `${JSON.stringify(files, null, 2)}\n` : stringify(files, yamlLineWidth === undefined ? {} : { lineWidth: yamlLineWidth });
}

/** ExportCommand describes one kind's `export` command: its description, the argument naming items, and what exports them. */
export interface ExportCommand {
  description: string;
  argument: [name: string, description: string];
  run(keys: string[], format: ConfigFormat): Promise<string>;
}

/** registerExportCommand adds `<kind> export [keys...] [--format yaml|json] [--out file]` to a command. */
export function registerExportCommand(parent: Command, { description, argument, run }: ExportCommand): void {
  parent
    .command('export')
    .description(description)
    .argument(...argument)
    .option('--format <yaml|json>', 'file format', 'yaml')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (keys: string[], flags: { format: string; out?: string }) => {
      if (flags.format !== 'yaml' && flags.format !== 'json') throw new CallwatchError('CW_ERR_CLI_USAGE', `--format: expected yaml or json, got "${flags.format}"`);
      const text = await run(keys, flags.format);
      if (flags.out) writeFileSync(flags.out, text);
      else process.stdout.write(text);
    });
}
