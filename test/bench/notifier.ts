#!/usr/bin/env node
// `npm run bench:notifier`: what one notifier process can render and send.
// - renders per second of a stock template (cached), with and without the alert's chart (ECharts SVG → resvg PNG);
// - sends per second to the outbox (files) and to SES (moto on loopback), one at a time and 8 at once;
// - the digest path of a storm: 500 alerts added to one digest group in Redis, claimed, rendered as one digest, completed;
// - through the notifier service: alert events on Kafka to emails at SES (moto), with and without charts, routing one
//   alert at a time and eight at once (NOTIFY_CONCURRENCY).
// CPU seconds of this process per unit of work are printed beside each rate. Options (environment): BENCH_RENDERS
// (20000), BENCH_CHARTS (200), BENCH_SENDS (300), BENCH_STORM (500), BENCH_ALERTS (300 through the service). SES and the digest need the infrastructure
// (npm run infra:up); without it those parts are skipped with a note.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@callwatch/core';
import { connect } from '@callwatch/kafka';
import { NOTIFIER_ENV, startNotifier } from '@callwatch/notifier';
import { makeRule } from '@callwatch/rules/testing';
import {
  NOTIFY_ENV, STOCK_TEMPLATES, buildContext, createAwsClients, createOutboxChannel, createSesEmailChannel, ensureSenderVerified,
  renderAlertChart, renderDigest, renderNotification, type Channel, type DigestItem, type OutboundMessage,
} from '@callwatch/notify';
import { DigestStore, RedisKeys, createRedis } from '@callwatch/redis';
import type { Account, AlertEvent, Template } from '@callwatch/schemas';
import { removeBenchData, startCpuMeter } from './figures';
import { waitForCounter } from './phases';

const RENDERS = Number(process.env.BENCH_RENDERS ?? 20_000);
const CHARTS = Number(process.env.BENCH_CHARTS ?? 200);
const SENDS = Number(process.env.BENCH_SENDS ?? 300);
const STORM = Number(process.env.BENCH_STORM ?? 500);
const ALERTS = Number(process.env.BENCH_ALERTS ?? 300);

const t0 = Date.parse('2026-03-02T14:05:00Z');
const alert = (i: number): AlertEvent => ({
  event_id: `bench-${i}`, type: 'fired', rule_id: 'low-asr', rule_title: 'Low ASR', entity: `customer:k${i}`, area: 'asr', value: 12 + (i % 17),
  threshold: 30, reset_threshold: 31, operator: '<=', level: 'warning', sample_period_ms: 900_000, at_ms: t0 + i, first_fired_at_ms: t0, test: false,
});
const account = (i: number): Account => ({
  entity: `customer:k${i}`, name: `Customer ${i} <Ltd>`, class: null, status: 'active', balance: 10, debit_limit: null, currency: 'USD',
  emails: [], phones: [], timezone: i % 2 === 0 ? 'Europe/Berlin' : null, locale: null, at_ms: 0,
});

/** measure runs `work` and returns its wall seconds and this process's CPU seconds. */
async function measure(work: () => Promise<void> | void): Promise<{ seconds: number; cpu: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await work();
  const used = process.cpuUsage(cpu);
  return { seconds: (performance.now() - start) / 1000, cpu: (used.user + used.system) / 1e6 };
}

function report(what: string, n: number, { seconds, cpu }: { seconds: number; cpu: number }, unit = 'op'): void {
  const rate = Math.round(n / seconds);
  console.log(`${what.padEnd(44)} ${String(rate).padStart(8)} ${unit}s/s   ${((seconds / n) * 1e3).toFixed(3).padStart(8)} ms/${unit}   CPU ${((cpu / n) * 1e3).toFixed(3)} ms/${unit}`);
}

function series(i: number) {
  return Array.from({ length: 16 }, (_, k) => ({ atMs: t0 - 900_000 + k * 60_000, value: k < 10 ? 52 - k : 28 - (i % 5) }));
}

