import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Connection, Consumer } from '@callwatch/kafka';
import { TIPPING, type SoakTraffic } from './soak-traffic';

/**
 * OutputWatch reads what the pipeline puts out (alert events, penalty actions, delivery records) as an SRE consumer
 * would, and marks when each bad spell's alerts of the tipping rule were read, for the CDR→alert latency.
 */
export class OutputWatch {
  /** the alert events, penalty actions and delivery records read back, by type or status */
  readonly counts: Record<string, number> = {};
  /** tipping-rule alerts that match no spell waiting for one: a Zipf customer's, or a spell's second fire */
  stray = 0;
  private consumer: Consumer | undefined;

  constructor(
    private readonly conn: Connection,
    private readonly traffic: SoakTraffic,
  ) {}

  async start(groupId: string): Promise<void> {
    const { alert, action, notification } = this.conn.topics;
    const consumer = this.conn.kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [alert, action, notification], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const readMs = Date.now();
        await this.conn.codec.prefetch(batch.messages.map((m) => m.value));
        for (const m of batch.messages) {
          if (m.value === null) continue;
          if (batch.topic === alert) this.onAlert(this.conn.codec.decode('alert', m.value), readMs);
          else if (batch.topic === action) this.count(this.conn.codec.decode('action', m.value).type);
          else this.count(`delivery ${this.conn.codec.decode('notification', m.value).status}`);
        }
      },
    });
  }

  private count(key: string): void {
    this.counts[key] = (this.counts[key] ?? 0) + 1;
  }

  private onAlert(event: { type: string; rule_id: string; entity: string }, readMs: number): void {
    this.count(event.type);
    if (event.rule_id !== TIPPING.id || (event.type !== 'fired' && event.type !== 'reset')) return;
    const spell = this.traffic.spellOf(event.entity);
    if (event.type === 'fired' && spell?.firedTipMs != null && spell.firedReadMs === null) spell.firedReadMs = readMs;
    else if (event.type === 'reset' && spell?.resetTipMs != null && spell.resetReadMs === null) spell.resetReadMs = readMs;
    else this.stray++;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/** WebhookSink is a local HTTP server the rules' webhooks post to; it answers 200 and counts. */
export class WebhookSink {
  received = 0;
  url = '';
  private readonly server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      this.received++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/soak`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
