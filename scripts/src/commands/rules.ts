import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { CallwatchError } from '@callwatch/core';
import { formatRuleError, loadRuleFiles, ruleChanges, ruleEquals, ruleToFile, validateRuleFilesAndScripts } from '@callwatch/rules';
import type { Rule } from '@callwatch/schemas';
import { backtestBeforeApply } from '../backtest-report';
import { knownTemplates, type RuleTemplateOptions } from './rule-templates';
import { registerRuleChanges } from './rules-manage';
import { registerRuleTest } from './rules-test';
import { withRuleTable } from './rule-table';
import { applyTemplates } from './templates';
import { planConfig, printConfigPlan, type ConfigKind, type ConfigPlan } from './config-kind';

/** RulePlan is what `rules apply` would change: rules to create, to update, and those already as in the files. */
export type RulePlan = ConfigPlan<Rule>;

/** RULE_KIND says how rules are keyed, compared and diffed. */
export const RULE_KIND: ConfigKind<Rule> = { key: (r) => r.id, equals: ruleEquals, changes: ruleChanges };

/** planRules compares the rules in the files with those on the rule topic. */
export function planRules(wanted: Rule[], current: (id: string) => Rule | undefined): RulePlan {
  return planConfig(RULE_KIND, wanted, current);
}

/**
 * validateFiles loads and validates rule files, compiling the scripts of script rules as the evaluator will; any
 * error throws one CallwatchError listing every problem. A rule may name a stock template, one of the template files
 * given, or one on the template topic (see knownTemplates).
 */
export async function validateFiles(paths: string[], appliedBy: string, now = Date.now(), templates: RuleTemplateOptions = {}): Promise<Rule[]> {
  const files = await loadRuleFiles(paths);
  const { rules, errors } = await validateRuleFilesAndScripts(files, { knownTemplates: await knownTemplates(files, templates), appliedBy, now });
  if (errors.length > 0) {
    throw new CallwatchError('CW_ERR_RULE_INVALID', `${errors.length} problem(s) in the rule files, nothing applied:\n${errors.map((e) => `  ${formatRuleError(e)}`).join('\n')}`);
  }
  return rules;
}

/** ApplyOptions are the flags of `rules apply`, plus where to connect and where to print. */
export interface ApplyOptions {
  appliedBy?: string;
  dryRun?: boolean;
  /** template files the rules may name; `rules apply` applies them (as `templates apply`) before the rules */
  templatePaths?: string[];
  /** first print what the rules would have changed since then against the live ones (a warning when there is no history) */
  backtest?: string;
  env?: NodeJS.ProcessEnv;
  print?: (line: string) => void;
}

/**
 * applyRules validates the files, shows the plan, and publishes the created and updated rules (unless dryRun); the
 * template files given are applied first, so that no rule reaches the notifier before the template it names.
 */
export async function applyRules(paths: string[], options: ApplyOptions = {}): Promise<RulePlan> {
  const { appliedBy = userInfo().username, dryRun = false, env = process.env, print = (line: string) => void process.stdout.write(`${line}\n`), templatePaths = [] } = options;
  const rules = await validateFiles(paths, appliedBy, Date.now(), { templatePaths, env, warn: print });
  if (options.backtest !== undefined) await backtestBeforeApply(rules, options.backtest, { env, print });
  if (templatePaths.length > 0) await applyTemplates(templatePaths, { appliedBy, dryRun, env, print });
  return withRuleTable(env, async (table, connection) => {
    const plan = planRules(rules, (id) => table.get(id));
    printConfigPlan(RULE_KIND, plan, (id) => table.get(id), print);
    const changes = [...plan.create, ...plan.update];
    if (!dryRun && changes.length > 0) {
      await connection.publisher.publish(connection.topics.rule, 'rule', changes.map((rule) => ({ key: rule.id, value: rule })));
    }
    print(`${dryRun ? 'would apply' : 'applied'} ${changes.length} change(s), ${plan.unchanged.length} unchanged`);
    return plan;
  });
}


/** RuleDiff is a plan plus the ids of rules on the topic that the files do not mention. */
export interface RuleDiff extends RulePlan {
  onlyOnTopic: string[];
}

