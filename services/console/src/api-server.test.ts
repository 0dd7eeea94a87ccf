import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@callwatch/core';
import { topicNames } from '@callwatch/kafka';
import type { PenaltyStore } from '@callwatch/redis';
import { startApiServer, type ApiServer, type ApiServerOptions } from './api-server';
import { EventStream } from './event-stream';
import { ViewModel } from './view-model';
import type { WriteContext } from './writes';

// The access rules and the answers' forms, on a real HTTP server over a view model; no Kafka (test/console has those).
const TOKEN = 'test-token-0123456789abcdef';
const NOW = Date.now();
const publicDir = mkdtempSync(join(tmpdir(), 'console-ui-'));
mkdirSync(join(publicDir, 'assets'));
writeFileSync(join(publicDir, 'index.html'), '<!doctype html><title>callwatch</title>');
writeFileSync(join(publicDir, 'assets', 'app.js'), 'export {};');
writeFileSync(join(tmpdir(), 'console-secret.txt'), 'secret');

const published: Array<{ topic: string; value: unknown }> = [];
async function serve(host: string, token: string | null): Promise<{ server: ApiServer; url: string }> {
  const model = new ViewModel();
  model.apply({ kind: 'action', action: { action_id: 'a', type: 'disable', entity: 'customer:acme', until_ms: NOW + 3_600_000, rule_id: 'pen', reason: 'low ASR', at_ms: NOW } }, NOW);
  model.apply({ kind: 'action', action: { action_id: 'b', type: 'disable', entity: 'carrier:tel', until_ms: NOW + 7_200_000, rule_id: 'pen', reason: 'NER', at_ms: NOW } }, NOW);
  const writes: WriteContext = {
    runtime: {
      topics: topicNames('t.'),
      publisher: { publish: async (topic: string, _schema: string, messages: Array<{ value: unknown }>) => void published.push(...messages.map((m) => ({ topic, value: m.value }))) },
    } as unknown as WriteContext['runtime'],
    penalties: {} as PenaltyStore,
    model,
    owner: 'test',
  };
  const options: ApiServerOptions = {
    host, port: 0, token, model, events: new EventStream(), writes, history: null, testRule: async () => 'e', publicDir,
    deployment: { topic_prefix: 't.', redis_key_prefix: 't:' }, log: createLogger('console-test', 'fatal'),
  };
  const server = await startApiServer(options);
  return { server, url: `http://127.0.0.1:${server.port}` };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('console API on loopback with a token', () => {
  let server: ApiServer;
  let url: string;
  beforeAll(async () => ({ server, url } = await serve('127.0.0.1', TOKEN)));
  afterAll(() => server.close());

  it('answers reads without a token', async () => {
    const res = await fetch(`${url}/api/penalties`);
    expect(res.status).toBe(200);
    expect((await res.json()).map((p: { entity: string }) => p.entity)).toEqual(['customer:acme', 'carrier:tel']);
  });

  it('lists the blocked entities as JSON, and one a line as text for switches that poll', async () => {
    expect(await (await fetch(`${url}/api/blocked`)).json()).toEqual({
      as_of_ms: expect.any(Number),
      blocked: [{ entity: 'customer:acme', until_ms: NOW + 3_600_000, rule_id: 'pen', reason: 'low ASR' }, { entity: 'carrier:tel', until_ms: NOW + 7_200_000, rule_id: 'pen', reason: 'NER' }],
    });
    for (const res of [await fetch(`${url}/api/blocked?format=text`), await fetch(`${url}/api/blocked`, { headers: { accept: 'text/plain' } })]) {
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toBe('customer:acme\ncarrier:tel\n');
    }
  });

  it('refuses a write without the token (401) or with a wrong one (401), and publishes nothing', async () => {
    const before = published.length;
    const missing = await post(`${url}/api/silences`, { rule: 'x', duration: '1h' });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await post(`${url}/api/silences`, { rule: 'x', duration: '1h' }, bearer('wrong-token-0123456789'))).status).toBe(401);
    expect(published.length).toBe(before);
  });

  it('takes a write with the token, and says precisely what is wrong with a bad body', async () => {
    const ok = await post(`${url}/api/silences`, { rule: 'low-asr*', duration: '2h', comment: 'maintenance', by: 'jane' }, bearer(TOKEN));
    expect(ok.status).toBe(201);
    const silence = await ok.json();
    expect(silence).toMatchObject({ rule: 'low-asr*', entity: null, comment: 'maintenance', created_by: 'jane', expired: false });
    expect(published).toContainEqual({ topic: 't.callwatch.silence.v1', value: expect.objectContaining({ silence_id: silence.silence_id }) });
    expect(await (await fetch(`${url}/api/silences`)).json()).toEqual([expect.objectContaining({ silence_id: silence.silence_id })]);

    const bad = await post(`${url}/api/silences`, { duration: '2h' }, bearer(TOKEN));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: expect.stringMatching(/^give rule, entity or both/) });
    const notJson = await fetch(`${url}/api/silences`, { method: 'POST', headers: bearer(TOKEN), body: '{' });
    expect(notJson.status).toBe(400);
    expect((await post(`${url}/api/silences/nope/expire`, {}, bearer(TOKEN))).status).toBe(404);
  });

  it('answers 404 for an entity it never saw and an unknown endpoint, 405 for a wrong method', async () => {
    const res = await fetch(`${url}/api/entities/${encodeURIComponent('customer:nobody')}`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: expect.stringContaining('customer:nobody') });
    expect((await fetch(`${url}/api/nothing`)).status).toBe(404);
    expect((await post(`${url}/api/blocked`, {}, bearer(TOKEN))).status).toBe(405);
  });

  it('serves the UI at / and its assets, and nothing outside its folder', async () => {
    const page = await fetch(`${url}/`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<title>callwatch</title>');
    expect((await fetch(`${url}/assets/app.js`)).headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await fetch(`${url}/assets/%2e%2e%2f%2e%2e%2fconsole-secret.txt`)).status).toBe(404);
  });

  it('reports whether it is writable and has history in the overview', async () => {
    expect(await (await fetch(`${url}/api/overview`)).json()).toMatchObject({ deployment: { writable: true, history: false }, counts: { penalties: 2 } });
    expect(await (await fetch(`${url}/api/entities/${encodeURIComponent('customer:acme')}/history?area=asr`)).json()).toEqual({ available: false, reason: expect.stringMatching(/RECORDER_URL/), rows: [] });
  });
});