async function sends(name: string, channel: Channel, messages: OutboundMessage[], concurrency: number): Promise<void> {
  let next = 0;
  const result = await measure(async () => {
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < messages.length) await channel.send(messages[next++] as OutboundMessage);
    }));
  });
  report(`${name}, ${concurrency} at once`, messages.length, result, 'send');
}

/** throughService runs the notifier service on its own topics and measures alert events to emails at SES (moto). */
async function throughService(concurrency: number, charts: boolean): Promise<void> {
  const prefix = `bench-${randomUUID().slice(0, 8)}.`;
  const config = loadConfig(NOTIFIER_ENV, {
    ...process.env, TOPIC_PREFIX: prefix, REDIS_KEY_PREFIX: prefix, TOPIC_PARTITIONS: '3', METRICS_PORT: '0', LOG_LEVEL: 'warn',
    NOTIFIER_GROUP_ID: `${prefix}notifier`, NOTIFY_CONCURRENCY: String(concurrency), NOTIFY_CHARTS: String(charts),
    NOTIFY_TRANSPORT: 'aws', AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:15000', NOTIFY_EMAIL_FROM: 'alerts@callwatch.bench',
  });
  const conn = await connect(config, `${prefix}bench`, ['rule', 'alert']);
  try {
    const rule = makeRule({ id: 'low-asr', scope: { kind: 'all_customers', value: null }, notify: [{ channel: 'email', target: 'noc@example.net' }] });
    await conn.publisher.publish(conn.topics.rule, 'rule', [{ key: rule.id, value: rule }]);
    // Balance alerts: a gauge is charted from the value it judged even where Redis holds no history of it.
    const alerts = Array.from({ length: ALERTS }, (_, i): AlertEvent => ({
      ...alert(i), event_id: `${prefix}${i}`, area: 'balance', operator: '<', threshold: 10, reset_threshold: null, value: 3 + (i % 5), sample_period_ms: null,
    }));
    await conn.publisher.publish(conn.topics.alert, 'alert', alerts.map((a) => ({ key: a.entity, value: a })));
    const cpu = startCpuMeter(config.REDIS_URL);
    const t = performance.now();
    const notifier = await startNotifier(config);
    try {
      const { endedMs } = await waitForCounter(notifier.runtime.health.registry, 'callwatch_notifications_total', ALERTS);
      // The counter counts every attempt; wait for the last sends after retries.
      await new Promise((r) => setTimeout(r, 200));
      const text = await notifier.runtime.health.registry.getSingleMetricAsString('callwatch_notifications_total');
      const byStatus = [...text.matchAll(/status="(\w+)"[^}]*\} (\d+)/g)].map(([, status, n]) => `${n} ${status}`).join(', ');
      const seconds = (endedMs - t) / 1000;
      console.log(`service, ${charts ? 'with' : 'without'} charts, ${concurrency} at once: ${Math.round(ALERTS / seconds)} alerts/s to SES (${ALERTS} in ${seconds.toFixed(1)} s incl. start-up; records: ${byStatus}; CPU ${cpu()})`);
    } finally {
      await notifier.stop();
    }
  } finally {
    await removeBenchData(conn.kafka, config.REDIS_URL, prefix);
    await conn.close();
  }
}

