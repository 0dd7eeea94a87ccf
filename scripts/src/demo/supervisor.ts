import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

/** ChildSpec is one process the demo starts: what runs, with which environment, and where its output goes. */
export interface ChildSpec {
  name: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** the file its stdout and stderr are appended to */
  logFile: string;
  /** pipe stdout to the supervisor instead of the log file (the alert lines it prints) */
  pipeStdout?: boolean;
  /** a step that ends on its own (schemas register): its exit is not news */
  step?: boolean;
}

/** Supervised is a started child: its spec and process. */
export interface Supervised {
  spec: ChildSpec;
  child: ChildProcess;
  exited: Promise<number | null>;
}

/**
 * Supervisor owns the demo's processes. Each runs in a process group of its own, so a Ctrl-C or a closed terminal
 * (which signal the terminal's whole foreground group) reaches the supervisor only, and each child gets exactly one
 * SIGTERM from stopAll: a second signal would make a service exit before it finished the batch in flight. Each child
 * is told the supervisor's pid (CALLWATCH_PARENT_PID) so that it stops on its own if the supervisor is killed.
 */
export class Supervisor {
  private readonly children: Supervised[] = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly onExit: (name: string, code: number | null, signal: NodeJS.Signals | null) => void) {}

  /** start spawns a child with node (the same binary as the supervisor) and keeps it until it exits. */
  start(spec: ChildSpec): Supervised {
    if (this.stopping) throw new Error(`${spec.name}: not started, the demo is stopping`);
    const log = openSync(spec.logFile, 'a');
    const stdio: StdioOptions = ['ignore', spec.pipeStdout ? 'pipe' : log, log];
    const child = spawn(process.execPath, spec.args, {
      env: { ...spec.env, CALLWATCH_PARENT_PID: String(process.pid) },
      stdio,
      detached: true,
    });
    closeSync(log);
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code, signal) => {
        if (!this.stopping && !spec.step) this.onExit(spec.name, code, signal);
        resolve(code);
      });
      child.once('error', () => resolve(null));
    });
    const supervised = { spec, child, exited };
    this.children.push(supervised);
    return supervised;
  }

  /** pids of the children still running, by name. */
  pids(): Array<[string, number]> {
    return this.children.filter(({ child }) => child.exitCode === null && child.signalCode === null && child.pid !== undefined)
      .map(({ spec, child }) => [spec.name, child.pid as number]);
  }

  /**
   * stopAll sends each running child one SIGTERM, newest first (the simulator before the services it feeds), and
   * waits until all have exited; one still running after `killAfterMs` gets SIGKILL.
   */
  stopAll(killAfterMs = 45_000): Promise<void> {
    this.stopping ??= (async () => {
      const running = this.children.filter(({ child }) => child.exitCode === null && child.signalCode === null).reverse();
      for (const { child } of running) child.kill('SIGTERM');
      const timer = setTimeout(() => {
        for (const { child } of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }, killAfterMs);
      await Promise.all(running.map(({ exited }) => exited));
      clearTimeout(timer);
    })();
    return this.stopping;
  }
}
