import type { Template, TemplateVariant } from '@callwatch/schemas';

/** TemplateParts are the four parts a template renders: subject, MJML body, plain text and SMS. */
export type TemplateParts = Pick<Template, 'subject' | 'mjml' | 'text' | 'sms'>;

/** TEMPLATE_PARTS lists the parts of a template, in the order files and diffs show them. */
export const TEMPLATE_PARTS = ['subject', 'mjml', 'text', 'sms'] as const satisfies ReadonlyArray<keyof TemplateParts>;

// Type and level beat type alone, which beats level alone; a variant naming neither (the topic allows it) beats only the base.
function specificity(variant: TemplateVariant, type: string, level: string): number {
  if ((variant.type !== null && variant.type !== type) || (variant.level !== null && variant.level !== level)) return -1;
  return (variant.type === null ? 0 : 2) + (variant.level === null ? 0 : 1);
}

/**
 * variantIndex picks the variant of a template for an alert's type and level: the most specific match wins (type and
 * level, then type, then level), the first listed among equals; -1 means the base.
 */
export function variantIndex(variants: readonly TemplateVariant[], type: string, level: string): number {
  let best = -1;
  let bestScore = -1;
  for (let i = 0; i < variants.length; i++) {
    const score = specificity(variants[i] as TemplateVariant, type, level);
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  }
  return best;
}

/** variantParts returns the parts of a variant (-1: the base), each part it leaves null taken from the base. */
export function variantParts(template: Template, index: number): TemplateParts {
  const variant = template.variants[index];
  return {
    subject: variant?.subject ?? template.subject,
    mjml: variant?.mjml ?? template.mjml,
    text: variant?.text ?? template.text,
    sms: variant?.sms ?? template.sms,
  };
}

/** variantLabel names a variant in messages the way a template file writes it: `variants[1] (type reset, level critical)`. */
export function variantLabel(template: Template, index: number): string {
  const variant = template.variants[index];
  if (!variant) return 'base';
  const match = [variant.type && `type ${variant.type}`, variant.level && `level ${variant.level}`].filter(Boolean).join(', ');
  return `variants[${index}] (${match || 'every alert'})`;
}
