import { formatFieldPath, readSourceItems, type ErrorCode, type SourcePosition } from '@callwatch/core';
import type { Rule } from '@callwatch/schemas';
import { checkRule } from './rule-check';

/** RuleFileText is one rule file: its path (as shown in errors) and its YAML or JSON text. */
export interface RuleFileText {
  path: string;
  text: string;
}

/** RuleFileError is one problem in a rule file: where it is, which field, and what was expected instead. */
export interface RuleFileError {
  code: ErrorCode;
  file: string;
  /** line and column are 1-based, pointing at the offending value (or field name, for unknown fields). */
  line: number;
  column: number;
  /** path names the field, e.g. `rules[2].reset_threshold`, counting rules from 0 across the documents of a file. */
  path: string;
  /** message reads "expected …, got …". */
  message: string;
}

/**
 * RuleScriptSource is the script of one script rule in a rule file, where its `script` field is, so that a check
 * which compiles it can report its problem like any other: `file:line:column rules[i].script: …`.
 */
export interface RuleScriptSource {
  file: string;
  line: number;
  column: number;
  path: string;
  /** ruleId is the rule's id, or its path when the id is missing. */
  ruleId: string;
  script: string;
}

/** ValidateRuleOptions says which templates exist and how to stamp the rules that pass. */
export interface ValidateRuleOptions {
  knownTemplates: ReadonlySet<string>;
  appliedBy: string;
  now: number;
}

/**
 * validateRuleFiles parses rule files (YAML, JSON, one rule or a list per document, `---` documents) and checks
 * every rule, reporting every problem rather than the first; `rules` holds only the rules without problems.
 * Scripts are not compiled here (the sandbox loads asynchronously): `scripts` lists those of every `area: script`
 * rule, with or without other problems, for validateRuleScripts.
 */
export function validateRuleFiles(files: readonly RuleFileText[], opts: ValidateRuleOptions): { rules: Rule[]; errors: RuleFileError[]; scripts: RuleScriptSource[] } {
  const rules: Rule[] = [];
  const errors: RuleFileError[] = [];
  const scripts: RuleScriptSource[] = [];
  const ids = new Map<string, string>();
  for (const file of files) {
    const fileErrors: RuleFileError[] = [];
    const fail = (at: SourcePosition, path: string, message: string, code: ErrorCode = 'CW_ERR_RULE_INVALID'): void => {
      fileErrors.push({ code, file: file.path, ...at, path, message });
    };
    const items = readSourceItems(file.text, (at, message) => fail(at, '', message));
    for (const [index, item] of items.entries()) {
      const prefix = `rules[${index}]`;
      const body = checkRule(item.value, {
        knownTemplates: opts.knownTemplates,
        raw: item.raw,
        report: (path, message, o) => fail(item.locate(path, o?.at), prefix + formatFieldPath(path), message, o?.code),
      });
      const id = (item.value as { id?: unknown } | null)?.id;
      const { area, script } = (item.value ?? {}) as { area?: unknown; script?: unknown };
      if (area === 'script' && typeof script === 'string' && script.trim() !== '') {
        scripts.push({ file: file.path, ...item.locate(['script']), path: `${prefix}.script`, ruleId: typeof id === 'string' ? id : prefix, script });
      }
      if (typeof id === 'string') {
        const at = item.locate(['id']);
        const first = ids.get(id);
        if (first !== undefined) {
          fail(at, `${prefix}.id`, `expected a unique id, got ${JSON.stringify(id)} (also defined at ${first})`);
          continue;
        }
        ids.set(id, `${file.path}:${at.line}:${at.column}`);
      }
      if (body) rules.push({ ...body, applied_by: opts.appliedBy, applied_at_ms: opts.now });
    }
    // Problems are found field by field; show them in the order an editor would.
    errors.push(...fileErrors.sort((a, b) => a.line - b.line || a.column - b.column));
  }
  return { rules, errors, scripts };
}

/** formatRuleError renders an error the way compilers do, so editors can jump to it: `file:line:column path: message`. */
export function formatRuleError(e: RuleFileError): string {
  return `${e.file}:${e.line}:${e.column} ${e.path ? `${e.path}: ` : ''}${e.message}`;
}
