import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { STOCK_TEMPLATES, templateChanges, templateEquals, type TemplateValidation } from '@callwatch/notify';
import type { Rule, Template } from '@callwatch/schemas';
import { CallwatchError } from '@callwatch/core';
import { checkTemplatePaths, invalidTemplates, maxSmsSegments, validateTemplatePaths } from './template-files';
import { registerTemplateRender } from './template-render';
import { withTemplateTables, type TemplateTables } from './template-table';
import { renderFailures, rulesUsing } from './template-usage';
import { registerTemplateChanges } from './templates-manage';
import { planConfig, printConfigPlan, type ConfigKind, type ConfigPlan } from './config-kind';

/** TemplatePlan is what `templates apply` would change: templates to create, to update, and those already as in the files. */
export type TemplatePlan = ConfigPlan<Template>;

/** TEMPLATE_KIND says how templates are keyed, compared and diffed. */
export const TEMPLATE_KIND: ConfigKind<Template> = { key: (t) => t.id, equals: templateEquals, changes: templateChanges };

/** TemplateApplyOptions are the flags of `templates apply`, plus where to connect and where to print. */
export interface TemplateApplyOptions {
  appliedBy?: string;
  dryRun?: boolean;
  /** warn when a sample SMS takes more segments (default NOTIFY_SMS_MAX_SEGMENTS) */
  maxSmsSegments?: number;
  env?: NodeJS.ProcessEnv;
  print?: (line: string) => void;
}

const stdout = (line: string): void => void process.stdout.write(`${line}\n`);

/** planTemplates compares the templates in the files with those on the template topic. */
export function planTemplates(wanted: Template[], current: (id: string) => Template | undefined): TemplatePlan {
  return planConfig(TEMPLATE_KIND, wanted, current);
}


// The live rules each broken template of a failed validation is used by, had it been applied.
function brokenUsers(validation: TemplateValidation, tables: TemplateTables): Map<string, string[]> {
  const custom = new Map(tables.templates.view());
  const ids = new Set(validation.errors.map((e) => e.templateId).filter((id): id is string => id !== null));
  for (const id of ids) custom.set(id, { ...(STOCK_TEMPLATES.default as Template), id });
  return new Map([...ids].map((id) => [id, rulesUsing(id, tables.rules.values(), custom)]));
}

// A new version must still render for every live rule that would use it; the refusal names them.
function checkUsers(changes: Template[], tables: TemplateTables): void {
  const custom = new Map(tables.templates.view());
  for (const t of changes) custom.set(t.id, t);
  const rules = [...tables.rules.values()];
  const failures = changes.flatMap((t) => {
    const users = new Set(rulesUsing(t.id, rules, custom));
    return renderFailures(t, rules.filter((r) => users.has(r.id))).map((line) => `  template ${t.id}: ${line}`);
  });
  if (failures.length > 0) {
    throw new CallwatchError('CW_ERR_TEMPLATE_IN_USE', `templates that live rules use would not render for them, nothing applied:\n${failures.join('\n')}`);
  }
}

/**
 * applyTemplates validates template files, prints the plan, and publishes the new and changed templates (unless
 * dryRun). A template live rules use is refused when the new version is invalid or does not render for them.
 */
export async function applyTemplates(paths: string[], options: TemplateApplyOptions = {}): Promise<TemplatePlan> {
  const { appliedBy = userInfo().username, dryRun = false, env = process.env, print = stdout } = options;
  const validation = await checkTemplatePaths(paths, { appliedBy, maxSmsSegments: options.maxSmsSegments ?? maxSmsSegments(env), warn: print });
  return withTemplateTables(env, async (tables, connection) => {
    if (validation.errors.length > 0) throw invalidTemplates(validation, brokenUsers(validation, tables));
    const plan = planTemplates(validation.templates, (id) => tables.templates.get(id));
    printConfigPlan(TEMPLATE_KIND, plan, (id) => tables.templates.get(id), print);
    const changes = [...plan.create, ...plan.update];
    checkUsers(changes, tables);
    if (!dryRun && changes.length > 0) {
      await connection.publisher.publish(connection.topics.template, 'template', changes.map((t) => ({ key: t.id, value: t })));
    }
    print(`${dryRun ? 'would apply' : 'applied'} ${changes.length} change(s), ${plan.unchanged.length} unchanged`);
    return plan;
  });
}

/** TemplateDiff is a plan plus the ids of templates on the topic that the files do not mention. */
export interface TemplateDiff extends TemplatePlan {
  onlyOnTopic: string[];
}

