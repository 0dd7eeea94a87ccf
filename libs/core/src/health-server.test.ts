import { request } from 'node:http';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { startHealthServer, type HealthServer, type JsonHandler } from './health-server';

const TOKEN = 'test-token-0123456789abcdef';

// Real servers on real sockets: every request below goes through node:http as a client's would.
describe('health server', () => {
  const servers: HealthServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  const calls: unknown[] = [];
  const echo: JsonHandler = async (body) => {
    calls.push(body);
    return { status: 200, json: { got: body } };
  };
  beforeEach(() => void calls.splice(0));

  async function start(options: Partial<Parameters<typeof startHealthServer>[0]> = {}): Promise<{ server: HealthServer; url: string }> {
    const server = await startHealthServer({ service: 'test', ...options });
    servers.push(server);
    server.addRoute('/query', echo);
    return { server, url: `http://127.0.0.1:${server.port}` };
  }

  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}/query`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  describe('with a token', () => {
    it('answers a route only to a request that carries the token', async () => {
      const { url } = await start({ token: TOKEN });
      const ok = await post(url, { query: 'SELECT 1' }, { authorization: `Bearer ${TOKEN}` });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ got: { query: 'SELECT 1' } });
      expect(calls).toEqual([{ query: 'SELECT 1' }]);
    });

    it.each([
      ['no Authorization header', {}, 'Bearer realm="callwatch"', 'this endpoint needs Authorization: Bearer <API token>'],
      ['a wrong token', { authorization: 'Bearer wrong-token-0123456789abcdef' }, 'Bearer realm="callwatch", error="invalid_token"', 'the bearer token is not valid'],
      ['the token under another scheme', { authorization: `Basic ${TOKEN}` }, 'Bearer realm="callwatch"', 'this endpoint needs Authorization: Bearer <API token>'],
    ])('refuses %s with 401 and a Bearer challenge, before reading the body', async (_case, headers, challenge, error) => {
      const { url } = await start({ token: TOKEN });
      const res = await post(url, { query: 'SELECT 1' }, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(challenge);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(await res.json()).toEqual({ error });
      expect(calls).toEqual([]);
    });

    it('asks for the token before it says which methods a route takes', async () => {
      const { url } = await start({ token: TOKEN });
      expect((await fetch(`${url}/query`)).status).toBe(401);
      const get = await fetch(`${url}/query`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
    });

    it('keeps /healthz, /livez and /metrics open, also beyond loopback', async () => {
      const { server, url } = await start({ token: TOKEN, host: '0.0.0.0' });
      server.addCheck('redis', () => false);
      const healthz = await fetch(`${url}/healthz`);
      expect([healthz.status, await healthz.json()]).toEqual([503, { status: 'failing', failing: ['redis'] }]);
      const livez = await fetch(`${url}/livez`);
      expect([livez.status, await livez.json()]).toEqual([200, { status: 'ok' }]);
      const metrics = await fetch(`${url}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/^process_cpu_user_seconds_total\{service="test"\} /m);
      expect((await post(url, {}, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    });
  });

  describe('without a token', () => {
    it('answers routes to anyone when it listens on loopback only', async () => {
      const { url } = await start({ host: '127.0.0.1' });
      const res = await post(url, { query: 'SELECT 1' });
      expect(res.status).toBe(200);
      expect(calls).toEqual([{ query: 'SELECT 1' }]);
    });

    it('answers routes 403 when it listens beyond loopback, says why in its log, and keeps health and metrics', async () => {
      const lines: string[] = [];
      const log = pino({ level: 'warn' }, new Writable({ write: (chunk, _enc, done) => void (lines.push(String(chunk)), done()) }));
      const { url } = await start({ host: '0.0.0.0', log });
      const res = await post(url, { query: 'SELECT 1' }, { authorization: `Bearer ${TOKEN}` });
      expect(res.status).toBe(403);
      expect(res.headers.get('www-authenticate')).toBeNull();
      expect(await res.json()).toEqual({ error: 'this endpoint is off: the server has no API token set (its log says more)' });
      expect(calls).toEqual([]);
      expect(lines.map((l) => JSON.parse(l) as { level: number; path: string; msg: string })).toEqual([
        expect.objectContaining({ level: 40, path: '/query', msg: expect.stringMatching(/^POST \/query answers 403: this server listens on 0\.0\.0\.0, beyond loopback, and no API token is set; set API_TOKEN/) }),
      ]);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/metrics`)).status).toBe(200);
    });
  });

  it('lets no route take a probe or metrics path', async () => {
    const { server } = await start();
    for (const path of ['/healthz', '/livez', '/metrics']) expect(() => server.addRoute(path, echo)).toThrow(`${path} is served to anyone`);
  });

  describe('bounds', () => {
    it('refuses a body over 1 MiB with 413, declared or streamed', async () => {
      const { url } = await start();
      const declared = await post(url, { text: 'x'.repeat(1024 * 1024) });
      expect([declared.status, await declared.json()]).toEqual([413, { error: 'the body is over 1048576 bytes' }]);

      // Chunked, so the server only learns the size as it reads: it answers when the limit passes.
      const streamed = await new Promise<number>((resolve, reject) => {
        const req = request(`${url}/query`, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, (res) => resolve(res.statusCode ?? 0));
        req.on('error', (err) => (err.message.includes('EPIPE') || err.message.includes('ECONNRESET') ? undefined : reject(err)));
        const chunk = Buffer.alloc(64 * 1024, 'x');
        let sent = 0;
        const write = () => {
          while (sent < 2 * 1024 * 1024 && !req.destroyed) {
            sent += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', write);
          }
        };
        write();
      });
      expect(streamed).toBe(413);
      expect(calls).toEqual([]);
    });

    it('answers 408 to a request whose body does not arrive in time, but lets a slow handler finish', async () => {
      const { server, url } = await start({ requestTimeoutMs: 500 });
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(server.port, '127.0.0.1', () => socket.write('POST /query HTTP/1.1\r\nHost: test\r\nContent-Length: 100\r\n\r\n{"query"'));
        let text = '';
        socket.on('data', (data) => (text += String(data)));
        const timer = setTimeout(() => socket.destroy(new Error('no answer in 20 s')), 20_000);
        socket.on('close', () => (clearTimeout(timer), resolve(text)));
        socket.on('error', reject);
      });
      expect(raw).toMatch(/^HTTP\/1\.1 408 /);
      expect(calls).toEqual([]);

      server.addRoute('/slow', async () => {
        await new Promise((r) => setTimeout(r, 1_500));
        return { status: 200, json: { done: true } };
      });
      const slow = await fetch(`${url}/slow`, { method: 'POST', body: '{}' });
      expect([slow.status, await slow.json()]).toEqual([200, { done: true }]);
    });
  });

  // A worker thread's health server: the process around it serves one for every thread.
  describe('without listening', () => {
    it('keeps a registry and checks, collects no process metrics and opens no port', async () => {
      const server = await startHealthServer({ service: 'test', listen: false });
      servers.push(server);
      let redis = false;
      server.addCheck('redis', () => redis);
      server.addCheck('kafka', () => true);
      expect(server.failing()).toEqual(['redis']);
      redis = true;
      expect(server.failing()).toEqual([]);
      expect(server.port).toBe(0);
      expect(await server.registry.getMetricsAsJSON()).toEqual([]);
    });
  });

  it('answers /metrics from a source of its own, given its registry', async () => {
    const { url } = await start({ metrics: async (own) => `# summed elsewhere\n${await own.getSingleMetricAsString('process_cpu_seconds_total')}` });
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text.startsWith('# summed elsewhere\n# HELP process_cpu_seconds_total')).toBe(true);
  });
});
