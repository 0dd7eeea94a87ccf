import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisConnection, type RedisSettings } from './connection';

const dir = mkdtempSync(join(tmpdir(), 'redis-connection-'));
const file = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const settings = (over: Partial<RedisSettings>): RedisSettings => ({
  REDIS_URL: 'redis://127.0.0.1:6379', REDIS_USERNAME: '', REDIS_PASSWORD_FILE: '', REDIS_TLS_CA_FILE: '', REDIS_TLS_CERT_FILE: '', REDIS_TLS_KEY_FILE: '', ...over,
});
const problems = (over: Partial<RedisSettings>): string => {
  try {
    redisConnection(settings(over));
  } catch (err) {
    return (err as Error).message;
  }
  return 'no problem';
};

describe('redisConnection', () => {
  it('takes the user and password from the URL, and a bare URL for settings without files', () => {
    expect(redisConnection('rediss://cw:pw@h:6380/3')).toMatchObject({ username: 'cw', password: 'pw', tls: {}, target: { db: 3, tls: true } });
    expect(redisConnection('redis://h:6379')).toMatchObject({ username: undefined, password: undefined, tls: undefined });
  });

  it('reads the password from REDIS_PASSWORD_FILE without its trailing newline, for REDIS_USERNAME', () => {
    const connection = redisConnection(settings({ REDIS_URL: 'rediss-cluster://a:1,b:2', REDIS_USERNAME: 'cw', REDIS_PASSWORD_FILE: file('password', 'pa ss\n') }));
    expect(connection).toMatchObject({ username: 'cw', password: 'pa ss', tls: {} });
  });

  it('reads the client key of REDIS_TLS_KEY_FILE for a TLS URL', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const key = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const cert = file('not-checked.crt', '');
    expect(problems({ REDIS_URL: 'rediss://h', REDIS_TLS_CERT_FILE: cert, REDIS_TLS_KEY_FILE: file('client.key', key) })).not.toMatch(/REDIS_TLS_KEY_FILE/);
  });

  it.each<[string, Partial<RedisSettings>, RegExp]>([
    ['two users', { REDIS_URL: 'redis://cw:pw@h', REDIS_USERNAME: 'other' }, /REDIS_USERNAME is set, but REDIS_URL names a user too/],
    ['two passwords', { REDIS_URL: 'redis://cw:pw@h', REDIS_PASSWORD_FILE: '/nonexistent' }, /REDIS_PASSWORD_FILE is set, but REDIS_URL has a password too/],
    ['a user without a password', { REDIS_URL: 'redis://cw@h' }, /Redis user cw has no password: put it in REDIS_URL .* or in REDIS_PASSWORD_FILE/],
    ['a password file that is not there', { REDIS_PASSWORD_FILE: '/nonexistent/password' }, /REDIS_PASSWORD_FILE: cannot read \/nonexistent\/password: ENOENT/],
    ['an empty password file', { REDIS_PASSWORD_FILE: file('empty', '\n') }, /REDIS_PASSWORD_FILE: .*empty is empty/],
    ['TLS files for a plain URL', { REDIS_TLS_CA_FILE: '/ca.crt', REDIS_TLS_CERT_FILE: '/c.crt' }, /REDIS_TLS_CA_FILE, REDIS_TLS_CERT_FILE are set, but REDIS_URL does not use TLS: write rediss:\/\//],
    ['a certificate without its key', { REDIS_URL: 'rediss://h', REDIS_TLS_CERT_FILE: file('c.crt', 'x') }, /REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE go together/],
    ['a CA file without a certificate', { REDIS_URL: 'rediss://h', REDIS_TLS_CA_FILE: file('ca.crt', 'not a certificate') }, /REDIS_TLS_CA_FILE: .*ca.crt holds no PEM certificate/],
    ['a broken certificate', { REDIS_URL: 'rediss://h', REDIS_TLS_CA_FILE: file('bad.crt', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----') }, /REDIS_TLS_CA_FILE: a certificate in .*bad.crt cannot be read/],
    ['a key file without a key', { REDIS_URL: 'rediss://h', REDIS_TLS_CERT_FILE: file('c2.crt', 'x'), REDIS_TLS_KEY_FILE: file('k', 'no key') }, /REDIS_TLS_KEY_FILE: .*k holds no private key/],
    ['a bad URL', { REDIS_URL: 'redis://cw:hunter2@a:1,b:2' }, /REDIS_URL: a standalone Redis has one host/],
  ])('refuses %s with a CW_ERR_CONFIG naming the variable', (_, over, why) => {
    expect(problems(over)).toMatch(/^invalid configuration:/);
    expect(problems(over)).toMatch(why);
  });

  it('lists every problem at once, and never the password', () => {
    const message = problems({ REDIS_URL: 'redis://cw:hunter2@h', REDIS_USERNAME: 'x', REDIS_TLS_CA_FILE: '/ca.crt' });
    expect(message.split('\n')).toHaveLength(3);
    expect(message).not.toMatch(/hunter2/);
    expect(problems({ REDIS_URL: 'redis://cw:hunter2@a:1,b:2' })).not.toMatch(/hunter2/);
  });
});
