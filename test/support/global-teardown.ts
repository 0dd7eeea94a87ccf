import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Stops the components global setup started, and only those (set CALLWATCH_KEEP_INFRA=1 to keep them for
 * the next run).
 */
export default function globalTeardown(): void {
  const started = (process.env.CALLWATCH_TEST_STARTED_INFRA ?? '').split(' ').filter((c) => c !== '');
  if (started.length > 0 && process.env.CALLWATCH_KEEP_INFRA !== '1') {
    spawnSync('bash', [join(__dirname, '..', '..', 'infra', 'bin', 'infra'), 'down', ...started], { stdio: 'inherit' });
  }
}
