import { Counter } from 'prom-client';
import { loadConfig, type ConfigOf } from '@callwatch/core';
import { CompactedTable, consume, startRuntime, type Runtime } from '@callwatch/kafka';
import {
  Silencer, buildContext, deliver, openChannels, resolveRecipients, silencedNotification, templateFor,
  type Transport,
} from '@callwatch/notify';
import { RedisKeys, createRedis, redisDedupStore } from '@callwatch/redis';
import type { AlertEvent, Notification } from '@callwatch/schemas';
import { NOTIFIER_ENV } from './config';

/** NotifierConfig is the parsed NOTIFIER_ENV. */
export type NotifierConfig = ConfigOf<typeof NOTIFIER_ENV>;

/** Notifier is a running notifier: alert events in, emails/SMS/webhooks out, every attempt recorded. */
export interface Notifier {
  runtime: Runtime;
  /** Where email and SMS go: `aws` (SES/SNS) or `outbox` (files). */
  transport: Transport;
  /** The silences as this notifier sees them (tests wait on it). */
  silences: CompactedTable<'silence'>;
  stop(): Promise<void>;
}

/** startNotifier loads rules, accounts, templates and silences, then delivers each alert event to the rule's recipients unless a silence mutes it. */
export async function startNotifier(config: NotifierConfig = loadConfig(NOTIFIER_ENV)): Promise<Notifier> {
  const runtime = await startRuntime('notifier', config, ['rule', 'account', 'template', 'silence', 'alert', 'notification']);
  const { log, topics, publisher, health } = runtime;
  const redis = createRedis(config.REDIS_URL, { name: 'callwatch-notifier' });
  const keys = new RedisKeys(config.REDIS_KEY_PREFIX);
  health.addCheck('redis', () => redis.status === 'ready');
  const sent = new Counter({ name: 'callwatch_notifications_total', help: 'delivery attempts by channel and outcome', labelNames: ['channel', 'status'], registers: [health.registry] });

  const { transport, channels } = await openChannels(config);

  const table = <N extends 'rule' | 'account' | 'template' | 'silence'>(schema: N, topic: string) =>
    new CompactedTable({ ...runtime, log, topic, schema, groupPrefix: `${config.NOTIFIER_GROUP_ID}-${schema}` });
  const rules = table('rule', topics.rule);
  const accounts = table('account', topics.account);
  const templates = table('template', topics.template);
  const silences = table('silence', topics.silence);
  await Promise.all([rules.start(), accounts.start(), templates.start(), silences.start()]);
  const silencer = new Silencer(silences);

  const notify = async (alert: AlertEvent): Promise<Notification[]> => {
    const rule = rules.get(alert.rule_id);
    if (!rule) {
      log.warn({ rule: alert.rule_id, event: alert.event_id }, 'alert for a rule that no longer exists: nobody to notify');
      return [];
    }
    const account = accounts.get(alert.entity);
    const recipients = resolveRecipients(rule, account);
    const now = Date.now();
    const silence = silencer.mutes(alert, now);
    if (silence) {
      log.info({ rule: alert.rule_id, entity: alert.entity, event: alert.event_id, silence: silence.silence_id }, 'alert silenced: nothing sent');
      return recipients.map((r) => silencedNotification(alert, channels[r.channel].name, r.recipient, silence, now));
    }
    const template = templateFor(alert.area, rule.template, templates.view(), alert.type);
    const context = buildContext(alert, rule, account);
    const dedup = redisDedupStore(redis, keys, alert.entity, { policy: config.NOTIFY_DELIVERY, leaseMs: config.NOTIFY_CLAIM_LEASE_MS });
    const perRecipient = await Promise.all(
      recipients.map((recipient) =>
        deliver({ alert, context, template, recipient, channel: channels[recipient.channel], dedup, retry: { retries: config.NOTIFY_RETRIES } }),
      ),
    );
    return perRecipient.flat();
  };

  const consumer = await consume(runtime, {
    groupId: config.NOTIFIER_GROUP_ID,
    topic: topics.alert,
    schema: 'alert',
    deadLetter: false,
    handle: async (batch) => {
      const records: Notification[] = [];
      for (const { value: alert } of batch.messages) {
        records.push(...(await notify(alert)));
        await batch.heartbeat();
      }
      await publisher.publish(topics.notification, 'notification', records.map((n) => ({ key: n.entity, value: n })));
      for (const n of records) {
        sent.inc({ channel: n.channel, status: n.status });
        if (n.status === 'failed') log.error({ event: n.alert_event_id, channel: n.channel, recipient: n.recipient, error: n.error }, 'notification failed');
      }
    },
  });
  log.info({ topic: topics.alert, transport, outbox: transport === 'outbox' ? config.NOTIFY_OUTBOX_DIR : undefined }, 'notifier running');

  return {
    runtime,
    transport,
    silences,
    stop: async () => {
      await consumer.stop();
      await Promise.all([rules.stop(), accounts.stop(), templates.stop(), silences.stop()]);
      await runtime.close();
      redis.disconnect();
    },
  };
}
