import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entityKey, loadConfig } from '@callwatch/core';
import { AGGREGATOR_ENV, startAggregator, type Aggregator } from '@callwatch/aggregator';
import { applyRules } from '@callwatch/cli';
import { CONSOLE_ENV, startConsole, type Console } from '@callwatch/console';
import { ENFORCER_ENV, startEnforcer, type Enforcer } from '@callwatch/enforcer';
import { EVALUATOR_ENV, startEvaluator, type Evaluator } from '@callwatch/evaluator';
import { connect, type Connection } from '@callwatch/kafka';
import { cdrs } from '../support/cdrs';
import { collect, eventually, testScope, type TestScope } from '../support/harness';

const TOKEN = 'console-test-token-0123456789';

/** SseEvent is one Server-Sent Event as a viewer receives it. */
interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

// A viewer of the console's event stream: every event it received so far, until closed.
function watch(url: string): { events: SseEvent[]; close: () => void } {
  const events: SseEvent[] = [];
  const abort = new AbortController();
  void (async () => {
    const res = await fetch(`${url}api/events`, { signal: abort.signal });
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.+)$/m.exec(frame)?.[1];
        const data = /^data: (.+)$/m.exec(frame)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
      }
    }
  })().catch(() => {});
  return { events, close: () => abort.abort() };
}

const get = async <T>(url: string): Promise<T> => {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
};
const post = (url: string, body: unknown, token?: string) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });

describe('the console on real Kafka, the registry and Redis', () => {
  let scope: TestScope;
  let aggregator: Aggregator;
  let evaluator: Evaluator;
  let enforcer: Enforcer;
  const consoles: Console[] = [];
  let switches: Connection;
  let customer: string;
  let entity: string;
  let ruleId: string;
  const startOne = async () => {
    const started = await startConsole(loadConfig(CONSOLE_ENV, { ...scope.env, CONSOLE_PORT: '0', API_TOKEN: TOKEN }), scope.env);
    consoles.push(started);
    return started;
  };

  beforeAll(async () => {
    scope = await testScope('console', { AGGREGATOR_PERIODS: '5m', ENFORCER_TICK_MS: '200', NOTIFY_OUTBOX_DIR: mkdtempSync(join(tmpdir(), 'console-outbox-')) });
    customer = `acme-${scope.id}`;
    entity = entityKey('customer', customer);
    ruleId = `low-asr-${scope.id}`;
    const dir = mkdtempSync(join(tmpdir(), 'callwatch-rules-'));
    writeFileSync(join(dir, 'rules.yaml'), [
      `id: ${ruleId}`,
      'title: Low ASR Penalty',
      `scope: { customer: ${customer} }`,
      'area: asr',
      'operator: "<="',
      'threshold: 30',
      'reset_threshold: 31',
      'sample_period: 5m',
      'min_attempts: 20',
      'level: critical',
      'penalty: 1h',
      'notify: []',
    ].join('\n'));
    await applyRules([dir], { env: scope.env, appliedBy: 'console-test', print: () => {} });
    // Together, as compose starts them: each registers the same new subjects at the same moment.
    [aggregator, evaluator, enforcer] = await Promise.all([
      startAggregator(loadConfig(AGGREGATOR_ENV, scope.env)),
      startEvaluator(loadConfig(EVALUATOR_ENV, scope.env)),
      startEnforcer(loadConfig(ENFORCER_ENV, scope.env)),
    ]);
    switches = await connect(loadConfig(AGGREGATOR_ENV, scope.env), `${scope.id}-switch`, ['cdr']);
  });

  afterAll(async () => {
    await switches?.close();
    await Promise.all(consoles.map((c) => c.stop()));
    await Promise.all([aggregator?.stop(), evaluator?.stop(), enforcer?.stop()]);
  });

  it('shows an alert fired by real CDRs in /api/alerts/firing and on /api/events, and again after a restart', async () => {
    const first = await startOne();
    const viewer = watch(first.url);
    try {
      await eventually(async () => expect(evaluator.rules.get(ruleId)).toBeDefined());
      // 20 calls, 4 answered: ASR 20% <= 30% fires.
      await switches.publisher.publish(switches.topics.cdr, 'cdr', cdrs(customer, 20, 4).map((c) => ({ key: entity, value: c })));

      const firing = await eventually(async () => {
        const list = await get<Array<Record<string, unknown>>>(`${first.url}api/alerts/firing`);
        expect(list).toEqual([expect.objectContaining({ rule_id: ruleId, entity, level: 'critical', value: 20, threshold: 30, operator: '<=', unit: '%', silenced: false })]);
        return list;
      }, { timeoutMs: 60_000 });
      await eventually(async () => {
        expect(viewer.events).toContainEqual({ event: 'alert', data: expect.objectContaining({ type: 'fired', rule_id: ruleId, entity, event_id: firing[0]?.event_id }) });
        expect(viewer.events).toContainEqual({ event: 'metric', data: expect.objectContaining({ entity, firing: 1, worst_level: 'critical' }) });
      });
      const row = (await get<Array<Record<string, unknown>>>(`${first.url}api/entities`)).find((r) => r.entity === entity);
      expect(row).toMatchObject({ metrics: { asr: 20, attempts: 20 }, period_ms: 300_000, firing: 1 });
    } finally {
      viewer.close();
    }

    // A console started now finds it firing in Redis, and the event that fired it in the topic's recent past.
    const second = await startOne();
    const again = await get<Array<Record<string, unknown>>>(`${second.url}api/alerts/firing`);
    expect(again).toEqual([expect.objectContaining({ rule_id: ruleId, entity, since_ms: expect.any(Number) })]);
    await eventually(async () => {
      const recent = await get<Array<Record<string, unknown>>>(`${second.url}api/alerts/recent`);
      expect(recent).toContainEqual(expect.objectContaining({ type: 'fired', rule_id: ruleId, entity }));
      expect((await get<Array<Record<string, unknown>>>(`${second.url}api/alerts/firing`))[0]?.event_id).toBe(recent[0]?.event_id);
    });
    expect(await get<Record<string, unknown>>(`${second.url}api/entities/${encodeURIComponent(entity)}`)).toMatchObject({ row: { entity, metrics: { asr: 20 } } });
  });

  it('lists an entity in /api/blocked once the enforcer disables it, refuses a lift without the token, and drops it after a lift with it', async () => {
    const app = consoles[consoles.length - 1] ?? (await startOne());
    const blocked = await eventually(async () => {
      const answer = await get<{ blocked: Array<Record<string, unknown>> }>(`${app.url}api/blocked`);
      expect(answer.blocked).toEqual([expect.objectContaining({ entity, rule_id: ruleId, until_ms: expect.any(Number) })]);
      return answer;
    }, { timeoutMs: 60_000 });
    expect(blocked.blocked[0]?.reason).toMatch(/^Low ASR Penalty: asr 20 <= 30/);
    expect(await (await fetch(`${app.url}api/blocked?format=text`)).text()).toBe(`${entity}\n`);

    const lift = `${app.url}api/penalties/${encodeURIComponent(entity)}/lift`;
    expect((await post(lift, { reason: 'paid' })).status).toBe(401);
    expect((await post(lift, { reason: 'paid' }, 'not-the-token-0123456789')).status).toBe(401);
    expect((await get<{ blocked: unknown[] }>(`${app.url}api/blocked`)).blocked).toHaveLength(1);

    const lifted = await post(lift, { reason: 'customer paid', by: 'noc' }, TOKEN);
    expect(lifted.status).toBe(200);
    expect(await lifted.json()).toEqual({ action: expect.objectContaining({ type: 'enable', entity, reason: 'lifted by noc: customer paid' }) });
    expect((await get<{ blocked: unknown[] }>(`${app.url}api/blocked`)).blocked).toEqual([]);
    expect(await (await fetch(`${app.url}api/blocked?format=text`)).text()).toBe('');
    const actions = await collect(scope, scope.topics.action, 'action', (m) => m.some((a) => a.value.type === 'enable'));
    expect(actions.map((a) => [a.value.entity, a.value.type])).toEqual([[entity, 'disable'], [entity, 'enable']]);
    // Lifted twice: nothing to lift.
    expect((await post(lift, {}, TOKEN)).status).toBe(409);
  });

  it('publishes a silence POSTed with the token to the silence topic and lists it; refuses one without', async () => {
    const app = consoles[consoles.length - 1] ?? (await startOne());
    expect((await post(`${app.url}api/silences`, { rule: ruleId, duration: '1h' })).status).toBe(401);
    const created = await post(`${app.url}api/silences`, { rule: ruleId, entity, duration: '1h', comment: 'maintenance', by: 'jane' }, TOKEN);
    expect(created.status).toBe(201);
    const silence = (await created.json()) as { silence_id: string; ends_at_ms: number };
    const onTopic = await collect(scope, scope.topics.silence, 'silence', (m) => m.some((s) => s.key === silence.silence_id));
    expect(onTopic.map((s) => s.value)).toEqual([expect.objectContaining({ silence_id: silence.silence_id, rule: ruleId, entity, comment: 'maintenance', created_by: 'jane', ends_at_ms: silence.ends_at_ms })]);
    expect(await get(`${app.url}api/silences`)).toEqual([expect.objectContaining({ silence_id: silence.silence_id, expired: false })]);
    await eventually(async () => expect(await get(`${app.url}api/alerts/firing`)).toEqual([expect.objectContaining({ rule_id: ruleId, silenced: true })]));

    const expired = await post(`${app.url}api/silences/${silence.silence_id}/expire`, { by: 'jane' }, TOKEN);
    expect(expired.status).toBe(200);
    expect(await expired.json()).toMatchObject({ silence_id: silence.silence_id, expired: true });
    const both = await collect(scope, scope.topics.silence, 'silence', (m) => m.filter((s) => s.key === silence.silence_id).length >= 2);
    expect(both.map((s) => s.value.expired_by)).toEqual([null, 'jane']);
  });
});
