import type { Rule } from '@callwatch/schemas';

/**
 * toggledRule is a rule enabled or disabled by `by` at `now`: the record to re-publish on the rule topic, with who and
 * when; null when the rule already is so (nothing to publish).
 */
export function toggledRule(rule: Rule, enabled: boolean, by: string, now: number): Rule | null {
  return rule.enabled === enabled ? null : { ...rule, enabled, applied_by: by, applied_at_ms: now };
}
