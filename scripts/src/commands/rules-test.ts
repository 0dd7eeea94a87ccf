import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { CallwatchError, createLogger, parseEntity } from '@callwatch/core';
import { AlertStore, RedisKeys, createRedis, readLiveSnapshot, redisMetricHistory } from '@callwatch/redis';
import { CompactedTable, type Connection } from '@callwatch/kafka';
import {
  alertImages, buildContext, deliverTest, openChannels, renderNotification, resolveRecipients, templateFor, type InlineImage,
  type NotificationContext, type Recipient,
} from '@callwatch/notify';
import { ScriptSandbox, metricValue, nextDeadline, ruleApplies, type AlertState, type Observation } from '@callwatch/rules';
import type { Account, AlertEvent, MetricSnapshot, Notification, Rule, Template } from '@callwatch/schemas';
import { cliConfig, cliNotifyConfig, type CliNotifyConfig } from '../env';
import { formatDeliveries, formatRuleTest, scopeMismatch, testAlert, testVerdict, type RuleTestReport } from './rule-test-report';
import { withRuleTable } from './rule-table';

// Retries of a temporary failure when `--send` delivers (about 6 s of backoff).
const INTERACTIVE_RETRIES = 5;

/** RuleTestOptions are the flags of `rules test`, plus where to connect, where to print and the clock. */
export interface RuleTestOptions {
  /** deliver the TEST notification to the rule's recipients and publish the delivery records */
  send?: boolean;
  /** include each email's HTML */
  html?: boolean;
  /** print the report as one JSON object */
  json?: boolean;
  env?: NodeJS.ProcessEnv;
  print?: (text: string) => void;
  now?: number;
}

/**
 * testRule evaluates a rule on an entity's live metrics as the evaluator would with no prior state, shows the
 * evaluator's live state, and renders the notification marked TEST for each recipient; with `send` it delivers
 * it through the notifier's channels and publishes the delivery records. It never publishes an alert event nor
 * touches the evaluator's state.
 */
export async function testRule(id: string, entity: string, options: RuleTestOptions = {}): Promise<RuleTestReport> {
  const { send = false, html = false, json = false, env = process.env, print = (text: string) => void process.stdout.write(text), now = Date.now() } = options;
  try {
    parseEntity(entity);
  } catch (err) {
    throw new CallwatchError('CW_ERR_CLI_USAGE', `--entity: ${(err as Error).message}`, { cause: err });
  }
  const notify = send ? cliNotifyConfig(env) : undefined;
  return withRuleTable(env, async (rules, connection) => {
    const rule = rules.get(id);
    if (!rule) throw new CallwatchError('CW_ERR_CLI_USAGE', `no such rule on ${connection.topics.rule}: ${id} (see callwatch rules list)`);
    const { accounts, templates, stop } = await openTables(connection);
    try {
      const account = accounts.get(entity);
      if (!ruleApplies(rule, entity, account)) throw new CallwatchError('CW_ERR_CLI_USAGE', scopeMismatch(rule, entity, account, connection.topics.account));

      const { snapshot, liveState } = await readLive(env, entity, rule.id, now);
      const observation = await observe(rule, snapshot);
      const alert = testAlert(rule, entity, observation.value, randomUUID(), now);
      const template = templateFor(rule.area, rule.template, templates.view(), alert.type);
      const context = buildContext(alert, rule, account);
      const recipients = resolveRecipients(rule, account);
      const rendered = renderNotification(template, context);
      const report: RuleTestReport = {
        rule: { id: rule.id, title: rule.title, enabled: rule.enabled },
        entity,
        area: rule.area,
        samplePeriodMs: rule.sample_period_ms,
        value: observation.value,
        attempts: observation.attempts,
        minAttempts: rule.min_attempts,
        operator: rule.operator,
        threshold: rule.threshold,
        resetThreshold: rule.reset_threshold,
        ...testVerdict(rule, snapshot, observation, now),
        liveState,
        nextDeadlineMs: liveState ? nextDeadline(rule, liveState) : null,
        alert,
        messages: recipients.map((r) => ({ ...r, subject: rendered.subject, text: rendered.text, sms: rendered.sms, ...(html ? { html: rendered.html } : {}) })),
        notifications: notify ? await sendTest(notify, env, connection, { alert, context, template, recipients, rule, account }) : [],
      };
      if (json) print(`${JSON.stringify(report)}\n`);
      else {
        print(formatRuleTest(report));
        print(notify ? formatDeliveries(report.notifications, connection.topics.notification) : `nothing sent (--send delivers to the ${recipients.length} recipient(s))\n`);
      }
      return report;
    } finally {
      await stop();
    }
  });
}

