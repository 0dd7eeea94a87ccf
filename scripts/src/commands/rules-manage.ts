import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { CallwatchError } from '@callwatch/core';
import { ruleToFile, toggledRule } from '@callwatch/rules';
import type { Rule } from '@callwatch/schemas';
import { formatConfigFiles, registerExportCommand, type ConfigFormat } from './config-kind';
import { withRuleTable } from './rule-table';

/** RuleChange is what `rules delete|enable|disable` does to each rule it names. */
export type RuleChange = 'delete' | 'enable' | 'disable';

/** ChangeOptions say who changes the rules, where to connect and where to print. */
export interface ChangeOptions {
  by?: string;
  env?: NodeJS.ProcessEnv;
  print?: (line: string) => void;
  now?: number;
}

/**
 * changeRules deletes (a tombstone on the rule topic), enables or disables the named live rules, recording who
 * and when. Nothing is published when an id is unknown; enabling an enabled rule changes nothing.
 */
export async function changeRules(ids: string[], change: RuleChange, options: ChangeOptions = {}): Promise<string[]> {
  const { by = userInfo().username, env = process.env, print = (line: string) => void process.stdout.write(`${line}\n`), now = Date.now() } = options;
  return withRuleTable(env, async (table, connection) => {
    const unknown = ids.filter((id) => table.get(id) === undefined);
    if (unknown.length > 0) throw new CallwatchError('CW_ERR_CLI_USAGE', `no such rule on ${connection.topics.rule}: ${unknown.join(', ')}; nothing changed (see callwatch rules list)`);
    const changed: string[] = [];
    const messages: Array<{ key: string; value: Rule | null; headers?: Record<string, string> }> = [];
    for (const id of new Set(ids)) {
      const rule = table.get(id) as Rule;
      const toggled = change === 'delete' ? null : toggledRule(rule, change === 'enable', by, now);
      // A tombstone has no value to carry who deleted the rule, so its headers do.
      if (change === 'delete') messages.push({ key: id, value: null, headers: { 'applied-by': by, 'applied-at-ms': String(now) } });
      else if (toggled) messages.push({ key: id, value: toggled });
      else {
        print(`= ${id}  (already ${change}d)`);
        continue;
      }
      changed.push(id);
      print(`${change === 'delete' ? '-' : '~'} ${id}  (${change}d)`);
    }
    await connection.publisher.publish(connection.topics.rule, 'rule', messages);
    return changed;
  });
}

/** exportRules returns the live rules (all, or the named ones) as rule-file YAML or JSON: applying it changes nothing. */
export async function exportRules(ids: string[], format: ConfigFormat, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return withRuleTable(env, async (table) => {
    const all = [...table.values()].sort((a, b) => a.id.localeCompare(b.id));
    const unknown = ids.filter((id) => table.get(id) === undefined);
    if (unknown.length > 0) throw new CallwatchError('CW_ERR_CLI_USAGE', `no such rule: ${unknown.join(', ')}`);
    const files = (ids.length > 0 ? all.filter((r) => ids.includes(r.id)) : all).map(ruleToFile);
    return formatConfigFiles(files, format);
  });
}

/** registerRuleChanges adds `callwatch rules delete|enable|disable|export` to the `rules` command. */
export function registerRuleChanges(rules: Command): void {
  for (const [change, description] of [
    ['delete', 'delete rules from the rule topic (a tombstone): their alerts stop being evaluated'],
    ['enable', 'enable rules (recorded with who and when)'],
    ['disable', 'disable rules without deleting them (recorded with who and when)'],
  ] as Array<[RuleChange, string]>) {
    rules
      .command(change)
      .description(description)
      .argument('<ids...>', 'rule ids')
      .option('--as <name>', 'who is changing them', userInfo().username)
      .action(async (ids: string[], flags: { as: string }) => {
        await changeRules(ids, change, { by: flags.as });
      });
  }
  registerExportCommand(rules, {
    description: 'write the live rules as rule files (applying them back changes nothing)',
    argument: ['[ids...]', 'rule ids (default: every rule)'],
    run: (keys, format) => exportRules(keys, format),
  });
}
