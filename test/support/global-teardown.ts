import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Stops the infrastructure if global setup started it (set CALLWATCH_KEEP_INFRA=1 to keep it for the next run). */
export default function globalTeardown(): void {
  if (process.env.CALLWATCH_TEST_STARTED_INFRA === '1' && process.env.CALLWATCH_KEEP_INFRA !== '1') {
    spawnSync('bash', [join(__dirname, '..', '..', 'infra', 'bin', 'infra'), 'down'], { stdio: 'inherit' });
  }
}
