import { hostname } from 'node:os';
import { join } from 'node:path';
import { Gauge } from 'prom-client';
import { apiToken, loadConfig, type ConfigOf } from '@callwatch/core';
import { CompactedTable, startRuntime, type Runtime } from '@callwatch/kafka';
import { openChannels } from '@callwatch/notify';
import { PenaltyStore, RedisKeys, createRedis } from '@callwatch/redis';
import { startApiServer, type ApiServer } from './api-server';
import { CONSOLE_ENV } from './config';
import { EventStream } from './event-stream';
import { consoleGroupId, startFeed } from './feed';
import { openHistoryReader } from './history';
import { sendTestNotification } from './rule-test';
import { DEFAULT_LIMITS, ViewModel } from './view-model';

/** ConsoleConfig is the parsed CONSOLE_ENV. */
export type ConsoleConfig = ConfigOf<typeof CONSOLE_ENV>;

/** Console is a running console: its API's address, and how to stop it. */
export interface Console {
  runtime: Runtime;
  api: ApiServer;
  /** the URL of its UI */
  url: string;
  stop(): Promise<void>;
}

// The UI shipped with the console: services/console/public, beside dist/.
const SHIPPED_UI = join(__dirname, '..', 'public');

/** startConsole wires the console from its configuration (the environment by default). */
export async function startConsole(config: ConsoleConfig = loadConfig(CONSOLE_ENV), env: NodeJS.ProcessEnv = process.env): Promise<Console> {
  const token = apiToken(config);
  const runtime = await startRuntime('console', config, ['alert', 'metric', 'action', 'notification', 'rule', 'silence', 'account', 'template']);
  const { log, health, topics } = runtime;
  const redis = createRedis(config, { name: 'callwatch-console', log });
  health.addCheck('redis', () => redis.status === 'ready');
  const keys = new RedisKeys(config.REDIS_KEY_PREFIX);
  const model = new ViewModel({ ...DEFAULT_LIMITS, maxEntities: config.CONSOLE_MAX_ENTITIES, recentEvents: config.CONSOLE_RECENT_EVENTS });
  const events = new EventStream();
  new Gauge({
    name: 'callwatch_console_viewers',
    help: 'live viewers connected to the event stream',
    registers: [health.registry],
    collect() {
      this.set(events.viewerCount);
    },
  });
  const groupId = consoleGroupId(config.TOPIC_PREFIX, config.CONSOLE_GROUP_ID);

  const templates = new CompactedTable({ ...runtime, log, topic: topics.template, schema: 'template', groupPrefix: `${groupId}-templates`, deadLetter: false });
  const stopped: Array<() => Promise<unknown>> = [async () => runtime.close(), async () => redis.disconnect()];
  const stopAll = async () => {
    for (const stop of stopped.reverse()) await stop().catch((err: Error) => log.error({ err }, 'stopping the console'));
  };
  try {
    // Each table and the feed wait for a consumer group of their own to form: side by side, the start takes one wait.
    stopped.push(() => templates.stop());
    const [tableStart, feedStart] = await Promise.allSettled([
      templates.start(),
      startFeed({ runtime, redis, keys, model, groupId, recentEvents: config.CONSOLE_RECENT_EVENTS, onChanges: (changes) => events.publish(changes) }),
    ]);
    if (feedStart.status === 'fulfilled') stopped.push(() => feedStart.value.stop());
    if (tableStart.status === 'rejected') throw tableStart.reason;
    if (feedStart.status === 'rejected') throw feedStart.reason;
    const { channels } = await openChannels(config, env);
    const history = openHistoryReader(config);
    if (history) stopped.push(() => history.close());
    const penalties = new PenaltyStore(redis, keys);
    const api = await startApiServer({
      host: config.CONSOLE_HOST,
      port: config.CONSOLE_PORT,
      token,
      model,
      events,
      writes: { runtime, penalties, model, owner: `console-${hostname()}-${process.pid}` },
      history,
      testRule: (ruleId, entity, by) => sendTestNotification({
        runtime, rule: (id) => model.rule(id), account: (entity) => model.account(entity), templates: templates.view(), redis, keys, channels,
        charts: config.NOTIFY_CHARTS, retries: config.NOTIFY_RETRIES,
      }, ruleId, entity, by),
      publicDir: config.CONSOLE_PUBLIC_DIR || SHIPPED_UI,
      deployment: { topic_prefix: config.TOPIC_PREFIX, redis_key_prefix: config.REDIS_KEY_PREFIX },
      log,
    });
    stopped.push(() => api.close());
    const host = config.CONSOLE_HOST.includes(':') ? `[${config.CONSOLE_HOST}]` : config.CONSOLE_HOST;
    const url = `http://${host}:${api.port}/`;
    log.info({ url, writable: token !== null, history: history?.source ?? null }, `console at ${url}`);
    return { runtime, api, url, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
