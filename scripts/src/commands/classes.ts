import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { CallwatchError } from '@callwatch/core';
import { classChanges, classEquals, formatRuleError, loadClassFiles, validateClassFiles } from '@callwatch/rules';
import type { CustomerClass } from '@callwatch/schemas';
import { registerClassChanges } from './classes-manage';
import { withClassTables } from './class-table';
import { planConfig, printConfigPlan, type ConfigKind, type ConfigPlan } from './config-kind';

/** ClassPlan is what `classes apply` would change: classes to create, to update, and those already as in the files. */
export type ClassPlan = ConfigPlan<CustomerClass>;

/** CLASS_KIND says how classes are keyed, compared and diffed. */
export const CLASS_KIND: ConfigKind<CustomerClass> = { key: (c) => c.name, equals: classEquals, changes: classChanges };

/** ClassDiff is a plan plus the names of classes on the topic that the files do not mention. */
export interface ClassDiff extends ClassPlan {
  onlyOnTopic: string[];
}

/** ClassApplyOptions are the flags of `classes apply`, plus where to connect and where to print. */
export interface ClassApplyOptions {
  appliedBy?: string;
  dryRun?: boolean;
  env?: NodeJS.ProcessEnv;
  print?: (line: string) => void;
  now?: number;
}

const stdout = (line: string) => void process.stdout.write(`${line}\n`);

/** planClasses compares the classes in the files with those on the class topic. */
export function planClasses(wanted: CustomerClass[], current: (name: string) => CustomerClass | undefined): ClassPlan {
  return planConfig(CLASS_KIND, wanted, current);
}

// Validates loaded class files against the known templates; any error throws one CallwatchError listing every problem.
function checkClassFiles(files: Awaited<ReturnType<typeof loadClassFiles>>, knownTemplates: ReadonlySet<string>, appliedBy: string, now: number): CustomerClass[] {
  const { classes, errors } = validateClassFiles(files, { knownTemplates, appliedBy, now });
  if (errors.length > 0) {
    throw new CallwatchError('CW_ERR_CLASS_INVALID', `${errors.length} problem(s) in the class files, nothing applied:\n${errors.map((e) => `  ${formatRuleError(e)}`).join('\n')}`);
  }
  return classes;
}

/**
 * validateClasses loads and validates class files; template ids are checked against the stock templates and the
 * template topic, so it reads that topic. It returns the valid classes and throws on any problem.
 */
export async function validateClasses(paths: string[], options: Pick<ClassApplyOptions, 'env' | 'now'> = {}): Promise<CustomerClass[]> {
  const { env = process.env, now = Date.now() } = options;
  const files = await loadClassFiles(paths);
  return withClassTables(env, async ({ knownTemplates }) => checkClassFiles(files, knownTemplates, userInfo().username, now));
}

/** applyClasses validates the files, prints the plan, and publishes the created and updated classes (unless dryRun). */
export async function applyClasses(paths: string[], options: ClassApplyOptions = {}): Promise<ClassPlan> {
  const { appliedBy = userInfo().username, dryRun = false, env = process.env, print = stdout, now = Date.now() } = options;
  const files = await loadClassFiles(paths);
  return withClassTables(env, async ({ classes: table, knownTemplates, connection }) => {
    const plan = planClasses(checkClassFiles(files, knownTemplates, appliedBy, now), (name) => table.get(name));
    printConfigPlan(CLASS_KIND, plan, (name) => table.get(name), print);
    const changes = [...plan.create, ...plan.update];
    if (!dryRun && changes.length > 0) {
      await connection.publisher.publish(connection.topics.class, 'class', changes.map((cls) => ({ key: cls.name, value: cls })));
    }
    print(`${dryRun ? 'would apply' : 'applied'} ${changes.length} change(s), ${plan.unchanged.length} unchanged`);
    return plan;
  });
}

/**
 * diffClasses validates the files and prints how the class topic differs from them, publishing nothing: the plan
 * of `apply`, and the live classes no file mentions (apply leaves them alone; `classes delete` removes them).
 */
export async function diffClasses(paths: string[], options: Omit<ClassApplyOptions, 'dryRun' | 'appliedBy'> = {}): Promise<ClassDiff> {
  const { env = process.env, print = stdout, now = Date.now() } = options;
  const files = await loadClassFiles(paths);
  return withClassTables(env, async ({ classes: table, knownTemplates }) => {
    const wanted = checkClassFiles(files, knownTemplates, userInfo().username, now);
    const plan = planClasses(wanted, (name) => table.get(name));
    printConfigPlan(CLASS_KIND, plan, (name) => table.get(name), print);
    const named = new Set(wanted.map((c) => c.name));
    const onlyOnTopic = [...table.view().keys()].filter((name) => !named.has(name)).sort();
    for (const name of onlyOnTopic) print(`? ${name}  (on the topic, in no file)`);
    print(`${plan.create.length} new, ${plan.update.length} changed, ${plan.unchanged.length} unchanged, ${onlyOnTopic.length} only on the topic`);
    return { ...plan, onlyOnTopic };
  });
}

// `+` new classes, `~` changed ones with each changed field, `=` unchanged ones.

/** registerClasses adds `callwatch classes …` to the CLI. */
export function registerClasses(program: Command): void {
  const classes = program
    .command('classes')
    .description('customer classes: which notifications the customers of a class receive, and with which templates (YAML/JSON files)');
  classes
    .command('validate')
    .description('check class files (or folders of them) and print every problem with file, line and field; reads the template topic for template ids')
    .argument('<files...>', 'class files or folders')
    .action(async (paths: string[]) => {
      const valid = await validateClasses(paths);
      stdout(`${valid.length} class(es) valid`);
    });
  classes
    .command('diff')
    .description('show how the live classes differ from class files, field by field, without publishing anything')
    .argument('<files...>', 'class files or folders')
    .option('--exit-code', 'exit with status 1 when anything differs (for CI checks)')
    .action(async (paths: string[], flags: { exitCode?: boolean }) => {
      const diff = await diffClasses(paths);
      if (flags.exitCode && diff.create.length + diff.update.length + diff.onlyOnTopic.length > 0) process.exitCode = 1;
    });
  classes
    .command('apply')
    .description('validate class files, show what changes, and publish the changes to the class topic')
    .argument('<files...>', 'class files or folders')
    .option('--dry-run', 'show the plan without publishing')
    .option('--as <name>', 'who is applying (recorded with each class)', userInfo().username)
    .action(async (paths: string[], flags: { dryRun?: boolean; as: string }) => {
      await applyClasses(paths, { appliedBy: flags.as, dryRun: flags.dryRun ?? false });
    });
  registerClassChanges(classes);
}
