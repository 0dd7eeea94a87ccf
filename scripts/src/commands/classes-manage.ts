import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { CallwatchError } from '@callwatch/core';
import { classToFile } from '@callwatch/rules';
import type { CustomerClass } from '@callwatch/schemas';
import { formatConfigFiles, registerExportCommand, type ConfigFormat } from './config-kind';
import { withClassTables } from './class-table';

/** ClassChangeOptions say who deletes classes, where to connect, where to print, and the clock. */
export interface ClassChangeOptions {
  by?: string;
  env?: NodeJS.ProcessEnv;
  print?: (line: string) => void;
  now?: number;
}

const usage = (message: string) => new CallwatchError('CW_ERR_CLI_USAGE', message);

/** listClasses returns the classes on the class topic, by name. */
export async function listClasses(env: NodeJS.ProcessEnv = process.env): Promise<CustomerClass[]> {
  return withClassTables(env, async ({ classes }) => [...classes.values()].sort((a, b) => a.name.localeCompare(b.name)));
}

/**
 * formatClasses renders classes one per line: name, template set (or that none is, so contacts get nothing), how
 * many entries are on and off, whether they govern rule recipients, description, who applied it when.
 */
export function formatClasses(classes: CustomerClass[]): string {
  if (classes.length === 0) return 'no classes\n';
  return `${classes
    .map((c) => {
      const on = c.notifications.filter((n) => n.enabled).length;
      const set = c.template_set === null
        ? 'no template set (contacts get nothing)'
        : `set ${c.template_set.name} (${Object.keys(c.template_set.templates).length} template(s))`;
      const who = `(by ${c.applied_by} at ${new Date(c.applied_at_ms).toISOString()})`;
      return [c.name, set, `${on} on, ${c.notifications.length - on} off${c.rule_recipients ? ', rule recipients too' : ''}`, c.description ?? '', who].join('\t');
    })
    .join('\n')}\n`;
}

/** exportClasses returns the live classes (all, or the named ones) as class-file YAML or JSON: applying it changes nothing. */
export async function exportClasses(names: string[], format: ConfigFormat, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const all = await listClasses(env);
  const unknown = names.filter((name) => !all.some((c) => c.name === name));
  if (unknown.length > 0) throw usage(`no such class: ${unknown.join(', ')}`);
  const files = (names.length > 0 ? all.filter((c) => names.includes(c.name)) : all).map(classToFile);
  return formatConfigFiles(files, format);
}

/**
 * deleteClasses removes the named classes: a tombstone each on the class topic, with who and when in its headers.
 * Their customers are then notified as if they had no class. Nothing is published when a name is unknown.
 */
export async function deleteClasses(names: string[], options: ClassChangeOptions = {}): Promise<string[]> {
  const { by = userInfo().username, env = process.env, print = (line: string) => void process.stdout.write(`${line}\n`), now = Date.now() } = options;
  return withClassTables(env, async ({ classes, connection }) => {
    const unknown = names.filter((name) => classes.get(name) === undefined);
    if (unknown.length > 0) throw usage(`no such class on ${connection.topics.class}: ${unknown.join(', ')}; nothing changed (see callwatch classes list)`);
    const deleted = [...new Set(names)];
    // A tombstone has no value to carry who deleted the class, so its headers do.
    await connection.publisher.publish(connection.topics.class, 'class', deleted.map((name) => ({ key: name, value: null, headers: { 'applied-by': by, 'applied-at-ms': String(now) } })));
    for (const name of deleted) print(`- ${name}  (deleted)`);
    return deleted;
  });
}

/** registerClassChanges adds `callwatch classes list|export|delete` to the `classes` command. */
export function registerClassChanges(classes: Command): void {
  classes
    .command('list')
    .description('list the classes on the class topic: template set, entries on and off, who applied them')
    .action(async () => {
      process.stdout.write(formatClasses(await listClasses()));
    });
  registerExportCommand(classes, {
    description: 'write the live classes as class files (applying them back changes nothing)',
    argument: ['[names...]', 'class names (default: every class)'],
    run: (keys, format) => exportClasses(keys, format),
  });
  classes
    .command('delete')
    .description('delete classes from the class topic (a tombstone): their customers are notified as if they had no class')
    .argument('<names...>', 'class names')
    .option('--as <name>', 'who is deleting them', userInfo().username)
    .action(async (names: string[], flags: { as: string }) => {
      await deleteClasses(names, { by: flags.as });
    });
}
