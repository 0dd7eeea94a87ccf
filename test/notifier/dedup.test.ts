import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@callwatch/core';
import { applyRules } from '@callwatch/cli';
import { connect, type Connection } from '@callwatch/kafka';
import { NOTIFIER_ENV, startNotifier, type Notifier } from '@callwatch/notifier';
import { dedupKey } from '@callwatch/notify';
import { RedisKeys, createRedis, type Redis } from '@callwatch/redis';
import type { AlertEvent } from '@callwatch/schemas';
import { collect, testScope, type TestScope } from '../support/harness';
import { emailsTo } from '../support/moto';

// Each delivery is claimed in Redis before it is sent: a redelivered alert event is not sent again (its sent attempt
// is recorded again, with the same id); one whose earlier attempt claimed it and died while sending is sent again
// once its lease lapsed (NOTIFY_DELIVERY=at-least-once, the default; at-most-once is tested in the unit tests).
describe('notifier delivers once per alert event, channel and recipient', () => {
  let scope: TestScope;
  let notifier: Notifier;
  let evaluator: Connection; // stands in for the evaluator: publishes alert events
  let redis: Redis;

  beforeAll(async () => {
    scope = await testScope('dedup', { NOTIFY_EMAIL_FROM: 'alerts@callwatch.test' });
    evaluator = await connect(loadConfig(NOTIFIER_ENV, scope.env), `${scope.id}-evaluator`, ['alert']);
    redis = createRedis(loadConfig(NOTIFIER_ENV, scope.env).REDIS_URL, { name: 'dedup-test' });
  });

  afterAll(async () => {
    await evaluator?.close();
    await notifier?.stop();
    redis?.disconnect();
  });

  it('sends a redelivered event once, and sends again a delivery whose attempt died while sending', async () => {
    const ruleId = `low-asr-${scope.id}`;
    const noc = `noc+${scope.id}@example.net`;
    const dir = mkdtempSync(join(tmpdir(), 'callwatch-rules-'));
    writeFileSync(join(dir, 'low-asr.yaml'), [
      `id: ${ruleId}`, 'title: Low ASR', 'scope: { all: customers }', 'area: asr', 'operator: "<="', 'threshold: 30',
      'sample_period: 5m', 'level: warning', `notify: [ { email: "${noc}" } ]`,
    ].join('\n'));
    await applyRules([dir], { env: scope.env, appliedBy: 'dedup-test', print: () => {} });
    notifier = await startNotifier(loadConfig(NOTIFIER_ENV, scope.env));

    const at = Date.now();
    const alert = (customer: string): AlertEvent => ({
      event_id: `evt-${customer}-${scope.id}`, type: 'fired', rule_id: ruleId, rule_title: 'Low ASR', entity: `customer:${customer}-${scope.id}`, area: 'asr',
      value: 20, threshold: 30, reset_threshold: null, operator: '<=', level: 'warning', sample_period_ms: 300_000, at_ms: at, first_fired_at_ms: at, test: false,
    });
    const [twice, crashed, once] = [alert('twice'), alert('crashed'), alert('once')];
    // A notifier that claimed this delivery and died while sending it left the claim behind; its lease has lapsed.
    const keys = new RedisKeys(scope.env.REDIS_KEY_PREFIX as string);
    const claimKey = keys.delivered(crashed.entity, createHash('sha1').update(dedupKey(crashed.event_id, 'email', noc)).digest('hex'));
    await redis.set(claimKey, `sending|${Date.now() - 1}`, 'EX', 3_600);

    // The last one is on the entity (so the partition) of the duplicate: once it is recorded, the duplicate was handled.
    const last = { ...alert('twice'), event_id: `evt-last-${scope.id}`, value: 10 };
    await evaluator.publisher.publish(evaluator.topics.alert, 'alert', [twice, twice, crashed, once, last].map((a) => ({ key: a.entity, value: a })));
    const done = (ids: string[]) => [last, crashed, once].every((a) => ids.includes(a.event_id));
    const records = await collect(scope, scope.topics.notification, 'notification', (m) => done(m.map((n) => n.value.alert_event_id))).then((m) => m.map((n) => n.value));
    expect(records.map((n) => [n.alert_event_id, n.status, n.error]).sort()).toEqual([
      [crashed.event_id, 'sent', null],
      [last.event_id, 'sent', null],
      [once.event_id, 'sent', null],
      [twice.event_id, 'sent', null],
      [twice.event_id, 'sent', null],
    ].sort());
    // The redelivery records the sent attempt again, identical, so a lost record is made good and a recorder keeps one.
    const [a, b] = records.filter((n) => n.alert_event_id === twice.event_id);
    expect(a).toEqual(b);

    const subjects = (await emailsTo(noc)).map((m) => m.subject);
    expect(subjects.filter((s) => s.includes(`twice-${scope.id}`))).toHaveLength(2); // the event, and the last one
    expect(subjects.filter((s) => s.includes(`once-${scope.id}`))).toHaveLength(1);
    expect(subjects.filter((s) => s.includes(`crashed-${scope.id}`))).toHaveLength(1);
    expect(await redis.get(claimKey)).toMatch(/^sent\|1\|\d+\|/);
  });
});
