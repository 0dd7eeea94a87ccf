import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@callwatch/core';
import { applyRules } from '@callwatch/cli';
import { connect, type Connection } from '@callwatch/kafka';
import { NOTIFIER_ENV, startNotifier, type Notifier } from '@callwatch/notifier';
import { supersededReason } from '@callwatch/notify';
import type { AlertEvent } from '@callwatch/schemas';
import { collect, eventually, testScope, type TestScope } from '../support/harness';
import { emailsTo } from '../support/moto';

// After an evaluator outage every missed repeat of a firing alert arrives at once: the notifier sends the fire and
// the newest repeat, and records the older repeats as skipped, naming the event that superseded them.
describe('notifier collapses missed repeats that arrive together', () => {
  let scope: TestScope;
  let notifier: Notifier | undefined;
  let evaluator: Connection;

  beforeAll(async () => {
    scope = await testScope('superseded', { NOTIFY_EMAIL_FROM: 'alerts@callwatch.test' });
    evaluator = await connect(loadConfig(NOTIFIER_ENV, scope.env), `${scope.id}-evaluator`, ['alert']);
  });

  afterAll(async () => {
    await notifier?.stop();
    await evaluator?.close();
  });

  it('sends the fire and the newest repeat, and skips the older repeats', async () => {
    const noc = `noc+${scope.id}@example.net`;
    const ruleId = `hourly-${scope.id}`;
    const dir = mkdtempSync(join(tmpdir(), 'callwatch-rules-'));
    writeFileSync(join(dir, 'hourly.yaml'), [
      `id: ${ruleId}`, 'title: Low ASR', 'scope: { all: customers }', 'area: asr', 'operator: "<="', 'threshold: 30', 'sample_period: 5m',
      'repeat: 1h', 'level: warning', `notify: [ { email: "${noc}" } ]`,
    ].join('\n'));
    await applyRules([dir], { env: scope.env, appliedBy: 'superseded-test', print: () => {} });

    const fired = Date.now() - 4 * 3_600_000;
    const event = (n: number): AlertEvent => ({
      event_id: `evt-${n}-${scope.id}`, type: n === 0 ? 'fired' : 'repeated', rule_id: ruleId, rule_title: 'Low ASR', entity: `customer:acme-${scope.id}`, area: 'asr',
      value: 20 - n, threshold: 30, reset_threshold: null, operator: '<=', level: 'warning', sample_period_ms: 300_000,
      at_ms: fired + n * 3_600_000, first_fired_at_ms: fired, test: false,
    });
    const events = [0, 1, 2, 3].map(event);
    // Published before the notifier starts, so that its first batch holds them all.
    await evaluator.publisher.publish(evaluator.topics.alert, 'alert', events.map((e) => ({ key: e.entity, value: e })));
    notifier = await startNotifier(loadConfig(NOTIFIER_ENV, scope.env));

    const records = await collect(scope, scope.topics.notification, 'notification', (m) => m.length >= 4).then((m) => m.map((n) => n.value));
    const newest = events[3]?.event_id as string;
    expect(records.map((n) => [n.alert_event_id, n.status, n.error]).sort()).toEqual([
      [events[0]?.event_id, 'sent', null],
      [events[1]?.event_id, 'skipped', supersededReason(newest)],
      [events[2]?.event_id, 'skipped', supersededReason(newest)],
      [newest, 'sent', null],
    ].sort());
    const subjects = await eventually(async () => {
      const emails = await emailsTo(noc);
      expect(emails).toHaveLength(2);
      return emails.map((m) => m.subject).sort();
    });
    expect(subjects).toEqual(expect.arrayContaining([expect.stringContaining('20.0% (fired)'), expect.stringContaining('17.0% (still firing)')]));
  });
});
