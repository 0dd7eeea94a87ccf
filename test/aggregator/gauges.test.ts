import { loadConfig } from '@callwatch/core';
import { AGGREGATOR_ENV, startAggregator, type Aggregator } from '@callwatch/aggregator';
import { entityStatus } from '@callwatch/cli';
import { connect, type Connection } from '@callwatch/kafka';
import { RedisKeys, createRedis } from '@callwatch/redis';
import type { Account, CallStart, Cdr, MetricSnapshot, Payment } from '@callwatch/schemas';
import { cdr } from '../support/cdrs';
import { collect, eventually, testScope, type TestScope } from '../support/harness';

describe('aggregator gauges and time on real Kafka and Redis: cps, channels, balance, idle windows', () => {
  let scope: TestScope;
  let aggregator: Aggregator | undefined;
  let switches: Connection;
  // One partition, so that one entity's traffic moves the clock that slides another's windows.
  beforeAll(async () => {
    scope = await testScope('gauges', { TOPIC_PARTITIONS: '1', AGGREGATOR_PERIODS: '1m,5m', AGGREGATOR_MAX_CALL_MS: '2m', AGGREGATOR_TICK_MS: '200', AGGREGATOR_ACCOUNT_LATENESS_MS: '2m' });
    switches = await connect(loadConfig(AGGREGATOR_ENV, scope.env), `${scope.id}-switch`, ['cdr', 'callStart', 'payment', 'account']);
    await scope.codec.register('metric', scope.topics.metric);
    aggregator = await startAggregator(loadConfig(AGGREGATOR_ENV, scope.env));
  });

  afterAll(async () => {
    await switches?.close();
    await aggregator?.stop();
  });

  const sendCdrs = (cdrs: Cdr[]) => switches.publisher.publish(switches.topics.cdr, 'cdr', cdrs.map((c) => ({ key: `customer:${c.customer_id}`, value: c })));
  const sendStarts = (starts: CallStart[]) => switches.publisher.publish(switches.topics.callStart, 'call_start', starts.map((s) => ({ key: `customer:${s.customer_id}`, value: s })));
  const latest = async (entity: string, done: (s: MetricSnapshot) => boolean) => {
    const seen = await collect(scope, scope.topics.metric, 'metric', (m) => m.some((s) => s.value.entity === entity && done(s.value)));
    return seen.map((s) => s.value).filter((s) => s.entity === entity && done(s))[0] as MetricSnapshot;
  };

  it('counts channels from call-start events and cps as the peak of calls started in one second', async () => {
    const customer = `calls-${scope.id}`;
    const carrier = `tel-calls-${scope.id}`;
    const t = Math.floor(Date.now() / 1000) * 1000 - 30_000;
    const start = (id: string, ms: number): CallStart => ({ call_id: id, customer_id: customer, carrier_id: carrier, start_ms: ms });
    // Three calls start in one second and one 5 s later: four channels, a peak of 3 per second.
    await sendStarts([start('c1', t + 100), start('c2', t + 500), start('c3', t + 900), start('c4', t + 5_000)]);
    const opened = await latest(`customer:${customer}`, (s) => s.channels === 4);
    expect(opened.windows.map((w) => w.cps)).toEqual([3, 3]);
    expect((await latest(`carrier:${carrier}`, (s) => s.channels === 4)).windows[0]?.cps).toBe(3);

    // c1 and c2 end; c9 has a CDR but no call-start event, so its own start counts (once, even if its start comes later).
    const ended = (id: string, startMs: number) => cdr(customer, true, t + 20_000, { cdr_id: `cdr-${id}`, call_id: id, carrier_id: carrier, start_ms: startMs, answer_ms: startMs + 1_000 });
    await sendCdrs([ended('c1', t + 100), ended('c2', t + 500), ended('c9', t + 5_200)]);
    const after = await latest(`customer:${customer}`, (s) => s.channels === 2 && s.windows[0]?.attempts === 3);
    // c4 and c9 started in the same second: that second now has 2, the peak stays 3.
    expect(after.windows.map((w) => w.cps)).toEqual([3, 3]);
    await sendStarts([start('c9', t + 5_200), start('c1', t + 100)]);
    await sendCdrs([cdr(customer, false, t + 21_000, { cdr_id: 'marker', call_id: 'm1', carrier_id: carrier, start_ms: t + 21_000 })]);
    const settled = await latest(`customer:${customer}`, (s) => s.windows[0]?.attempts === 4);
    expect(settled).toMatchObject({ channels: 2 });
    expect(settled.windows.map((w) => w.cps)).toEqual([3, 3]);
    const carrierAfter = await latest(`carrier:${carrier}`, (s) => s.windows[0]?.attempts === 4);
    expect(carrierAfter).toMatchObject({ channels: 2 });

    // A call whose CDR never comes is expired after AGGREGATOR_MAX_CALL_MS (2 min) of event time, and counted.
    await sendStarts([start('late-clock', t + 150_000)]);
    const expired = await latest(`customer:${customer}`, (s) => s.channels === 1);
    expect(expired.channels).toBe(1);
    const status = await entityStatus(`customer:${customer}`, scope.env);
    expect(status).toMatchObject({ channels: 1, expired: 2 });
  });

  it('keeps the balance: newest account snapshot, plus completed payments, minus charges since it', async () => {
    const customer = `money-${scope.id}`;
    const t = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const account = (balance: number, atMs: number): Account => ({
      entity: `customer:${customer}`, name: 'Money Ltd', class: null, status: 'active', balance, debit_limit: null, currency: 'USD', emails: [], phones: [], timezone: null, locale: null, at_ms: atMs,
    });
    const payment = (id: string, amount: number, atMs: number, status: Payment['status'] = 'completed'): Payment => ({ payment_id: id, customer_id: customer, amount, status, source: 'portal', at_ms: atMs });
    const pay = (payments: Payment[]) => switches.publisher.publish(switches.topics.payment, 'payment', payments.map((p) => ({ key: `customer:${customer}`, value: p })));
    const charged = (id: string, charge: number, endMs: number) => cdr(customer, true, endMs, { cdr_id: id, charge });

    // A charge before the snapshot is already in it; one after it is not.
    await sendCdrs([charged('before', 1, t - 10_000), charged('after', 0.5, t + 2_000)]);
    await switches.publisher.publish(switches.topics.account, 'account', [{ key: `customer:${customer}`, value: account(100, t) }]);
    await pay([payment('p1', 20, t + 1_000), payment('p1', 20, t + 1_000), payment('p2', 50, t + 1_000, 'pending'), payment('old', 7, t - 5_000)]);
    const snapshot = await latest(`customer:${customer}`, (s) => s.balance === 119.5);
    expect(snapshot.balance).toBe(119.5);

    // A newer snapshot includes the payment (t + 1 s) but not the charge at t + 2 s.
    await switches.publisher.publish(switches.topics.account, 'account', [{ key: `customer:${customer}`, value: account(90, t + 1_500) }]);
    await latest(`customer:${customer}`, (s) => s.balance === 89.5);
    // An older snapshot arriving late changes nothing; a refund does.
    await switches.publisher.publish(switches.topics.account, 'account', [{ key: `customer:${customer}`, value: account(500, t - 1) }]);
    await pay([payment('refund', -9.5, t + 3_000)]);
    await latest(`customer:${customer}`, (s) => s.balance === 80);
    await eventually(async () => expect((await entityStatus(`customer:${customer}`, scope.env)).balance).toBe(80));
  });

  it('keeps credit and credit_used from the debit limit of the newest account snapshot, and none without a limit', async () => {
    const entity = `customer:postpay-${scope.id}`;
    const t = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const account = (balance: number, debitLimit: number | null, atMs: number): Account => ({
      entity, name: 'Postpay Ltd', class: null, status: 'active', balance, debit_limit: debitLimit, currency: 'USD', emails: [], phones: [], timezone: null, locale: null, at_ms: atMs,
    });
    const send = (a: Account) => switches.publisher.publish(switches.topics.account, 'account', [{ key: entity, value: a }]);
    const spend = (id: string, charge: number, endMs: number) => sendCdrs([cdr(entity.slice('customer:'.length), true, endMs, { cdr_id: id, carrier_id: null, charge })]);
    await send(account(-10, 100, t));
    await spend('spent', 80, t + 1_000);
    expect(await latest(entity, (s) => s.balance === -90)).toMatchObject({ credit: 10, credit_used: 90 });
    // A newer snapshot without a limit takes it away; an older one with a limit, arriving late, does not bring it back.
    await send(account(-90, null, t + 2_000));
    await send(account(-90, 500, t + 1_500));
    await spend('more', 5, t + 3_000);
    expect(await latest(entity, (s) => s.balance === -95)).toMatchObject({ credit: null, credit_used: null });
    // A limit of 0: credit is the balance, and there is no share of it to use.
    await send(account(-95, 0, t + 4_000));
    await eventually(async () => expect(await entityStatus(entity, scope.env)).toMatchObject({ balance: -95, credit: -95, creditUsed: null }));
  });

  it('slides an idle entity\'s windows as the partition\'s clock passes, and publishes its snapshot', async () => {
    const idle = `idle-${scope.id}`;
    const busy = `busy-${scope.id}`;
    // After every event of the other tests on this partition (the call-start test's clock is 2 min ahead of now).
    const t = Math.ceil((Date.now() + 150_000) / 60_000) * 60_000;
    await sendCdrs([cdr(idle, true, t + 1_000, { cdr_id: 'idle-1' }), cdr(busy, true, t + 1_000, { cdr_id: 'busy-1' })]);
    await latest(`customer:${idle}`, (s) => s.windows[0]?.attempts === 1);
    // Only the busy customer has traffic 90 s later: the idle one's 1-minute window empties, its 5-minute one does not.
    await sendCdrs([cdr(busy, true, t + 91_000, { cdr_id: 'busy-2' })]);
    const slid = await latest(`customer:${idle}`, (s) => s.windows[0]?.attempts === 0);
    expect(slid.at_ms).toBeGreaterThanOrEqual(t + 61_000);
    // The peak second of call starts left the 1-minute window too: its peak is found again among the seconds left (none).
    expect(slid.windows.map((w) => [w.sample_period_ms, w.attempts, w.asr, w.cps])).toEqual([[60_000, 0, null, 0], [300_000, 1, 100, 1]]);
    await eventually(async () => expect((await entityStatus(`customer:${idle}`, scope.env)).windows.map((w) => w.attempts)).toEqual([0, 1]));
  });

  it('keeps calls started per second only while they are inside the longest window', async () => {
    const customer = `seconds-${scope.id}`;
    const redis = createRedis(scope.env.REDIS_URL as string, { name: 'test' });
    const kept = async () => (await redis.hkeys(new RedisKeys(scope.env.REDIS_KEY_PREFIX).entityStarts(`customer:${customer}`))).map(Number).sort();
    // Whole seconds, after every other test's events on this partition.
    const t0 = Math.ceil((Date.now() + 600_000) / 1_000);
    const call = async (startSecond: number, endSecond = startSecond + 1) => {
      const endMs = endSecond * 1_000;
      await sendCdrs([cdr(customer, false, endMs, { cdr_id: `s-${startSecond}`, carrier_id: null, start_ms: startSecond * 1_000 })]);
      await latest(`customer:${customer}`, (s) => s.at_ms === endMs);
    };
    try {
      await call(t0);
      await call(t0 + 20);
      expect(await kept()).toEqual([t0, t0 + 20]);
      // The 5-minute window now starts after t0 + 6 s: t0 is forgotten (a long step: found among the seconds kept).
      await call(t0 + 305);
      expect(await kept()).toEqual([t0 + 20, t0 + 305]);
      // A short step forgets second by second: t0 + 20 is gone once the window starts after t0 + 31 s.
      await call(t0 + 330);
      expect(await kept()).toEqual([t0 + 305, t0 + 330]);
      // A long call that ends now but started before the longest window: its start is not counted at all.
      await call(t0 + 10, t0 + 335);
      expect(await kept()).toEqual([t0 + 305, t0 + 330]);
    } finally {
      redis.disconnect();
    }
  });

  it('keeps money movements per second only within the account lateness, older ones as one sum', async () => {
    const customer = `folded-${scope.id}`;
    const entity = `customer:${customer}`;
    const redis = createRedis(scope.env.REDIS_URL as string, { name: 'test' });
    const keys = new RedisKeys(scope.env.REDIS_KEY_PREFIX);
    const kept = async () => (await redis.hkeys(keys.entityMoves(entity))).map(Number).sort((a, b) => a - b);
    // Whole seconds, after every other test's events on this partition.
    const t0 = Math.ceil((Date.now() + 1_000_000) / 1_000);
    const charge = async (second: number, amount: number, attempts: number) => {
      await sendCdrs([cdr(customer, true, second * 1_000, { cdr_id: `m-${second}`, carrier_id: null, charge: amount })]);
      await latest(entity, (s) => s.windows[1]?.attempts === attempts);
    };
    try {
      await charge(t0, 1, 1);
      await charge(t0 + 10, 2, 2);
      expect(await kept()).toEqual([t0, t0 + 10]);
      // The clock passes t0 + 2 min: t0's charge joins the one sum.
      await charge(t0 + 130, 4, 3);
      expect(await kept()).toEqual([t0 + 10, t0 + 130]);
      // A late charge older than the account lateness goes straight into it.
      await charge(t0 + 1, 8, 4);
      expect(await kept()).toEqual([t0 + 10, t0 + 130]);
      expect(Number(await redis.hget(keys.entityMeta(entity), 'bal_old'))).toBe(-9);
      // A snapshot after every movement of the sum: only the charge at t0 + 130 s is after it.
      const snapshot: Account = {
        entity, name: 'Folded Ltd', class: null, status: 'active', balance: 100, debit_limit: null, currency: 'USD', emails: [], phones: [], timezone: null, locale: null, at_ms: (t0 + 20) * 1_000,
      };
      await switches.publisher.publish(switches.topics.account, 'account', [{ key: entity, value: snapshot }]);
      expect((await latest(entity, (s) => s.balance !== null)).balance).toBe(96);
      expect(await kept()).toEqual([t0 + 130]);
      expect(await redis.hget(keys.entityMeta(entity), 'bal_old')).toBeNull();
    } finally {
      redis.disconnect();
    }
  });
});
