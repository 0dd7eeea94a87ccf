import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entityKey, loadConfig } from '@callwatch/core';
import { AGGREGATOR_ENV, startAggregator, type Aggregator } from '@callwatch/aggregator';
import { applyRules } from '@callwatch/cli';
import { CONSOLE_ENV, startConsole, type Console } from '@callwatch/console';
import { EVALUATOR_ENV, startEvaluator, type Evaluator } from '@callwatch/evaluator';
import { connect, type Connection } from '@callwatch/kafka';
import { cdrs } from '../support/cdrs';
import { eventually, testScope, type TestScope } from '../support/harness';
import { Pty } from '../support/pty';

// `callwatch top` against a real console fed by real services: in a pseudo-terminal it shows an alert that fires
// while it runs, and q gives the terminal back; without a terminal `--once` prints one plain frame.

const root = join(__dirname, '..', '..');
const cli = join(root, 'scripts', 'dist', 'cli.js');

// Not spawnSync: the console runs in this process and must keep answering while the CLI waits for it.
function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('callwatch top', () => {
  let scope: TestScope;
  let aggregator: Aggregator;
  let evaluator: Evaluator;
  let consoleService: Console;
  let switches: Connection;
  let customer: string;
  let ruleId: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    scope = await testScope('top', { AGGREGATOR_PERIODS: '5m' });
    customer = `acme-${scope.id}`;
    ruleId = `low-asr-${scope.id}`;
    const dir = mkdtempSync(join(tmpdir(), 'callwatch-top-'));
    writeFileSync(join(dir, 'rules.yaml'), [
      `id: ${ruleId}`, 'title: Low ASR', `scope: { customer: ${customer} }`, 'area: asr', 'operator: "<="', 'threshold: 30',
      'reset_threshold: 31', 'sample_period: 5m', 'min_attempts: 20', 'level: critical', 'notify: []',
    ].join('\n'));
    await applyRules([dir], { env: scope.env, appliedBy: 'top-test', print: () => {} });
    [aggregator, evaluator] = await Promise.all([
      startAggregator(loadConfig(AGGREGATOR_ENV, scope.env)),
      startEvaluator(loadConfig(EVALUATOR_ENV, scope.env)),
    ]);
    consoleService = await startConsole(loadConfig(CONSOLE_ENV, { ...scope.env, CONSOLE_PORT: '0' }), scope.env);
    switches = await connect(loadConfig(AGGREGATOR_ENV, scope.env), `${scope.id}-switch`, ['cdr']);
    env = { ...scope.env, CONSOLE_URL: consoleService.url, CALLWATCH_CONTEXT: 'none' };
  });

  afterAll(async () => {
    await switches?.close();
    await consoleService?.stop();
    await Promise.all([aggregator?.stop(), evaluator?.stop()]);
  });

  it('shows an alert that fires while it runs, highlighted, and q restores the terminal and exits 0', async () => {
    const top = new Pty(['node', cli, 'top'], { env, cwd: root, rows: 30, cols: 140 });
    try {
      await top.waitFor(/FIRING {2}none/);
      await eventually(async () => expect(evaluator.rules.get(ruleId)).toBeDefined());
      // 20 calls, 4 answered: ASR 20 % <= 30 % fires.
      await switches.publisher.publish(switches.topics.cdr, 'cdr', cdrs(customer, 20, 4).map((c) => ({ key: entityKey('customer', customer), value: c })));
      // The alert's line, in the critical colour (red), redrawn from the console's events without a restart of top.
      await top.waitFor(new RegExp(`\\x1b\\[31m \\d\\d:\\d\\d:\\d\\d FIRED +critical customer:${customer} +${ruleId} asr 20`), 90_000);
      top.type('q');
      const result = await top.result;
      expect(result).toEqual({ exit: 0, modes: { echo: true, icanon: true } });
      // It entered the alternate screen and left it, with the cursor shown again.
      expect(top.output).toContain('\x1b[?1049h');
      expect(top.output.slice(top.output.lastIndexOf('\x1b[?1049h'))).toContain('\x1b[?25h\x1b[?1049l');
    } finally {
      top.kill();
    }
  });

  it('prints one frame without escape codes when stdout is not a terminal (--once)', async () => {
    const once = await run(['top', '--once'], env);
    expect(once.status).toBe(0);
    expect(once.stdout).not.toContain('\x1b');
    expect(once.stdout).toMatch(/^callwatch top {2}http:\/\/127\.0\.0\.1:\d+\/ {2}topics t-top-/);
    expect(once.stdout).toContain(`customer:${customer}`);
    // The alert of the first case fires still: the console counts it from the live alert event.
    expect(once.stdout).toMatch(/^FIRING {2}1$/m);
  });

  it('says precisely when no console answers', async () => {
    const none = await run(['top', '--once'], { ...env, CONSOLE_URL: 'http://127.0.0.1:9' });
    expect(none.status).toBe(1);
    expect(none.stderr).toBe('callwatch: CW_ERR_CONSOLE: no console at http://127.0.0.1:9: start one with npm start or set CONSOLE_URL\n');
  });
});
