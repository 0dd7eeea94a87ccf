import { STOCK_TEMPLATES } from '@callwatch/notify';
import { makeRule } from '@callwatch/rules/testing';
import type { Template } from '@callwatch/schemas';
import { alertTypesOf, renderFailures, rulesNaming, rulesUsing } from './template-usage';

const mine = (over: Partial<Template> = {}): Template => ({ ...(STOCK_TEMPLATES.asr as Template), id: 'mine', ...over });

describe('template usage', () => {
  const rules = [
    makeRule({ id: 'names-mine', template: 'mine' }),
    makeRule({ id: 'asr-default' }),
    makeRule({ id: 'balance', area: 'balance', sample_period_ms: null }),
    makeRule({ id: 'daily', area: 'balance', sample_period_ms: null, operator: null, threshold: null, extra_json: JSON.stringify({ schedule: '0 8 * * *' }) }),
  ];

  it('finds the rules that name a template and those that fall back to it', () => {
    const custom = new Map([['mine', mine()], ['asr', mine({ id: 'asr' })], ['report', mine({ id: 'report' })]]);
    expect(rulesUsing('mine', rules, custom)).toEqual(['names-mine']);
    expect(rulesUsing('asr', rules, custom)).toEqual(['asr-default']);
    expect(rulesUsing('report', rules, custom)).toEqual(['daily']);
    expect(rulesUsing('mine', rules, new Map())).toEqual([]); // not applied: names-mine falls back to stock
    expect(rulesNaming('mine', rules)).toEqual(['names-mine']);
    expect(alertTypesOf(rules[3]!)).toEqual(['report']);
  });

  it('names each rule and alert type a template fails to render for', () => {
    const broken = mine({ mjml: '<mjml><mj-body><mj-text foo="1">x</mj-text></mj-body></mjml>' });
    expect(renderFailures(broken, [rules[0]!])).toEqual(['fired', 'repeated', 'reset'].map((type) =>
      `rule names-mine (${type} warning): template "mine" (html): invalid MJML: line 1: mj-text cannot be used inside mj-body, only inside: mj-attributes, mj-column, mj-hero; line 1: Attribute foo is illegal`));
    expect(renderFailures(mine(), rules)).toEqual([]);
  });
});
