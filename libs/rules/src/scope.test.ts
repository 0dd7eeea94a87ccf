import type { RuleScope } from '@callwatch/schemas';
import { makeRule } from './testing';
import { ruleApplies } from './scope';

describe('ruleApplies', () => {
  it.each<[RuleScope, string, { class: string | null } | undefined, boolean]>([
    [{ kind: 'customer', value: 'acme' }, 'customer:acme', undefined, true],
    [{ kind: 'customer', value: 'acme' }, 'customer:acme2', undefined, false],
    [{ kind: 'customer', value: 'acme' }, 'carrier:acme', undefined, false],
    [{ kind: 'carrier', value: 'tel1' }, 'carrier:tel1', undefined, true],
    [{ kind: 'carrier', value: 'tel1' }, 'customer:tel1', undefined, false],
    [{ kind: 'class', value: 'gold' }, 'customer:acme', { class: 'gold' }, true],
    [{ kind: 'class', value: 'gold' }, 'carrier:tel1', { class: 'gold' }, true],
    [{ kind: 'class', value: 'gold' }, 'customer:acme', { class: 'silver' }, false],
    [{ kind: 'class', value: 'gold' }, 'customer:acme', { class: null }, false],
    [{ kind: 'class', value: 'gold' }, 'customer:acme', undefined, false],
    [{ kind: 'all_customers', value: null }, 'customer:acme', undefined, true],
    [{ kind: 'all_customers', value: null }, 'carrier:tel1', undefined, false],
    [{ kind: 'all_carriers', value: null }, 'carrier:tel1', undefined, true],
    [{ kind: 'all_carriers', value: null }, 'customer:acme', undefined, false],
  ])('%j on %s (account %j) → %s', (scope, entity, account, applies) => {
    expect(ruleApplies(makeRule({ scope }), entity, account)).toBe(applies);
  });

  it('throws on a malformed entity', () => {
    expect(() => ruleApplies(makeRule(), 'acme')).toThrow(/expected an entity/);
  });
});