// Accounts name the entity, hold its class and contacts; templates hold admins' own. Both are read whole, in parallel.
async function openTables(connection: Connection) {
  const table = <N extends 'account' | 'template'>(schema: N, topic: string) =>
    new CompactedTable({ ...connection, log: createLogger('cli', 'warn'), topic, schema, groupPrefix: 'callwatch-cli' });
  const accounts = table('account', connection.topics.account);
  const templates = table('template', connection.topics.template);
  const stop = async () => void (await Promise.all([accounts.stop(), templates.stop()]));
  try {
    await Promise.all([accounts.start(), templates.start()]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { accounts, templates, stop };
}

// The windows as `callwatch status` reads them, as the snapshot the aggregator last published, and the evaluator's state.
async function readLive(env: NodeJS.ProcessEnv, entity: string, ruleId: string, now: number): Promise<{ snapshot: MetricSnapshot; liveState: AlertState | null }> {
  const config = cliConfig(env);
  const keys = new RedisKeys(config.REDIS_KEY_PREFIX);
  const redis = createRedis(config, { name: 'callwatch-cli' });
  try {
    const [snapshot, state] = await Promise.all([readLiveSnapshot(redis, keys, entity, now), new AlertStore(redis, keys).get(entity, ruleId)]);
    return { snapshot, liveState: state ?? null };
  } finally {
    redis.disconnect();
  }
}

// Script rules run in a sandbox of their own with the evaluator's default limits.
async function observe(rule: Rule, snapshot: MetricSnapshot): Promise<Observation> {
  if (rule.area !== 'script') return metricValue(rule, snapshot);
  const scripts = await ScriptSandbox.create();
  try {
    return metricValue(rule, snapshot, scripts);
  } finally {
    scripts.dispose();
  }
}

// As the notifier delivers (its channels, the alert's chart in emails, retries and records), then the records go to the
// notification topic.
async function sendTest(
  config: CliNotifyConfig,
  env: NodeJS.ProcessEnv,
  connection: Connection,
  test: { alert: AlertEvent; context: NotificationContext; template: Template; recipients: Recipient[]; rule: Rule; account: Account | undefined },
): Promise<Notification[]> {
  const { channels } = await openChannels(config, env);
  const { alert, context, template, recipients, rule, account } = test;
  const images = recipients.some((r) => r.channel === 'email') ? await chartOf(config, alert, rule, account) : [];
  // Someone waits at the terminal: a few seconds of retries, not the minutes the notifier spends riding out an outage.
  const records = await deliverTest({ alert, context, template, recipients, channels, images, retries: Math.min(config.NOTIFY_RETRIES, INTERACTIVE_RETRIES) });
  await connection.codec.register('notification', connection.topics.notification);
  await connection.publisher.publish(connection.topics.notification, 'notification', records.map((n) => ({ key: n.entity, value: n })));
  return records;
}

// The chart the notifier would draw, from the live windows; a chart that cannot be drawn is left out, as there.
async function chartOf(config: CliNotifyConfig, alert: AlertEvent, rule: Rule, account: Account | undefined): Promise<InlineImage[]> {
  const redis = createRedis(config, { name: 'callwatch-cli' });
  try {
    return await alertImages(alert, rule, account, { history: redisMetricHistory(redis, new RedisKeys(config.REDIS_KEY_PREFIX)), enabled: config.NOTIFY_CHARTS });
  } finally {
    redis.disconnect();
  }
}

/** registerRuleTest adds `callwatch rules test` to the `rules` command. */
export function registerRuleTest(rules: Command): void {
  rules
    .command('test')
    .description("evaluate a rule on an entity's live metrics and render its notification marked TEST; --send delivers it")
    .argument('<id>', 'rule id')
    .requiredOption('--entity <entity>', 'customer:<id> or carrier:<id>')
    .option('--send', "deliver the TEST notification to the rule's recipients (and record it)")
    .option('--html', 'also print the HTML of emails')
    .option('--json', 'print one JSON object')
    .action(async (id: string, flags: { entity: string; send?: boolean; html?: boolean; json?: boolean }) => {
      const report = await testRule(id, flags.entity, { send: flags.send ?? false, html: flags.html ?? false, json: flags.json ?? false });
      if (report.notifications.some((n) => n.status === 'failed')) process.exitCode = 1;
    });
}
