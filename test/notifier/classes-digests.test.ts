import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@callwatch/core';
import { applyClasses, applyRules } from '@callwatch/cli';
import { connect, type Connection } from '@callwatch/kafka';
import { NOTIFIER_ENV, startNotifier, type Notifier } from '@callwatch/notifier';
import type { Account, AlertEvent, Notification } from '@callwatch/schemas';
import { collect, eventually, testScope, type TestScope } from '../support/harness';
import { emailsTo } from '../support/moto';

const quiet = (scope: TestScope) => ({ env: scope.env, print: () => {}, appliedBy: 'classes-digests-test' });

function files(entries: Record<string, string[]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'callwatch-files-'));
  for (const [name, lines] of Object.entries(entries)) writeFileSync(join(dir, name), lines.join('\n'));
  return dir;
}

function account(scope: TestScope, id: string, cls: string | null, emails: string[]): Account {
  return {
    entity: `customer:${id}`, name: id, class: cls, status: 'active', balance: 1, debit_limit: null, currency: 'USD', emails, phones: [],
    timezone: null, locale: null, at_ms: Date.now(),
  };
}

function alertOf(scope: TestScope, ruleId: string, entity: string, n: number, over: Partial<AlertEvent> = {}): AlertEvent {
  const at = Date.now();
  return {
    event_id: `evt-${ruleId}-${entity}-${n}`, type: 'fired', rule_id: ruleId, rule_title: ruleId, entity, area: 'asr', value: 10 + (n % 20),
    threshold: 30, reset_threshold: null, operator: '<=', level: 'warning', sample_period_ms: 300_000, at_ms: at, first_fired_at_ms: at, test: false, ...over,
  };
}

