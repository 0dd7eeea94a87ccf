import type { ConnectionOptions } from 'node:tls';
import { CallwatchError, parseRedisUrl, readCertificates, readPrivateKey, readSecretFile, type ConfigOf, type REDIS_ENV, type RedisTarget } from '@callwatch/core';

/** RedisSettings are the REDIS_ENV settings a client connects with (a service's whole config will do). */
export type RedisSettings = ConfigOf<typeof REDIS_ENV>;

/** RedisConnection is what redisConnection makes of the settings: where, as whom, and with which TLS options. */
export interface RedisConnection {
  target: RedisTarget;
  /** the ACL user; undefined: the default user */
  username: string | undefined;
  password: string | undefined;
  /** TLS options for every node; undefined: no TLS */
  tls: ConnectionOptions | undefined;
}

/**
 * redisConnection checks that the Redis settings fit together and reads the files they name (password, CA, client
 * certificate and key), once, at start. A REDIS_URL alone stands for settings without files. It throws one
 * CW_ERR_CONFIG listing every problem by variable; no message shows a password.
 */
export function redisConnection(settings: RedisSettings | string): RedisConnection {
  const config = typeof settings === 'string' ? { ...NO_FILES, REDIS_URL: settings } : settings;
  const problems: string[] = [];
  let target: RedisTarget;
  try {
    target = parseRedisUrl(config.REDIS_URL);
  } catch (err) {
    throw configError([`REDIS_URL: ${(err as Error).message}`]);
  }
  if (config.REDIS_USERNAME && target.username !== null) problems.push('REDIS_USERNAME is set, but REDIS_URL names a user too: set one of them');
  if (config.REDIS_PASSWORD_FILE && target.password !== null) problems.push('REDIS_PASSWORD_FILE is set, but REDIS_URL has a password too: set one of them');
  const username = target.username ?? (config.REDIS_USERNAME || undefined);
  const password = target.password ?? (config.REDIS_PASSWORD_FILE ? passwordFrom(config.REDIS_PASSWORD_FILE, problems) : undefined);
  if (username !== undefined && password === undefined && !config.REDIS_PASSWORD_FILE) {
    problems.push(`Redis user ${username} has no password: put it in REDIS_URL (redis://${username}:password@host) or in REDIS_PASSWORD_FILE`);
  }
  const tls = target.tls ? tlsOptions(config, problems) : undefined;
  if (!target.tls) {
    const set = TLS_FILES.filter((name) => config[name]);
    if (set.length > 0) problems.push(`${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set, but REDIS_URL does not use TLS: write rediss:// (or rediss-cluster://)`);
  }
  if (problems.length > 0) throw configError(problems);
  return { target, username, password, tls };
}

const TLS_FILES = ['REDIS_TLS_CA_FILE', 'REDIS_TLS_CERT_FILE', 'REDIS_TLS_KEY_FILE'] as const;
const NO_FILES = { REDIS_USERNAME: '', REDIS_PASSWORD_FILE: '', REDIS_TLS_CA_FILE: '', REDIS_TLS_CERT_FILE: '', REDIS_TLS_KEY_FILE: '' };

function tlsOptions(config: RedisSettings, problems: string[]): ConnectionOptions {
  const { REDIS_TLS_CA_FILE: caFile, REDIS_TLS_CERT_FILE: certFile, REDIS_TLS_KEY_FILE: keyFile } = config;
  if (Boolean(certFile) !== Boolean(keyFile)) problems.push('REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE go together: set both or neither');
  const options: ConnectionOptions = {};
  if (caFile) options.ca = readCertificates('REDIS_TLS_CA_FILE', caFile, problems);
  if (certFile) options.cert = readCertificates('REDIS_TLS_CERT_FILE', certFile, problems);
  if (keyFile) options.key = readPrivateKey('REDIS_TLS_KEY_FILE', keyFile, problems);
  return options;
}

function passwordFrom(file: string, problems: string[]): string | undefined {
  return readSecretFile('REDIS_PASSWORD_FILE', file, problems);
}

function configError(problems: string[]): CallwatchError {
  return new CallwatchError('CW_ERR_CONFIG', `invalid configuration:\n  ${problems.join('\n  ')}`, { details: { problems } });
}
