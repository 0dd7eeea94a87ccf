import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const infra = join(root, 'infra', 'bin', 'infra');

/**
 * Starts the real local infrastructure (Kafka, registry, Redis, moto) with the project's own infra script,
 * unless it is already up, and exports its addresses to every test worker through the environment.
 */
export default function globalSetup(): void {
  const alreadyUp = spawnSync('bash', [infra, 'status'], { stdio: 'ignore' }).status === 0;
  if (!alreadyUp) {
    const up = spawnSync('bash', [infra, 'up'], { stdio: 'inherit' });
    if (up.status !== 0) throw new Error('infra up failed: see the lines above');
    process.env.CALLWATCH_TEST_STARTED_INFRA = '1';
  }
  const exports = execFileSync('bash', [infra, 'env'], { encoding: 'utf8' });
  for (const line of exports.split('\n')) {
    const match = /^(?:export\s+)?([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) process.env[match[1] as string] = (match[2] as string).replace(/^['"]|['"]$/g, '');
  }
  process.env.TZ = 'UTC';
  process.env.LOG_LEVEL ??= 'warn';
}
