import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..', '..');
const INFRA = join(ROOT, 'infra', 'bin', 'infra');

/** InfraComponent is one of the components infra/bin/infra starts. */
export type InfraComponent = 'kafka' | 'registry' | 'redis' | 'moto';

/**
 * ChaosInfra is a private copy of the local infrastructure (its own run directory and ports), so that the faults the
 * chaos suite injects — a broker stopped or killed, Redis restarted or paused — never reach another test run.
 */
export class ChaosInfra {
  readonly env: NodeJS.ProcessEnv;

  constructor(runDir: string, portBase: number) {
    this.env = {
      ...process.env,
      CALLWATCH_RUN_DIR: runDir,
      KAFKA_PORT: String(portBase + 92),
      KAFKA_CONTROLLER_PORT: String(portBase + 93),
      KAFKA_SASL_SSL_PORT: String(portBase + 94),
      KAFKA_SSL_PORT: String(portBase + 95),
      REGISTRY_PORT: String(portBase + 81),
      REDIS_PORT: String(portBase + 79),
      REDIS_TLS_PORT: String(portBase + 80),
      REDIS_CLUSTER_PORT: String(portBase + 1),
      MOTO_PORT: String(portBase),
    };
  }

  /** clientEnv is what a callwatch client needs to reach this copy (the lines `infra env` prints). */
  async clientEnv(): Promise<NodeJS.ProcessEnv> {
    const { stdout } = await this.infra('env', 'kafka', 'registry', 'redis', 'moto');
    const out: NodeJS.ProcessEnv = {};
    for (const match of stdout.matchAll(/([A-Z_]+)=(\S+)/g)) out[match[1] as string] = match[2] as string;
    return out;
  }

  async up(...components: InfraComponent[]): Promise<void> {
    await this.infra('up', ...components);
  }

  async down(...components: InfraComponent[]): Promise<void> {
    await this.infra('down', ...components);
  }

  /** signal sends a signal to a component's whole process group (infra starts each in a session of its own). */
  signal(component: InfraComponent, signal: NodeJS.Signals): void {
    const pid = Number(readFileSync(join(this.env.CALLWATCH_RUN_DIR as string, component, `${component}.pid`), 'utf8').trim());
    process.kill(-pid, signal);
  }

  private async infra(...args: string[]): Promise<{ stdout: string }> {
    try {
      return await run('bash', [INFRA, ...args], { env: this.env, maxBuffer: 1 << 20 });
    } catch (err) {
      const { stderr } = err as { stderr?: string };
      throw new Error(`infra ${args.join(' ')} failed: ${stderr?.trim() || (err as Error).message}`);
    }
  }
}
