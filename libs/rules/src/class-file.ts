import { formatFieldPath, readSourceItems, type ErrorCode, type SourcePosition } from '@callwatch/core';
import type { CustomerClass } from '@callwatch/schemas';
import { checkClass } from './class-check';
import { loadSourceFiles } from './rule-load';
import type { RuleFileError, RuleFileText } from './rule-file';

/** ValidateClassOptions says which templates exist (stock ones and those on the template topic) and how to stamp the classes that pass. */
export interface ValidateClassOptions {
  knownTemplates: ReadonlySet<string>;
  appliedBy: string;
  now: number;
}

/**
 * validateClassFiles parses customer class files (YAML, JSON, one class or a list per document, `---` documents)
 * and checks every class, reporting every problem with its place (`classes[i]…`, counted from 0 across the
 * documents of a file) rather than the first; `classes` holds only the classes without problems.
 */
export function validateClassFiles(files: readonly RuleFileText[], opts: ValidateClassOptions): { classes: CustomerClass[]; errors: RuleFileError[] } {
  const classes: CustomerClass[] = [];
  const errors: RuleFileError[] = [];
  const names = new Map<string, string>();
  for (const file of files) {
    const fileErrors: RuleFileError[] = [];
    const fail = (at: SourcePosition, path: string, message: string, code: ErrorCode = 'CW_ERR_CLASS_INVALID'): void => {
      fileErrors.push({ code, file: file.path, ...at, path, message });
    };
    const items = readSourceItems(file.text, (at, message) => fail(at, '', message));
    for (const [index, item] of items.entries()) {
      const prefix = `classes[${index}]`;
      const body = checkClass(item.value, {
        knownTemplates: opts.knownTemplates,
        raw: item.raw,
        // Class files have one error code; a rule check's finer codes do not apply.
        report: (path, message, o) => fail(item.locate(path, o?.at), prefix + formatFieldPath(path), message),
      });
      const name = (item.value as { name?: unknown } | null)?.name;
      if (typeof name === 'string') {
        const at = item.locate(['name']);
        const first = names.get(name);
        if (first !== undefined) {
          fail(at, `${prefix}.name`, `expected a unique class name, got ${JSON.stringify(name)} (also defined at ${first})`);
          continue;
        }
        names.set(name, `${file.path}:${at.line}:${at.column}`);
      }
      if (body) classes.push({ ...body, applied_by: opts.appliedBy, applied_at_ms: opts.now });
    }
    // Problems are found field by field; show them in the order an editor would.
    errors.push(...fileErrors.sort((a, b) => a.line - b.line || a.column - b.column));
  }
  return { classes, errors };
}

/** loadClassFiles reads class files; a directory stands for every *.yaml, *.yml and *.json file below it, in name order. */
export function loadClassFiles(paths: readonly string[]): Promise<RuleFileText[]> {
  return loadSourceFiles(paths, { noun: 'class', code: 'CW_ERR_CLASS_INVALID' });
}
