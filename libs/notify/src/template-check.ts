import { CallwatchError, type FieldPath } from '@callwatch/core';
import type { AlertEventType, Level, Template } from '@callwatch/schemas';
import { AREA_FORMATS } from './areas';
import { buildContext } from './context';
import { handlebarsProblems } from './handlebars-check';
import { mjmlToHtml, renderNotification } from './render';
import { formatSmsLength, smsLength } from './sms-segments';
import type { TemplateBody } from './template-fields';
import { sampleAccount, sampleAlert } from './template-sample';
import { TEMPLATE_PARTS } from './template-variant';

/** PartReport records a problem at a 1-based line and column of the text of the part at `path`. */
export type PartReport = (path: FieldPath, line: number, column: number, message: string) => void;

/** PartCheckOptions say where problems go, and past how many SMS segments a rendered sample earns a warning. */
export interface PartCheckOptions {
  report: PartReport;
  warn: PartReport;
  maxSmsSegments: number;
}

// A template named after an area (an override of its stock template) is tried on that area; any other on ASR.
function sampleArea(id: string): string {
  return id === 'event' || AREA_FORMATS[id] ? id : 'asr';
}

function mjmlProblems(mjml: string): Array<{ line: number; message: string }> {
  try {
    mjmlToHtml(mjml);
    return [];
  } catch (err) {
    const errors = (err as { errors?: Array<{ line: number; message: string; tagName?: string }> }).errors;
    if (!Array.isArray(errors) || errors.length === 0) return [{ line: 1, message: `expected valid MJML, got ${(err as Error).message}` }];
    return errors.map((e) => ({ line: e.line, message: `expected valid MJML (strict), got ${e.tagName ? `<${e.tagName}>: ` : ''}${e.message}` }));
  }
}

/**
 * checkTemplateParts checks the parts of a template and of each variant as the notifier will use them: the MJML
 * compiles with strict validation, every Handlebars part names only template variables and the block helpers, the
 * template renders a sample alert of each variant's type and level, and its SMS fits `maxSmsSegments` (a warning).
 */
export function checkTemplateParts(body: TemplateBody, opts: PartCheckOptions): void {
  let problems = 0;
  const report: PartReport = (...args) => {
    problems += 1;
    opts.report(...args);
  };
  const sources: Array<{ path: FieldPath; part: string; text: string }> = [];
  for (const part of TEMPLATE_PARTS) if (body[part]) sources.push({ path: [part], part, text: body[part] });
  body.variants.forEach((variant, i) => {
    for (const part of TEMPLATE_PARTS) {
      const text = variant[part];
      if (text) sources.push({ path: ['variants', i, part], part, text });
    }
  });
  for (const { path, part, text } of sources) {
    for (const p of handlebarsProblems(text, { html: part === 'mjml' })) report(path, p.line, p.column, p.message);
    if (part === 'mjml') for (const p of mjmlProblems(text)) report(path, p.line, 1, p.message);
  }
  if (problems > 0 || TEMPLATE_PARTS.some((part) => !body[part])) return;
  trySamples(body, opts, report);
}

// Renders the base with a fired warning and each variant with an alert of its own type and level.
function trySamples(body: TemplateBody, opts: PartCheckOptions, report: PartReport): void {
  const template: Template = { ...body, applied_by: 'check', applied_at_ms: 0 };
  const cases: Array<{ index: number; type: AlertEventType; level: Level }> = [
    { index: -1, type: 'fired', level: 'warning' },
    ...body.variants.map((v, index) => ({ index, type: (v.type ?? 'fired') as AlertEventType, level: (v.level ?? 'warning') as Level })),
  ];
  for (const { index, type, level } of cases) {
    const at: FieldPath = index < 0 ? [] : ['variants', index];
    const alert = sampleAlert({ area: sampleArea(body.id), type, level });
    let sms: string;
    try {
      sms = renderNotification(template, buildContext(alert, undefined, sampleAccount())).sms;
    } catch (err) {
      const part = err instanceof CallwatchError ? String((err.details as { part?: string } | undefined)?.part ?? '') : '';
      report([...at, part === 'html' ? 'mjml' : part || 'subject'], 1, 1, `expected a template that renders a sample ${type} ${level} alert, got ${(err as Error).message}`);
      continue;
    }
    // A variant without its own SMS sends the base's, already counted.
    if (index >= 0 && body.variants[index]?.sms === null) continue;
    const length = smsLength(sms);
    if (length.segments > opts.maxSmsSegments) {
      opts.warn([...at, 'sms'], 1, 1, `expected an SMS of at most ${opts.maxSmsSegments} segment(s), got ${formatSmsLength(length)} for a sample ${type} ${level} alert: ${JSON.stringify(sms)}`);
    }
  }
}
