import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const infra = join(root, 'infra', 'bin', 'infra');

/**
 * The components `infra up` reports as started by this call: its lines read `<name> up <address> (pid N, S s)`,
 * and a component that was running already says `already running` instead.
 */
export function startedComponents(upOutput: string): string[] {
  return upOutput
    .split('\n')
    .map((line) => /^(\S+)\s+up\s+\S+\s+\(pid \d+, (.*)\)$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null && !(m[2] as string).startsWith('already running'))
    .map((m) => m[1] as string);
}

/**
 * Starts the real local infrastructure (Kafka, registry, Redis, moto) with the project's own infra script,
 * unless it is already up, and exports its addresses to every test worker through the environment.
 * Teardown stops only the components this run started: infrastructure someone else brought up stays up,
 * even when a status check in between saw it unhealthy.
 */
export default function globalSetup(): void {
  const alreadyUp = spawnSync('bash', [infra, 'status'], { stdio: 'ignore' }).status === 0;
  if (!alreadyUp) {
    const up = spawnSync('bash', [infra, 'up'], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
    process.stdout.write(up.stdout);
    if (up.status !== 0) throw new Error('infra up failed: see the lines above');
    const started = startedComponents(up.stdout);
    if (started.length > 0) process.env.CALLWATCH_TEST_STARTED_INFRA = started.join(' ');
  }
  const exports = execFileSync('bash', [infra, 'env'], { encoding: 'utf8' });
  for (const line of exports.split('\n')) {
    const match = /^(?:export\s+)?([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) process.env[match[1] as string] = (match[2] as string).replace(/^['"]|['"]$/g, '');
  }
  process.env.TZ = 'UTC';
  // The AWS SDK warns once per process that its releases from 2027 need Node 22; it says nothing about a test.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.LOG_LEVEL ??= 'warn';
}
