import { postHttp, type HttpPost } from './http-post';
import { startLocalReceiver, type LocalReceiver } from './local-receiver';
import type { TargetGuard } from './target-guard';

describe('postHttp (real HTTP on 127.0.0.1)', () => {
  let receiver: LocalReceiver;
  beforeEach(async () => { receiver = await startLocalReceiver(); });
  afterEach(async () => { await receiver.close(); });

  const post = (over: Partial<HttpPost> = {}) =>
    postHttp({ channel: 'webhook', url: `${receiver.url}/hook`, body: '{"a":1}', headers: { 'content-type': 'application/json' }, timeoutMs: 2000, maxResponseBytes: 1024, ...over });

  it('connects to the address the guard checked, keeping the URL host in the Host header', async () => {
    const port = new URL(receiver.url).port;
    const resolved: string[] = [];
    // This name does not exist in DNS: the request can only arrive if the pinned address is used.
    const guard: TargetGuard = { resolve: async (url) => (resolved.push(url.hostname), { address: '127.0.0.1', family: 4 }) };
    const answer = await post({ url: `http://hooks.example.invalid:${port}/in`, guard });
    expect(answer).toMatchObject({ status: 200, body: 'ok', truncated: false });
    expect(resolved).toEqual(['hooks.example.invalid']);
    expect(receiver.received).toEqual([expect.objectContaining({ method: 'POST', path: '/in', body: '{"a":1}' })]);
    expect(receiver.received[0]?.headers.host).toBe(`hooks.example.invalid:${port}`);
  });

  it('reads at most maxResponseBytes of an endless answer, then closes the connection', async () => {
    let closed = false;
    receiver.answer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = 'x'.repeat(16 * 1024);
      const timer = setInterval(() => res.write(chunk), 5);
      res.on('close', () => { clearInterval(timer); closed = true; });
    });
    const started = Date.now();
    const answer = await post({ maxResponseBytes: 1000 });
    expect(answer).toMatchObject({ status: 200, truncated: true });
    expect(answer.body).toHaveLength(1000);
    expect(Date.now() - started).toBeLessThan(1500);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closed).toBe(true);
  });

  it('gives up after timeoutMs with a retriable error when the receiver does not answer', async () => {
    receiver.answer(() => undefined);
    const started = Date.now();
    const error = await post({ timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CW_ERR_DELIVERY', retriable: true, details: { timedOut: true } });
    expect((error as Error).message).toContain('no answer within 300 ms');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('times out a receiver that sends headers and then stalls the body', async () => {
    receiver.answer((_req, res) => { res.writeHead(200); res.write('partial'); });
    await expect(post({ timeoutMs: 300 })).rejects.toMatchObject({ code: 'CW_ERR_DELIVERY', details: { timedOut: true } });
  });

  it('refuses a redirect without following it', async () => {
    const elsewhere = await startLocalReceiver();
    try {
      receiver.answer((_req, res) => void res.writeHead(307, { location: `${elsewhere.url}/stolen` }).end());
      const error = await post().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'CW_ERR_DELIVERY_REJECTED', retriable: false, details: { status: 307 } });
      expect((error as Error).message).toContain(`answered 307 (a redirect to ${elsewhere.url}/stolen); redirects are not followed`);
      expect(elsewhere.received).toEqual([]);
    } finally {
      await elsewhere.close();
    }
  });

  it('rejects a URL that is not http(s) and retries a refused connection', async () => {
    await expect(post({ url: 'ftp://example.net/' })).rejects.toMatchObject({ code: 'CW_ERR_DELIVERY_REJECTED' });
    await expect(post({ url: 'not a url' })).rejects.toMatchObject({ code: 'CW_ERR_DELIVERY_REJECTED' });
    const gone = receiver.url;
    await receiver.close();
    await expect(post({ url: gone })).rejects.toMatchObject({ code: 'CW_ERR_DELIVERY', retriable: true });
    receiver = await startLocalReceiver();
  });
});
