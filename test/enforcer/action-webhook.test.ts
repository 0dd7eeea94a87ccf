import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entityKey, loadConfig } from '@callwatch/core';
import { AGGREGATOR_ENV, startAggregator, type Aggregator } from '@callwatch/aggregator';
import { applyRules, liftPenalty } from '@callwatch/cli';
import { ENFORCER_ENV, startEnforcer, type Enforcer } from '@callwatch/enforcer';
import { EVALUATOR_ENV, startEvaluator, type Evaluator } from '@callwatch/evaluator';
import { connect, type Connection } from '@callwatch/kafka';
import { startLocalReceiver, type LocalReceiver, type ReceivedRequest } from '@callwatch/notify/testing';
import type { Action } from '@callwatch/schemas';
import { cdrs } from '../support/cdrs';
import { collect, eventually, testScope, type TestScope } from '../support/harness';
import { startSwitchAdapter, type SwitchAdapter } from '../support/switch-adapter';

const SECRET = 'switch-secret-for-tests';

// The HMAC computed here from the header's timestamp and the raw body, with node:crypto alone: not with the
// enforcer's signing code, so a fault in that code cannot agree with itself.
function signedWithSecret(request: ReceivedRequest): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(request.headers['x-callwatch-signature']));
  if (!match) return false;
  const [, t, v1] = match;
  const expected = createHmac('sha256', SECRET).update(`${t}.${request.body}`).digest('hex');
  return expected === v1 && Math.abs(Date.now() / 1000 - Number(t)) < 300;
}

const about = (entity: string, type?: Action['type']) => (r: ReceivedRequest) => {
  const action = JSON.parse(r.body) as Action;
  return action.entity === entity && (type === undefined || action.type === type);
};

