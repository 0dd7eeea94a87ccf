import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@callwatch/core';
import { applyRules } from '@callwatch/cli';
import { connect, type Connection } from '@callwatch/kafka';
import { NOTIFIER_ENV, startNotifier, type Notifier } from '@callwatch/notifier';
import { verifyWebhookSignature, type WebhookBody } from '@callwatch/notify';
import { startLocalReceiver, type LocalReceiver } from '@callwatch/notify/testing';
import type { AlertEvent, Notification } from '@callwatch/schemas';
import { collect, testScope, type TestScope } from '../support/harness';

const SECRET = 'integration-secret';
const TOKEN = 'azGDORePK8gMaC0QOYAMyEEuzJnyUi';
const USER = 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG';

// One rule notifies a signed webhook, a Slack-compatible URL and a Pushover user, all served on 127.0.0.1
// (allow-listed for the test): the real notifier sends each exactly one request and records one `sent` per channel.
describe('notifier webhook, Slack and Pushover channels', () => {
  let scope: TestScope;
  let notifier: Notifier | undefined;
  let evaluator: Connection; // stands in for the evaluator: publishes alert events
  let webhook: LocalReceiver;
  let slack: LocalReceiver;
  let pushover: LocalReceiver;

  beforeAll(async () => {
    webhook = await startLocalReceiver((_r, res) => void res.writeHead(200, { 'x-request-id': 'hook-req-1' }).end());
    slack = await startLocalReceiver();
    pushover = await startLocalReceiver((_r, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 1, request: 'po-req-1' })));
    scope = await testScope('channels', {
      NOTIFY_ALLOW_TARGETS: '127.0.0.0/8', WEBHOOK_SECRET: SECRET, PUSHOVER_TOKEN: TOKEN, PUSHOVER_API_URL: pushover.url, NOTIFY_TRANSPORT: 'outbox',
    });
    evaluator = await connect(loadConfig(NOTIFIER_ENV, scope.env), `${scope.id}-evaluator`, ['alert']);
  });

  afterAll(async () => {
    await evaluator?.close();
    await notifier?.stop();
    await Promise.all([webhook?.close(), slack?.close(), pushover?.close()]);
  });

  it('delivers one alert to each channel once and records it sent', async () => {
    const ruleId = `pager-${scope.id}`;
    const dir = mkdtempSync(join(tmpdir(), 'callwatch-rules-'));
    writeFileSync(join(dir, 'pager.yaml'), [
      `id: ${ruleId}`, 'title: Low ASR', 'scope: { all: customers }', 'area: asr', 'operator: "<="', 'threshold: 30', 'sample_period: 5m', 'level: critical',
      'notify:',
      `  - { webhook: "${webhook.url}/hook" }`,
      `  - { slack: "${slack.url}/services/T1/B1/x" }`,
      `  - { pushover: { user: ${USER} } }`,
    ].join('\n'));
    await applyRules([dir], { env: scope.env, print: () => {}, appliedBy: 'channels-test' });
    notifier = await startNotifier(loadConfig(NOTIFIER_ENV, scope.env));

    const at = Date.now();
    const alert: AlertEvent = {
      event_id: `evt-${scope.id}`, type: 'fired', rule_id: ruleId, rule_title: 'Low ASR', entity: 'customer:acme', area: 'asr', value: 20,
      threshold: 30, reset_threshold: null, operator: '<=', level: 'critical', sample_period_ms: 300_000, at_ms: at, first_fired_at_ms: at, test: false,
    };
    await evaluator.publisher.publish(evaluator.topics.alert, 'alert', [{ key: alert.entity, value: alert }]);

    const finished = (records: Notification[]) => ['webhook', 'slack', 'pushover'].every((c) => records.some((n) => n.channel === c && n.status !== 'retrying'));
    const records = (await collect(scope, scope.topics.notification, 'notification', (m) => finished(m.map((n) => n.value)))).map((m) => m.value);
    expect(records.map((n) => [n.channel, n.recipient, n.status, n.attempt, n.error, n.message_id]).sort()).toEqual([
      ['pushover', USER, 'sent', 1, null, 'po-req-1'],
      ['slack', `${slack.url}/services/T1/B1/x`, 'sent', 1, null, alert.event_id],
      ['webhook', `${webhook.url}/hook`, 'sent', 1, null, 'hook-req-1'],
    ]);
    expect(records.every((n) => n.alert_event_id === alert.event_id && n.rule_id === ruleId)).toBe(true);

    expect(webhook.received).toHaveLength(1);
    const [hook] = webhook.received;
    expect(hook?.headers['idempotency-key']).toBe(alert.event_id);
    expect(verifyWebhookSignature(hook?.headers['x-callwatch-signature'] as string, hook?.body ?? '', SECRET)).toBe(true);
    const body = JSON.parse(hook?.body ?? '') as WebhookBody;
    expect(body.alert).toEqual(alert);
    expect(body.subject).toContain('Low ASR');

    expect(slack.received).toHaveLength(1);
    const payload = JSON.parse(slack.received[0]?.body ?? '') as { text: string; attachments: Array<{ color: string; text: string }> };
    expect(payload.text).toBe(body.subject);
    // Slack reads <…> as markup: the plain-text body goes with &, < and > escaped (docs/channels.md).
    const slackText = body.text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    expect(payload.attachments).toEqual([expect.objectContaining({ color: '#d0021b', text: slackText })]);
    expect(slack.received[0]?.headers['idempotency-key']).toBe(alert.event_id);

    expect(pushover.received).toHaveLength(1);
    expect(pushover.received[0]?.path).toBe('/1/messages.json');
    expect(Object.fromEntries(new URLSearchParams(pushover.received[0]?.body))).toEqual({
      token: TOKEN, user: USER, title: body.subject, message: body.text, priority: '2', retry: '60', expire: '3600', timestamp: String(Math.floor(at / 1000)),
    });
  });

  it('refuses to start when a rule notifies a webhook and Pushover without WEBHOOK_SECRET and PUSHOVER_TOKEN, naming both', async () => {
    // The rule applied above names all three channels; the same topics without the secret and the token.
    const config = loadConfig(NOTIFIER_ENV, { ...scope.env, WEBHOOK_SECRET: '', PUSHOVER_TOKEN: '', NOTIFIER_GROUP_ID: `${scope.id}-unconfigured` });
    await expect(startNotifier(config)).rejects.toMatchObject({
      code: 'CW_ERR_CONFIG',
      message: expect.stringMatching(new RegExp(`WEBHOOK_SECRET is not set, but rule pager-${scope.id} notifies a webhook[\\s\\S]*PUSHOVER_TOKEN is not set, but rule pager-${scope.id} notifies Pushover`)),
    });
  });
});