/** diffTemplates validates the files and prints how the template topic differs from them, part by part, publishing nothing. */
export async function diffTemplates(paths: string[], options: Omit<TemplateApplyOptions, 'dryRun' | 'appliedBy'> = {}): Promise<TemplateDiff> {
  const { env = process.env, print = stdout } = options;
  const templates = await validateTemplatePaths(paths, { appliedBy: userInfo().username, maxSmsSegments: options.maxSmsSegments ?? maxSmsSegments(env), warn: print });
  return withTemplateTables(env, async (tables) => {
    const plan = planTemplates(templates, (id) => tables.templates.get(id));
    printConfigPlan(TEMPLATE_KIND, plan, (id) => tables.templates.get(id), print);
    const named = new Set(templates.map((t) => t.id));
    const onlyOnTopic = [...tables.templates.values()].map((t) => t.id).filter((id) => !named.has(id)).sort();
    for (const id of onlyOnTopic) print(`? ${id}  (on the topic, in no file)`);
    print(`${plan.create.length} new, ${plan.update.length} changed, ${plan.unchanged.length} unchanged, ${onlyOnTopic.length} only on the topic`);
    return { ...plan, onlyOnTopic };
  });
}

/** listTemplates prints the templates on the topic, one per line: id, variants, the rules that name it, description, who applied it when. */
export async function listTemplates(env: NodeJS.ProcessEnv = process.env, print = stdout): Promise<Template[]> {
  return withTemplateTables(env, async (tables) => {
    const all = [...tables.templates.values()].sort((a, b) => a.id.localeCompare(b.id));
    const rules: Rule[] = [...tables.rules.values()];
    for (const t of all) {
      const named = rules.filter((r) => r.template === t.id).length;
      print(`${t.id}\t${t.variants.length} variant(s)\tnamed by ${named} rule(s)\t${t.description ?? ''}\t(by ${t.applied_by} at ${new Date(t.applied_at_ms).toISOString()})`);
    }
    if (all.length === 0) print('no templates');
    return all;
  });
}

/** registerTemplates adds `callwatch templates …` to the CLI. */
export function registerTemplates(program: Command): void {
  const templates = program.command('templates').description('validate, apply, list and render notification templates kept as YAML/JSON files');
  const segments = ['--max-sms-segments <n>', 'warn when a sample SMS takes more segments (default NOTIFY_SMS_MAX_SEGMENTS, 2)'] as const;
  templates
    .command('validate')
    .description('check template files (or folders of them): fields, MJML, variables and helpers; print every problem with file, line and field')
    .argument('<files...>', 'template files or folders')
    .option(...segments)
    .action(async (paths: string[], flags: { maxSmsSegments?: string }) => {
      const valid = await validateTemplatePaths(paths, { appliedBy: userInfo().username, maxSmsSegments: maxSmsSegments(process.env, flags.maxSmsSegments), warn: stdout });
      stdout(`${valid.length} template(s) valid`);
    });
  templates
    .command('diff')
    .description('show how the live templates differ from template files, part by part, without publishing anything')
    .argument('<files...>', 'template files or folders')
    .option('--exit-code', 'exit with status 1 when anything differs')
    .option(...segments)
    .action(async (paths: string[], flags: { exitCode?: boolean; maxSmsSegments?: string }) => {
      const diff = await diffTemplates(paths, { maxSmsSegments: maxSmsSegments(process.env, flags.maxSmsSegments) });
      if (flags.exitCode && diff.create.length + diff.update.length + diff.onlyOnTopic.length > 0) process.exitCode = 1;
    });
  templates
    .command('apply')
    .description('validate template files, show what changes, and publish the changes to the template topic')
    .argument('<files...>', 'template files or folders')
    .option('--dry-run', 'show the plan without publishing')
    .option('--as <name>', 'who is applying (recorded with each template)', userInfo().username)
    .option(...segments)
    .action(async (paths: string[], flags: { dryRun?: boolean; as: string; maxSmsSegments?: string }) => {
      await applyTemplates(paths, { appliedBy: flags.as, dryRun: flags.dryRun ?? false, maxSmsSegments: maxSmsSegments(process.env, flags.maxSmsSegments) });
    });
  templates
    .command('list')
    .description('list the templates on the template topic')
    .action(async () => {
      await listTemplates();
    });
  registerTemplateChanges(templates);
  registerTemplateRender(templates);
}
