import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import PostalMime from 'postal-mime';
import { loadConfig } from '@callwatch/core';
import { applyRules } from '@callwatch/cli';
import { connect, type Connection } from '@callwatch/kafka';
import { NOTIFIER_ENV, startNotifier, type Notifier } from '@callwatch/notifier';
import { RedisKeys, WindowStore, createRedis, type Redis } from '@callwatch/redis';
import type { AlertEvent } from '@callwatch/schemas';
import { preAggregate, type InputEvent } from '@callwatch/windows';
import { cdr } from '../support/cdrs';
import { eventually, testScope, type TestScope } from '../support/harness';
import { emailsTo } from '../support/moto';

// A real notifier sends a fired ASR alert through SES (moto): the raw message carries the chart of the customer's
// windows in Redis as an inline PNG that the html shows by its Content-ID.
describe('alert emails carry a chart', () => {
  let scope: TestScope;
  let notifier: Notifier;
  let evaluator: Connection; // stands in for the evaluator: publishes the alert event
  let redis: Redis;

  beforeAll(async () => {
    scope = await testScope('chart', { NOTIFY_EMAIL_FROM: 'alerts@callwatch.test' });
    evaluator = await connect(loadConfig(NOTIFIER_ENV, scope.env), `${scope.id}-evaluator`, ['alert']);
    redis = createRedis(scope.env.REDIS_URL as string, { name: 'test' });
  });

  afterAll(async () => {
    await evaluator?.close();
    await notifier?.stop();
    const keys = await redis.keys(`${scope.env.REDIS_KEY_PREFIX as string}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('sends the ASR of the last 15 minutes as an inline PNG the html references', async () => {
    const ruleId = `low-asr-${scope.id}`;
    const noc = `noc+${scope.id}@example.net`;
    const customer = `acme-${scope.id}`;
    const dir = mkdtempSync(join(tmpdir(), 'callwatch-rules-'));
    writeFileSync(join(dir, 'low-asr.yaml'), [
      `id: ${ruleId}`, 'title: Low ASR', `scope: { customer: ${customer} }`, 'area: asr', 'operator: "<="', 'threshold: 30',
      'reset_threshold: 31', 'sample_period: 15m', 'level: critical', `notify: [ { email: "${noc}" } ]`,
    ].join('\n'));
    await applyRules([dir], { env: scope.env, print: () => {}, appliedBy: 'chart-test' });

    // 15 minutes of calls in the customer's windows, written by the aggregator's own store: ASR from 60% to 20%.
    const periodMs = 900_000;
    const at = Math.floor(Date.now() / 1_000) * 1_000;
    const events: InputEvent[] = [];
    for (let m = 0; m < 15; m++) {
      for (let i = 0; i < 10; i++) events.push({ type: 'cdr', ...cdr(customer, i < 6 - Math.floor(m / 4), at - periodMs + m * 60_000 + 5_000 + i * 100, { carrier_id: null }) });
    }
    const store = new WindowStore(redis, new RedisKeys(scope.env.REDIS_KEY_PREFIX), { periodsMs: [periodMs], idRetentionMs: 1_200_000, maxCallMs: 14_400_000 });
    const deltas = preAggregate(events.map((event, i) => ({ offset: i, event })), { side: 'customer', periodsMs: [periodMs], latenessMs: 3_600_000, positions: new Map() });
    await store.apply('customer/0', [...deltas.values()], 'e1');

    notifier = await startNotifier(loadConfig(NOTIFIER_ENV, scope.env));
    expect(notifier.transport).toBe('aws');
    const alert: AlertEvent = {
      event_id: `evt-chart-${scope.id}`, type: 'fired', rule_id: ruleId, rule_title: 'Low ASR', entity: `customer:${customer}`, area: 'asr', value: 24,
      threshold: 30, reset_threshold: 31, operator: '<=', level: 'critical', sample_period_ms: periodMs, at_ms: at, first_fired_at_ms: at, test: false,
    };
    await evaluator.publisher.publish(evaluator.topics.alert, 'alert', [{ key: alert.entity, value: alert }]);

    const [email] = await eventually(async () => {
      const found = await emailsTo(noc);
      expect(found).toHaveLength(1);
      return found;
    });
    const parsed = await PostalMime.parse(email?.raw as string);
    const [image] = parsed.attachments;
    expect(image).toMatchObject({ mimeType: 'image/png', disposition: 'inline', related: true });
    const cid = (image?.contentId ?? '').replace(/^<|>$/g, '');
    expect(parsed.html).toContain(`src="cid:${cid}"`);
    expect(parsed.html).toMatch(/alt="ASR for acme-[^"]* over the last 15 minutes: from 60\.0% down to 30\.0%, at or below the threshold 30\.0% since \d\d:\d\d UTC"/);
    expect(email?.messageId).toMatch(/^<[0-9a-f]{32}\.[0-9a-f]{16}@callwatch\.test>$/);

    const png = PNG.sync.read(Buffer.from(image?.content as ArrayBuffer));
    expect([png.width, png.height]).toEqual([640, 280]);
    let drawn = 0;
    for (let i = 0; i < png.width * png.height; i++) if (png.data[i * 4] !== 255 || png.data[i * 4 + 1] !== 255 || png.data[i * 4 + 2] !== 255) drawn++;
    expect(drawn).toBeGreaterThan(3000);
  });
});