// A class switches a customer's own notifications on and off (the NOC still hears of them), and every suppressed
// one is recorded with the class's reason; grouped rules send one digest per recipient, not one email per alert.
describe('customer classes and digests in the notifier', () => {
  let scope: TestScope;
  let notifier: Notifier | undefined;
  let kafka: Connection;

  beforeEach(async () => {
    scope = await testScope('classes', { NOTIFY_EMAIL_FROM: 'alerts@callwatch.test', NOTIFY_DIGEST_CHECK_MS: '200' });
    kafka = await connect(loadConfig(NOTIFIER_ENV, scope.env), `${scope.id}-billing`, ['alert', 'account']);
  });

  afterEach(async () => {
    await notifier?.stop();
    notifier = undefined;
    await kafka?.close();
  });

  it('follows the class: an unticked rule reaches the NOC only, and unassigning the set silences the customer', async () => {
    const noc = `noc+${scope.id}@example.net`;
    const contact = `billing+${scope.id}@acme.example`;
    const [lowBalance, lowAsr] = [`low-balance-${scope.id}`, `low-asr-${scope.id}`];
    const gold = `gold-${scope.id}`;
    await applyRules([files({
      'rules.yaml': [
        `- { id: ${lowBalance}, title: Low balance, scope: { all: customers }, area: balance, operator: "<", threshold: 10, level: warning, notify: [ { email: "${noc}" }, { contacts: true } ] }`,
        `- { id: ${lowAsr}, title: Low ASR, scope: { all: customers }, area: asr, operator: "<=", threshold: 30, sample_period: 5m, level: warning, notify: [ { contacts: true } ] }`,
      ],
    })], quiet(scope));
    const classFile = (templateSet: boolean) => files({
      'gold.yaml': [
        `name: ${gold}`,
        templateSet ? 'template_set: { name: gold-2026, templates: {} }' : 'template_set: null',
        'notifications:',
        '  - { rule: "low-balance-*", enabled: false }',
      ],
    });
    await applyClasses([classFile(true)], quiet(scope));
    const acme = `acme-${scope.id}`;
    await kafka.publisher.publish(kafka.topics.account, 'account', [{ key: `customer:${acme}`, value: account(scope, acme, gold, [contact]) }]);
    notifier = await startNotifier(loadConfig(NOTIFIER_ENV, scope.env));

    const balanceAlert = alertOf(scope, lowBalance, `customer:${acme}`, 1, { area: 'balance', operator: '<', threshold: 10, value: 3, sample_period_ms: null });
    const asrAlert = alertOf(scope, lowAsr, `customer:${acme}`, 2);
    await kafka.publisher.publish(kafka.topics.alert, 'alert', [balanceAlert, asrAlert].map((a) => ({ key: a.entity, value: a })));

    const records = await collect(scope, scope.topics.notification, 'notification', (m) => m.length >= 3).then((m) => m.map((n) => n.value));
    expect(records.map((n) => [n.rule_id, n.recipient, n.status, n.error]).sort()).toEqual([
      [lowAsr, contact, 'sent', null],
      [lowBalance, contact, 'skipped', 'class ' + gold + ': rule low-balance-* off'],
      [lowBalance, noc, 'sent', null],
    ].sort());
    await eventually(async () => expect((await emailsTo(noc)).map((m) => m.subject)).toEqual([expect.stringContaining('Low balance')]));
    const toContact = await eventually(async () => {
      const emails = await emailsTo(contact);
      expect(emails).toHaveLength(1);
      return emails;
    });
    expect(toContact[0]?.subject).toContain('Low ASR');

    // Unassigning the class's template set turns every notification of its customers off; the NOC is untouched.
    await applyClasses([classFile(false)], quiet(scope));
    await eventually(async () => expect(notifier?.classes.get(gold)?.template_set).toBeNull());
    const later = alertOf(scope, lowAsr, `customer:${acme}`, 3);
    await kafka.publisher.publish(kafka.topics.alert, 'alert', [{ key: later.entity, value: later }]);
    const skipped = await collect(scope, scope.topics.notification, 'notification', (m) => m.some((n) => n.value.alert_event_id === later.event_id));
    expect(skipped.filter((n) => n.value.alert_event_id === later.event_id).map((n) => [n.value.status, n.value.error])).toEqual([
      ['skipped', `class ${gold}: no template set assigned`],
    ]);
    expect(await emailsTo(contact)).toHaveLength(1);
  });

  it('sends one digest for a storm of 500 alerts, then one update per interval, and keeps each customer to their own', async () => {
    const noc = `noc+${scope.id}@example.net`;
    const ruleId = `storm-${scope.id}`;
    await applyRules([files({
      'storm.yaml': [
        `id: ${ruleId}`, 'title: Low ASR storm', 'scope: { all: customers }', 'area: asr', 'operator: "<="', 'threshold: 30', 'sample_period: 5m',
        'level: warning', `notify: [ { email: "${noc}" }, { contacts: true } ]`, 'group_by: [rule]', 'group_wait: 2s', 'group_interval: 4s',
      ],
    })], quiet(scope));
    // Two customers share one billing mailbox: each of their digests names only its own alerts.
    const shared = `shared+${scope.id}@example.net`;
    const [one, two] = [`one-${scope.id}`, `two-${scope.id}`];
    await kafka.publisher.publish(kafka.topics.account, 'account', [one, two].map((id) => ({ key: `customer:${id}`, value: account(scope, id, null, [shared]) })));
    notifier = await startNotifier(loadConfig(NOTIFIER_ENV, scope.env));

    const storm = Array.from({ length: 500 }, (_, i) => alertOf(scope, ruleId, `customer:c${i}-${scope.id}`, i));
    const own = [alertOf(scope, ruleId, `customer:${one}`, 1), alertOf(scope, ruleId, `customer:${two}`, 2)];
    await kafka.publisher.publish(kafka.topics.alert, 'alert', [...storm, ...own].map((a) => ({ key: a.entity, value: a })));

    const sent = (m: Array<{ value: Notification }>) => m.filter((n) => n.value.status === 'sent');
    const records = await collect(scope, scope.topics.notification, 'notification', (m) => sent(m).length >= 504).then((m) => sent(m).map((n) => n.value));
    const toNoc = records.filter((n) => n.recipient === noc);
    expect(toNoc).toHaveLength(502);
    expect(new Set(toNoc.map((n) => n.group_key))).toEqual(new Set([`email:${noc}|rule=${ruleId}`]));
    expect(new Set(toNoc.map((n) => n.message_id)).size).toBe(1);
    const nocMail = await eventually(async () => {
      const emails = await emailsTo(noc);
      expect(emails).toHaveLength(1);
      return emails;
    });
    expect(nocMail[0]?.subject).toBe('[warning] Low ASR storm: 502 alerts (502 fired)');

    const toShared = records.filter((n) => n.recipient === shared);
    expect(toShared.map((n) => [n.entity, n.group_key]).sort()).toEqual([
      [`customer:${one}`, `email:${shared}|rule=${ruleId}|entity=customer:${one}`],
      [`customer:${two}`, `email:${shared}|rule=${ruleId}|entity=customer:${two}`],
    ]);
    const sharedMail = await eventually(async () => {
      const emails = await emailsTo(shared);
      expect(emails).toHaveLength(2);
      return emails;
    });
    // A digest of one alert is that alert's own email.
    expect(sharedMail.map((m) => m.subject).sort()).toEqual([expect.stringContaining(one), expect.stringContaining(two)]);

    // Later alerts of the group come as one update, an interval after the digest.
    const firstAt = Math.max(...toNoc.map((n) => n.at_ms));
    const more = [1, 2, 3].map((i) => alertOf(scope, ruleId, `customer:late${i}-${scope.id}`, i, { type: 'reset', value: 40 }));
    await kafka.publisher.publish(kafka.topics.alert, 'alert', more.map((a) => ({ key: a.entity, value: a })));
    const update = await collect(scope, scope.topics.notification, 'notification', (m) => m.filter((n) => more.some((a) => a.event_id === n.value.alert_event_id)).length >= 3)
      .then((m) => m.map((n) => n.value).filter((n) => more.some((a) => a.event_id === n.alert_event_id)));
    expect(update.map((n) => n.status)).toEqual(['sent', 'sent', 'sent']);
    expect(Math.min(...update.map((n) => n.at_ms)) - firstAt).toBeGreaterThanOrEqual(4_000);
    const updateMail = await eventually(async () => {
      const emails = await emailsTo(noc);
      expect(emails).toHaveLength(2);
      return emails;
    });
    expect(updateMail.map((m) => m.subject)).toContain('[warning] Low ASR storm: 3 alerts (3 resolved)');
  });
});