async function main(): Promise<void> {
  console.log(`machine: ${cpus().length} cores, node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const template = STOCK_TEMPLATES.asr as Template;
  const contexts = Array.from({ length: 1_000 }, (_, i) => buildContext(alert(i), undefined, account(i)));

  renderNotification(template, contexts[0] as never); // compiles and caches the template
  report('render (cached stock template)', RENDERS, await measure(() => {
    for (let i = 0; i < RENDERS; i++) renderNotification(template, contexts[i % contexts.length] as never);
  }), 'render');

  const chartInput = (i: number) => ({
    points: series(i), level: 'warning', areaLabel: 'ASR', entityName: `Customer ${i}`, unit: '%', decimals: 1, fromMs: t0 - 900_000, toMs: t0,
    type: 'fired' as const, threshold: 30, resetThreshold: 31, operator: '<=', firedAtMs: t0 - 300_000, resetAtMs: null,
  });
  renderAlertChart(chartInput(0));
  report('render with the chart (PNG)', CHARTS, await measure(() => {
    for (let i = 0; i < CHARTS; i++) {
      renderAlertChart(chartInput(i));
      renderNotification(template, contexts[i % contexts.length] as never);
    }
  }), 'render');

  const messages = (channel: OutboundMessage['channel'], to: (i: number) => string): OutboundMessage[] =>
    Array.from({ length: SENDS }, (_, i) => ({
      ...renderNotification(template, contexts[i % contexts.length] as never), channel, recipient: to(i), alert: alert(i), deliveryId: `bench-${i}`,
    }));
  const dir = mkdtempSync(join(tmpdir(), 'callwatch-bench-outbox-'));
  try {
    const outbox = createOutboxChannel({ dir, from: 'alerts@callwatch.bench' });
    await sends('outbox (.eml files)', outbox, messages('email', (i) => `noc${i}@example.net`), 1);
    await sends('outbox (.eml files)', outbox, messages('email', (i) => `noc${i}@example.net`), 8);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const config = loadConfig(NOTIFY_ENV, { ...process.env, AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:15000', AWS_ACCESS_KEY_ID: 'bench' });
  const aws = createAwsClients({ region: config.AWS_REGION, endpoint: config.AWS_ENDPOINT_URL });
  try {
    await ensureSenderVerified(aws.ses, 'alerts@callwatch.bench');
    const ses = createSesEmailChannel({ client: aws.ses, from: 'alerts@callwatch.bench' });
    await sends('SES (moto on loopback)', ses, messages('email', (i) => `noc${i}@example.net`), 1);
    await sends('SES (moto on loopback)', ses, messages('email', (i) => `noc${i}@example.net`), 8);
  } catch (err) {
    console.log(`SES skipped: ${(err as Error).message} (start the infrastructure: npm run infra:up)`);
  }

  const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:16379', { name: 'bench-notifier' });
  try {
    await redis.ping();
    const store = new DigestStore(redis, new RedisKeys(`bench-digest-${randomUUID().slice(0, 8)}:`));
    const storm = Array.from({ length: STORM }, (_, i) => alert(i));
    const payloads = storm.map((a) => JSON.stringify({ alert: a, templateId: null }));
    let items: DigestItem[] = [];
    const result = await measure(async () => {
      await Promise.all(storm.map((a, i) => store.add('storm', '{}', 0, a.event_id, payloads[i] as string, t0)));
      const claim = await store.claim('storm', t0, 60_000);
      items = [...(claim?.members.values() ?? [])].map((p) => {
        const { alert: a } = JSON.parse(p) as { alert: AlertEvent };
        return { alert: a, context: buildContext(a, undefined, account(Number(a.entity.slice(10)))) };
      });
      renderDigest(items, { rule: 'low-asr' });
      await store.complete('storm', storm.map((a) => a.event_id), 300_000, t0 + 1);
    });
    console.log(`digest of ${STORM} simultaneous alerts (add, claim, render, complete): ${(result.seconds * 1e3).toFixed(1)} ms, CPU ${(result.cpu * 1e3).toFixed(1)} ms; ${items.length} alerts in one message`);
  } catch (err) {
    console.log(`digest skipped: ${(err as Error).message} (start the infrastructure: npm run infra:up)`);
  } finally {
    redis.disconnect();
  }
  aws.ses.destroy();
  aws.sns.destroy();

  try {
    for (const charts of [false, true]) for (const concurrency of [1, 8]) await throughService(concurrency, charts);
  } catch (err) {
    console.log(`service skipped: ${(err as Error).message} (start the infrastructure: npm run infra:up)`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
