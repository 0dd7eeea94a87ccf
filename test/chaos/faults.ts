import type { ChaosInfra } from './infra';
import type { AwsFaultProxy, WebhookReceiver } from './receivers';
import { SERVICES, type ServiceFleet } from '../support/service-fleet';

/** FaultContext is what a fault may break. */
export interface FaultContext {
  infra: ChaosInfra;
  fleet: ServiceFleet;
  ses: AwsFaultProxy;
  webhooks: WebhookReceiver;
}

/** Fault is one row of the scoreboard: `inject` breaks something mid-stream and returns once it is healed. */
export interface Fault {
  name: string;
  inject(ctx: FaultContext): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** FAULTS in the order the suite injects them; each is healed (restarted, resumed) before the next starts. */
export const FAULTS: Fault[] = [
  { name: 'none (baseline)', inject: async () => {} },
  ...SERVICES.map((service): Fault => ({
    name: `SIGKILL ${service}`,
    inject: async ({ fleet }) => {
      await fleet.kill(service, 'SIGKILL');
      fleet.start(service);
    },
  })),
  {
    name: 'broker restart (stop, 5 s, start)',
    inject: async ({ infra }) => {
      await infra.down('kafka');
      await sleep(5_000);
      await infra.up('kafka');
    },
  },
  {
    name: 'broker SIGKILL',
    inject: async ({ infra }) => {
      infra.signal('kafka', 'SIGKILL');
      await sleep(1_000);
      await infra.up('kafka');
    },
  },
  {
    name: 'Redis restart, state lost',
    inject: async ({ infra }) => {
      await infra.down('redis');
      await infra.up('redis');
    },
  },
  {
    name: 'Redis SIGSTOP 30 s',
    inject: async ({ infra }) => {
      infra.signal('redis', 'SIGSTOP');
      await sleep(30_000);
      infra.signal('redis', 'SIGCONT');
    },
  },
  {
    name: 'SES throttling 30 s, then 5xx 30 s',
    inject: async ({ ses }) => {
      ses.fault = 'throttle';
      await sleep(30_000);
      ses.fault = 'unavailable';
      await sleep(30_000);
      ses.fault = 'none';
    },
  },
  {
    name: 'webhook receiver times out 60 s',
    inject: async ({ webhooks }) => {
      webhooks.hanging = true;
      await sleep(60_000);
      webhooks.release();
    },
  },
  {
    name: 'rebalance: a 2nd instance of every service joins, leaves',
    inject: async ({ fleet }) => {
      for (const service of SERVICES) fleet.start(service, 2);
      await sleep(10_000);
      await Promise.all(SERVICES.map((service) => fleet.kill(service, 'SIGTERM', 2)));
    },
  },
];
