import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** PtyResult is how a command run in a pseudo-terminal ended, and the terminal's modes it left behind. */
export interface PtyResult {
  exit?: number;
  signal?: number;
  /** null when the terminal was closed (hangup) before the command ended */
  modes: { echo: boolean; icanon: boolean } | null;
}

/**
 * Pty runs a command in a real pseudo-terminal (python3's pty module, through test/support/pty-run.py): it types
 * keys, closes the terminal, and reads what the command drew, as a person at a terminal would.
 */
export class Pty {
  private readonly driver: ChildProcess;
  private text = '';
  private errors = '';
  /** resolves when the command has ended */
  readonly result: Promise<PtyResult>;

  constructor(command: string[], { env, cwd, rows = 30, cols = 100 }: { env: NodeJS.ProcessEnv; cwd: string; rows?: number; cols?: number }) {
    this.driver = spawn('python3', [join(__dirname, 'pty-run.py'), ...command], {
      env: { ...env, PTY_ROWS: String(rows), PTY_COLS: String(cols) }, cwd, stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.driver.stdout?.on('data', (chunk: Buffer) => (this.text += chunk.toString('utf8')));
    this.driver.stderr?.on('data', (chunk: Buffer) => (this.errors += chunk.toString('utf8')));
    this.result = new Promise((resolve, reject) => {
      this.driver.once('exit', () => {
        const last = this.errors.trim().split('\n').pop() ?? '';
        try {
          resolve(JSON.parse(last) as PtyResult);
        } catch {
          reject(new Error(`the pty driver ended without a result: ${this.errors}`));
        }
      });
    });
    // A test that fails before awaiting the result kills the driver: that rejection is not the failure to report.
    this.result.catch(() => {});
  }

  /** output is everything the command wrote to its terminal so far, escape codes included. */
  get output(): string {
    return this.text;
  }

  /** type sends keys to the terminal ('\x03' is Ctrl-C). */
  type(keys: string): void {
    this.driver.stdin?.write(`send ${Buffer.from(keys, 'utf8').toString('hex')}\n`);
  }

  /** hangup closes the terminal, as closing its window does: the kernel sends SIGHUP. */
  hangup(): void {
    this.driver.stdin?.write('hangup\n');
  }

  /** waitFor resolves when the output matches, or fails with the output seen after `timeoutMs`. */
  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.text);
      if (match) return match;
      if (Date.now() > deadline || this.driver.exitCode !== null) {
        throw new Error(`no ${pattern} in the terminal within ${timeoutMs} ms; it showed:\n${this.text.slice(-4000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** kill ends the driver and so the terminal (cleanup after a failed test). */
  kill(): void {
    this.driver.kill('SIGKILL');
  }
}
