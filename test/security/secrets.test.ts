import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGGREGATOR_ENV } from '@callwatch/aggregator';
import { COMMON_ENV, configurationMarkdown, loadConfig } from '@callwatch/core';
import { applyRules, callwatchProgram } from '@callwatch/cli';
import { ENFORCER_ENV } from '@callwatch/enforcer';
import { EVALUATOR_ENV } from '@callwatch/evaluator';
import { connect, type Connection } from '@callwatch/kafka';
import { NOTIFIER_ENV } from '@callwatch/notifier';
import { startLocalReceiver, type LocalReceiver } from '@callwatch/notify/testing';
import { RECORDER_ENV } from '@callwatch/recorder';
import type { AlertEvent, Notification } from '@callwatch/schemas';
import { collect, testScope, type TestScope } from '../support/harness';

// Every secret callwatch is given, each recognisable, so one grep over everything the processes print finds a leak.
const SECRETS = {
  AWS_ACCESS_KEY_ID: 'AKIACWLEAKTEST000001',
  AWS_SECRET_ACCESS_KEY: 'cwleak-aws-secret-access-key',
  AWS_SESSION_TOKEN: 'cwleak-aws-session-token',
  WEBHOOK_SECRET: 'cwleak-webhook-hmac-key',
  ACTION_WEBHOOK_SECRET: 'cwleak-action-webhook-hmac-key',
  PUSHOVER_TOKEN: 'cwleakPushoverAppToken0000000',
  API_TOKEN: 'cwleak-api-bearer-token-0001',
  SCHEMA_REGISTRY_PASSWORD: 'cwleak-registry-password',
  KAFKA_SASL_PASSWORD: 'cwleak-kafka-sasl-password',
  CLICKHOUSE_PASSWORD: 'cwleak-clickhouse-password',
  // Passwords inside URLs.
  registryUrlPassword: 'cwleak-registry-url-password',
  redisUrlPassword: 'cwleak-redis-url-password',
  clickhouseUrlPassword: 'cwleak-clickhouse-url-password',
  recorderUrlPassword: 'cwleak-recorder-url-password',
  pushoverUrlPassword: 'cwleak-pushover-url-password',
  // What rules carry: a Slack webhook's secret path, a token in a webhook's query, a Pushover user key.
  slackPath: 'cwleakSlackWebhookPathSecret',
  webhookQueryToken: 'cwleak-webhook-query-token',
  actionWebhookQueryToken: 'cwleak-action-webhook-query-token',
  pushoverUser: 'uCwleakPushoverUserKey00000000',
};

const serviceMain = (service: string): string => join(__dirname, '..', '..', 'services', service, 'dist', 'main.js');
const cliMain = join(__dirname, '..', '..', 'scripts', 'dist', 'cli.js');

/** Logged is one process of the test: what it printed on stdout and stderr, line by line. */
interface Logged {
  name: string;
  output: string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

// Starts a process with its output captured; stop() sends SIGTERM (SIGKILL after 20 s) and waits for it to exit.
function run(name: string, args: string[], env: NodeJS.ProcessEnv): Logged {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logged: Logged = {
    name,
    output: '',
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.kill('SIGTERM');
      await logged.exited;
      clearTimeout(timer);
    },
  };
  child.stdout.on('data', (chunk: Buffer) => { logged.output += chunk.toString('utf8'); });
  child.stderr.on('data', (chunk: Buffer) => { logged.output += chunk.toString('utf8'); });
  return logged;
}

// Waits until a process printed what a check looks for, or exited; it never fails by itself: the assertions say why.
async function until(logged: Logged, done: (output: string) => boolean, timeoutMs = 60_000): Promise<void> {
  const exited = logged.exited.then(() => undefined);
  const deadline = Date.now() + timeoutMs;
  while (!done(logged.output) && Date.now() < deadline) {
    if (await Promise.race([exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 250))])) return;
  }
}

