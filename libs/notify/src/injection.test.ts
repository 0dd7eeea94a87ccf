// Customer-controlled strings (an account's name and contacts from billing, entity ids, rule titles and ids, anything on
// an alert) against every way a notification could give them power: HTML, mail headers, Handlebars, Slack markup and
// JSON bodies. Each test fails if its escaping or refusal is removed.
import { CallwatchError } from '@callwatch/core';
import type { Account, AlertEvent, Template } from '@callwatch/schemas';
import type { OutboundMessage } from './channels/channel';
import { buildEml } from './channels/eml';
import { startLocalReceiver, type LocalReceiver } from './channels/local-receiver';
import { slackPayload } from './channels/slack';
import { createTargetGuard } from './channels/target-guard';
import { createWebhookChannel, type WebhookBody } from './channels/webhook';
import { buildContext } from './context';
import { handlebarsProblems } from './handlebars-check';
import { renderNotification } from './render';
import { STOCK_TEMPLATES } from './stock-templates';

// Breaks out of text, of a double- and a single-quoted attribute, and carries template code, a mail header and Slack markup.
const HOSTILE = `"><img src=x onerror=alert(1)>'><script>alert(2)</script>{{constructor.constructor}}\r\nBcc: x@evil.example <!channel> <@U123> <https://evil.example|click>`;

const alert = (over: Partial<AlertEvent> = {}): AlertEvent => ({
  event_id: 'evt-1', type: 'fired', rule_id: 'low-asr', rule_title: HOSTILE, entity: `customer:${HOSTILE}`,
  area: 'asr', value: 27.46, threshold: 30, reset_threshold: 31, operator: '<=', level: 'warning', sample_period_ms: 900_000,
  at_ms: Date.UTC(2024, 4, 1, 12, 30), first_fired_at_ms: Date.UTC(2024, 4, 1, 11, 15), test: false, ...over,
});
const account: Account = {
  entity: `customer:${HOSTILE}`, name: HOSTILE, class: null, status: 'active', balance: 10, debit_limit: null, currency: 'USD',
  emails: [], phones: [], timezone: null, locale: null, at_ms: 0,
};
const custom = (over: Partial<Template>): Template => ({
  id: 'custom', description: null, variants: [], subject: '{{entity.name}}', text: '{{entity.name}}', sms: '{{entity.name}}',
  mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>{{entity.name}}</mj-text></mj-column></mj-section></mj-body></mjml>',
  applied_by: 'test', applied_at_ms: 0, ...over,
});

// What must never appear in HTML output: the markup of HOSTILE unescaped.
const RAW_MARKUP = ['"><img', '<img src=x', "'><script", '<script>alert(2)', 'onerror=alert', '<!channel>'];

describe('customer values in HTML email', () => {
  const types = ['fired', 'repeated', 'reset', 'report'] as const;
  const cases = Object.keys(STOCK_TEMPLATES).flatMap((id) => types.map((type) => [id, type] as const));

  it.each(cases)('stock template %s escapes every value (%s)', (id, type) => {
    const area = id === 'default' || id === 'report' ? 'asr' : id;
    const { html } = renderNotification(STOCK_TEMPLATES[id] as Template, buildContext(alert({ area, type }), undefined, account));
    for (const markup of RAW_MARKUP) expect(html).not.toContain(markup);
    expect(html).toContain('&quot;&gt;&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;&#x27;&gt;&lt;script&gt;');
  });

  it('escapes values inside MJML attributes and after the scheme of a URL attribute', () => {
    const mjml = `<mjml><mj-body><mj-section><mj-column>
      <mj-image src="cid:{{chart.cid}}" alt="{{entity.name}}" title='{{rule.title}}' />
      <mj-button href="https://status.example.net/e/{{entity.id}}?r={{rule.id}}">{{entity.name}}</mj-button>
    </mj-column></mj-section></mj-body></mjml>`;
    expect(handlebarsProblems(mjml, { html: true })).toEqual([]);
    const { html } = renderNotification(custom({ id: 'attributes', mjml }), buildContext(alert({ rule_id: `x" onclick="alert(3)` }), undefined, account));
    for (const markup of [...RAW_MARKUP, '" onclick=', `' onclick=`]) expect(html).not.toContain(markup);
    expect(html).toContain('alt="&quot;&gt;&lt;img');
    expect(html).toContain('href="https://status.example.net/e/customer:&quot;&gt;&lt;img');
  });

  it.each([
    ['href', '<mj-button href="{{entity.name}}">x</mj-button>'],
    ['src', "<mj-image src='{{entity.name}}' />"],
    ['href with spaces', '<mj-button href = " {{entity.id}}/x">x</mj-button>'],
  ])('refuses a variable at the start of a URL attribute (%s), where escaping cannot stop javascript:', (_name, body) => {
    const mjml = `<mjml><mj-body><mj-section><mj-column>${body}</mj-column></mj-section></mj-body></mjml>`;
    expect(handlebarsProblems(mjml, { html: true }).map((p) => p.message)).toEqual([expect.stringMatching(/^expected a URL attribute to start with its scheme and host/)]);
  });

  it('refuses a triple-stash, which would put a value into the HTML unescaped', () => {
    expect(handlebarsProblems('<p>{{{entity.name}}}</p>', { html: true })).toHaveLength(1);
    expect(handlebarsProblems('<p>{{& entity.name}}</p>', { html: true })).toHaveLength(1);
  });
});

