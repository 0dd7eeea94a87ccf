import type { ErrorCode } from '@callwatch/core';
import type { Rule } from '@callwatch/schemas';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document } from 'yaml';
import { checkRule } from './rule-check';
import type { FieldPath } from './rule-fields';

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

type Doc = Document.Parsed;
type Position = { line: number; column: number };

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
    const lineCounter = new LineCounter();
    const where = (offset: number): Position => {
      const { line, col } = lineCounter.linePos(offset);
      return { line, column: col };
    };
    const fail = (at: Position, path: string, message: string, code: ErrorCode = 'CW_ERR_RULE_INVALID'): void => {
      fileErrors.push({ code, file: file.path, ...at, path, message });
    };
    const parsed = parseAllDocuments(file.text, { lineCounter, prettyErrors: false });
    // A stream of only comments parses as an EmptyStream, not an array: nothing to load.
    const docs = Array.isArray(parsed) ? parsed : [];
    let index = 0;
    for (const doc of docs) {
      for (const e of doc.errors) fail(where(e.pos[0]), '', `expected valid YAML or JSON, got ${e.message}`);
      if (doc.errors.length > 0) continue;
      let value: unknown;
      try {
        value = doc.toJS();
      } catch (err) {
        // yaml refuses alias bombs (maxAliasCount); report it like a syntax error.
        fail(where(doc.range[0]), '', `expected valid YAML or JSON, got ${(err as Error).message}`);
        continue;
      }
      // An empty document (`---` followed by comments) holds no rule.
      if (value === null || value === undefined) continue;
      const contents = doc.contents;
      const items = isSeq(contents) && Array.isArray(value)
        ? contents.items.map((node, i) => ({ node, value: value[i] as unknown }))
        : [{ node: contents, value }];
      for (const item of items) {
        const prefix = `rules[${index++}]`;
        const locate = (path: FieldPath, at: 'key' | 'value' = 'value'): Position => where(offsetOf(doc, item.node, path, at));
        const body = checkRule(item.value, {
          knownTemplates: opts.knownTemplates,
          raw: (path) => rawText(file.text, doc, item.node, path),
          report: (path, message, o) => fail(locate(path, o?.at), prefix + formatPath(path), message, o?.code),
        });
        const id = (item.value as { id?: unknown } | null)?.id;
        const { area, script } = (item.value ?? {}) as { area?: unknown; script?: unknown };
        if (area === 'script' && typeof script === 'string' && script.trim() !== '') {
          scripts.push({ file: file.path, ...locate(['script']), path: `${prefix}.script`, ruleId: typeof id === 'string' ? id : prefix, script });
        }
        if (typeof id === 'string') {
          const at = locate(['id']);
          const first = ids.get(id);
          if (first !== undefined) {
            fail(at, `${prefix}.id`, `expected a unique id, got ${JSON.stringify(id)} (also defined at ${first})`);
            continue;
          }
          ids.set(id, `${file.path}:${at.line}:${at.column}`);
        }
        if (body) rules.push({ ...body, applied_by: opts.appliedBy, applied_at_ms: opts.now });
      }
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

function formatPath(path: FieldPath): string {
  return path.map((seg) => (typeof seg === 'number' ? `[${seg}]` : `.${seg}`)).join('');
}

// Walks the YAML nodes along a field path; stops at the deepest node that exists, so a missing field points at its rule.
function nodeAt(doc: Doc, root: unknown, path: FieldPath): { node: unknown; key: unknown; complete: boolean } {
  let node = root;
  let key: unknown = null;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(seg));
      if (!pair) return { node, key, complete: false };
      key = pair.key;
      node = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      key = null;
      node = node.items[seg];
    } else {
      return { node, key, complete: false };
    }
  }
  return { node, key, complete: true };
}

function startOf(node: unknown): number | undefined {
  return (node as { range?: [number, number, number] } | null)?.range?.[0];
}

function offsetOf(doc: Doc, root: unknown, path: FieldPath, at: 'key' | 'value'): number {
  const found = nodeAt(doc, root, path);
  const target = at === 'key' && found.complete && found.key ? found.key : found.node;
  return startOf(target) ?? doc.range[0];
}

function rawText(text: string, doc: Doc, root: unknown, path: FieldPath): string | undefined {
  const found = nodeAt(doc, root, path);
  if (!found.complete || !isScalar(found.node) || !found.node.range) return undefined;
  return text.slice(found.node.range[0], found.node.range[1]);
}
