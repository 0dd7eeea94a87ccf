import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMON_ENV, CallwatchError, loadConfig } from '@callwatch/core';
import { connectionSecurity, securitySummary } from './security';

const PASSWORD = 'pw-7f3a-never-shown';
let dir: string;
const file = (name: string) => join(dir, name);
const settings = (env: Record<string, string>) => connectionSecurity(loadConfig(COMMON_ENV, env));

/** problems runs connectionSecurity on env and returns the problems of its CW_ERR_CONFIG (failing when there is none). */
function problems(env: Record<string, string>): string[] {
  try {
    settings(env);
  } catch (err) {
    expect(err).toBeInstanceOf(CallwatchError);
    expect((err as CallwatchError).code).toBe('CW_ERR_CONFIG');
    expect((err as Error).message).not.toContain(PASSWORD);
    return (err as CallwatchError).details.problems as string[];
  }
  throw new Error(`expected a CW_ERR_CONFIG for ${JSON.stringify(env)}`);
}

const saslSsl = { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'callwatch', KAFKA_SASL_PASSWORD: PASSWORD };

beforeAll(() => {
  // Real certificates, made the way infra/lib/kafka.sh makes the local broker's: a CA, and a client certificate it signed.
  dir = mkdtempSync(join(tmpdir(), 'cw-security-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = (name: string) => openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name);
  key('ca.key');
  openssl('req', '-x509', '-new', '-key', 'ca.key', '-days', '2', '-subj', '/CN=test CA', '-out', 'ca.pem');
  key('client.key');
  openssl('req', '-new', '-key', 'client.key', '-subj', '/CN=callwatch', '-out', 'client.csr');
  openssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', 'client.pem');
  key('other.key');
  writeFileSync(file('password'), `${PASSWORD}\n`);
  writeFileSync(file('empty'), '');
  writeFileSync(file('not-pem'), 'hello\n');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('connectionSecurity: Kafka', () => {
  it('is PLAINTEXT without TLS or SASL by default', () => {
    expect(settings({}).kafka).toEqual({ protocol: 'PLAINTEXT' });
  });

  it('logs in with SASL over TLS, trusting the CA file instead of the system CAs', () => {
    const { kafka } = settings({ ...saslSsl, KAFKA_TLS_CA_FILE: file('ca.pem') });
    expect(kafka.protocol).toBe('SASL_SSL');
    expect(kafka.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'callwatch', password: PASSWORD });
    expect(kafka.ssl).toEqual({ ca: readFileSync(file('ca.pem'), 'utf8') });
  });

  it('names the protocols it knows when it gets another', () => {
    expect(() => loadConfig(COMMON_ENV, { KAFKA_SECURITY_PROTOCOL: 'TLS' })).toThrow('KAFKA_SECURITY_PROTOCOL: expected one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL, got "TLS"');
  });

  it('takes the protocol and mechanism in any case, as Kafka\'s own clients do', () => {
    const { kafka } = settings({ ...saslSsl, KAFKA_SECURITY_PROTOCOL: 'sasl_plaintext', KAFKA_SASL_MECHANISM: 'PLAIN' });
    expect(kafka).toEqual({ protocol: 'SASL_PLAINTEXT', sasl: { mechanism: 'plain', username: 'callwatch', password: PASSWORD } });
  });

  it('reads the password from KAFKA_SASL_PASSWORD_FILE, without its trailing newline', () => {
    const { kafka } = settings({ ...saslSsl, KAFKA_SASL_PASSWORD: '', KAFKA_SASL_PASSWORD_FILE: file('password') });
    expect(kafka.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'callwatch', password: PASSWORD });
  });

  it('uses the system CAs when no CA file is set, and a client certificate with its key', () => {
    const { kafka } = settings({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_TLS_CERT_FILE: file('client.pem'), KAFKA_TLS_KEY_FILE: file('client.key') });
    expect(kafka).toEqual({ protocol: 'SSL', ssl: { cert: readFileSync(file('client.pem'), 'utf8'), key: readFileSync(file('client.key'), 'utf8') } });
  });

  it.each<[string, Record<string, string>, string[]]>([
    ['SASL without mechanism, user or password', { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' }, [
      'KAFKA_SASL_MECHANISM is required with KAFKA_SECURITY_PROTOCOL=SASL_SSL: scram-sha-512, scram-sha-256 or plain',
      'KAFKA_SASL_USERNAME is required with KAFKA_SECURITY_PROTOCOL=SASL_SSL',
      'KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE) is required with KAFKA_SECURITY_PROTOCOL=SASL_SSL',
    ]],
    ['SASL settings without a SASL protocol', { ...saslSsl, KAFKA_SECURITY_PROTOCOL: 'SSL' }, [
      'KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD are set, but KAFKA_SECURITY_PROTOCOL=SSL does not use SASL: set it to SASL_SSL',
    ]],
    ['a CA file without TLS', { ...saslSsl, KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_TLS_CA_FILE: 'ca.pem' }, [
      'KAFKA_TLS_CA_FILE is set, but KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT does not use TLS: set it to SSL or SASL_SSL',
    ]],
    ['a password and a password file', { ...saslSsl, KAFKA_SASL_PASSWORD_FILE: 'password' }, ['set KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE, not both']],
    ['a client certificate without its key', { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_TLS_CERT_FILE: 'client.pem' }, [
      'KAFKA_TLS_KEY_FILE is required with KAFKA_TLS_CERT_FILE: the private key of the client certificate',
    ]],
    ['a key without its certificate', { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_TLS_KEY_FILE: 'client.key' }, [
      'KAFKA_TLS_CERT_FILE is required with KAFKA_TLS_KEY_FILE: the client certificate of the key',
    ]],
  ])('refuses %s, naming the variables', (_, env, expected) => {
    expect(problems(env)).toEqual(expected);
  });

  it('refuses files that do not exist, are empty, hold no certificate, or a key that is not the certificate\'s', () => {
    expect(problems({ ...saslSsl, KAFKA_TLS_CA_FILE: file('missing.pem') })).toEqual([
      `KAFKA_TLS_CA_FILE: cannot read ${file('missing.pem')}: ENOENT: no such file or directory, open '${file('missing.pem')}'`,
    ]);
    expect(problems({ ...saslSsl, KAFKA_SASL_PASSWORD: '', KAFKA_SASL_PASSWORD_FILE: file('empty') })).toEqual([`KAFKA_SASL_PASSWORD_FILE: ${file('empty')} is empty`]);
    expect(problems({ ...saslSsl, KAFKA_TLS_CA_FILE: file('not-pem') })).toEqual([`KAFKA_TLS_CA_FILE: ${file('not-pem')} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`]);
    expect(problems({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_TLS_CERT_FILE: file('client.pem'), KAFKA_TLS_KEY_FILE: file('other.key') })).toEqual([
      `KAFKA_TLS_KEY_FILE: the key in ${file('other.key')} does not belong to the certificate in ${file('client.pem')}`,
    ]);
    expect(problems({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_TLS_CERT_FILE: file('client.pem'), KAFKA_TLS_KEY_FILE: file('ca.pem') })[0]).toMatch(
      /^KAFKA_TLS_KEY_FILE: .*ca\.pem holds no private key that can be read without a passphrase: /,
    );
  });

  it('names every problem of Kafka and the registry in one error', () => {
    expect(problems({ KAFKA_SASL_MECHANISM: 'plain', SCHEMA_REGISTRY_USERNAME: 'u' })).toEqual([
      'KAFKA_SASL_MECHANISM is set, but KAFKA_SECURITY_PROTOCOL=PLAINTEXT does not use SASL: set it to SASL_SSL',
      'SCHEMA_REGISTRY_PASSWORD (or SCHEMA_REGISTRY_PASSWORD_FILE) is required with SCHEMA_REGISTRY_USERNAME',
    ]);
  });
});

describe('connectionSecurity: the schema registry', () => {
  it('has no auth by default', () => {
    expect(settings({}).registry).toEqual({ url: 'http://127.0.0.1:18081/apis/ccompat/v7' });
  });

  it('sends basic auth from SCHEMA_REGISTRY_USERNAME and the password or its file', () => {
    expect(settings({ SCHEMA_REGISTRY_USERNAME: 'cw', SCHEMA_REGISTRY_PASSWORD: PASSWORD }).registry.auth).toEqual({ username: 'cw', password: PASSWORD });
    expect(settings({ SCHEMA_REGISTRY_USERNAME: 'cw', SCHEMA_REGISTRY_PASSWORD_FILE: file('password') }).registry.auth).toEqual({ username: 'cw', password: PASSWORD });
  });

  it('takes a user and password out of SCHEMA_REGISTRY_URL, so that the URL it logs has none', () => {
    const env = { SCHEMA_REGISTRY_URL: `https://cw%40ops:${PASSWORD}@registry.example:8081/apis/ccompat/v7` };
    expect(settings(env).registry).toEqual({ url: 'https://registry.example:8081/apis/ccompat/v7', auth: { username: 'cw@ops', password: PASSWORD } });
    const summary = securitySummary(loadConfig(COMMON_ENV, { ...env, ...saslSsl }));
    expect(summary).toEqual({ security: 'SASL_SSL (scram-sha-512, user callwatch)', registry: 'https://registry.example:8081/apis/ccompat/v7' });
  });

  it('trusts a CA file for an https registry', () => {
    const { registry } = settings({ SCHEMA_REGISTRY_URL: 'https://registry.example/apis/ccompat/v7', SCHEMA_REGISTRY_CA_FILE: file('ca.pem') });
    expect(registry.agent?.options).toMatchObject({ ca: readFileSync(file('ca.pem'), 'utf8') });
  });

  it.each<[string, Record<string, string>, string]>([
    ['a password without a user', { SCHEMA_REGISTRY_PASSWORD: PASSWORD }, 'SCHEMA_REGISTRY_USERNAME is required with SCHEMA_REGISTRY_PASSWORD'],
    ['credentials in the URL and in the variables', { SCHEMA_REGISTRY_URL: `http://a:${PASSWORD}@h:1/x`, SCHEMA_REGISTRY_USERNAME: 'a' },
      'SCHEMA_REGISTRY_URL has a user and password in it, and SCHEMA_REGISTRY_USERNAME or SCHEMA_REGISTRY_PASSWORD is set too: keep one of them'],
    ['a CA file for a plain http registry', { SCHEMA_REGISTRY_URL: `http://a:${PASSWORD}@h:1/x`, SCHEMA_REGISTRY_CA_FILE: 'ca.pem' },
      'SCHEMA_REGISTRY_CA_FILE is set, but SCHEMA_REGISTRY_URL (http://h:1/x) is not https'],
  ])('refuses %s', (_, env, expected) => {
    expect(problems(env)[0]).toBe(expected);
  });
});