describe('console API without a token', () => {
  let server: ApiServer;
  let url: string;
  beforeAll(async () => ({ server, url } = await serve('127.0.0.1', null)));
  afterAll(() => server.close());

  it('is read-only: every write answers 403 and says how to allow changes', async () => {
    for (const path of ['/api/silences', '/api/silences/x/expire', '/api/penalties/customer%3Aacme/lift', '/api/rules/r/enable', '/api/rules/r/disable', '/api/rules/r/test']) {
      const res = await post(`${url}${path}`, { entity: 'customer:acme' });
      expect([path, res.status]).toEqual([path, 403]);
      expect(await res.json()).toEqual({ error: 'the console is read-only: start it with API_TOKEN (or API_TOKEN_FILE) to allow changes' });
    }
    expect((await fetch(`${url}/api/rules`)).status).toBe(200);
  });
});

describe('console API beyond loopback', () => {
  it('needs the token for reads too', async () => {
    const { server, url } = await serve('0.0.0.0', TOKEN);
    try {
      expect(server.loopback).toBe(false);
      expect((await fetch(`${url}/api/penalties`)).status).toBe(401);
      expect((await fetch(`${url}/api/events`)).status).toBe(401);
      expect((await fetch(`${url}/api/penalties`, { headers: bearer('wrong-token-0123456789') })).status).toBe(401);
      expect((await fetch(`${url}/api/penalties`, { headers: bearer(TOKEN) })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('answers nothing without a token set', async () => {
    const { server, url } = await serve('0.0.0.0', null);
    try {
      expect((await fetch(`${url}/api/penalties`)).status).toBe(403);
    } finally {
      await server.close();
    }
  });
});
