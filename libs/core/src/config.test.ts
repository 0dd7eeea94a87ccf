import { CallwatchError } from './errors';
import { env, loadConfig, parsers, secretEnv } from './config';
import { configurationMarkdown } from './config-doc';
import { redisClusterNodes } from './redis-url';

describe('loadConfig', () => {
  const specs = {
    PORT: env(parsers.port, 'port to listen on', 8080),
    BROKERS: env(parsers.list, 'Kafka brokers'),
    MODE: env(parsers.oneOf('fast', 'safe'), 'mode', 'safe'),
  };

  it('applies defaults and parses values', () => {
    expect(loadConfig(specs, { BROKERS: 'a:1, b:2' })).toEqual({ PORT: 8080, BROKERS: ['a:1', 'b:2'], MODE: 'safe' });
  });

  it('reports every bad or missing variable by name at once', () => {
    let error: unknown;
    try {
      loadConfig(specs, { PORT: '99999', MODE: 'turbo' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CallwatchError);
    const e = error as CallwatchError;
    expect(e.code).toBe('CW_ERR_CONFIG');
    expect(e.retriable).toBe(false);
    expect(e.message).toContain('PORT: expected a port 0-65535, got 99999');
    expect(e.message).toContain('BROKERS is required (Kafka brokers)');
    expect(e.message).toContain('MODE: expected one of fast, safe, got "turbo"');
  });
});

describe('secret variables', () => {
  it('never show their value, in an error or in the configuration reference', () => {
    const failing = { ...secretEnv('API token'), parse: (raw: string) => { throw new Error(`expected hex, got "${raw}"`); } };
    expect(() => loadConfig({ TOKEN: failing }, { TOKEN: 'hunter2' })).toThrow('TOKEN: invalid (the value is secret, so not shown) (API token)');
    expect(() => loadConfig({ TOKEN: failing }, { TOKEN: 'hunter2' })).not.toThrow(/hunter2/);
    expect(loadConfig({ TOKEN: secretEnv('API token') }, { TOKEN: 'hunter2' })).toEqual({ TOKEN: 'hunter2' });
    const doc = configurationMarkdown([{ title: 'T', intro: '', specs: { TOKEN: secretEnv('API token') } }], '');
    expect(doc).toContain('| `TOKEN` | (empty) | API token (secret: never logged or shown) |');
  });
});

describe('parsers.bytes', () => {
  it.each([['1048576', 1_048_576], ['512KiB', 524_288], ['4MiB', 4_194_304], [' 1 GiB ', 1_073_741_824]])('reads %p', (raw, expected) => {
    expect(parsers.bytes(raw)).toBe(expected);
  });

  it.each(['0', '4MB', '-1', 'lots', ''])('refuses %p', (raw) => {
    expect(() => parsers.bytes(raw)).toThrow(/expected a positive size in bytes/);
  });
});

describe('parsers.redisUrl', () => {
  it.each([
    ['redis://127.0.0.1:16379', 'redis://127.0.0.1:16379'],
    ['redis-cluster://10.0.0.1:7000,10.0.0.2:7000', 'redis-cluster://10.0.0.1:7000,10.0.0.2:7000'],
  ])('reads %p', (raw, expected) => {
    expect(parsers.redisUrl(raw)).toBe(expected);
  });

  it('names the nodes of a cluster URL', () => {
    expect(redisClusterNodes('redis-cluster://a:7000, b:7001')).toEqual([{ host: 'a', port: 7000 }, { host: 'b', port: 7001 }]);
    expect(redisClusterNodes('redis://a:7000')).toBeNull();
  });

  it.each(['redis-cluster://', 'redis-cluster://a', 'redis-cluster://a:7000,,b:1', 'redis-cluster://a:99999', 'not a url'])('refuses %p', (raw) => {
    expect(() => parsers.redisUrl(raw)).toThrow(/expected/);
  });
});
