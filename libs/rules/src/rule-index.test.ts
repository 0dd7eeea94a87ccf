import type { Rule, RuleScope } from '@callwatch/schemas';
import { RuleIndex } from './rule-index';
import { makeRule } from './testing';
import { ruleApplies } from './scope';

const SCOPES: RuleScope[] = [
  { kind: 'customer', value: 'acme' }, { kind: 'customer', value: 'globex' }, { kind: 'carrier', value: 'acme' },
  { kind: 'class', value: 'gold' }, { kind: 'class', value: 'silver' }, { kind: 'all_customers', value: null }, { kind: 'all_carriers', value: null },
];
const ENTITIES = ['customer:acme', 'customer:globex', 'customer:initech', 'carrier:acme', 'carrier:tel1'];
const ACCOUNTS: Array<{ class: string | null } | undefined> = [undefined, { class: null }, { class: 'gold' }, { class: 'silver' }];

describe('RuleIndex', () => {
  // Two rules per scope, one disabled, ids out of order: the index must agree with a scan using ruleApplies.
  const rules: Rule[] = SCOPES.flatMap((scope, i) => [
    makeRule({ id: `r${9 - i}-on`, scope }),
    makeRule({ id: `r${9 - i}-off`, scope, enabled: false }),
  ]);
  const index = new RuleIndex(rules);

  it.each(ENTITIES.flatMap((entity) => ACCOUNTS.map((account) => [entity, account] as const)))('%s with account %j: the same rules as a scan', (entity, account) => {
    const scanned = rules.filter((r) => r.enabled && ruleApplies(r, entity, account)).map((r) => r.id).sort();
    expect(index.forEntity(entity, account).map((r) => r.id).sort()).toEqual(scanned);
  });

  it('returns nothing for an entity no rule watches, and throws on a malformed entity', () => {
    expect(new RuleIndex([makeRule()]).forEntity('customer:other')).toEqual([]);
    expect(() => index.forEntity('acme')).toThrow(/expected an entity/);
  });
});
