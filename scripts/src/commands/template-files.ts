import { CallwatchError, loadConfig } from '@callwatch/core';
import {
  NOTIFY_ENV, formatTemplateProblem, loadTemplateFiles, validateTemplateFiles, type TemplateValidation,
} from '@callwatch/notify';
import type { Template } from '@callwatch/schemas';

/** TemplateCheckOptions say who applies the templates, past how many SMS segments to warn, and where warnings go. */
export interface TemplateCheckOptions {
  appliedBy: string;
  maxSmsSegments: number;
  warn: (line: string) => void;
  now?: number;
}

/** maxSmsSegments is the `--max-sms-segments` flag when given, else NOTIFY_SMS_MAX_SEGMENTS. */
export function maxSmsSegments(env: NodeJS.ProcessEnv, flag?: string): number {
  if (flag === undefined) return loadConfig({ NOTIFY_SMS_MAX_SEGMENTS: NOTIFY_ENV.NOTIFY_SMS_MAX_SEGMENTS }, env).NOTIFY_SMS_MAX_SEGMENTS;
  if (!/^\d+$/.test(flag) || Number(flag) < 1) throw new CallwatchError('CW_ERR_CLI_USAGE', `--max-sms-segments: expected a whole number ≥ 1, got "${flag}"`);
  return Number(flag);
}

/** checkTemplatePaths loads and validates template files (or folders of them), printing each warning; it never throws for a problem in a file. */
export async function checkTemplatePaths(paths: readonly string[], opts: TemplateCheckOptions): Promise<TemplateValidation> {
  const files = await loadTemplateFiles(paths);
  const validation = validateTemplateFiles(files, { appliedBy: opts.appliedBy, now: opts.now ?? Date.now(), maxSmsSegments: opts.maxSmsSegments });
  for (const w of validation.warnings) opts.warn(`warning: ${formatTemplateProblem(w)}`);
  return validation;
}

/**
 * invalidTemplates is the error listing every problem of a validation; `users` names, per broken template, the live
 * rules that use it, which makes the error CW_ERR_TEMPLATE_IN_USE.
 */
export function invalidTemplates(validation: TemplateValidation, users: ReadonlyMap<string, string[]> = new Map()): CallwatchError {
  const lines = validation.errors.map((e) => `  ${formatTemplateProblem(e)}`);
  const used = [...users].filter(([, rules]) => rules.length > 0);
  for (const [id, rules] of used) lines.push(`  template ${id} is used by live rule(s) ${rules.join(', ')}: this version would break their notifications`);
  const code = used.length > 0 ? 'CW_ERR_TEMPLATE_IN_USE' : 'CW_ERR_TEMPLATE_INVALID';
  return new CallwatchError(code, `${validation.errors.length} problem(s) in the template files, nothing applied:\n${lines.join('\n')}`);
}

/** validateTemplatePaths loads and validates template files; any problem throws one error listing every problem. */
export async function validateTemplatePaths(paths: readonly string[], opts: TemplateCheckOptions): Promise<Template[]> {
  const validation = await checkTemplatePaths(paths, opts);
  if (validation.errors.length > 0) throw invalidTemplates(validation);
  return validation.templates;
}
