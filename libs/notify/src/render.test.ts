import { CallwatchError } from '@callwatch/core';
import type { Account, AlertEvent, AlertEventType, Template } from '@callwatch/schemas';
import { buildContext } from './context';
import { compileTemplate, renderNotification } from './render';
import { STOCK_TEMPLATES } from './stock-templates';

const alert = (over: Partial<AlertEvent> = {}): AlertEvent => ({
  event_id: 'evt-1', type: 'fired', rule_id: 'low-asr-warning', rule_title: 'Low ASR Warning', entity: 'customer:acme',
  area: 'asr', value: 27.46, threshold: 30, reset_threshold: 31, operator: '<=', level: 'warning', sample_period_ms: 900_000,
  at_ms: Date.UTC(2024, 4, 1, 12, 30), first_fired_at_ms: Date.UTC(2024, 4, 1, 11, 15), test: false, ...over,
});
const account = (name: string): Account => ({
  entity: 'customer:acme', name, class: null, status: 'active', balance: 10, debit_limit: null, currency: 'USD', emails: [], phones: [], timezone: null, locale: null, at_ms: 0,
});
const custom = (over: Partial<Template>): Template => ({ description: null, variants: [],
  id: 'custom', subject: 'S {{entity.name}}', mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>{{entity.name}}</mj-text></mj-column></mj-section></mj-body></mjml>',
  text: 'T {{entity.name}}', sms: 'M {{entity.name}}', applied_by: 'test', applied_at_ms: 0, ...over,
});

