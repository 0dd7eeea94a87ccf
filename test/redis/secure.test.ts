import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseRedisUrl } from '@callwatch/core';
import { AGGREGATOR_ENV, startAggregator, type Aggregator } from '@callwatch/aggregator';
import { entityStatus } from '@callwatch/cli';
import { connect, type Connection } from '@callwatch/kafka';
import { connectNodes, createRedis, type Redis } from '@callwatch/redis';
import type { Cdr } from '@callwatch/schemas';
import { cdr } from '../support/cdrs';
import { eventually, testScope, type TestScope } from '../support/harness';

// What `infra env` exports for the local Redis and Redis Cluster with TLS and the ACL user `callwatch`, whose keys
// must start with `cw:` (infra/lib/redis.sh). The Cluster requires a client certificate; the standalone Redis does not.
type LocalRedis = Record<'REDIS_URL' | 'REDIS_TLS_URL' | 'REDIS_CLUSTER_TLS_URL' | 'REDIS_LOCAL_CA_FILE' | 'REDIS_LOCAL_CERT_FILE' | 'REDIS_LOCAL_KEY_FILE', string>;
const { REDIS_TLS_URL, REDIS_CLUSTER_TLS_URL, REDIS_LOCAL_CA_FILE, REDIS_LOCAL_CERT_FILE, REDIS_LOCAL_KEY_FILE, REDIS_URL } = process.env as LocalRedis;
const standaloneTls = { REDIS_URL: REDIS_TLS_URL, REDIS_TLS_CA_FILE: REDIS_LOCAL_CA_FILE };
// The Cluster's user and password come the Kubernetes way (REDIS_USERNAME, REDIS_PASSWORD_FILE), and its URL names
// one node: the client must take TLS, the client certificate and the credentials to the nodes it discovers.
const cluster = parseRedisUrl(REDIS_CLUSTER_TLS_URL);
const passwordFile = join(mkdtempSync(join(tmpdir(), 'cw-secure-')), 'redis-password');
writeFileSync(passwordFile, `${cluster.password}\n`);
const clusterTls = {
  REDIS_URL: `rediss-cluster://${cluster.nodes[0]?.host}:${cluster.nodes[0]?.port}`,
  REDIS_USERNAME: cluster.username as string,
  REDIS_PASSWORD_FILE: passwordFile,
  REDIS_TLS_CA_FILE: REDIS_LOCAL_CA_FILE,
  REDIS_TLS_CERT_FILE: REDIS_LOCAL_CERT_FILE,
  REDIS_TLS_KEY_FILE: REDIS_LOCAL_KEY_FILE,
};
const withPassword = (url: string, password: string) => url.replace(/:[^:@/]*@/, `:${password}@`);

// A local Redis started before it had TLS ports serves none of them: say so at once, not after minutes of retries.
beforeAll(async () => {
  const nodes = [...parseRedisUrl(REDIS_TLS_URL).nodes, ...cluster.nodes];
  const listening = await Promise.all(nodes.map(({ host, port }) => new Promise<boolean>((resolve) => {
    const socket = connectTcp({ host, port }, () => socket.end(() => resolve(true)));
    socket.once('error', () => resolve(false));
  })));
  const closed = nodes.filter((_, i) => !listening[i]).map(({ host, port }) => `${host}:${port}`);
  if (closed.length > 0) {
    throw new Error(`nothing listens on ${closed.join(', ')}: the local Redis runs without its TLS ports; restart it with bash infra/bin/infra down redis redis-cluster && bash infra/bin/infra up redis redis-cluster`);
  }
});

describe.each([
  ['a standalone Redis over TLS', standaloneTls],
  ['a Redis Cluster over mutual TLS', clusterTls],
])('aggregator on %s, as an ACL user limited to cw:* keys', (_, redisEnv) => {
  let scope: TestScope;
  let aggregator: Aggregator | undefined;
  let switches: Connection;

  beforeAll(async () => {
    scope = await testScope('secure', { ...redisEnv, AGGREGATOR_PERIODS: '5m' });
    scope.env.REDIS_KEY_PREFIX = `cw:${scope.id}:`;
    switches = await connect(loadConfig(AGGREGATOR_ENV, scope.env), `${scope.id}-switch`, ['cdr']);
  });

  afterAll(async () => {
    await switches?.close();
    await aggregator?.stop();
  });

  it('counts CDRs into Redis, and `callwatch status` reads the counts back over TLS', async () => {
    aggregator = await startAggregator(loadConfig(AGGREGATOR_ENV, scope.env));
    // Customer i makes i + 1 calls: on a Cluster, twelve entities land on more than one node.
    const customers = Array.from({ length: 12 }, (_, i) => `c${i}-${scope.id}`);
    const end = Date.now();
    const calls: Cdr[] = customers.flatMap((customer, i) => Array.from({ length: i + 1 }, (_, j) => cdr(customer, j === 0, end, { cdr_id: `${customer}-${j}` })));
    await switches.publisher.publish(switches.topics.cdr, 'cdr', calls.map((c) => ({ key: `customer:${c.customer_id}`, value: c })));

    await eventually(async () => {
      const attempts = await Promise.all(customers.map(async (c) => (await entityStatus(`customer:${c}`, scope.env)).windows[0]?.attempts));
      expect(attempts).toEqual(customers.map((_, i) => i + 1));
    }, { timeoutMs: 60_000, intervalMs: 500 });

    // The aggregator's keys, node by node, each node reached over TLS as the ACL user: on a Cluster, more than one.
    const everyNode = cluster.nodes.map(({ host, port }) => `${host}:${port}`).join(',');
    const url = scope.env.REDIS_URL?.startsWith('rediss-cluster://') ? `rediss-cluster://${everyNode}` : scope.env.REDIS_URL;
    const nodes = connectNodes(loadConfig(AGGREGATOR_ENV, { ...scope.env, REDIS_URL: url }), { name: 'test' });
    try {
      const held = await Promise.all(nodes.map((node) => scanAll(node, `${scope.env.REDIS_KEY_PREFIX}*`)));
      expect(held.flat()).toContain(`${scope.env.REDIS_KEY_PREFIX}{customer:${customers[3]}}:win`);
      expect(held.filter((keys) => keys.length > 0).length).toBe(url?.startsWith('rediss-cluster://') ? 3 : 1);
    } finally {
      nodes.forEach((node) => node.disconnect());
    }
  });
});

