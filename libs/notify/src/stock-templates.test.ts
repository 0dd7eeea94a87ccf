import type { Template } from '@callwatch/schemas';
import { STOCK_TEMPLATES, templateFor } from './stock-templates';

const AREAS = ['asr', 'ner', 'acd', 'pdd', 'attempts', 'cps', 'channels', 'spend', 'margin', 'sdr', 'code_ratio', 'balance', 'credit', 'credit_used', 'event', 'report', 'default'];

describe('stock templates', () => {
  it('exist for every area, plus event, report and default, keyed by their id', () => {
    expect(Object.keys(STOCK_TEMPLATES).sort()).toEqual([...AREAS].sort());
    for (const [id, template] of Object.entries(STOCK_TEMPLATES)) expect(template.id).toBe(id);
  });
});

describe('templateFor', () => {
  const mine = { ...(STOCK_TEMPLATES.asr as Template), id: 'low-asr' };
  const override = { ...(STOCK_TEMPLATES.asr as Template), id: 'asr', subject: 'ours' };

  it.each([
    ['a custom template named by the rule', 'asr', 'low-asr', new Map([['low-asr', mine]]), mine],
    ['a stock template named by the rule', 'asr', 'balance', new Map(), STOCK_TEMPLATES.balance],
    ['the area stock template when none is named', 'acd', null, new Map(), STOCK_TEMPLATES.acd],
    ['an admin override of the area template', 'asr', null, new Map([['asr', override]]), override],
    ['the area template when the named one is missing', 'pdd', 'gone', new Map(), STOCK_TEMPLATES.pdd],
    ['default for script and unknown areas', 'script', null, new Map(), STOCK_TEMPLATES.default],
  ])('picks %s', (_name, area, id, custom, expected) => {
    expect(templateFor(area, id, custom)).toBe(expected);
  });

  it.each([
    ['the report template for a report, whatever the area', 'balance', null, new Map(), STOCK_TEMPLATES.report],
    ['an admin override of the report template', 'asr', null, new Map([['report', { ...override, id: 'report' }], ['asr', override]]), { ...override, id: 'report' }],
    ['the template the rule names', 'balance', 'low-asr', new Map([['low-asr', mine]]), mine],
  ])('picks for a report %s', (_name, area, id, custom, expected) => {
    expect(templateFor(area, id, custom, 'report')).toEqual(expected);
  });
});