// A port on 127.0.0.1 where nothing listens: connections to it are refused.
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const withPassword = (url: string, user: string, password: string): string => url.replace('://', `://${user}:${password}@`);

// A Redis that refuses every password, as one with ACLs refuses a wrong one: it answers every command WRONGPASS.
async function refusingRedis(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', () => socket.write('-WRONGPASS invalid username-password pair or user is disabled.\r\n'));
    socket.on('error', () => socket.destroy()); // a client that gives up resets the connection
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('secrets never reach a log, an error or the help', () => {
  let scope: TestScope;
  let publisher: Connection;
  let slack: LocalReceiver;
  let pushover: LocalReceiver;
  let redis: Awaited<ReturnType<typeof refusingRedis>>;
  const logs: Logged[] = [];
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    // Receivers that fail every request (500), and a webhook target that refuses the connection.
    slack = await startLocalReceiver((_r, res) => void res.writeHead(500).end('rollup_error'));
    pushover = await startLocalReceiver((_r, res) => void res.writeHead(500, { 'content-type': 'application/json' }).end('{"status":0,"errors":["boom"]}'));
    redis = await refusingRedis();
    const registry = process.env.SCHEMA_REGISTRY_URL as string;
    scope = await testScope('secrets', {
      LOG_LEVEL: 'debug',
      SCHEMA_REGISTRY_URL: withPassword(registry, 'cwuser', SECRETS.registryUrlPassword),
      AWS_ACCESS_KEY_ID: SECRETS.AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: SECRETS.AWS_SECRET_ACCESS_KEY,
      AWS_SESSION_TOKEN: SECRETS.AWS_SESSION_TOKEN,
      NOTIFY_TRANSPORT: 'aws',
      WEBHOOK_SECRET: SECRETS.WEBHOOK_SECRET,
      PUSHOVER_TOKEN: SECRETS.PUSHOVER_TOKEN,
      PUSHOVER_API_URL: withPassword(pushover.url, 'po', SECRETS.pushoverUrlPassword),
      NOTIFY_ALLOW_TARGETS: '127.0.0.0/8',
      NOTIFY_RETRIES: '1',
      API_TOKEN: SECRETS.API_TOKEN,
      CLICKHOUSE_PASSWORD: SECRETS.CLICKHOUSE_PASSWORD,
    });
    env = scope.env;
    publisher = await connect(loadConfig(NOTIFIER_ENV, { ...env, SCHEMA_REGISTRY_URL: registry }), `${scope.id}-publisher`, ['alert']);
  });

  afterAll(async () => {
    await Promise.all(logs.map((l) => l.stop()));
    await publisher?.close();
    await Promise.all([slack?.close(), pushover?.close(), redis?.close()]);
  });

  // Every line of every output that holds a secret, named by where it came from.
  const leaksIn = (outputs: Array<{ name: string; output: string }>): string[] => outputs.flatMap(({ name, output }) =>
    output.split('\n').flatMap((line) => Object.entries(SECRETS).filter(([, value]) => line.includes(value)).map(([secret]) => `${name}: ${secret} in ${line.slice(0, 400)}`)));

  it('the notifier leaks none while webhook, Slack and Pushover deliveries fail', async () => {
    // One alert to a refused webhook, a Slack and a Pushover answering 500, and SES at moto.
    const ruleId = `leak-${scope.id}`;
    const dir = mkdtempSync(join(tmpdir(), 'callwatch-secrets-'));
    writeFileSync(join(dir, 'leak.yaml'), [
      `id: ${ruleId}`, 'title: Leak check', 'scope: { all: customers }', 'area: asr', 'operator: "<="', 'threshold: 30', 'sample_period: 5m', 'level: critical',
      'notify:',
      `  - { webhook: "http://127.0.0.1:${await refusedPort()}/hook?token=${SECRETS.webhookQueryToken}" }`,
      `  - { slack: "${slack.url}/services/T0/B0/${SECRETS.slackPath}" }`,
      `  - { pushover: { user: ${SECRETS.pushoverUser} } }`,
      '  - { email: noc@example.net }',
    ].join('\n'));
    await applyRules([dir], { env: { ...env, SCHEMA_REGISTRY_URL: process.env.SCHEMA_REGISTRY_URL }, print: () => {}, appliedBy: 'secrets-test' });

    const notifier = run('notifier', [serviceMain('notifier')], env);
    logs.push(notifier);
    await until(notifier, (out) => out.includes('notifier running'));
    expect(notifier.output).toContain('notifier running');
    const at = Date.now();
    const alert: AlertEvent = {
      event_id: `evt-${scope.id}`, type: 'fired', rule_id: ruleId, rule_title: 'Leak check', entity: 'customer:acme', area: 'asr', value: 20,
      threshold: 30, reset_threshold: null, operator: '<=', level: 'critical', sample_period_ms: 300_000, at_ms: at, first_fired_at_ms: at, test: false,
    };
    await publisher.publisher.publish(publisher.topics.alert, 'alert', [{ key: alert.entity, value: alert }]);
    const final = (records: Notification[]) => ['webhook', 'slack', 'pushover', 'email'].every((c) => records.some((n) => n.channel === c && n.status !== 'retrying'));
    const records = (await collect(scope, scope.topics.notification, 'notification', (m) => final(m.map((n) => n.value)))).map((m) => m.value);
    expect(records.filter((n) => n.status !== 'retrying').map((n) => [n.channel, n.status]).sort()).toEqual([['email', 'sent'], ['pushover', 'failed'], ['slack', 'failed'], ['webhook', 'failed']]);
    await until(notifier, (out) => (out.match(/notification failed/g) ?? []).length >= 3);
    await notifier.stop();
    expect(notifier.output.match(/notification failed/g)).toHaveLength(3);
    expect(leaksIn([notifier, { name: 'delivery record errors', output: records.map((n) => n.error ?? '').join('\n') }])).toEqual([]);
  });

  it('services that cannot connect or start leak none in what they log', async () => {
    // Redis refusing the password, ClickHouse refusing the connection, a SASL login the broker cannot do; the enforcer
    // starts with a registry user and password, and its action webhook retries a switch answering 500 to an action.
    const actions = await connect(loadConfig(ENFORCER_ENV, { ...env, SCHEMA_REGISTRY_URL: process.env.SCHEMA_REGISTRY_URL }), `${scope.id}-actions`, ['action']);
    await actions.publisher.publish(actions.topics.action, 'action', [{ key: 'customer:leak', value: {
      action_id: `leak-${scope.id}`, type: 'disable', entity: 'customer:leak', until_ms: Date.now() + 60_000, rule_id: 'leak', reason: 'leak check', at_ms: Date.now(),
    } }]);
    await actions.close();
    const failing = [
      run('aggregator (Redis password)', [serviceMain('aggregator')], { ...env, REDIS_URL: withPassword(`redis://127.0.0.1:${redis.port}`, 'default', SECRETS.redisUrlPassword) }),
      run('recorder (ClickHouse refused)', [serviceMain('recorder')], { ...env, CLICKHOUSE_URL: withPassword(`http://127.0.0.1:${await refusedPort()}`, 'default', SECRETS.clickhouseUrlPassword) }),
      run('evaluator (SASL refused)', [serviceMain('evaluator')], {
        ...env, KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'callwatch', KAFKA_SASL_PASSWORD: SECRETS.KAFKA_SASL_PASSWORD,
      }),
    ];
    const enforcer = run('enforcer (registry user and password)', [serviceMain('enforcer')], {
      ...env, SCHEMA_REGISTRY_URL: process.env.SCHEMA_REGISTRY_URL, SCHEMA_REGISTRY_USERNAME: 'cwuser', SCHEMA_REGISTRY_PASSWORD: SECRETS.SCHEMA_REGISTRY_PASSWORD,
      ACTION_WEBHOOK_URL: `${slack.url}/actions?token=${SECRETS.actionWebhookQueryToken}`, ACTION_WEBHOOK_SECRET: SECRETS.ACTION_WEBHOOK_SECRET,
    });
    logs.push(...failing, enforcer);
    // Each logs an error (level 50) or a fatal (60) and exits, or keeps trying: give it a minute either way.
    await Promise.all(failing.map((l) => until(l, (out) => /"level":(50|60)/.test(out), 60_000)));
    await until(enforcer, (out) => out.includes('enforcer running') && out.includes('not delivered to'));
    await Promise.all([...failing, enforcer].map((l) => l.stop()));
    expect([...failing, enforcer].map((l) => [l.name, /"level":(50|60)/.test(l.output) || l.output.includes('enforcer running')])).toEqual([...failing, enforcer].map((l) => [l.name, true]));
    expect(leaksIn([...failing, enforcer])).toEqual([]);
  });

  it('the CLI leaks none in the help of any command, nor when a command fails', async () => {
    const outputs: Logged[] = [];
    const cli = async (name: string, args: string[], extra: NodeJS.ProcessEnv = {}): Promise<Logged> => {
      const logged = run(`callwatch ${name}`, [cliMain, ...args], { ...env, ...extra });
      outputs.push(logged);
      await logged.exited;
      return logged;
    };
    // Every command's help, from the program the CLI runs, built with every secret in the environment; and the real
    // process's top-level help, which must list the same commands.
    const saved = process.env;
    process.env = { ...saved, ...env };
    let helps: Array<{ name: string; output: string }>;
    try {
      const all = (command: ReturnType<typeof callwatchProgram>, path: string): Array<{ name: string; output: string }> => [
        { name: `callwatch ${path} --help`, output: command.helpInformation() },
        ...command.commands.flatMap((sub) => all(sub, `${path} ${sub.name()}`.trim())),
      ];
      helps = all(callwatchProgram(), '');
    } finally {
      process.env = saved;
    }
    expect(helps.length).toBeGreaterThan(40);
    const top = await cli('--help', ['--help']);
    const listed = (help: string): string[] => [...(/\nCommands:\n([\s\S]*?)(\n\n|$)/.exec(help)?.[1] ?? '').matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1] as string).filter((c) => c !== 'help');
    expect(listed(top.output)).toEqual(callwatchProgram().commands.map((c) => c.name()));
    const failed = await Promise.all([
      cli('history alerts (ClickHouse refused)', ['history', 'alerts', '--since', '1h'], {
        CLICKHOUSE_URL: withPassword(`http://127.0.0.1:${await refusedPort()}`, 'default', SECRETS.clickhouseUrlPassword),
        RECORDER_URL: withPassword(`http://127.0.0.1:${await refusedPort()}`, 'rec', SECRETS.recorderUrlPassword),
      }),
      cli('status (Redis password)', ['status', '--entity', 'customer:acme'], { REDIS_URL: withPassword(`redis://127.0.0.1:${redis.port}`, 'default', SECRETS.redisUrlPassword) }),
      cli('rules list (bad registry URL)', ['rules', 'list'], { SCHEMA_REGISTRY_URL: `http://cwuser:${SECRETS.registryUrlPassword}@[bad` }),
    ]);
    expect(failed.map((l) => [l.name, /callwatch: /.test(l.output)])).toEqual(failed.map((l) => [l.name, true]));
    expect(leaksIn([...outputs, ...helps])).toEqual([]);
  });

  it('the configuration reference leaks none, with every secret in the environment', () => {
    const saved = process.env;
    process.env = { ...saved, ...env };
    try {
      const docs = configurationMarkdown([AGGREGATOR_ENV, EVALUATOR_ENV, NOTIFIER_ENV, ENFORCER_ENV, RECORDER_ENV, COMMON_ENV].map((specs) => ({ title: 't', intro: 'i', specs })), '');
      expect(docs).toContain('WEBHOOK_SECRET');
      expect(leaksIn([{ name: 'docs', output: docs }])).toEqual([]);
    } finally {
      process.env = saved;
    }
  });
});
