import { parseEntity } from '@callwatch/core';
import type { Rule } from '@callwatch/schemas';

/**
 * RuleIndex finds the enabled rules that watch an entity by its scope, so the cost of a snapshot is the rules
 * that apply to it (its own, its class's, and the all-customers or all-carriers ones), not a scan of every rule.
 */
export class RuleIndex {
  private readonly byEntity = new Map<string, Rule[]>();
  private readonly byClass = new Map<string, Rule[]>();
  private readonly allOf = { customer: [] as Rule[], carrier: [] as Rule[] };

  constructor(rules: Iterable<Rule>) {
    // Sorted by id so the live evaluator and a replay visit an entity's rules in the same order (own, class, all).
    for (const rule of [...rules].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
      if (!rule.enabled) continue;
      const { kind, value } = rule.scope;
      if (kind === 'all_customers') this.allOf.customer.push(rule);
      else if (kind === 'all_carriers') this.allOf.carrier.push(rule);
      else if (kind === 'class') push(this.byClass, value ?? '', rule);
      else push(this.byEntity, `${kind}:${value ?? ''}`, rule);
    }
  }

  /** forEntity lists the rules that apply to an entity; class rules need its account's class. */
  forEntity(entity: string, account?: { class: string | null }): Rule[] {
    const { kind } = parseEntity(entity);
    const own = this.byEntity.get(entity);
    const cls = account?.class != null ? this.byClass.get(account.class) : undefined;
    const all = this.allOf[kind];
    if (!own && !cls) return all;
    return [...(own ?? []), ...(cls ?? []), ...all];
  }
}

function push(map: Map<string, Rule[]>, key: string, rule: Rule): void {
  const list = map.get(key);
  if (list) list.push(rule);
  else map.set(key, [rule]);
}