describe('the action webhook: penalties from real rules reach real HTTP receivers', () => {
  let scope: TestScope;
  let aggregator: Aggregator;
  let evaluator: Evaluator;
  let enforcer: Enforcer;
  let switches: Connection;
  let plain: LocalReceiver;
  let flaky: LocalReceiver;
  let strict: LocalReceiver;
  let adapter: SwitchAdapter;
  let table: string;
  const customer = (name: string) => `${name}-${scope.id}`;

  beforeAll(async () => {
    scope = await testScope('webhook', { AGGREGATOR_PERIODS: '5m' });
    const dir = mkdtempSync(join(tmpdir(), 'callwatch-webhook-'));
    const secretFile = join(dir, 'secret');
    writeFileSync(secretFile, `${SECRET}\n`);
    table = join(dir, 'blocked.tsv');

    // Each receiver gets every action (a consumer group per URL); `flaky` fails the first two tries of one, `strict`
    // rejects one for good.
    plain = await startLocalReceiver();
    let flakyFailures = 0;
    flaky = await startLocalReceiver((request, res) => {
      const failing = about(entityKey('customer', customer('flaky')), 'disable')(request) && flakyFailures++ < 2;
      res.writeHead(failing ? 500 : 200).end(failing ? 'switch restarting' : 'ok');
    });
    strict = await startLocalReceiver((request, res) => {
      const unknown = about(entityKey('customer', customer('strict')), 'disable')(request);
      res.writeHead(unknown ? 400 : 200).end(unknown ? 'unknown customer' : 'ok');
    });
    adapter = await startSwitchAdapter(['--table', table, '--secret-file', secretFile]);

    const rules = [['expiry', '3s'], ['lift', '1h'], ['flaky', '1h'], ['strict', '3s']].map(([name, penalty]) =>
      `- { id: ${name}-${scope.id}, title: ASR Penalty ${name}, scope: { customer: ${customer(name as string)} }, area: asr, operator: "<", threshold: 15, sample_period: 5m, min_attempts: 10, level: critical, penalty: ${penalty}, notify: [] }`);
    writeFileSync(join(dir, 'rules.yaml'), rules.join('\n'));
    await applyRules([dir], { env: scope.env, appliedBy: 'test', print: () => {} });

    aggregator = await startAggregator(loadConfig(AGGREGATOR_ENV, scope.env));
    evaluator = await startEvaluator(loadConfig(EVALUATOR_ENV, scope.env));
    enforcer = await startEnforcer(loadConfig(ENFORCER_ENV, {
      ...scope.env,
      ENFORCER_TICK_MS: '100',
      ACTION_WEBHOOK_URL: [`${plain.url}/actions`, flaky.url, strict.url, adapter.url].join(','),
      ACTION_WEBHOOK_SECRET_FILE: secretFile,
      ACTION_WEBHOOK_RETRY_MIN_MS: '100',
      ACTION_WEBHOOK_RETRY_MAX_MS: '1s',
      NOTIFY_ALLOW_TARGETS: '127.0.0.0/8',
    }));
    switches = await connect(loadConfig(AGGREGATOR_ENV, scope.env), `${scope.id}-switch`, ['cdr']);
    await eventually(async () => expect(evaluator.rules.get(`strict-${scope.id}`)).toBeDefined());
  });

  afterAll(async () => {
    await switches?.close();
    await Promise.all([aggregator?.stop(), evaluator?.stop(), enforcer?.stop()]);
    await Promise.all([plain?.close(), flaky?.close(), strict?.close(), adapter?.stop()]);
  });

  // Ten calls, none answered: ASR 0 < 15 fires the customer's rule, whose penalty disables it.
  const failCalls = (name: string) => {
    const entity = entityKey('customer', customer(name));
    return switches.publisher.publish(switches.topics.cdr, 'cdr', cdrs(customer(name), 10, 0).map((c) => ({ key: entity, value: c })));
  };
  const actionsOf = async (entity: string, count: number): Promise<Action[]> => {
    const seen = await collect(scope, scope.topics.action, 'action', (m) => m.filter((a) => a.value.entity === entity).length >= count);
    return seen.map((a) => a.value).filter((a) => a.entity === entity);
  };
  const requestsTo = async (receiver: LocalReceiver, entity: string, count: number): Promise<ReceivedRequest[]> =>
    eventually(async () => {
      const mine = receiver.received.filter(about(entity));
      expect(mine.length).toBeGreaterThanOrEqual(count);
      return mine;
    }, { timeoutMs: 60_000 });
  const metric = async (name: string, labels: Record<string, string>): Promise<number> => {
    const values = (await enforcer.runtime.health.registry.getSingleMetric(name)?.get())?.values ?? [];
    return values.filter((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value)).reduce((sum, v) => sum + v.value, 0);
  };

  it('posts the disable and, when the penalty ends, the enable: signed, with the action id as Idempotency-Key', async () => {
    const entity = entityKey('customer', customer('expiry'));
    await failCalls('expiry');
    const requests = await requestsTo(plain, entity, 2);
    const actions = await actionsOf(entity, 2);
    expect(actions.map((a) => a.type)).toEqual(['disable', 'enable']);
    expect(requests).toHaveLength(2);
    for (const [i, request] of requests.entries()) {
      expect(request).toMatchObject({ method: 'POST', path: '/actions' });
      expect(request.headers).toMatchObject({ 'content-type': 'application/json', 'user-agent': 'callwatch-enforcer', 'idempotency-key': actions[i]?.action_id });
      expect(JSON.parse(request.body)).toEqual(actions[i]);
      expect(signedWithSecret(request)).toBe(true);
    }
    expect(actions[0]).toMatchObject({ rule_id: `expiry-${scope.id}`, until_ms: (actions[0]?.at_ms ?? 0) + 3_000 });
  });

  it('posts the enable of a lifted penalty, and the adapter keeps its routing table to match', async () => {
    const entity = entityKey('customer', customer('lift'));
    await failCalls('lift');
    const [disable] = await actionsOf(entity, 1);
    await eventually(async () => expect(readFileSync(table, 'utf8')).toContain(`${entity}\t${new Date(disable?.until_ms ?? 0).toISOString()}\tASR Penalty lift: asr 0 < 15\n`), { timeoutMs: 60_000 });

    const lifted = await liftPenalty(entity, { by: 'noc', reason: 'customer paid', env: scope.env });
    const requests = await requestsTo(plain, entity, 2);
    expect(requests[1]?.headers['idempotency-key']).toBe(lifted.action_id);
    expect(JSON.parse(requests[1]?.body ?? '')).toMatchObject({ type: 'enable', entity, reason: 'lifted by noc: customer paid' });
    expect(signedWithSecret(requests[1] as ReceivedRequest)).toBe(true);
    await eventually(async () => expect(readFileSync(table, 'utf8')).not.toContain(entity), { timeoutMs: 60_000 });
  });

  it('tries again after 500, 500 and is accepted once, signing each try afresh; the other switches are not held back', async () => {
    const entity = entityKey('customer', customer('flaky'));
    await failCalls('flaky');
    const [disable] = await actionsOf(entity, 1);
    const tries = await requestsTo(flaky, entity, 3);
    expect(plain.received.filter(about(entity))).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(flaky.received.filter(about(entity))).toHaveLength(3);
    for (const request of tries) {
      expect(request.headers['idempotency-key']).toBe(disable?.action_id);
      expect(signedWithSecret(request)).toBe(true);
    }
    expect(await metric('callwatch_enforcer_webhook_attempts_total', { url: `${flaky.url}/`, result: 'retry' })).toBe(2);
    expect(await metric('callwatch_enforcer_webhook_deliveries_total', { url: `${flaky.url}/`, outcome: 'delivered' })).toBeGreaterThanOrEqual(1);
  });

  it('skips an action the switch rejects with 400, once, and delivers the next one', async () => {
    const entity = entityKey('customer', customer('strict'));
    await failCalls('strict');
    const requests = await requestsTo(strict, entity, 2);
    const actions = await actionsOf(entity, 2);
    expect(requests.map((r) => [JSON.parse(r.body).type, r.headers['idempotency-key']])).toEqual(actions.map((a) => [a.type, a.action_id]));
    expect(await metric('callwatch_enforcer_webhook_deliveries_total', { url: `${strict.url}/`, outcome: 'rejected' })).toBe(1);
  });

  it('commits after the outcome: an enforcer stopped while a switch is down sends the same action again, same key, at its next start', async () => {
    const down = await startLocalReceiver((_request, res) => void res.writeHead(503).end('maintenance'));
    const restart = async () => {
      await enforcer.stop();
      enforcer = await startEnforcer(loadConfig(ENFORCER_ENV, {
        ...scope.env, ENFORCER_TICK_MS: '100', ACTION_WEBHOOK_URL: [`${plain.url}/actions`, down.url].join(','), ACTION_WEBHOOK_SECRET: SECRET,
        ACTION_WEBHOOK_RETRY_MIN_MS: '100', ACTION_WEBHOOK_RETRY_MAX_MS: '500', NOTIFY_ALLOW_TARGETS: '127.0.0.0/8',
      }));
    };
    try {
      const plainBefore = plain.received.length;
      // A new URL's group starts at the oldest action: the switch gets the whole history, in order.
      await restart();
      // Each partition's first action, tried again and again; nothing behind it overtakes it.
      const first = await eventually(async () => {
        const keys = down.received.map((r) => r.headers['idempotency-key']);
        expect(keys.filter((k) => k === keys[0]).length).toBeGreaterThanOrEqual(2);
        return down.received[0] as ReceivedRequest;
      }, { timeoutMs: 60_000 });
      expect(new Set(down.received.map((r) => r.headers['idempotency-key'])).size).toBeLessThanOrEqual(3);

      down.answer((_request, res) => void res.writeHead(200).end('ok'));
      const triedBefore = down.received.length;
      await restart();
      const admin = scope.kafka.admin();
      await admin.connect();
      const published = (await admin.fetchTopicOffsets(scope.topics.action)).reduce((sum, p) => sum + Number(p.high), 0);
      await admin.disconnect();
      const all = (await collect(scope, scope.topics.action, 'action', (m) => m.length >= published)).map((a) => a.value.action_id);
      await eventually(async () => expect(new Set(down.received.slice(triedBefore).map((r) => r.headers['idempotency-key']))).toEqual(new Set(all)), { timeoutMs: 60_000 });
      expect(down.received.slice(triedBefore).map((r) => r.headers['idempotency-key'])).toContain(first.headers['idempotency-key']);
      expect(down.received.every(signedWithSecret)).toBe(true);
      // The switches that had taken everything are sent nothing again.
      expect(plain.received.length).toBe(plainBefore);
    } finally {
      await down.close();
    }
  });

  it('refuses to start with a loopback switch that NOTIFY_ALLOW_TARGETS does not allow, sending nothing', async () => {
    const before = plain.received.length;
    await expect(startEnforcer(loadConfig(ENFORCER_ENV, {
      ...scope.env, ENFORCER_GROUP_ID: `${scope.id}-refused`, ACTION_WEBHOOK_URL: plain.url, ACTION_WEBHOOK_SECRET: SECRET, NOTIFY_ALLOW_TARGETS: '',
    }))).rejects.toMatchObject({
      code: 'CW_ERR_CONFIG',
      message: expect.stringContaining(`ACTION_WEBHOOK_URL: webhook: refused to notify ${new URL(plain.url).host}: it resolves to 127.0.0.1, a loopback address (allow it with NOTIFY_ALLOW_TARGETS)`) as unknown,
    });
    expect(plain.received.length).toBe(before);
  });
});
