import { formatFieldPath, readSourceItems, type ErrorCode, type FieldPath, type SourcePosition } from '@callwatch/core';
import type { Template } from '@callwatch/schemas';
import { checkTemplateParts } from './template-check';
import { checkTemplateFields } from './template-fields';

/** TemplateFileText is one template file: its path (as shown in messages) and its YAML or JSON text. */
export interface TemplateFileText {
  path: string;
  text: string;
}

/** TemplateFileProblem is one problem (or warning) in a template file: where, which field, and what was expected instead. */
export interface TemplateFileProblem {
  code: ErrorCode;
  file: string;
  /** line and column are 1-based; for a problem inside a part, they point into the part's block in the file. */
  line: number;
  column: number;
  /** path names the field, e.g. `templates[1].variants[0].mjml`, counting templates from 0 across the documents of a file. */
  path: string;
  /** templateId is the id of the template in question, when it has one. */
  templateId: string | null;
  /** message reads "expected …, got …". */
  message: string;
}

/** ValidateTemplateOptions say how to stamp the templates that pass, and past how many SMS segments to warn. */
export interface ValidateTemplateOptions {
  appliedBy: string;
  now: number;
  maxSmsSegments: number;
}

/** TemplateValidation is what validateTemplateFiles found: the templates without problems, every problem, and warnings. */
export interface TemplateValidation {
  templates: Template[];
  errors: TemplateFileProblem[];
  warnings: TemplateFileProblem[];
}

/**
 * validateTemplateFiles parses template files (YAML or JSON, one template or a list per document, `---` documents),
 * checks every field, compiles every part as the notifier will (checkTemplateParts) and reports every problem at its
 * place in the file, a problem inside a part at its line within the part's block.
 */
export function validateTemplateFiles(files: readonly TemplateFileText[], opts: ValidateTemplateOptions): TemplateValidation {
  const out: TemplateValidation = { templates: [], errors: [], warnings: [] };
  const ids = new Map<string, string>();
  for (const file of files) {
    const errors: TemplateFileProblem[] = [];
    const warnings: TemplateFileProblem[] = [];
    const problem = (at: SourcePosition, path: string, message: string, templateId: string | null = null): TemplateFileProblem =>
      ({ code: 'CW_ERR_TEMPLATE_INVALID', file: file.path, ...at, path, templateId, message });
    const items = readSourceItems(file.text, (at, message) => errors.push(problem(at, '', message)));
    for (const [index, item] of items.entries()) {
      const prefix = `templates[${index}]`;
      const rawId = (item.value as { id?: unknown } | null)?.id;
      const templateId = typeof rawId === 'string' ? rawId : null;
      const label = (path: FieldPath) => prefix + formatFieldPath(path);
      const checked = checkTemplateFields(item.value, (path, message, o) => errors.push(problem(item.locate(path, o?.at), label(path), message, templateId)));
      if (!checked) continue;
      let partProblems = 0;
      checkTemplateParts(checked.body, {
        maxSmsSegments: opts.maxSmsSegments,
        report: (path, line, column, message) => {
          partProblems += 1;
          errors.push(problem(item.positionInScalar(path, line, column), label(path), message, templateId));
        },
        warn: (path, line, column, message) => warnings.push(problem(item.positionInScalar(path, line, column), label(path), message, templateId)),
      });
      if (templateId !== null) {
        const at = item.locate(['id']);
        const first = ids.get(templateId);
        if (first !== undefined) {
          errors.push(problem(at, `${prefix}.id`, `expected a unique id, got ${JSON.stringify(templateId)} (also defined at ${first})`, templateId));
          continue;
        }
        ids.set(templateId, `${file.path}:${at.line}:${at.column}`);
      }
      if (checked.problems === 0 && partProblems === 0) out.templates.push({ ...checked.body, applied_by: opts.appliedBy, applied_at_ms: opts.now });
    }
    // Problems are found part by part; show them in the order an editor would.
    const byPlace = (a: TemplateFileProblem, b: TemplateFileProblem) => a.line - b.line || a.column - b.column;
    out.errors.push(...errors.sort(byPlace));
    out.warnings.push(...warnings.sort(byPlace));
  }
  return out;
}

/** formatTemplateProblem renders a problem the way compilers do, so editors can jump to it: `file:line:column path: message`. */
export function formatTemplateProblem(p: TemplateFileProblem): string {
  return `${p.file}:${p.line}:${p.column} ${p.path ? `${p.path}: ` : ''}${p.message}`;
}
