import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { routeLogs } from '@callwatch/core';
import { cliLogSink } from '../cli-log';
import { demoContextFile } from './context-file';
import { Supervisor, type ChildSpec } from './supervisor';

// `npm start` after demo.sh built everything and started the infrastructure: the whole demo in one Node process that
// owns every process it starts, and stops them all however it is stopped (see Supervisor).

const root = join(__dirname, '..', '..', '..');
const env = process.env;
const runDir = env.DEMO_RUN_DIR || env.CALLWATCH_RUN_DIR || join(root, '.run');
const logDir = join(runDir, 'logs');
mkdirSync(logDir, { recursive: true });
const show = (path: string) => (path.startsWith(root) ? relative(process.cwd(), path) || '.' : path);

// The terminal may go away under us (tee killed by the same Ctrl-C, a closed terminal): a write that fails then must
// not crash the demo before it stopped its services, so output errors stop the demo instead.
let outputBroken = false;
const tty = process.stdout.isTTY === true;
const write = (line: string) => {
  if (!outputBroken) process.stdout.write(`${line}\n`);
};
const say = (line: string) => write(tty ? `\x1b[1m== ${line}\x1b[0m` : `== ${line}`);
const LEVEL_COLOURS: Record<string, string> = { critical: '\x1b[31m', warning: '\x1b[33m', info: '\x1b[36m' };
const alertLine = (line: string) => {
  const colour = tty ? Object.entries(LEVEL_COLOURS).find(([level]) => line.includes(` ${level} `))?.[1] : undefined;
  write(colour === undefined ? line : `${colour}${line}\x1b[0m`);
};
routeLogs(cliLogSink(join(logDir, 'demo.log'), (line) => write(line)));

const supervisor = new Supervisor((name, code, signal) => {
  write(`${name} exited (${signal ?? `code ${code}`}): see ${show(join(logDir, `${name}.log`))}`);
});

let stopped = false;
function stop(reason: string): void {
  if (stopped) {
    write(`already stopping (${reason}): each service finishes the batch in flight`);
    return;
  }
  stopped = true;
  say(`stopping the demo (${reason}); the infrastructure stays up: npm run infra:down stops it`);
  void supervisor.stopAll().then(() => {
    write('demo stopped');
    process.exit(process.exitCode ?? 0);
  });
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', () => {
    outputBroken = true;
    stop('its output is gone');
  });
}

const run = env.DEMO_PREFIX || `demo-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`;
const metricsPortBase = Number(env.DEMO_METRICS_PORT || 9464);
const consolePort = Number(env.CONSOLE_PORT || 9480);
const recorderPort = metricsPortBase + 4;
const consoleUrl = `http://127.0.0.1:${consolePort}`;
const outbox = env.NOTIFY_OUTBOX_DIR || join(root, 'outbox');
// Each demo run gets fresh topics and Redis keys, so alerts fire again instead of continuing the last run's state.
const runEnv: NodeJS.ProcessEnv = {
  ...env,
  TOPIC_PREFIX: `${run}.`,
  REDIS_KEY_PREFIX: `${run}:`,
  NOTIFY_OUTBOX_DIR: outbox,
  NOTIFY_EMAIL_FROM: env.NOTIFY_EMAIL_FROM || 'alerts@callwatch.local',
  // The recorder's embedded ClickHouse keeps every run's history: `stats` adds the runs up.
  CLICKHOUSE_PATH: env.CLICKHOUSE_PATH || join(runDir, 'chdb'),
  RECORDER_URL: `http://127.0.0.1:${recorderPort}`,
  CONSOLE_URL: consoleUrl,
  // The CLI steps below read exactly this environment, never an older run's context file.
  CALLWATCH_CONTEXT: 'none',
};
// The demo writes emails to the outbox unless you ask for SES (moto's, or real AWS with DEMO_USE_SES=1).
if (env.DEMO_USE_SES !== '1') delete runEnv.AWS_ENDPOINT_URL;

const cliJs = join(root, 'scripts', 'dist', 'cli.js');
const cli = (name: string, args: string[], extra: Partial<ChildSpec> = {}): ChildSpec => ({
  name, args: [cliJs, ...args], env: runEnv, logFile: join(logDir, `${name}.log`), ...extra,
});

async function step(spec: ChildSpec): Promise<void> {
  const { exited } = supervisor.start({ ...spec, step: true });
  const code = await exited;
  if (code !== 0 && !stopped) throw new Error(`${spec.args.slice(1).join(' ')} failed (code ${code}): see ${show(spec.logFile)}`);
}

async function main(): Promise<void> {
  say(`demo run ${run} (topics ${runEnv.TOPIC_PREFIX}*, Redis keys ${runEnv.REDIS_KEY_PREFIX}*)`);
  const contextFile = join(runDir, 'demo.env');
  writeFileSync(contextFile, demoContextFile(run, runEnv, Date.now()));
  say('registering schemas');
  await step(cli('schemas', ['schemas', 'register']));
  say('applying the example rules (rules/examples) and templates (templates/examples)');
  await step(cli('rules', ['rules', 'apply', 'rules/examples', '--templates', 'templates/examples', '--as', 'demo']));
  if (stopped) return;

  const services = ['aggregator', 'evaluator', 'notifier', 'enforcer', 'recorder', 'console'];
  services.forEach((service, i) => {
    const main = join(root, 'services', service, 'dist', 'main.js');
    if (!existsSync(main)) {
      write(`${service}: not started, ${show(main)} is missing (is it built?)`);
      return;
    }
    const port = metricsPortBase + i;
    const serviceEnv = { ...runEnv, METRICS_PORT: String(port), ...(service === 'console' ? { CONSOLE_PORT: String(consolePort) } : {}) };
    const { child } = supervisor.start({ name: service, args: [main], env: serviceEnv, logFile: join(logDir, `${service}.log`) });
    write(`started ${service.padEnd(10)} pid ${child.pid}, log ${show(join(logDir, `${service}.log`))}, metrics http://127.0.0.1:${port}/metrics`);
  });

  if (env.DEMO_SIMULATE !== '0') {
    // The demo's schedule of scenarios makes every example rule fire and reset (docs/cli.md); DEMO_RATE changes the call rate.
    const args = ['simulate', '--demo', ...(env.DEMO_RATE ? ['--rate', env.DEMO_RATE] : [])];
    const { child } = supervisor.start(cli('simulate', args));
    write(`started simulate   pid ${child.pid}, log ${show(join(logDir, 'simulate.log'))}`);
  }

  const tail = supervisor.start(cli('alerts', ['alerts', 'tail', '--from-beginning'], { pipeStdout: true }));
  if (tail.child.stdout) createInterface({ input: tail.child.stdout }).on('line', alertLine);

  say('where to look');
  write(`console:  ${existsSync(join(root, 'services', 'console', 'dist', 'main.js')) ? `${consoleUrl}/  (what fires, every entity, charts; live)` : '(not built)'}`);
  write(`emails:   ${show(join(outbox, '<date>'))}/*.html  (open one in a browser; the .eml beside it is the message sent)`);
  write(`context:  ${show(contextFile)} (the CLI reads it: no prefix needed)`);
  write('in another shell:');
  write('  npx callwatch top');
  write('  npx callwatch status --entity customer:acme');
  write('  npx callwatch stats --entity customer:acme --by hour');
  say('alert events as they fire (Ctrl-C stops the demo)');
}

main().catch((err: Error) => {
  write(`demo: ${err.message}`);
  stop('a step failed');
  process.exitCode = 1;
});
