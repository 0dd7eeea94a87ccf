import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { CallwatchError, createLogger } from '@callwatch/core';
import { CompactedTable, connect, type Connection } from '@callwatch/kafka';
import { STOCK_TEMPLATES } from '@callwatch/notifier';
import { formatRuleError, loadRuleFiles, ruleEquals, ruleToFile, validateRuleFiles } from '@callwatch/rules';
import type { Rule } from '@callwatch/schemas';
import { cliConfig } from '../env';

/** STOCK_TEMPLATE_IDS are the templates every installation has, as the notifier defines them. */
export const STOCK_TEMPLATE_IDS: readonly string[] = Object.keys(STOCK_TEMPLATES);

/** RulePlan is what `rules apply` would change: rules to create, to update, and those already as in the files. */
export interface RulePlan {
  create: Rule[];
  update: Rule[];
  unchanged: Rule[];
}

/** planRules compares the rules in the files with those on the rule topic. */
export function planRules(wanted: Rule[], current: (id: string) => Rule | undefined): RulePlan {
  const plan: RulePlan = { create: [], update: [], unchanged: [] };
  for (const rule of wanted) {
    const existing = current(rule.id);
    if (!existing) plan.create.push(rule);
    else if (ruleEquals(existing, rule)) plan.unchanged.push(rule);
    else plan.update.push(rule);
  }
  return plan;
}

/** validateFiles loads and validates rule files; any error throws one CallwatchError listing every problem. */
export async function validateFiles(paths: string[], appliedBy: string, now = Date.now()): Promise<Rule[]> {
  const files = await loadRuleFiles(paths);
  const { rules, errors } = validateRuleFiles(files, { knownTemplates: new Set(STOCK_TEMPLATE_IDS), appliedBy, now });
  if (errors.length > 0) {
    throw new CallwatchError('CW_ERR_RULE_INVALID', `${errors.length} problem(s) in the rule files, nothing applied:\n${errors.map((e) => `  ${formatRuleError(e)}`).join('\n')}`);
  }
  return rules;
}

async function withRuleTable<T>(env: NodeJS.ProcessEnv, fn: (table: CompactedTable<'rule'>, connection: Connection) => Promise<T>): Promise<T> {
  const connection = await connect(cliConfig(env), 'callwatch-cli', ['rule']);
  const table = new CompactedTable({ ...connection, log: createLogger('cli', 'warn'), topic: connection.topics.rule, schema: 'rule', groupPrefix: 'callwatch-cli' });
  try {
    await table.start();
    return await fn(table, connection);
  } finally {
    await table.stop();
    await connection.close();
  }
}

/** ApplyOptions are the flags of `rules apply`, plus where to connect and where to print. */
export interface ApplyOptions {
  appliedBy?: string;
  dryRun?: boolean;
  env?: NodeJS.ProcessEnv;
  print?: (line: string) => void;
}

/** applyRules validates the files, shows the plan, and publishes the created and updated rules (unless dryRun). */
export async function applyRules(paths: string[], options: ApplyOptions = {}): Promise<RulePlan> {
  const { appliedBy = userInfo().username, dryRun = false, env = process.env, print = (line: string) => void process.stdout.write(`${line}\n`) } = options;
  const rules = await validateFiles(paths, appliedBy);
  return withRuleTable(env, async (table, connection) => {
    const plan = planRules(rules, (id) => table.get(id));
    for (const rule of plan.create) print(`+ ${rule.id}  (new)`);
    for (const rule of plan.update) print(`~ ${rule.id}  (changed)`);
    for (const rule of plan.unchanged) print(`= ${rule.id}  (unchanged)`);
    const changes = [...plan.create, ...plan.update];
    if (!dryRun && changes.length > 0) {
      await connection.publisher.publish(connection.topics.rule, 'rule', changes.map((rule) => ({ key: rule.id, value: rule })));
    }
    print(`${dryRun ? 'would apply' : 'applied'} ${changes.length} change(s), ${plan.unchanged.length} unchanged`);
    return plan;
  });
}

/** registerRules adds `callwatch rules …` to the CLI. */
export function registerRules(program: Command): void {
  const rules = program.command('rules').description('validate, apply and list alert rules kept as YAML/JSON files');
  rules
    .command('validate')
    .description('check rule files (or folders of them) and print every problem with file, line and field')
    .argument('<files...>', 'rule files or folders')
    .action(async (paths: string[]) => {
      const valid = await validateFiles(paths, userInfo().username);
      process.stdout.write(`${valid.length} rule(s) valid\n`);
    });
  rules
    .command('apply')
    .description('validate rule files, show what changes, and publish the changes to the rule topic')
    .argument('<files...>', 'rule files or folders')
    .option('--dry-run', 'show the plan without publishing')
    .option('--as <name>', 'who is applying (recorded with each rule)', userInfo().username)
    .action(async (paths: string[], flags: { dryRun?: boolean; as: string }) => {
      await applyRules(paths, { appliedBy: flags.as, dryRun: flags.dryRun ?? false });
    });
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
