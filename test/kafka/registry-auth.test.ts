import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGGREGATOR_ENV, startAggregator, type Aggregator } from '@callwatch/aggregator';
import { entityStatus } from '@callwatch/cli';
import { CallwatchError, loadConfig } from '@callwatch/core';
import { RegistryCodec, connect, connectionSecurity, type Connection } from '@callwatch/kafka';
import { cdr } from '../support/cdrs';
import { eventually, testScope, type TestScope } from '../support/harness';

const USER = 'registry-user';
const PASSWORD = 'registry-pw-5150';

/**
 * A registry behind basic auth. Apicurio 3 does basic auth only through an OIDC server, so the check is this proxy's:
 * it answers 401 to a request without `Authorization: Basic <USER:PASSWORD>` and forwards the others to the real
 * registry, which does all the rest.
 */
async function basicAuthProxy(target: string, tls?: { cert: string; key: string }): Promise<{ url: string; server: Server; authorized: () => number }> {
  const origin = new URL(target).origin;
  const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  let authorized = 0;
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="registry"' });
        res.end(JSON.stringify({ error_code: 40101, message: 'Unauthorized' }));
        return;
      }
      authorized++;
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      const headers = { 'content-type': req.headers['content-type'] ?? 'application/json', accept: req.headers.accept ?? '*/*' };
      fetch(`${origin}${req.url}`, { method: req.method, headers, body }).then(
        async (answer) => {
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
          res.end(Buffer.from(await answer.arrayBuffer()));
        },
        (err: Error) => {
          res.writeHead(502);
          res.end(err.message);
        },
      );
    });
  };
  const server = tls ? createHttpsServer(tls, handle) : createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}${new URL(target).pathname}`, server, authorized: () => authorized };
}

/** A CA of the test's own, and a server certificate for 127.0.0.1 it signed, made with openssl as infra/ makes Kafka's. */
function testCertificates(): { caFile: string; cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cw-registry-tls-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = (name: string) => openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name);
  key('ca.key');
  openssl('req', '-x509', '-new', '-key', 'ca.key', '-days', '2', '-subj', '/CN=registry test CA', '-out', 'ca.pem');
  key('server.key');
  openssl('req', '-new', '-key', 'server.key', '-subj', '/CN=127.0.0.1', '-out', 'server.csr');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2',
    '-extfile', 'server.ext', '-out', 'server.pem');
  return { caFile: join(dir, 'ca.pem'), cert: readFileSync(join(dir, 'server.pem'), 'utf8'), key: readFileSync(join(dir, 'server.key'), 'utf8') };
}

describe('schema registry basic auth (a proxy that checks it, before the real registry)', () => {
  let scope: TestScope;
  let proxy: Awaited<ReturnType<typeof basicAuthProxy>>;
  let aggregator: Aggregator | undefined;
  let switches: Connection | undefined;

  beforeAll(async () => {
    scope = await testScope('registry-auth');
    proxy = await basicAuthProxy(scope.env.SCHEMA_REGISTRY_URL as string);
  });

  afterAll(async () => {
    await switches?.close();
    await aggregator?.stop();
    await new Promise((resolve) => proxy?.server.close(resolve));
  });

  it('stops a service without credentials with an error that names the registry and the 401', async () => {
    const config = loadConfig(AGGREGATOR_ENV, { ...scope.env, SCHEMA_REGISTRY_URL: proxy.url });
    const error = await startAggregator(config).then(
      async (started) => {
        await started.stop();
        return new Error('started');
      },
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(CallwatchError);
    expect((error as CallwatchError).code).toBe('CW_ERR_REGISTRY');
    expect((error as CallwatchError).retriable).toBe(false);
    expect((error as Error).message).toContain(`schema registry ${proxy.url} answered 401 Unauthorized to registering schema `);
    expect((error as Error).message).toContain(': it wants credentials: set SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD');
  });

  it('runs the aggregator with them: schemas registered and CDRs decoded through the registry', async () => {
    const env = { ...scope.env, SCHEMA_REGISTRY_URL: proxy.url, SCHEMA_REGISTRY_USERNAME: USER, SCHEMA_REGISTRY_PASSWORD: PASSWORD };
    const config = loadConfig(AGGREGATOR_ENV, env);
    switches = await connect(config, `${scope.id}-switch`, ['cdr']);
    aggregator = await startAggregator(config);
    const customer = `auth-${scope.id}`;
    await switches.publisher.publish(switches.topics.cdr, 'cdr', [cdr(customer, true), cdr(customer, false)].map((value) => ({ key: `customer:${customer}`, value })));
    await eventually(async () => {
      const status = await entityStatus(`customer:${customer}`, env);
      expect(status.windows[0]).toMatchObject({ attempts: 2, answered: 1 });
    }, { timeoutMs: 90_000, intervalMs: 500 });
    expect(proxy.authorized()).toBeGreaterThan(0);
  });

  it('reads writer schemas with the credentials, also from the URL, and refuses to read them without (no dead letters)', async () => {
    const value = cdr(`reader-${scope.id}`, true);
    const written = switches?.codec.encode('cdr', value) as Buffer;
    // Fresh codecs have registered nothing: decoding needs the writer schema from the registry.
    const withUrlCredentials = new URL(proxy.url);
    withUrlCredentials.username = USER;
    withUrlCredentials.password = PASSWORD;
    const reader = new RegistryCodec(connectionSecurity(loadConfig(AGGREGATOR_ENV, { ...scope.env, SCHEMA_REGISTRY_URL: withUrlCredentials.toString() })).registry);
    await reader.prefetch([written]);
    expect(reader.decode('cdr', written)).toEqual(value);

    const stranger = new RegistryCodec(proxy.url);
    const refused = await stranger.prefetch([written]).then(() => new Error('read'), (err: unknown) => err);
    expect(refused).toMatchObject({ code: 'CW_ERR_REGISTRY', retriable: false });
    expect((refused as Error).message).toBe(`schema registry ${proxy.url} answered 401 Unauthorized to reading schema id ${written.readInt32BE(1)}: it wants credentials: set SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD`);
  });

  it('reaches an https registry through the CA in SCHEMA_REGISTRY_CA_FILE, and names the registry when no CA it trusts signed it', async () => {
    const certificates = testCertificates();
    const https = await basicAuthProxy(scope.env.SCHEMA_REGISTRY_URL as string, certificates);
    try {
      const env = { ...scope.env, SCHEMA_REGISTRY_URL: https.url, SCHEMA_REGISTRY_USERNAME: USER, SCHEMA_REGISTRY_PASSWORD: PASSWORD };
      const trusting = { ...env, SCHEMA_REGISTRY_CA_FILE: certificates.caFile };
      const registrar = await connect(loadConfig(AGGREGATOR_ENV, trusting), `${scope.id}-https`, ['cdr']);
      const value = cdr(`https-${scope.id}`, true);
      const written = registrar.codec.encode('cdr', value);
      await registrar.close();
      const reader = new RegistryCodec(connectionSecurity(loadConfig(AGGREGATOR_ENV, trusting)).registry);
      await reader.prefetch([written]);
      expect(reader.decode('cdr', written)).toEqual(value);

      const refused = await connect(loadConfig(AGGREGATOR_ENV, env), `${scope.id}-https`, ['cdr']).then(
        async (connection) => {
          await connection.close();
          return new Error('connected');
        },
        (err: unknown) => err,
      );
      expect(refused).toMatchObject({ code: 'CW_ERR_REGISTRY' });
      expect((refused as Error).message).toContain(`at ${https.url}: `);
      expect((refused as Error).message).toMatch(/certificate/);
    } finally {
      await new Promise((resolve) => https.server.close(resolve));
    }
  });
});
