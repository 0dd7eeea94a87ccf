import type { Rule } from '@callwatch/schemas';
import { validateRuleFiles, type RuleFileError, type RuleFileText, type RuleScriptSource, type ValidateRuleOptions } from './rule-file';
import { ScriptSandbox, type ScriptError } from './script-sandbox';

/**
 * validateRuleScripts compiles every script in one sandbox, as the evaluator will, and returns an error at the
 * `script` field of each that does not compile. It loads no sandbox when there is no script.
 */
export async function validateRuleScripts(scripts: readonly RuleScriptSource[]): Promise<RuleFileError[]> {
  if (scripts.length === 0) return [];
  const sandbox = await ScriptSandbox.create();
  try {
    return scripts.flatMap(({ file, line, column, path, ruleId, script }): RuleFileError[] => {
      const error = sandbox.check(ruleId, script);
      return error ? [{ code: 'CW_ERR_RULE_INVALID', file, line, column, path, message: `expected a script that compiles, got ${compileProblem(error)}` }] : [];
    });
  } finally {
    sandbox.dispose();
  }
}

/**
 * validateRuleFilesAndScripts is validateRuleFiles followed by validateRuleScripts, for the CLI: every problem,
 * scripts that do not compile included, in file order and by position within a file; `rules` holds only the rules
 * without problems.
 */
export async function validateRuleFilesAndScripts(files: readonly RuleFileText[], opts: ValidateRuleOptions): Promise<{ rules: Rule[]; errors: RuleFileError[] }> {
  const { rules, errors, scripts } = validateRuleFiles(files, opts);
  const scriptErrors = await validateRuleScripts(scripts);
  if (scriptErrors.length === 0) return { rules, errors };
  const broken = new Set(scripts.filter((s) => scriptErrors.some((e) => e.file === s.file && e.path === s.path)).map((s) => s.ruleId));
  const fileOrder = new Map(files.map((f, i) => [f.path, i]));
  const all = [...errors, ...scriptErrors].sort((a, b) => (fileOrder.get(a.file) ?? 0) - (fileOrder.get(b.file) ?? 0) || a.line - b.line || a.column - b.column);
  return { rules: rules.filter((r) => !broken.has(r.id)), errors: all };
}

// What the compiler said, without the "script rule <id>: " prefix; a line is the script's own, counted from 1.
function compileProblem(error: ScriptError): string {
  const { name, message, line } = error.details as { name?: string; message?: string; line?: number | null };
  if (error.code !== 'CW_ERR_SCRIPT_FAILED' || message === undefined) return error.message.replace(/^script rule [^:]*: /, '');
  return `${name ? `${name}: ` : ''}${message}${line ? ` (line ${line} of the script)` : ''}`;
}