/**
 * diffRules validates the files and prints how the rule topic differs from them, publishing nothing: the plan
 * of `apply`, and the live rules no file mentions (apply leaves them alone; `rules delete` removes them).
 */
export async function diffRules(paths: string[], options: Omit<ApplyOptions, 'dryRun' | 'appliedBy'> = {}): Promise<RuleDiff> {
  const { env = process.env, print = (line: string) => void process.stdout.write(`${line}\n`), templatePaths = [] } = options;
  const rules = await validateFiles(paths, userInfo().username, Date.now(), { templatePaths, env, warn: print });
  return withRuleTable(env, async (table) => {
    const plan = planRules(rules, (id) => table.get(id));
    printConfigPlan(RULE_KIND, plan, (id) => table.get(id), print);
    const named = new Set(rules.map((r) => r.id));
    const onlyOnTopic = [...table.values()].map((r) => r.id).filter((id) => !named.has(id)).sort();
    for (const id of onlyOnTopic) print(`? ${id}  (on the topic, in no file)`);
    print(`${plan.create.length} new, ${plan.update.length} changed, ${plan.unchanged.length} unchanged, ${onlyOnTopic.length} only on the topic`);
    return { ...plan, onlyOnTopic };
  });
}

/** registerRules adds `callwatch rules …` to the CLI. */
export function registerRules(program: Command): void {
  const rules = program.command('rules').description('validate, apply and list alert rules kept as YAML/JSON files');
  rules
    .command('validate')
    .description('check rule files (or folders of them) and print every problem with file, line and field')
    .argument('<files...>', 'rule files or folders')
    .option('--templates <files...>', 'template files or folders the rules may name, besides the stock and live templates')
    .action(async (paths: string[], flags: { templates?: string[] }) => {
      const valid = await validateFiles(paths, userInfo().username, Date.now(), { templatePaths: flags.templates });
      process.stdout.write(`${valid.length} rule(s) valid\n`);
    });
  rules
    .command('diff')
    .description('show how the live rules differ from rule files, field by field, without publishing anything')
    .argument('<files...>', 'rule files or folders')
    .option('--exit-code', 'exit with status 1 when anything differs (for CI checks of a rules repository)')
    .option('--templates <files...>', 'template files or folders the rules may name, besides the stock and live templates')
    .action(async (paths: string[], flags: { exitCode?: boolean; templates?: string[] }) => {
      const diff = await diffRules(paths, { templatePaths: flags.templates });
      if (flags.exitCode && diff.create.length + diff.update.length + diff.onlyOnTopic.length > 0) process.exitCode = 1;
    });
  rules
    .command('apply')
    .description('validate rule files, show what changes, and publish the changes to the rule topic')
    .argument('<files...>', 'rule files or folders')
    .option('--dry-run', 'show the plan without publishing')
    .option('--as <name>', 'who is applying (recorded with each rule)', userInfo().username)
    .option('--templates <files...>', 'template files or folders to apply (as templates apply) before the rules, which may name them')
    .option('--backtest <since>', 'first print what the rules would have changed since then (7d) against the live ones, from the history; without a history, a warning and the apply goes on')
    .action(async (paths: string[], flags: { dryRun?: boolean; as: string; templates?: string[]; backtest?: string }) => {
      await applyRules(paths, { appliedBy: flags.as, dryRun: flags.dryRun ?? false, templatePaths: flags.templates, backtest: flags.backtest });
    });
  registerRuleChanges(rules);
  registerRuleTest(rules);
  rules
    .command('list')
    .description('list the rules currently on the rule topic')
    .option('--yaml', 'print them as rule files')
    .action(async (flags: { yaml?: boolean }) => {
      await withRuleTable(process.env, async (table) => {
        const all = [...table.values()].sort((a, b) => a.id.localeCompare(b.id));
        if (flags.yaml) process.stdout.write(stringify(all.map(ruleToFile)));
        else for (const r of all) process.stdout.write(`${r.id}\t${r.enabled ? 'enabled' : 'disabled'}\t${r.area} ${r.operator ?? ''} ${r.threshold ?? ''}\t${r.title}\t(by ${r.applied_by} at ${new Date(r.applied_at_ms).toISOString()})\n`);
        if (all.length === 0) process.stdout.write('no rules\n');
      });
    });
}
