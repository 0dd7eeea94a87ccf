import { Counter } from 'prom-client';
import { loadConfig, startTicker, type CallwatchError, type ConfigOf } from '@callwatch/core';
import { CompactedTable, consume, startRuntime, type Runtime } from '@callwatch/kafka';
import { Silencer, checkChannelConfig, openChannels, shownRecipient, supersededRepeats, type Transport } from '@callwatch/notify';
import { DigestStore, RedisKeys, createRedis, redisMetricHistory } from '@callwatch/redis';
import type { AlertEvent, Notification } from '@callwatch/schemas';
import { NOTIFIER_ENV } from './config';
import { DigestFlusher } from './digest-flusher';
import { AlertRouter } from './alert-router';
import { inEntityOrder } from './in-entity-order';
import { Sender } from './sender';

/** NotifierConfig is the parsed NOTIFIER_ENV. */
export type NotifierConfig = ConfigOf<typeof NOTIFIER_ENV>;

/** Notifier is a running notifier: alert events in, emails/SMS/webhooks/Slack/Pushover out, every attempt recorded. */
export interface Notifier {
  runtime: Runtime;
  /** Where email and SMS go: `aws` (SES/SNS) or `outbox` (files). */
  transport: Transport;
  /** The silences as this notifier sees them (tests wait on it). */
  silences: CompactedTable<'silence'>;
  /** The customer classes as this notifier sees them (tests wait on it). */
  classes: CompactedTable<'class'>;
  stop(): Promise<void>;
}

/**
 * startNotifier loads rules, accounts, templates, classes and silences, then routes each alert event to its
 * recipients (class → silence → digest or send) and sends due digests on a ticker; every attempt is recorded on
 * the notification topic.
 */
export async function startNotifier(config: NotifierConfig = loadConfig(NOTIFIER_ENV)): Promise<Notifier> {
  const runtime = await startRuntime('notifier', config, ['rule', 'account', 'template', 'class', 'silence', 'alert', 'notification']);
  const { log, topics, publisher, health } = runtime;
  const redis = createRedis(config, { name: 'callwatch-notifier', log });
  const keys = new RedisKeys(config.REDIS_KEY_PREFIX);
  health.addCheck('redis', () => redis.status === 'ready');
  const sent = new Counter({ name: 'callwatch_notifications_total', help: 'delivery attempts by channel and outcome', labelNames: ['channel', 'status'], registers: [health.registry] });

  const { transport, channels } = await openChannels(config);

  const table = <N extends 'rule' | 'account' | 'template' | 'class' | 'silence'>(schema: N, topic: string) =>
    new CompactedTable({ ...runtime, log, topic, schema, groupPrefix: `${config.NOTIFIER_GROUP_ID}-${schema}` });
  const tables = {
    rules: table('rule', topics.rule),
    accounts: table('account', topics.account),
    templates: table('template', topics.template),
    classes: table('class', topics.class),
    silences: table('silence', topics.silence),
  };
  await Promise.all(Object.values(tables).map((t) => t.start()));
  try {
    // A webhook is never sent unsigned and Pushover needs its app token: refuse to start rather than fail every send.
    checkChannelConfig(tables.rules.view().values(), config);
  } catch (err) {
    await Promise.all(Object.values(tables).map((t) => t.stop()));
    await runtime.close();
    redis.disconnect();
    throw err;
  }

  const record = async (records: Notification[]): Promise<void> => {
    await publisher.publish(topics.notification, 'notification', records.map((n) => ({ key: n.entity, value: n })));
    for (const n of records) {
      sent.inc({ channel: n.channel, status: n.status });
      if (n.status === 'failed') log.error({ event: n.alert_event_id, channel: n.channel, recipient: shownRecipient(n.channel, n.recipient), error: n.error }, 'notification failed');
    }
  };

  const digests = new DigestStore(redis, keys);
  const charts = {
    history: redisMetricHistory(redis, keys),
    enabled: config.NOTIFY_CHARTS,
    onError: (err: CallwatchError) => log.warn({ code: err.code, err: err.message }, 'chart not drawn: the email goes without it'),
  };
  const sender = new Sender({ redis, keys, channels, retries: config.NOTIFY_RETRIES, policy: config.NOTIFY_DELIVERY, leaseMs: config.NOTIFY_CLAIM_LEASE_MS });
  const router = new AlertRouter({
    ...tables,
    channels,
    sender,
    log,
    silencer: new Silencer(tables.silences),
    digests,
    charts,
    groupDefaults: { groupBy: config.NOTIFY_GROUP_BY, waitMs: config.NOTIFY_GROUP_WAIT_MS, intervalMs: config.NOTIFY_GROUP_INTERVAL_MS },
  });
  const flusher = new DigestFlusher({ ...tables, sender, leaseMs: config.NOTIFY_CLAIM_LEASE_MS, log, digests, charts, record });

  const consumer = await consume(runtime, {
    groupId: config.NOTIFIER_GROUP_ID,
    topic: topics.alert,
    schema: 'alert',
    deadLetter: false,
    handle: async (batch) => {
      const alerts = batch.messages.map((m) => m.value as AlertEvent);
      const superseded = supersededRepeats(alerts);
      await record(await inEntityOrder(alerts, config.NOTIFY_CONCURRENCY, (alert) => router.route(alert, superseded.get(alert.event_id)), () => batch.heartbeat()));
    },
  });
  const ticker = startTicker(config.NOTIFY_DIGEST_CHECK_MS, () => flusher.flushDue(Date.now()), (err) => log.error({ err }, 'sending due digests failed; retrying at the next check'));
  log.info({ topic: topics.alert, transport, outbox: transport === 'outbox' ? config.NOTIFY_OUTBOX_DIR : undefined, delivery: config.NOTIFY_DELIVERY }, 'notifier running');

  return {
    runtime,
    transport,
    silences: tables.silences,
    classes: tables.classes,
    stop: async () => {
      await ticker.stop();
      await consumer.stop();
      await Promise.all(Object.values(tables).map((t) => t.stop()));
      await runtime.close();
      redis.disconnect();
    },
  };
}
