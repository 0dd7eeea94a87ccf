import { loadConfig } from './config';
import { parseRedisUrl, redisClusterNodes } from './redis-url';
import { REDIS_ENV } from './redis-config';

describe('parseRedisUrl', () => {
  it.each([
    ['redis://127.0.0.1:16379', { cluster: false, tls: false, nodes: [{ host: '127.0.0.1', port: 16379 }], username: null, password: null, db: 0 }],
    ['redis://redis.internal', { cluster: false, tls: false, nodes: [{ host: 'redis.internal', port: 6379 }], username: null, password: null, db: 0 }],
    ['rediss://callwatch:s3cret@redis.internal:6380/2', { cluster: false, tls: true, nodes: [{ host: 'redis.internal', port: 6380 }], username: 'callwatch', password: 's3cret', db: 2 }],
    ['redis://:only-a-password@h:1', { cluster: false, tls: false, nodes: [{ host: 'h', port: 1 }], username: null, password: 'only-a-password', db: 0 }],
    ['redis://[::1]:7000', { cluster: false, tls: false, nodes: [{ host: '::1', port: 7000 }], username: null, password: null, db: 0 }],
    ['redis-cluster://a:7000, b:7001/', { cluster: true, tls: false, nodes: [{ host: 'a', port: 7000 }, { host: 'b', port: 7001 }], username: null, password: null, db: 0 }],
    ['rediss-cluster://cw:pw@a:7000,b:7001', { cluster: true, tls: true, nodes: [{ host: 'a', port: 7000 }, { host: 'b', port: 7001 }], username: 'cw', password: 'pw', db: 0 }],
    ['REDISS://h:1', { cluster: false, tls: true, nodes: [{ host: 'h', port: 1 }], username: null, password: null, db: 0 }],
  ])('reads %s', (url, expected) => {
    expect(parseRedisUrl(url)).toEqual(expected);
  });

  it('decodes a percent-encoded user and password, and splits at the last @ as URL parsers do', () => {
    expect(parseRedisUrl('rediss://ops%40acme:p%3Ass%2Fw@h:6380')).toMatchObject({ username: 'ops@acme', password: 'p:ss/w' });
    expect(parseRedisUrl('redis://u:p@ss@h:1')).toMatchObject({ username: 'u', password: 'p@ss', nodes: [{ host: 'h', port: 1 }] });
  });

  it.each([
    ['not a url', /not a Redis URL/],
    ['http://h:1', /not a Redis URL/],
    ['redis://', /"" is not a host:port/],
    ['redis-cluster://a', /"a" is not a host:port/],
    ['redis-cluster://a:7000,,b:1', /"" is not a host:port/],
    ['redis-cluster://a:99999', /"a:99999" is not a host:port/],
    ['redis://a:1,b:2', /a standalone Redis has one host/],
    ['redis-cluster://a:1/3', /a Redis Cluster has only database 0/],
    ['redis://a:1/x', /"\/x" is not a database number/],
    ['redis://a:1?password=x', /query parameters/],
    ['redis://u:%zz@a:1', /malformed %-escape/],
  ])('refuses %p, saying what was expected', (url, why) => {
    expect(() => parseRedisUrl(url)).toThrow(why);
    expect(() => parseRedisUrl(url)).toThrow(/expected redis:\/\/\[user:password@\]host\[:port\]\[\/db\]/);
  });

  it('never shows the password of a URL it refuses', () => {
    for (const url of ['redis://u:hunter2@a:1,b:2', 'rediss-cluster://u:hunter2@a', 'redis://u:hunter2@a:1/x', 'redis://u:hunter2/x@a:1?y']) {
      expect(() => parseRedisUrl(url)).toThrow(/u:\*\*\*@/);
      expect(() => parseRedisUrl(url)).not.toThrow(/hunter2/);
    }
  });

  it('keeps the password out of the configuration error that names REDIS_URL', () => {
    expect(() => loadConfig(REDIS_ENV, { REDIS_URL: 'redis://cw:hunter2@a:1/x' })).toThrow(/REDIS_URL: .*redis:\/\/cw:\*\*\*@a:1\/x/);
    expect(() => loadConfig(REDIS_ENV, { REDIS_URL: 'redis://cw:hunter2@a:1/x' })).not.toThrow(/hunter2/);
  });
});

describe('redisClusterNodes', () => {
  it('names the nodes of a cluster URL, plain or TLS, and nothing for a standalone one', () => {
    expect(redisClusterNodes('rediss-cluster://u:p@a:7000,b:7001')).toEqual([{ host: 'a', port: 7000 }, { host: 'b', port: 7001 }]);
    expect(redisClusterNodes('rediss://a:7000')).toBeNull();
    expect(redisClusterNodes('')).toBeNull();
  });
});
