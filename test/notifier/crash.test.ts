import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@callwatch/core';
import { applyRules } from '@callwatch/cli';
import { connect, type Connection } from '@callwatch/kafka';
import { NOTIFIER_ENV } from '@callwatch/notifier';
import type { AlertEvent } from '@callwatch/schemas';
import { collect, eventually, testScope, type TestScope } from '../support/harness';
import { emailsTo, type MotoSesMessage } from '../support/moto';

const main = join(__dirname, '..', '..', 'services', 'notifier', 'dist', 'main.js');
const ALERTS = 1_000;
const CONCURRENCY = 8;

// A real notifier process is killed with SIGKILL in the middle of a burst of 1,000 alerts and started again: at
// moto, every alert's email arrived, and the only ones that arrived twice were in flight at the kill (sent, not yet
// recorded as sent) and carry the same Message-ID both times (NOTIFY_DELIVERY=at-least-once).
describe('notifier killed with SIGKILL during a burst', () => {
  let scope: TestScope;
  let evaluator: Connection;
  let child: ChildProcess | undefined;

  const start = (): ChildProcess => spawn(process.execPath, [main], {
    // A short lease so the restarted notifier takes over the killed one's claims within seconds.
    env: { ...scope.env, KAFKA_SESSION_TIMEOUT_MS: '6000', NOTIFY_CLAIM_LEASE_MS: '3000', NOTIFY_CONCURRENCY: String(CONCURRENCY) },
    stdio: 'ignore',
  });
  const kill = async (instance: ChildProcess): Promise<void> => {
    if (instance.exitCode !== null || instance.signalCode !== null) return;
    const exited = new Promise((r) => instance.once('exit', r));
    instance.kill('SIGKILL');
    await exited;
  };

  beforeAll(async () => {
    scope = await testScope('notifier-kill', { NOTIFY_EMAIL_FROM: 'alerts@callwatch.test' });
    evaluator = await connect(loadConfig(NOTIFIER_ENV, scope.env), `${scope.id}-evaluator`, ['alert']);
  });

  afterAll(async () => {
    if (child) await kill(child);
    await evaluator?.close();
  });

  it('loses no email and repeats only those in flight, with their Message-ID', async () => {
    const noc = `noc+${scope.id}@example.net`;
    const ruleId = `burst-${scope.id}`;
    const dir = mkdtempSync(join(tmpdir(), 'callwatch-rules-'));
    writeFileSync(join(dir, 'burst.yaml'), [
      `id: ${ruleId}`, 'title: Burst', 'scope: { all: customers }', 'area: asr', 'operator: "<="', 'threshold: 30',
      'sample_period: 5m', 'level: warning', `notify: [ { email: "${noc}" } ]`,
    ].join('\n'));
    await applyRules([dir], { env: scope.env, appliedBy: 'crash-test', print: () => {} });

    const at = Date.now();
    const alerts: AlertEvent[] = Array.from({ length: ALERTS }, (_, i) => ({
      event_id: `evt-${i}-${scope.id}`, type: 'fired', rule_id: ruleId, rule_title: 'Burst', entity: `customer:k${i}x`, area: 'asr',
      value: 20, threshold: 30, reset_threshold: null, operator: '<=', level: 'warning', sample_period_ms: 300_000, at_ms: at, first_fired_at_ms: at, test: false,
    }));
    await evaluator.publisher.publish(evaluator.topics.alert, 'alert', alerts.map((a) => ({ key: a.entity, value: a })));

    child = start();
    // Kill it once it is well into the burst, while it sends.
    await eventually(async () => expect((await emailsTo(noc)).length).toBeGreaterThanOrEqual(200), { timeoutMs: 120_000, intervalMs: 50 });
    await kill(child);
    const atKill = (await emailsTo(noc)).length;
    child = start();

    const byEntity = (emails: MotoSesMessage[]): Map<string, MotoSesMessage[]> => {
      const map = new Map<string, MotoSesMessage[]>();
      for (const email of emails) {
        const entity = /k\d+x/.exec(email.subject)?.[0] ?? '?';
        map.set(entity, [...(map.get(entity) ?? []), email]);
      }
      return map;
    };
    const received = await eventually(async () => {
      const emails = byEntity(await emailsTo(noc));
      expect(emails.size).toBe(ALERTS);
      return emails;
    }, { timeoutMs: 240_000, intervalMs: 500 });
    expect(atKill).toBeLessThan(ALERTS);

    const twice = [...received].filter(([, emails]) => emails.length > 1);
    // A notifier consumes one batch at a time and routes up to NOTIFY_CONCURRENCY alerts of it at once, each with
    // one recipient here: at most that many sends can be cut between SES and their record.
    expect(twice.length).toBeLessThanOrEqual(CONCURRENCY);
    for (const [, emails] of twice) {
      expect(emails).toHaveLength(2);
      expect(emails[0]?.messageId).toMatch(/^<[^<>@\s]+@[^<>@\s]+>$/);
      expect(emails[1]?.messageId).toBe(emails[0]?.messageId);
    }
    // Every alert is recorded as sent, however often its record was written.
    const records = await collect(scope, scope.topics.notification, 'notification', (m) => new Set(m.filter((n) => n.value.status === 'sent').map((n) => n.value.alert_event_id)).size >= ALERTS, { timeoutMs: 120_000 });
    expect(new Set(records.filter((n) => n.value.status === 'sent').map((n) => n.value.alert_event_id)).size).toBe(ALERTS);
  }, 600_000);
});