describe('stock templates', () => {
  const types: AlertEventType[] = ['fired', 'repeated', 'reset', 'report'];
  const cases = Object.keys(STOCK_TEMPLATES).flatMap((id) => types.flatMap((type) => [false, true].map((test) => [id, type, test] as const)));

  it.each(cases)('%s renders a %s alert (test: %s)', (id, type, test) => {
    const area = id === 'default' ? 'script' : id;
    const out = renderNotification(STOCK_TEMPLATES[id] as Template, buildContext(alert({ area, type, test }), undefined, account('ACME Telecom Ltd')));
    expect(out.subject).toContain('ACME Telecom Ltd');
    expect(out.html).toMatch(/^<!doctype html>/i);
    expect(out.html).toContain('ACME Telecom Ltd');
    expect(out.text).toContain('Low ASR Warning');
    expect(out.sms.length).toBeLessThanOrEqual(160);
    for (const part of [out.subject, out.html, out.text, out.sms]) expect(part).not.toMatch(/\{\{|undefined|\[object/);
    expect(out.subject.startsWith('[TEST] ')).toBe(test);
    expect(out.sms.startsWith('[TEST] ')).toBe(test);
    expect(out.text.startsWith('[TEST] ')).toBe(test);
    if (test) expect(out.text).toContain('TEST notification');
  });

  it('reads naturally for each transition', () => {
    const subject = (type: AlertEventType) => renderNotification(STOCK_TEMPLATES.asr as Template, buildContext(alert({ type }), undefined, account('ACME'))).subject;
    expect(subject('fired')).toBe('[warning] Low ASR Warning: ACME ASR 27.5% (fired)');
    expect(subject('repeated')).toBe('[warning] Low ASR Warning: ACME ASR 27.5% (still firing)');
    expect(subject('reset')).toBe('[warning] Low ASR Warning: ACME ASR 27.5% (resolved)');
    const text = renderNotification(STOCK_TEMPLATES.asr as Template, buildContext(alert({ type: 'reset' }))).text;
    expect(text).toContain('is back to 27.5%. The alert resolved after firing for 1h15m (since 2024-05-01T11:15:00Z).');
  });

  it('reads as a report: the value at the tick, no threshold', () => {
    const report = alert({ type: 'report', rule_title: 'Daily balance', area: 'balance', value: 42.5, threshold: null, reset_threshold: null, operator: null, sample_period_ms: null, at_ms: Date.UTC(2024, 4, 1, 6) });
    const out = renderNotification(STOCK_TEMPLATES.report as Template, buildContext(report, undefined, account('ACME')));
    expect(out.subject).toBe('Report: Daily balance — ACME: 42.50 USD');
    expect(out.text).toContain('Balance for ACME: 42.50 USD.');
    expect(out.text).toContain('Report time: 2024-05-01T06:00:00Z');
    expect(out.text).not.toMatch(/threshold|fired/i);
    expect(out.sms).toBe('Report: Daily balance - ACME Balance 42.50 USD 2024-05-01T06:00:00Z');
    const windowed = renderNotification(STOCK_TEMPLATES.report as Template, buildContext({ ...report, area: 'asr', value: null, sample_period_ms: 3_600_000 }, undefined, account('ACME')));
    expect(windowed.subject).toBe('Report: Daily balance — ACME: no data');
    expect(windowed.text).toContain('ASR for ACME over the last 1h: no data.');
  });
});

describe('escaping', () => {
  const hostile = '<script>alert(1)</script> & <b>"bold"</b>';

  it('escapes customer values in html, through MJML, and keeps text and SMS plain', () => {
    const out = renderNotification(STOCK_TEMPLATES.asr as Template, buildContext(alert(), undefined, account(hostile)));
    expect(out.html).not.toContain('<script>alert(1)</script>');
    expect(out.html).not.toContain('<b>"bold"</b>');
    expect(out.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;&quot;bold&quot;&lt;/b&gt;');
    expect(out.text).toContain(hostile);
    expect(out.sms).toContain(hostile);
    expect(out.subject).toContain(hostile);
  });

  it('keeps the subject on one line whatever the values carry', () => {
    const out = renderNotification(STOCK_TEMPLATES.asr as Template, buildContext(alert(), undefined, account('ACME\r\nBcc: victim@example.net\u2028x\u0000')));
    expect(out.subject).not.toMatch(/[\r\n\u0000\u2028]/);
    expect(out.subject).toContain('ACME Bcc: victim@example.net x');
  });

  it('adds the TEST prefix to custom templates too, once', () => {
    const out = renderNotification(custom({ sms: '[TEST] M' }), buildContext(alert({ test: true })));
    expect(out.subject).toBe('[TEST] S acme');
    expect(out.text).toBe('[TEST] T acme');
    expect(out.sms).toBe('[TEST] M');
    expect(renderNotification(custom({}), buildContext(alert())).text).toBe('T acme');
  });
});

describe('template errors', () => {
  const expectTemplateError = (template: Template, part: string) => {
    try {
      renderNotification(template, buildContext(alert()));
    } catch (err) {
      expect(err).toBeInstanceOf(CallwatchError);
      expect((err as CallwatchError).code).toBe('CW_ERR_TEMPLATE');
      expect((err as CallwatchError).message).toContain(`"${template.id}"`);
      expect((err as CallwatchError).details).toMatchObject({ templateId: template.id, part });
      return;
    }
    throw new Error('expected CW_ERR_TEMPLATE');
  };

  it('rejects invalid MJML naming the template', () => {
    expectTemplateError(custom({ id: 'bad-mjml', mjml: '<mjml><mj-body><mj-text foo="1">x</mj-text></mj-body></mjml>' }), 'html');
  });

  it('rejects invalid Handlebars naming the template and part', () => {
    expectTemplateError(custom({ id: 'bad-subject', subject: '{{#if test}}unclosed' }), 'subject');
    expectTemplateError(custom({ id: 'bad-sms', sms: '{{value' }), 'sms');
  });

  it('compiles once per template content', () => {
    const a = custom({ id: 'cached' });
    expect(compileTemplate(a)).toBe(compileTemplate({ ...a }));
    expect(compileTemplate({ ...a, sms: 'other' })).not.toBe(compileTemplate(a));
  });
});
