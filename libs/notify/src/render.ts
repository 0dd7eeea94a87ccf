import { createHash } from 'node:crypto';
import Handlebars from 'handlebars';
import mjml2html from 'mjml';
import { CallwatchError } from '@callwatch/core';
import type { Template } from '@callwatch/schemas';
import type { NotificationContext } from './context';

/** RenderedNotification is one alert rendered with one template: what the channels send. */
export interface RenderedNotification {
  subject: string;
  html: string;
  text: string;
  sms: string;
}

type Part = keyof RenderedNotification;
/** CompiledTemplate is a template's four parts as Handlebars functions (html already through MJML). */
export type CompiledTemplate = Record<Part, Handlebars.TemplateDelegate<NotificationContext>>;

// An isolated Handlebars environment so nothing registered elsewhere in the process leaks into templates.
const handlebars = Handlebars.create();
const cache = new Map<string, CompiledTemplate>();
// Templates change by replacement on a compacted topic; the bound keeps superseded versions from piling up.
const CACHE_LIMIT = 500;

const TEST_PREFIX = '[TEST] ';
// C0/C1 controls and Unicode line separators: in a subject they could start a new mail header.
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

function templateError(template: Template, part: Part, cause: unknown, detail: string): CallwatchError {
  return new CallwatchError('CW_ERR_TEMPLATE', `template "${template.id}" (${part}): ${detail}`, { cause, details: { templateId: template.id, part } });
}

function mjmlErrors(err: unknown): string {
  const errors = (err as { errors?: Array<{ line: number; message: string }> }).errors;
  if (Array.isArray(errors) && errors.length > 0) return errors.map((e) => `line ${e.line}: ${e.message}`).join('; ');
  return err instanceof Error ? err.message : String(err);
}

function compileMjml(template: Template): string {
  try {
    // MJML runs on the template alone, before any customer value is substituted, so it cannot un-escape
    // what Handlebars escaped; ignoreIncludes stops an admin's template from reading files on this host.
    return mjml2html(template.mjml, { validationLevel: 'strict', ignoreIncludes: true }).html;
  } catch (err) {
    throw templateError(template, 'html', err, `invalid MJML: ${mjmlErrors(err)}`);
  }
}

function compilePart(template: Template, part: Part, source: string, noEscape: boolean): Handlebars.TemplateDelegate<NotificationContext> {
  try {
    // precompile parses eagerly: a syntax error surfaces here rather than at the first render.
    handlebars.precompile(source, { noEscape });
    return handlebars.compile<NotificationContext>(source, { noEscape });
  } catch (err) {
    throw templateError(template, part, err, `invalid Handlebars: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function contentHash(template: Template): string {
  return createHash('sha256').update(JSON.stringify([template.subject, template.mjml, template.text, template.sms])).digest('hex');
}

/** compileTemplate compiles (once per template id and content) the four parts of a template; it throws CW_ERR_TEMPLATE. */
export function compileTemplate(template: Template): CompiledTemplate {
  const key = `${template.id}\u0000${contentHash(template)}`;
  let compiled = cache.get(key);
  if (!compiled) {
    compiled = {
      subject: compilePart(template, 'subject', template.subject, true),
      html: compilePart(template, 'html', compileMjml(template), false),
      text: compilePart(template, 'text', template.text, true),
      sms: compilePart(template, 'sms', template.sms, true),
    };
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(key, compiled);
  }
  return compiled;
}

function run(template: Template, compiled: CompiledTemplate, part: Part, context: NotificationContext): string {
  try {
    return compiled[part](context);
  } catch (err) {
    throw templateError(template, part, err, err instanceof Error ? err.message : String(err));
  }
}

function withTestPrefix(text: string, test: boolean): string {
  return test && !text.startsWith(TEST_PREFIX) ? TEST_PREFIX + text : text;
}

/**
 * renderNotification renders a template for one alert: html escapes every value, text and SMS are plain text,
 * and the subject is one line; TEST alerts get a [TEST] prefix on subject, text and SMS whatever the template says.
 */
export function renderNotification(template: Template, context: NotificationContext): RenderedNotification {
  const compiled = compileTemplate(template);
  const subject = run(template, compiled, 'subject', context).replace(CONTROL_CHARS, ' ').trim();
  return {
    subject: withTestPrefix(subject, context.test),
    html: run(template, compiled, 'html', context),
    text: withTestPrefix(run(template, compiled, 'text', context), context.test),
    sms: withTestPrefix(run(template, compiled, 'sms', context).trim(), context.test),
  };
}
