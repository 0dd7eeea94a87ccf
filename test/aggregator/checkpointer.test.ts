import { randomUUID } from 'node:crypto';
import { createLogger } from '@callwatch/core';
import { Checkpointer, WindowSlides, type CheckpointerDeps, type FoldedBatch } from '@callwatch/aggregator';
import { RedisKeys, WindowStore, createRedis, readEntity, type Redis } from '@callwatch/redis';
import { entityOf, idsByEntity, preAggregate, type InputEvent, type PositionedEvent, type Side } from '@callwatch/windows';
import { cdr } from '../support/cdrs';

const PERIODS = [60_000, 300_000];
const OPTIONS = { periodsMs: PERIODS, idRetentionMs: 600_000, maxCallMs: 600_000, accountLatenessMs: 120_000 };
const EPOCH = 'e1';

type Batch = { side: Side; source: string; events: PositionedEvent[] };

/** Writer is one aggregator's side as BatchCounter and the Checkpointer run it: batches fold in memory, checkpoints write them. */
class Writer {
  readonly store: WindowStore;
  readonly checkpoints: Checkpointer;

  constructor(redis: Redis, keys: RedisKeys, maxEntities: number, { intervalMs = 60_000, publish = async () => undefined }: Partial<Pick<CheckpointerDeps, 'intervalMs' | 'publish'>> = {}) {
    this.store = new WindowStore(redis, keys, { ...OPTIONS, maxEntities });
    const slides = new WindowSlides({ store: this.store, epoch: () => EPOCH, publish: async () => undefined, aheadMs: 0, onTicked: () => undefined });
    this.checkpoints = new Checkpointer({
      store: this.store, slides, log: createLogger('test', 'silent'), intervalMs, publish, commit: async () => undefined,
      refold: (batch, entities) => this.fold(batch.side, `${batch.topic}/${batch.partition}`, batch.events.filter(({ event }) => entities.has(entityOf(batch.side, event) as string))),
    });
  }

  async count({ side, source, events }: Batch): Promise<void> {
    const ids = idsByEntity(side, events);
    await this.store.load(ids.keys(), EPOCH);
    this.fold(side, source, events);
    const [topic, partition] = source.split('/') as [string, string];
    const batch: FoldedBatch = { side, topic, partition: Number(partition), nextOffset: '0', epoch: EPOCH, events, entities: new Set(ids.keys()), newestMs: 0 };
    await this.checkpoints.folded(batch);
  }

  private fold(side: Side, source: string, events: PositionedEvent[]): void {
    const positions = this.store.positions(source, idsByEntity(side, events));
    this.store.fold(source, [...preAggregate(events, { side, periodsMs: PERIODS, latenessMs: 300_000, positions }).values()], EPOCH);
  }
}

