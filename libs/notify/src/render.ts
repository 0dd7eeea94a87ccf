import { createHash } from 'node:crypto';
import Handlebars from 'handlebars';
import mjml2html from 'mjml';
import { CallwatchError } from '@callwatch/core';
import type { Template, TemplateVariant } from '@callwatch/schemas';
import type { NotificationContext } from './context';
import { variantIndex, variantLabel } from './template-variant';

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

// The base and each variant, compiled; a variant's null part shares the base's function.
interface CompiledSet {
  base: CompiledTemplate;
  variants: CompiledTemplate[];
}

// An isolated Handlebars environment so nothing registered elsewhere in the process leaks into templates.
const handlebars = Handlebars.create();
// Handlebars reports a refused prototype access ({{entity.toString}}) with console.error, outside the service's JSON
// log. The refusal is the point (the CLI's check names such a template before it is applied; rendered, it prints
// nothing of them), so its logger says nothing: level 4 is above its last, error (3).
handlebars.logger.level = 4;
const cache = new Map<string, CompiledSet>();
// Templates are values replaced whole (a compacted topic), never changed in place: a template object seen before needs
// no content hash, which keeps a cached render to a map lookup.
const byObject = new WeakMap<Template, CompiledSet>();
// Templates change by replacement on a compacted topic; the bound keeps superseded versions from piling up.
const CACHE_LIMIT = 500;

const TEST_PREFIX = '[TEST] ';
// C0/C1 controls and Unicode line separators: in a subject they could start a new mail header.
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

function templateError(template: Template, part: Part, cause: unknown, detail: string, variant = -1): CallwatchError {
  const where = variant < 0 ? part : `${variantLabel(template, variant)} ${part}`;
  return new CallwatchError('CW_ERR_TEMPLATE', `template "${template.id}" (${where}): ${detail}`, { cause, details: { templateId: template.id, part, variant } });
}

function mjmlErrors(err: unknown): string {
  const errors = (err as { errors?: Array<{ line: number; message: string }> }).errors;
  if (Array.isArray(errors) && errors.length > 0) return errors.map((e) => `line ${e.line}: ${e.message}`).join('; ');
  return err instanceof Error ? err.message : String(err);
}

/**
 * mjmlToHtml compiles MJML with strict validation; it throws mjml's error, whose `errors` carry the line of each problem.
 * MJML runs on the template alone, before any customer value is substituted, so it cannot un-escape what Handlebars
 * escaped; ignoreIncludes stops an admin's template from reading files on this host.
 */
export function mjmlToHtml(mjml: string): string {
  return mjml2html(mjml, { validationLevel: 'strict', ignoreIncludes: true }).html;
}

function compileMjml(template: Template, mjml: string, variant: number): string {
  try {
    return mjmlToHtml(mjml);
  } catch (err) {
    throw templateError(template, 'html', err, `invalid MJML: ${mjmlErrors(err)}`, variant);
  }
}

function compilePart(template: Template, part: Part, source: string, noEscape: boolean, variant: number): Handlebars.TemplateDelegate<NotificationContext> {
  try {
    // precompile parses eagerly: a syntax error surfaces here rather than at the first render.
    handlebars.precompile(source, { noEscape });
    return handlebars.compile<NotificationContext>(source, { noEscape });
  } catch (err) {
    throw templateError(template, part, err, `invalid Handlebars: ${err instanceof Error ? err.message : String(err)}`, variant);
  }
}

function contentHash(template: Template): string {
  const { subject, mjml, text, sms, variants } = template;
  return createHash('sha256').update(JSON.stringify([subject, mjml, text, sms, variants])).digest('hex');
}

function compileBase(template: Template): CompiledTemplate {
  return {
    subject: compilePart(template, 'subject', template.subject, true, -1),
    html: compilePart(template, 'html', compileMjml(template, template.mjml, -1), false, -1),
    text: compilePart(template, 'text', template.text, true, -1),
    sms: compilePart(template, 'sms', template.sms, true, -1),
  };
}

function compileVariant(template: Template, base: CompiledTemplate, index: number): CompiledTemplate {
  const v = template.variants[index] as TemplateVariant;
  return {
    subject: v.subject === null ? base.subject : compilePart(template, 'subject', v.subject, true, index),
    html: v.mjml === null ? base.html : compilePart(template, 'html', compileMjml(template, v.mjml, index), false, index),
    text: v.text === null ? base.text : compilePart(template, 'text', v.text, true, index),
    sms: v.sms === null ? base.sms : compilePart(template, 'sms', v.sms, true, index),
  };
}

function compiledSet(template: Template): CompiledSet {
  const known = byObject.get(template);
  if (known) return known;
  const key = `${template.id}\u0000${contentHash(template)}`;
  let compiled = cache.get(key);
  if (!compiled) {
    const base = compileBase(template);
    compiled = { base, variants: template.variants.map((_, i) => compileVariant(template, base, i)) };
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(key, compiled);
  }
  byObject.set(template, compiled);
  return compiled;
}

/** compileTemplate compiles (once per template id and content, variants included) the four parts of a template's base; it throws CW_ERR_TEMPLATE. */
export function compileTemplate(template: Template): CompiledTemplate {
  return compiledSet(template).base;
}

function run(template: Template, compiled: CompiledTemplate, part: Part, context: NotificationContext, variant: number): string {
  try {
    return compiled[part](context);
  } catch (err) {
    throw templateError(template, part, err, err instanceof Error ? err.message : String(err), variant);
  }
}

function withTestPrefix(text: string, test: boolean): string {
  return test && !text.startsWith(TEST_PREFIX) ? TEST_PREFIX + text : text;
}

/**
 * renderNotification renders a template for one alert with the variant for its type and level (variantIndex): html
 * escapes every value, text and SMS are plain text, and the subject is one line; TEST alerts get a [TEST] prefix on
 * subject, text and SMS whatever the template says.
 */
export function renderNotification(template: Template, context: NotificationContext): RenderedNotification {
  const set = compiledSet(template);
  const variant = variantIndex(template.variants, context.type, context.level);
  const compiled = set.variants[variant] ?? set.base;
  const subject = run(template, compiled, 'subject', context, variant).replace(CONTROL_CHARS, ' ').trim();
  return {
    subject: withTestPrefix(subject, context.test),
    html: run(template, compiled, 'html', context, variant),
    text: withTestPrefix(run(template, compiled, 'text', context, variant), context.test),
    sms: withTestPrefix(run(template, compiled, 'sms', context, variant).trim(), context.test),
  };
}
