import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { CallwatchError } from '@callwatch/core';
import { STOCK_TEMPLATES, templateToFile } from '@callwatch/notify';
import type { Template } from '@callwatch/schemas';
import { formatConfigFiles, registerExportCommand, type ConfigFormat } from './config-kind';
import { withTemplateTables } from './template-table';
import { rulesNaming } from './template-usage';

/** DeleteTemplateOptions say who deletes, whether to delete templates live rules name, where to connect and print. */
export interface DeleteTemplateOptions {
  by?: string;
  /** delete even templates that live rules name (they then fall back to their area's stock template) */
  force?: boolean;
  env?: NodeJS.ProcessEnv;
  print?: (line: string) => void;
  now?: number;
}

/**
 * deleteTemplates publishes a tombstone for each named template, recording who and when in its headers. Nothing is
 * published when an id is unknown, or (without `force`) when a live rule names one of them.
 */
export async function deleteTemplates(ids: string[], options: DeleteTemplateOptions = {}): Promise<string[]> {
  const { by = userInfo().username, force = false, env = process.env, print = (line: string) => void process.stdout.write(`${line}\n`), now = Date.now() } = options;
  return withTemplateTables(env, async ({ templates, rules }, connection) => {
    const unique = [...new Set(ids)];
    const unknown = unique.filter((id) => templates.get(id) === undefined);
    if (unknown.length > 0) throw new CallwatchError('CW_ERR_CLI_USAGE', `no such template on ${connection.topics.template}: ${unknown.join(', ')}; nothing deleted (see callwatch templates list)`);
    const named = unique.map((id) => [id, rulesNaming(id, rules.values())] as const).filter(([, users]) => users.length > 0);
    if (named.length > 0 && !force) {
      const lines = named.map(([id, users]) => `  ${id}: named by rule(s) ${users.join(', ')}`);
      throw new CallwatchError('CW_ERR_TEMPLATE_IN_USE', `live rules name these templates, nothing deleted (change the rules first, or --force):\n${lines.join('\n')}`);
    }
    // A tombstone has no value to carry who deleted the template, so its headers do.
    await connection.publisher.publish(connection.topics.template, 'template', unique.map((id) => ({ key: id, value: null, headers: { 'applied-by': by, 'applied-at-ms': String(now) } })));
    for (const id of unique) print(`- ${id}  (deleted)`);
    return unique;
  });
}

/**
 * exportTemplates returns the live templates (all, or the named ones) as template-file YAML or JSON that applies back
 * unchanged; a named id that is not on the topic but is a stock template exports the stock one, to start from.
 */
export async function exportTemplates(ids: string[], format: ConfigFormat, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return withTemplateTables(env, async ({ templates }) => {
    const pick = (id: string): Template | undefined => templates.get(id) ?? STOCK_TEMPLATES[id];
    const unknown = ids.filter((id) => pick(id) === undefined);
    if (unknown.length > 0) throw new CallwatchError('CW_ERR_CLI_USAGE', `no such template: ${unknown.join(', ')}`);
    const chosen = ids.length > 0 ? ids.map((id) => pick(id) as Template) : [...templates.values()].sort((a, b) => a.id.localeCompare(b.id));
    const files = chosen.map(templateToFile);
    return formatConfigFiles(files, format, 0);
  });
}

/** registerTemplateChanges adds `callwatch templates delete|export` to the `templates` command. */
export function registerTemplateChanges(templates: Command): void {
  templates
    .command('delete')
    .description('delete templates from the template topic (a tombstone); refused for templates live rules name')
    .argument('<ids...>', 'template ids')
    .option('--as <name>', 'who is deleting them', userInfo().username)
    .option('--force', 'delete even templates live rules name (their notifications fall back to the stock templates)')
    .action(async (ids: string[], flags: { as: string; force?: boolean }) => {
      await deleteTemplates(ids, { by: flags.as, force: flags.force ?? false });
    });
  registerExportCommand(templates, {
    description: 'write the live templates as template files (applying them back changes nothing); a stock id exports the stock template',
    argument: ['[ids...]', 'template ids (default: every template on the topic)'],
    run: (keys, format) => exportTemplates(keys, format),
  });
}
