import { randomUUID } from 'node:crypto';
import type { Runtime } from '@callwatch/kafka';
import { alertImages, buildContext, deliverTest, resolveRecipients, templateFor, type ChannelSet } from '@callwatch/notify';
import { readLiveSnapshot, redisMetricHistory, type Redis, type RedisKeys } from '@callwatch/redis';
import { alertEvent, alertRuleFields, isReportRule, metricValue, ruleApplies } from '@callwatch/rules';
import type { Account, Rule, Template } from '@callwatch/schemas';
import { ApiError } from './api-error';

// Someone waits for the answer: a few seconds of retries, as `callwatch rules test --send` allows.
const INTERACTIVE_RETRIES = 5;

/** RuleTestContext is what a test notification needs: the live rules, accounts and templates, Redis, channels and where to record. */
export interface RuleTestContext {
  runtime: Pick<Runtime, 'publisher' | 'topics' | 'codec' | 'log'>;
  rule: (id: string) => Rule | undefined;
  account: (entity: string) => Account | undefined;
  templates: ReadonlyMap<string, Template>;
  redis: Redis;
  keys: RedisKeys;
  channels: ChannelSet;
  charts: boolean;
  retries: number;
}

/**
 * sendTestNotification sends a rule's notification for an entity, marked TEST, to the rule's recipients, as `callwatch
 * rules test --send` does: the value from the live windows, the notifier's channels and templates, the chart in
 * emails, and the delivery records on the notification topic. It never publishes an alert event nor touches the
 * evaluator's state. Resolves to the test event's id; the deliveries go on after the answer.
 */
export async function sendTestNotification(ctx: RuleTestContext, ruleId: string, entity: string, by: string): Promise<string> {
  const rule = ctx.rule(ruleId);
  if (!rule) throw new ApiError(404, `no such rule on ${ctx.runtime.topics.rule}: ${ruleId}`);
  const account = ctx.account(entity);
  let applies: boolean;
  try {
    applies = ruleApplies(rule, entity, account);
  } catch (err) {
    throw new ApiError(400, `entity: ${(err as Error).message}`);
  }
  if (!applies) throw new ApiError(400, `rule ${rule.id} does not watch ${entity} (its scope is ${JSON.stringify(rule.scope)})`);
  const now = Date.now();
  const snapshot = await readLiveSnapshot(ctx.redis, ctx.keys, entity, now);
  // Script rules would need a sandbox of their own: the test goes out without their value.
  const value = rule.area === 'script' ? null : metricValue(rule, snapshot).value;
  const alert = alertEvent(rule.id, alertRuleFields(rule), entity, { kind: 'test', type: isReportRule(rule) ? 'report' : 'fired', nonce: randomUUID(), atMs: now, value });
  const recipients = resolveRecipients(rule, account);
  if (recipients.length === 0) throw new ApiError(409, `rule ${rule.id} notifies nobody for ${entity}: it has no recipients (and no account contacts)`);
  const template = templateFor(rule.area, rule.template, ctx.templates, alert.type);
  const context = buildContext(alert, rule, account);
  const { log, publisher, topics } = ctx.runtime;
  void (async () => {
    const images = recipients.some((r) => r.channel === 'email')
      ? await alertImages(alert, rule, account, { history: redisMetricHistory(ctx.redis, ctx.keys), enabled: ctx.charts })
      : [];
    const records = await deliverTest({ alert, context, template, recipients, channels: ctx.channels, images, retries: Math.min(ctx.retries, INTERACTIVE_RETRIES) });
    await publisher.publish(topics.notification, 'notification', records.map((n) => ({ key: n.entity, value: n })));
    log.info({ rule: rule.id, entity, by, event: alert.event_id, sent: records.filter((r) => r.status === 'sent').length }, `test notification of ${rule.id} for ${entity} by ${by}`);
  })().catch((err: Error) => log.error({ err, rule: rule.id, entity }, 'test notification failed'));
  return alert.event_id;
}
