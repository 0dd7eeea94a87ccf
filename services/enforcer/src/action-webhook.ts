import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Counter, Histogram } from 'prom-client';
import { consume, type BatchConsumer, type Runtime } from '@callwatch/kafka';
import { shownUrl } from '@callwatch/notify/webhook';
import { deliverUntilDone } from './action-delivery';
import { postAction } from './action-post';
import type { ActionWebhookSettings } from './action-webhook-settings';

/** ActionWebhook is the running action webhook: a consumer group per URL over the action topic, each posting what it reads. */
export interface ActionWebhook {
  stop(): Promise<void>;
}

/**
 * actionWebhookGroup names the consumer group of one URL: the enforcer's group, `-webhook-` and a hash of the URL.
 * Each switch keeps its own place in the action topic, so one that is down holds back neither the penalties (the
 * enforcer's own group) nor the other switches.
 */
export function actionWebhookGroup(enforcerGroup: string, url: string): string {
  return `${enforcerGroup}-webhook-${createHash('sha256').update(url).digest('hex').slice(0, 12)}`;
}

/**
 * startActionWebhook posts every `disable` and `enable` on the action topic to each URL, signed, one at a time per
 * partition and in offset order, retrying until the switch takes it or rejects it for good (a 4xx other than 408 and
 * 429: logged with the answer, counted, skipped). Offsets are committed after the outcome: a crash sends again,
 * with the same Idempotency-Key.
 */
export async function startActionWebhook(runtime: Runtime, settings: ActionWebhookSettings, enforcerGroup: string): Promise<ActionWebhook> {
  const { log, topics, health } = runtime;
  const registers = [health.registry];
  const deliveries = new Counter({ name: 'callwatch_enforcer_webhook_deliveries_total', help: 'actions the action webhook finished with, by URL and outcome (delivered, or rejected by a 4xx and skipped)', labelNames: ['url', 'outcome'], registers });
  const attempts = new Counter({ name: 'callwatch_enforcer_webhook_attempts_total', help: 'action webhook requests, by URL and result (delivered, rejected, retry)', labelNames: ['url', 'result'], registers });
  const requestSeconds = new Histogram({ name: 'callwatch_enforcer_webhook_request_seconds', help: 'how long one action webhook request took, by URL', labelNames: ['url'], registers });
  const delaySeconds = new Histogram({
    name: 'callwatch_enforcer_webhook_delivery_delay_seconds',
    help: 'from an action\'s publication on the action topic to its outcome at the URL: how late a switch learns of a penalty',
    labelNames: ['url'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
    registers,
  });
  const stopping = new AbortController();
  const consumers: BatchConsumer[] = [];
  for (const url of settings.urls) {
    const shown = shownUrl('webhook', url);
    const groupId = actionWebhookGroup(enforcerGroup, url);
    const consumer: BatchConsumer = await consume(runtime, {
      groupId,
      topic: topics.action,
      schema: 'action',
      deadLetter: false,
      partitionsConcurrently: settings.concurrency,
      handle: async (batch) => {
        for (const { value: action, timestamp, offset } of batch.messages) {
          const about = { url: shown, action: action.action_id, entity: action.entity, type: action.type };
          let delivery;
          try {
            delivery = await deliverUntilDone({
              attempt: () => postAction(url, action, settings),
              backoff: settings.backoff,
              sleep: (ms) => sleep(ms, undefined, { signal: stopping.signal }),
              beforeAttempt: async () => {
                stopping.signal.throwIfAborted();
                await batch.heartbeat();
              },
              onAttempt: (attempt, _n, elapsedMs) => {
                attempts.inc({ url: shown, result: attempt.outcome });
                requestSeconds.observe({ url: shown }, elapsedMs / 1000);
              },
              onRetry: (attempt, n, delayMs) => log.warn({ ...about, attempt: n, delayMs, err: attempt.error }, `${action.type} ${action.entity} not delivered to ${shown} yet; trying again`),
            });
          } catch (err) {
            if (!stopping.signal.aborted) throw err;
            // Stopping mid-delivery: the partition is moved back to this action, which leaves the batch uncommitted
            // (a stale batch) without failing it; the next start sends the action again, with the same key.
            consumer.seek(batch.topic, batch.partition, offset);
            return;
          }
          const { result, attempts: tries } = delivery;
          deliveries.inc({ url: shown, outcome: result.outcome });
          delaySeconds.observe({ url: shown }, Math.max(0, Date.now() - Number(timestamp)) / 1000);
          if (result.outcome === 'rejected') {
            log.error({ ...about, status: result.status, attempts: tries, err: result.error }, `${action.type} ${action.entity} rejected for good, skipped: ${result.error.message}`);
          } else {
            log.info({ ...about, status: result.status, attempts: tries }, `${action.type} ${action.entity} delivered to ${shown}`);
          }
        }
      },
    });
    consumers.push(consumer);
    log.info({ url: shown, groupId }, 'action webhook running');
  }
  return {
    stop: async () => {
      stopping.abort();
      await Promise.all(consumers.map((c) => c.stop()));
    },
  };
}
