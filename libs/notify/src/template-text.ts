import type { Template, TemplateVariant } from '@callwatch/schemas';
import { TEMPLATE_PARTS, variantLabel } from './template-variant';

/** TemplateFileVariant is one entry of `variants` as written in a template file: only the fields it sets. */
export type TemplateFileVariant = Partial<Record<keyof TemplateVariant, string>>;

/** TemplateFile is one template in the file format of docs/templates.md; optional fields are left out when empty. */
export interface TemplateFile {
  id: string;
  description?: string;
  subject: string;
  mjml: string;
  text: string;
  sms: string;
  variants?: TemplateFileVariant[];
}

/** templateToFile writes a live template as a template file entry, so that applying it back changes nothing. */
export function templateToFile(template: Template): TemplateFile {
  const variants = template.variants.map((v) => Object.fromEntries(Object.entries(v).filter(([, value]) => value !== null)) as TemplateFileVariant);
  return {
    id: template.id,
    ...(template.description === null ? {} : { description: template.description }),
    subject: template.subject,
    mjml: template.mjml,
    text: template.text,
    sms: template.sms,
    ...(variants.length > 0 ? { variants } : {}),
  };
}

function sameVariant(a: TemplateVariant, b: TemplateVariant): boolean {
  return a.type === b.type && a.level === b.level && TEMPLATE_PARTS.every((part) => a[part] === b[part]);
}

/**
 * templateChanges lists what differs between two versions of a template, one line each: `description`, a part
 * (`mjml`), or a variant added, removed or with changed parts (`variants[0] (type reset): sms`); who applied it is
 * not a change.
 */
export function templateChanges(before: Template, after: Template): string[] {
  const changes: string[] = [];
  if (before.description !== after.description) changes.push('description');
  for (const part of TEMPLATE_PARTS) if (before[part] !== after[part]) changes.push(part);
  const count = Math.max(before.variants.length, after.variants.length);
  for (let i = 0; i < count; i++) {
    const a = before.variants[i];
    const b = after.variants[i];
    if (!a) changes.push(`${variantLabel(after, i)}: added`);
    else if (!b) changes.push(`${variantLabel(before, i)}: removed`);
    else if (!sameVariant(a, b)) {
      const parts = [...(a.type !== b.type || a.level !== b.level ? ['type/level'] : []), ...TEMPLATE_PARTS.filter((part) => a[part] !== b[part])];
      changes.push(`${variantLabel(after, i)}: ${parts.join(', ')}`);
    }
  }
  return changes;
}

/** templateEquals tells whether two versions of a template render the same (who applied them aside). */
export function templateEquals(a: Template, b: Template): boolean {
  return templateChanges(a, b).length === 0;
}
