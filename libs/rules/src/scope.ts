import { parseEntity } from '@callwatch/core';
import type { Rule } from '@callwatch/schemas';

/**
 * ruleApplies tells whether a rule watches an entity (`customer:acme`). A `class` rule needs the entity's account
 * class, so without an account it never applies; it throws on a malformed entity, which is an input error upstream.
 */
export function ruleApplies(rule: Rule, entity: string, account?: { class: string | null }): boolean {
  const { kind, id } = parseEntity(entity);
  switch (rule.scope.kind) {
    case 'customer': return kind === 'customer' && id === rule.scope.value;
    case 'carrier': return kind === 'carrier' && id === rule.scope.value;
    case 'class': return account !== undefined && account.class !== null && account.class === rule.scope.value;
    case 'all_customers': return kind === 'customer';
    case 'all_carriers': return kind === 'carrier';
  }
}