describe('customer values are never template code', () => {
  it('prints a value holding {{…}} as the text it is, in every part', () => {
    const out = renderNotification(STOCK_TEMPLATES.asr as Template, buildContext(alert(), undefined, { ...account, name: '{{constructor.constructor}} {{#each this}}x{{/each}} {{> p}}' }));
    for (const part of [out.subject, out.text, out.sms, out.html]) expect(part).toContain('{{constructor.constructor}} {{#each this}}x{{/each}} {{&gt; p}}'.replace('&gt;', part === out.html ? '&gt;' : '>'));
  });

  it.each([
    ['{{constructor.constructor}}', 'constructor.constructor'],
    ['{{__proto__.polluted}}', '__proto__'],
    ['{{entity.constructor.name}}', 'entity.constructor'],
    ['{{#with entity}}{{constructor.name}}{{/with}}', 'inside with'],
    ['{{lookup entity "constructor"}}', 'lookup'],
    ['{{entity.toString}}', 'a method of Object.prototype'],
    ['{{#with entity}}{{valueOf}}{{hasOwnProperty}}{{/with}}', 'methods inside with'],
  ])('a template reaching prototypes (%s) is refused by the check and renders nothing of them', (subject) => {
    // The CLI's check refuses it; a template put on the topic without the CLI still renders without Object's members.
    expect(handlebarsProblems(subject).length).toBeGreaterThan(0);
    const { subject: rendered } = renderNotification(custom({ id: `proto-${subject}`, subject }), buildContext(alert(), undefined, account));
    expect(rendered).toBe('');
  });

  it('has no partials: a template naming one is refused, and cannot render', () => {
    expect(handlebarsProblems('{{> header}}')).toHaveLength(1);
    expect(() => renderNotification(custom({ id: 'partial', text: '{{> header}}' }), buildContext(alert()))).toThrow(CallwatchError);
  });
});

describe('customer values in mail headers', () => {
  it.each(['\r\n', '\n', '\r', '\u2028', '\u2029', '\u0085', '\u000b', '\u000c', '\u0000'])('keeps the subject on one line whatever %j the values carry', (brk) => {
    const out = renderNotification(STOCK_TEMPLATES.asr as Template, buildContext(alert(), undefined, { ...account, name: `ACME${brk}Bcc: x@evil.example` }));
    expect(out.subject).toContain('ACME Bcc: x@evil.example');
    expect(out.subject).not.toMatch(/[\r\n\u2028\u2029\u0085\u000b\u000c\u0000]/);
  });

  it('writes every header of an email on one line, whatever the subject and From hold, and refuses a recipient list', () => {
    const eml = buildEml({
      from: 'Alerts\r\nBcc: x@evil.example <alerts@example.net>', to: 'noc@example.net', subject: `S\r\nBcc: y@evil.example\u2028Z`,
      text: 't', html: 'h', date: new Date(0), messageId: 'id@example.net',
    });
    const head = eml.slice(0, eml.indexOf('\r\n\r\n'));
    expect(head.split('\r\n').filter((line) => /^bcc:/i.test(line))).toEqual([]);
    for (const to of ['noc@example.net, boss@evil.example', 'noc@example.net\r\nBcc: boss@evil.example', 'noc@example.net\u2028Bcc: b@e.x']) {
      expect(() => buildEml({ from: 'a@example.net', to, subject: 's', text: 't', html: 'h', date: new Date(0), messageId: 'id@example.net' }))
        .toThrow(expect.objectContaining({ code: 'CW_ERR_DELIVERY_REJECTED' }) as Error);
    }
  });
});

describe('customer values in SMS, Slack and webhook bodies', () => {
  it('keeps SMS plain text: nothing escaped, nothing interpreted', () => {
    expect(renderNotification(custom({}), buildContext(alert(), undefined, account)).sms).toBe(HOSTILE);
  });

  it('neutralises Slack mentions and links in every text Slack reads', () => {
    const payload = slackPayload(`[warning] ${HOSTILE}`, `text ${HOSTILE}`, alert());
    const texts = [payload.text, payload.attachments[0]?.fallback, payload.attachments[0]?.text, ...(payload.attachments[0]?.fields.map((f) => f.value) ?? [])];
    for (const text of texts) expect(text).not.toMatch(/<[!@#]|<https?:|\|click>/);
    expect(payload.text).toContain('&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|click&gt;');
    expect(payload.attachments[0]?.fields.find((f) => f.title === 'Entity')?.value).toContain('&lt;!channel&gt;');
  });

  describe('webhook (real HTTP on 127.0.0.1)', () => {
    let receiver: LocalReceiver;
    beforeEach(async () => { receiver = await startLocalReceiver(); });
    afterEach(async () => { await receiver.close(); });

    it('sends values as JSON strings that read back exactly, whatever quotes, braces and line breaks they hold', async () => {
      const channel = createWebhookChannel({ secret: 's3cret', guard: createTargetGuard(['127.0.0.0/8']), timeoutMs: 2_000 });
      const message: OutboundMessage = { channel: 'webhook', recipient: `${receiver.url}/hook`, subject: HOSTILE, html: '', text: `{"injected": true}\n${HOSTILE}`, sms: '', alert: alert(), deliveryId: 'evt-1' };
      await channel.send(message);
      const body = JSON.parse(receiver.received[0]?.body ?? '') as WebhookBody & { injected?: unknown };
      expect(body).toEqual({ alert: alert(), subject: HOSTILE, text: `{"injected": true}\n${HOSTILE}` });
    });
  });
});
