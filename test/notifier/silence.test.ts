import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@callwatch/core';
import { addSilence, applyRules, expireSilences, listSilences } from '@callwatch/cli';
import { connect, type Connection } from '@callwatch/kafka';
import { NOTIFIER_ENV, startNotifier, type Notifier } from '@callwatch/notifier';
import type { AlertEvent, Notification } from '@callwatch/schemas';
import { collect, eventually, testScope, type TestScope } from '../support/harness';
import { emailsTo } from '../support/moto';

// A silence added with the CLI mutes the notifier for one rule and entity: nothing reaches SES (moto), a
// `skipped` record names the silence; other entities are notified; once expired, the next alert goes out.
describe('silences mute notifications', () => {
  let scope: TestScope;
  let notifier: Notifier;
  let evaluator: Connection; // stands in for the evaluator: publishes alert events
  const quiet = () => ({ env: scope.env, print: () => {} });

  beforeAll(async () => {
    scope = await testScope('silence', { NOTIFY_EMAIL_FROM: 'alerts@callwatch.test' });
    evaluator = await connect(loadConfig(NOTIFIER_ENV, scope.env), `${scope.id}-evaluator`, ['alert']);
  });

  afterAll(async () => {
    await evaluator?.close();
    await notifier?.stop();
  });

  it('skips and records a silenced alert, delivers the others, and delivers again once the silence is expired', async () => {
    const ruleId = `low-asr-${scope.id}`;
    const noc = `noc+${scope.id}@example.net`;
    const acme = `acme-${scope.id}`;
    const globex = `globex-${scope.id}`;
    const dir = mkdtempSync(join(tmpdir(), 'callwatch-rules-'));
    writeFileSync(join(dir, 'low-asr.yaml'), [
      `id: ${ruleId}`, 'title: Low ASR', 'scope: { all: customers }', 'area: asr', 'operator: "<="', 'threshold: 30',
      'sample_period: 5m', 'level: warning', `notify: [ { email: "${noc}" } ]`,
    ].join('\n'));
    await applyRules([dir], { ...quiet(), appliedBy: 'silence-test' });
    notifier = await startNotifier(loadConfig(NOTIFIER_ENV, scope.env));
    expect(notifier.transport).toBe('aws');

    const silence = await addSilence({ rule: 'low-asr-*', entity: `customer:${acme}`, until: '1h', comment: 'planned maintenance' }, { ...quiet(), by: 'bob' });
    await eventually(async () => expect(notifier.silences.get(silence.silence_id)).toEqual(silence));
    expect((await listSilences({ env: scope.env })).map((s) => s.silence_id)).toEqual([silence.silence_id]);

    const at = Date.now();
    const alert = (eventId: string, customer: string): AlertEvent => ({
      event_id: `${eventId}-${scope.id}`, type: 'fired', rule_id: ruleId, rule_title: 'Low ASR', entity: `customer:${customer}`, area: 'asr', value: 20,
      threshold: 30, reset_threshold: null, operator: '<=', level: 'warning', sample_period_ms: 300_000, at_ms: at, first_fired_at_ms: at, test: false,
    });
    const publish = (a: AlertEvent) => evaluator.publisher.publish(evaluator.topics.alert, 'alert', [{ key: a.entity, value: a }]);
    const notifications = (until: (records: Notification[]) => boolean) =>
      collect(scope, scope.topics.notification, 'notification', (m) => until(m.map((n) => n.value))).then((m) => m.map((n) => n.value));
    const about = (customer: string) => async () => (await emailsTo(noc)).filter((m) => m.subject.includes(customer));

    const muted = alert('evt-muted', acme);
    const other = alert('evt-other', globex);
    await publish(muted);
    await publish(other);
    const first = await notifications((r) => r.some((n) => n.alert_event_id === muted.event_id) && r.some((n) => n.alert_event_id === other.event_id && n.status === 'sent'));
    expect(first.filter((n) => n.alert_event_id === muted.event_id)).toEqual([expect.objectContaining({
      rule_id: ruleId, entity: `customer:${acme}`, channel: 'email', recipient: noc, status: 'skipped', attempt: 0, message_id: null,
      error: `silenced by ${silence.silence_id} until ${new Date(silence.ends_at_ms).toISOString()}`,
    })]);
    const delivered = await eventually(async () => {
      const found = await about(globex)();
      expect(found).toHaveLength(1);
      return found;
    });
    expect(first.find((n) => n.alert_event_id === other.event_id)?.message_id).toBe(delivered[0]?.id);
    expect(await about(acme)()).toEqual([]);

    await expect(expireSilences([silence.silence_id, 'no-such-silence'], { ...quiet(), by: 'carol' })).rejects.toThrow(/no such silence .*: no-such-silence; nothing changed/);
    expect(notifier.silences.get(silence.silence_id)?.expired_by).toBeNull();
    expect(await expireSilences([silence.silence_id], { ...quiet(), by: 'carol' })).toEqual([silence.silence_id]);
    await eventually(async () => expect(notifier.silences.get(silence.silence_id)?.expired_by).toBe('carol'));
    expect(await listSilences({ env: scope.env })).toEqual([]);
    expect(await listSilences({ env: scope.env, all: true })).toEqual([expect.objectContaining({ silence_id: silence.silence_id, created_by: 'bob', expired_by: 'carol' })]);

    const after = alert('evt-after', acme);
    await publish(after);
    const second = await notifications((r) => r.some((n) => n.alert_event_id === after.event_id));
    expect(second.filter((n) => n.alert_event_id === after.event_id)).toEqual([expect.objectContaining({ status: 'sent', attempt: 1, error: null })]);
    const emails = await eventually(async () => {
      const found = await about(acme)();
      expect(found).toHaveLength(1);
      return found;
    });
    expect(emails[0]?.subject).toContain('Low ASR');
    // The silence stays on its topic: created by bob, then expired by carol.
    const records = await collect(scope, scope.topics.silence, 'silence', (m) => m.length >= 2);
    expect(records.map((m) => [m.key, m.value.created_by, m.value.expired_by])).toEqual([
      [silence.silence_id, 'bob', null], [silence.silence_id, 'bob', 'carol'],
    ]);
  });
});