// With checkpoints on an interval, the batches folded since the last checkpoint exist only in memory. An entity read
// back from Redis meanwhile (dropped beyond the memory budget, or overtaken by another writer: a customer's billing is
// another consumer group, often on another instance) must get them folded into it again, or they are lost.
describe('checkpoints on an interval', () => {
  let redis: Redis;

  beforeAll(() => {
    redis = createRedis(process.env.REDIS_URL as string, { name: 'test' });
  });

  afterAll(async () => {
    const stale = await redis.keys('t-ckpt-*');
    if (stale.length > 0) await redis.del(...stale);
    redis.disconnect();
  });

  it('give the state of checkpoints after every batch, with entities dropped and overtaken between them', async () => {
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 20 * 60_000;
    const customers = Array.from({ length: 30 }, (_, i) => `ckpt-${i}`);
    const batches: Batch[] = [];
    const offsets = { cdr: 0, payment: 0 };
    for (let round = 0; round < 24; round++) {
      const at = t0 + round * 30_000;
      const calls: PositionedEvent[] = [];
      const payments: PositionedEvent[] = [];
      customers.forEach((customer, i) => {
        if (round === 0) {
          payments.push({
            offset: offsets.payment++,
            event: { type: 'account', entity: `customer:${customer}`, name: customer, class: null, status: 'active', balance: 50, debit_limit: null, currency: 'USD', emails: [], phones: [], timezone: null, locale: null, at_ms: at - 1_000 },
          });
        }
        if ((i + round) % 3 === 0) return;
        const answered = (i + round) % 4 !== 0;
        const event: InputEvent = { type: 'cdr', ...cdr(customer, answered, at + i * 100, { charge: answered ? 0.01 * (1 + (i % 5)) : 0 }) };
        calls.push({ offset: offsets.cdr++, event });
        if ((i + round) % 5 === 0) {
          payments.push({ offset: offsets.payment++, event: { type: 'payment', payment_id: `p-${round}-${i}`, customer_id: customer, amount: 1 + i, status: 'completed', source: 'test', at_ms: at } });
        }
      });
      batches.push({ side: 'customer', source: 'cdrs/0', events: calls });
      if (payments.length > 0) batches.push({ side: 'billing', source: 'payments/0', events: payments });
    }

    // Expected: one writer for both sides, a checkpoint after every batch, room for every entity.
    const reference = new RedisKeys(`t-ckpt-${randomUUID().slice(0, 8)}-ref:`);
    const one = new Writer(redis, reference, 1_000);
    for (const batch of batches) {
      await one.count(batch);
      await one.checkpoints.checkpoint();
    }

    // Actual: the calls and the billing on two writers of the same entities, each checkpointing every fifth batch it
    // counts, the calls' writer with room for 4 entities of 30.
    const shared = new RedisKeys(`t-ckpt-${randomUUID().slice(0, 8)}-two:`);
    const calls = new Writer(redis, shared, 4);
    const billing = new Writer(redis, shared, 1_000);
    let counted = 0;
    for (const batch of batches) {
      const writer = batch.side === 'billing' ? billing : calls;
      await writer.count(batch);
      if (++counted % 5 === 0) await writer.checkpoints.checkpoint();
    }
    await calls.checkpoints.checkpoint();
    await billing.checkpoints.checkpoint();

    for (const customer of customers) {
      const [a, b] = await Promise.all([readEntity(redis, reference, `customer:${customer}`), readEntity(redis, shared, `customer:${customer}`)]);
      // Versions count changes, and two writers checkpointing on an interval make fewer.
      expect({ ...b, version: 0 }).toEqual({ ...a, version: 0 });
    }
    // Most entities were dropped and read back many times, and the two writers overtook each other.
    expect(calls.store.counts.loads).toBeGreaterThan(3 * customers.length);
    expect(calls.store.counts.conflicts + billing.store.counts.conflicts).toBeGreaterThan(0);
    const rich = await readEntity(redis, reference, 'customer:ckpt-1');
    expect(rich.windows[0]?.attempts).toBeGreaterThan(0);
    // 50, less the calls' charges, plus the payments.
    expect(rich.balance).not.toBe(50);
  });

  it('keep a batch handed over again while its snapshots cannot be published once, and publish them when they can', async () => {
    const keys = new RedisKeys(`t-ckpt-${randomUUID().slice(0, 8)}-retry:`);
    let refuse = true;
    const published: string[] = [];
    const writer = new Writer(redis, keys, 1_000, {
      intervalMs: 0,
      publish: async (metrics) => {
        if (refuse) throw new Error('MESSAGE_TOO_LARGE');
        published.push(...metrics.map((m) => m.entity));
      },
    });
    const events = ['a', 'b', 'c'].map((customer, i): PositionedEvent => ({ offset: i, event: { type: 'cdr', ...cdr(`retry-${customer}`, true, Date.now()) } }));
    // The consumer retries the batch after each failure: decoded anew, the same offsets.
    for (let attempt = 0; attempt < 3; attempt++) {
      await expect(writer.count({ side: 'customer', source: 'cdrs/0', events: events.map((e) => ({ ...e })) })).rejects.toThrow('MESSAGE_TOO_LARGE');
      expect(writer.checkpoints.pendingBatches).toBe(1);
    }
    refuse = false;
    await writer.count({ side: 'customer', source: 'cdrs/0', events: events.map((e) => ({ ...e })) });
    expect(writer.checkpoints.pendingBatches).toBe(0);
    expect(published.sort()).toEqual(['customer:retry-a', 'customer:retry-b', 'customer:retry-c']);
    // Written once: every event counted once.
    expect((await readEntity(redis, keys, 'customer:retry-a')).windows[0]?.attempts).toBe(1);
  });
});
