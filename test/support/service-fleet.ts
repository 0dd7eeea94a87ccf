import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const SERVICES = ['aggregator', 'evaluator', 'notifier', 'enforcer', 'recorder'] as const;
export type ServiceName = (typeof SERVICES)[number];

// Each service's own entry point, found through its package (which the test workspace depends on).
const main = (service: ServiceName): string => join(dirname(require.resolve(`@callwatch/${service}`)), 'main.js');

/**
 * ServiceFleet runs callwatch's services as real processes, each instance logging to a file of its own, so that
 * a fault can kill one with SIGKILL mid-batch and start it again, or start a second instance to force a rebalance.
 */
export class ServiceFleet {
  private readonly running = new Map<string, ChildProcess>();
  private nextPort: number;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly logDir: string,
    metricsPortBase: number,
  ) {
    this.nextPort = metricsPortBase;
  }

  /** metricsPort of the first instance of each service (the recorder's answers history queries there). */
  readonly ports = new Map<ServiceName, number>();

  start(service: ServiceName, instance = 1): void {
    const name = `${service}-${instance}`;
    if (this.running.has(name)) throw new Error(`${name} is already running`);
    let port = instance === 1 ? this.ports.get(service) : undefined;
    if (port === undefined) {
      port = this.nextPort++;
      if (instance === 1) this.ports.set(service, port);
    }
    const log = openSync(join(this.logDir, `${name}.log`), 'a');
    const child = spawn(process.execPath, [main(service)], { env: { ...this.env, METRICS_PORT: String(port) }, stdio: ['ignore', log, log] });
    closeSync(log);
    this.running.set(name, child);
    child.once('exit', () => {
      if (this.running.get(name) === child) this.running.delete(name);
    });
  }

  /** kill signals an instance and waits until it has exited. */
  async kill(service: ServiceName, signal: NodeJS.Signals, instance = 1): Promise<void> {
    const name = `${service}-${instance}`;
    const child = this.running.get(name);
    if (child === undefined) throw new Error(`${name} is not running`);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
    this.running.delete(name);
  }

  /** pids of the running instances, by name (`aggregator-1`), e.g. to sample their memory. */
  pids(): Map<string, number> {
    return new Map([...this.running].flatMap(([name, child]) => (child.pid === undefined ? [] : [[name, child.pid] as [string, number]])));
  }

  /** alive names the instances still running, e.g. to notice one that exited on its own. */
  alive(): string[] {
    return [...this.running.keys()];
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.entries()].map(async ([name, child]) => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
      this.running.delete(name);
    }));
  }

}
