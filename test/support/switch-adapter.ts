import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'examples', 'switch-adapter.mjs');

/** SwitchAdapter is scripts/examples/switch-adapter.mjs running as a real process, as an operator runs it. */
export interface SwitchAdapter {
  url: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

/** startSwitchAdapter starts the adapter on a free port of 127.0.0.1 and waits for the line that says where it listens. */
export async function startSwitchAdapter(args: string[], env: NodeJS.ProcessEnv = {}): Promise<SwitchAdapter> {
  const child: ChildProcess = spawn(process.execPath, [SCRIPT, '--port', '0', ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the switch adapter did not say where it listens within 10 s; it printed: ${output}`)), 10_000);
    const look = () => {
      const found = /listening on (http:\/\/\S+),/.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found[1] as string);
      }
    };
    child.stdout?.on('data', look);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the switch adapter exited with ${code}: ${output}`));
    });
  });
  return {
    url,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