// SCAN, unlike KEYS, is no @dangerous command: the ACL user may list keys.
async function scanAll(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

describe('Redis credentials and TLS that fail', () => {
  it('a wrong password fails at once with the node and the user, and without the password', async () => {
    const env = { ...process.env, ...standaloneTls, REDIS_URL: withPassword(REDIS_TLS_URL, 'not-the-password') };
    const failure = await entityStatus('customer:acme', env).catch((err: unknown) => err as Error);
    expect(failure).toMatchObject({ code: 'CW_ERR_REDIS_AUTH', retriable: false });
    const node = parseRedisUrl(REDIS_TLS_URL).nodes[0];
    expect((failure as Error).message).toMatch(new RegExp(`^Redis at ${node?.host}:${node?.port} refused the credentials of user callwatch \\(WRONGPASS\\)`));
    expect((failure as Error).message).not.toMatch(/not-the-password/);
  });

  it('a wrong password fails a Cluster client at once too', async () => {
    const wrong = join(mkdtempSync(join(tmpdir(), 'cw-secure-')), 'wrong');
    writeFileSync(wrong, 'not-the-password\n');
    const failure = await entityStatus('customer:acme', { ...process.env, ...clusterTls, REDIS_PASSWORD_FILE: wrong }).catch((err: unknown) => err as Error);
    expect(failure).toMatchObject({ code: 'CW_ERR_REDIS_AUTH', message: expect.stringMatching(/^Redis at 127\.0\.0\.1:\d+ refused the credentials of user callwatch \(WRONGPASS\)/) });
  });

  it('a client without the CA fails with the TLS reason and the node', async () => {
    const failure = await entityStatus('customer:acme', { ...process.env, REDIS_URL: REDIS_TLS_URL, REDIS_TLS_CA_FILE: '' }).catch((err: unknown) => err as Error);
    expect(failure).toMatchObject({ code: 'CW_ERR_REDIS_TLS', retriable: false });
    expect((failure as Error).message).toMatch(/^TLS with Redis at 127\.0\.0\.1:\d+ failed: self-signed certificate in certificate chain \(SELF_SIGNED_CERT_IN_CHAIN\): set REDIS_TLS_CA_FILE/);
  });

  it('a Cluster client without a client certificate fails with the TLS reason: the Cluster requires one', async () => {
    const failure = await entityStatus('customer:acme', { ...process.env, ...clusterTls, REDIS_TLS_CERT_FILE: '', REDIS_TLS_KEY_FILE: '' }).catch((err: unknown) => err as Error);
    expect(failure).toMatchObject({ code: 'CW_ERR_REDIS_TLS', message: expect.stringMatching(/^TLS with Redis at 127\.0\.0\.1:\d+ failed: .*certificate required.*: set REDIS_TLS_CERT_FILE/) });
  });
});

describe('the ACL user callwatch', () => {
  let acl: Redis;
  let open: Redis;
  const key = (prefix: string) => `${prefix}secure-${process.pid}-${Date.now()}`;

  beforeAll(() => {
    acl = createRedis(loadConfig(AGGREGATOR_ENV, { ...process.env, ...standaloneTls }), { name: 'test' });
    open = createRedis(REDIS_URL, { name: 'test' });
  });

  afterAll(() => {
    acl.disconnect();
    open.disconnect();
  });

  it('may write keys under cw: only, which the open default user of the plain port may', async () => {
    const inside = key('cw:');
    expect(await acl.set(inside, '1', 'PX', 60_000)).toBe('OK');
    const outside = key('elsewhere:');
    await expect(acl.set(outside, '1', 'PX', 60_000)).rejects.toThrow(/^NOPERM/);
    await expect(acl.get(outside)).rejects.toThrow(/^NOPERM/);
    // Inside a script too: Redis checks a script's keys against the user that runs it.
    await expect(acl.eval("return redis.call('GET', KEYS[1])", 1, outside)).rejects.toThrow(/NOPERM|can't access/);
    expect(await open.set(outside, '1', 'PX', 60_000)).toBe('OK');
  });

  it('may not run the dangerous commands, those that reach every key', async () => {
    await expect(acl.call('FLUSHALL')).rejects.toThrow(/^NOPERM/);
    await expect(acl.call('KEYS', '*')).rejects.toThrow(/^NOPERM/);
    await expect(acl.call('CONFIG', 'GET', 'requirepass')).rejects.toThrow(/^NOPERM/);
  });
});
