import { randomUUID } from 'node:crypto';
import { RedisKeys, WindowStore, createRedis, readEntity, type Redis } from '@callwatch/redis';
import { idsByEntity, preAggregate, type EntityMetrics, type InputEvent, type PositionedEvent, type Side } from '@callwatch/windows';
import { cdr } from '../support/cdrs';

const PERIODS = [60_000, 300_000];
const OPTIONS = { periodsMs: PERIODS, idRetentionMs: 600_000, maxCallMs: 600_000, accountLatenessMs: 120_000 };
const EPOCH = 'e1';

// The aggregator keeps the entities of its partitions in memory within a budget (AGGREGATOR_MEMORY_ENTITIES): one
// dropped from memory is read back from its checkpoint in Redis at its next event. Counting the same batches with a
// budget far below the entities touched, and with room for all, must give the same metrics and the same state.
describe('the window store within a memory budget', () => {
  let redis: Redis;

  beforeAll(() => {
    redis = createRedis(process.env.REDIS_URL as string, { name: 'test' });
  });

  afterAll(async () => {
    const stale = await redis.keys('t-budget-*');
    if (stale.length > 0) await redis.del(...stale);
    redis.disconnect();
  });

  /** count counts batches as the aggregator's BatchCounter does, and answers every entity's metrics after each. */
  async function count(store: WindowStore, batches: Array<{ side: Side; source: string; events: PositionedEvent[] }>): Promise<EntityMetrics[][]> {
    const out: EntityMetrics[][] = [];
    for (const { side, source, events } of batches) {
      const ids = idsByEntity(side, events);
      await store.load(ids.keys(), EPOCH);
      const deltas = [...preAggregate(events, { side, periodsMs: PERIODS, latenessMs: 300_000, positions: store.positions(source, ids) }).values()];
      const metrics = await store.apply(source, deltas, EPOCH);
      out.push(metrics.sort((a, b) => a.entity.localeCompare(b.entity)));
    }
    return out;
  }

  it('gives identical windows, channels and balances when entities are dropped from memory and reloaded', async () => {
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 20 * 60_000;
    const customers = Array.from({ length: 40 }, (_, i) => `budget-${i}`);
    const batches: Array<{ side: Side; source: string; events: PositionedEvent[] }> = [];
    const offsets = { cdr: 0, call: 0, billing: 0 };
    for (let round = 0; round < 30; round++) {
      const at = t0 + round * 30_000;
      const calls: PositionedEvent[] = [];
      const starts: PositionedEvent[] = [];
      const billing: PositionedEvent[] = [];
      customers.forEach((customer, i) => {
        if ((i + round) % 3 === 0) return;
        const callId = `${customer}-call-${round}`;
        if (i % 2 === 0) {
          const start: InputEvent = { type: 'call_start', call_id: callId, customer_id: customer, carrier_id: 'c1', start_ms: at - 20_000 };
          starts.push({ offset: offsets.call++, event: start });
        }
        const answered = (i + round) % 4 !== 0;
        const event: InputEvent = { type: 'cdr', ...cdr(customer, answered, at + i * 100, { call_id: callId, charge: answered ? 0.01 * (1 + (i % 5)) : 0 }) };
        calls.push({ offset: offsets.cdr++, event });
        // A switch sending a CDR twice.
        if (round % 7 === 0 && i === 1) calls.push({ offset: offsets.cdr++, event });
        if (round % 10 === 0) {
          const account: InputEvent = {
            type: 'account', entity: `customer:${customer}`, name: customer, class: null, status: 'active', balance: 50 - round, debit_limit: i % 2 === 0 ? 20 : null,
            currency: 'USD', emails: [], phones: [], timezone: null, locale: null, at_ms: at - 1_000,
          };
          billing.push({ offset: offsets.billing++, event: account });
        }
      });
      batches.push({ side: 'customer', source: 'starts/0', events: starts });
      batches.push({ side: 'customer', source: 'cdrs/0', events: calls });
      if (billing.length > 0) batches.push({ side: 'billing', source: 'accounts/0', events: billing });
    }

    const roomy = new RedisKeys(`t-budget-${randomUUID().slice(0, 8)}-all:`);
    const tight = new RedisKeys(`t-budget-${randomUUID().slice(0, 8)}-five:`);
    const all = new WindowStore(redis, roomy, { ...OPTIONS, maxEntities: 1_000 });
    const five = new WindowStore(redis, tight, { ...OPTIONS, maxEntities: 5 });
    const expected = await count(all, batches);
    const actual = await count(five, batches);

    expect(all.counts.loads).toBe(customers.length);
    // Most entities were dropped and read back again, many times over.
    expect(five.counts.loads).toBeGreaterThan(10 * customers.length);
    expect(five.entitiesInMemory).toBe(5);
    expect(actual).toEqual(expected);
    // Channels and balances were part of it.
    const last = expected.flat().filter((m) => m.entity === 'customer:budget-2').pop();
    expect(last?.channels).not.toBeNull();
    expect(last?.balance).not.toBeNull();
    expect(last?.windows[0]?.attempts).toBeGreaterThan(0);

    // What a reader finds in Redis (`callwatch status`) is the same too.
    for (const customer of customers) {
      const [a, b] = await Promise.all([readEntity(redis, roomy, `customer:${customer}`), readEntity(redis, tight, `customer:${customer}`)]);
      expect(b).toEqual(a);
    }
  });
});
