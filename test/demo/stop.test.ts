import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { freePortRun } from '../support/ports';
import { Pty } from '../support/pty';

// `npm start` (scripts/demo.sh and its supervisor) must stop everything it started however it is stopped. Each case
// starts the real demo (without the build), waits for its services, stops it one way, then checks that every
// process it started is gone, that each service stopped gracefully once, and that the infrastructure is still up.

// Each case starts the whole demo and waits for it to start (up to 2 min on a loaded machine) and to stop (1 min).
jest.setTimeout(300_000);

const root = join(__dirname, '..', '..');
const SERVICES = ['aggregator', 'evaluator', 'notifier', 'enforcer', 'recorder'];

interface Demo {
  dir: string;
  env: NodeJS.ProcessEnv;
}

async function demoEnv(): Promise<Demo> {
  const dir = mkdtempSync(join(tmpdir(), 'callwatch-demo-'));
  // Ports of their own, free now, so a developer's demo on the default ports is left alone: six metrics ports and the
  // console's. Below the kernel's ephemeral ports, which a connection may take at any moment.
  const metricsPortBase = await freePortRun(9, 27_000, 29_999);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DEMO_SKIP_BUILD: '1',
    DEMO_RUN_DIR: dir,
    DEMO_PREFIX: `t-demo-${randomUUID().slice(0, 8)}`,
    DEMO_METRICS_PORT: String(metricsPortBase),
    CONSOLE_PORT: String(metricsPortBase + 8),
    DEMO_RATE: '20',
    CLICKHOUSE_PATH: join(dir, 'chdb'),
    NOTIFY_OUTBOX_DIR: join(dir, 'outbox'),
    LOG_LEVEL: 'info',
  };
  return { dir, env };
}

/** startedPids reads the pids the demo reported ("started aggregator pid 123, …"). */
function startedPids(output: string): Map<string, number> {
  return new Map([...output.matchAll(/started (\S+)\s+pid (\d+)/g)].map((m) => [m[1] as string, Number(m[2])]));
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * servicesUp waits until every service says it is running: its graceful stop is in place from then on (a service
 * signalled while it still connects simply exits, with nothing in flight to finish).
 */
async function servicesUp(demo: Demo, output: () => string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (const service of SERVICES) {
    const file = join(demo.dir, 'logs', `${service}.log`);
    while (!(existsSync(file) && readFileSync(file, 'utf8').includes(`"msg":"${service} running"`))) {
      if (output().includes(`${service} exited`)) throw new Error(`${service} exited while starting: see ${file}`);
      if (Date.now() > deadline) throw new Error(`${service} did not start within 120 s: see ${file}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

async function expectAllGone(pids: Map<string, number>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ([...pids.values()].some(alive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  expect([...pids].filter(([, pid]) => alive(pid)).map(([name]) => name)).toEqual([]);
}

/** Each service logged one graceful stop (and, unless killed itself, no "second signal"). */
function expectGracefulStops(demo: Demo): void {
  for (const service of SERVICES) {
    const log = readFileSync(join(demo.dir, 'logs', `${service}.log`), 'utf8');
    expect({ service, stops: log.match(/"msg":"shutting down"/g)?.length ?? 0 }).toEqual({ service, stops: 1 });
    expect(log).not.toContain('second signal');
  }
}

const infraUp = () => spawnSync('bash', [join(root, 'infra', 'bin', 'infra'), 'status'], { stdio: 'ignore' }).status === 0;

const started: number[] = [];
afterEach(() => {
  // A failed case must not leave its processes behind for the next one.
  for (const pid of started.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

async function inTerminal(command: string[], stop: (pty: Pty) => void): Promise<Demo> {
  const demo = await demoEnv();
  const pty = new Pty(command, { env: demo.env, cwd: root });
  try {
    await pty.waitFor(/alert events as they fire/, 120_000);
    const pids = startedPids(pty.output);
    started.push(...pids.values());
    expect([...pids.keys()]).toEqual(expect.arrayContaining([...SERVICES, 'simulate']));
    await servicesUp(demo, () => pty.output);
    stop(pty);
    await expectAllGone(pids);
    await pty.result; // and the command in the terminal has ended
    return demo;
  } finally {
    pty.kill();
  }
}

describe('stopping the demo stops everything it started', () => {
  it('Ctrl-C in a terminal', async () => {
    const demo = await inTerminal(['bash', 'scripts/demo.sh'], (pty) => pty.type('\x03'));
    expectGracefulStops(demo);
    expect(infraUp()).toBe(true);
  });

  it('a closed terminal (SIGHUP)', async () => {
    const demo = await inTerminal(['bash', 'scripts/demo.sh'], (pty) => pty.hangup());
    expectGracefulStops(demo);
  });

  it('Ctrl-C while its output is piped through tee (tee dies too: writes fail with EPIPE)', async () => {
    const demo = await inTerminal(['bash', '-c', 'bash scripts/demo.sh 2>&1 | tee "$DEMO_RUN_DIR/tee.log"'], (pty) => pty.type('\x03'));
    expectGracefulStops(demo);
    expect(readFileSync(join(demo.dir, 'tee.log'), 'utf8')).toContain('alert events as they fire');
  });

  it.each(['SIGTERM', 'SIGKILL'] as const)('%s to the launcher', async (signal) => {
    const demo = await demoEnv();
    const launcher = spawn('bash', ['scripts/demo.sh'], { cwd: root, env: demo.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    launcher.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    launcher.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.push(launcher.pid as number);
    const deadline = Date.now() + 120_000;
    while (!output.includes('alert events as they fire')) {
      if (Date.now() > deadline || launcher.exitCode !== null) throw new Error(`the demo did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const pids = startedPids(output);
    started.push(...pids.values());
    await servicesUp(demo, () => output);
    // demo.sh execs the supervisor: the pid spawned here is the supervisor's.
    launcher.kill(signal);
    await expectAllGone(new Map([...pids, ['launcher', launcher.pid as number]]));
    expectGracefulStops(demo);
    if (signal === 'SIGKILL') {
      for (const service of SERVICES) {
        expect(readFileSync(join(demo.dir, 'logs', `${service}.log`), 'utf8')).toContain('the process that started this service is gone');
      }
    }
  });
});
