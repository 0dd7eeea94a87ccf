import { X509Certificate, createPrivateKey } from 'node:crypto';
import { Agent } from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import {
  CallwatchError, readCertificates, readPrivateKey, readSecretFile, type ConfigOf, type KAFKA_SECURITY_ENV, type SCHEMA_REGISTRY_SECURITY_ENV,
  type SecurityProtocol,
} from '@callwatch/core';
import type { RegistryAccess } from './registry-http';

/** KafkaSecurity is how a client encrypts (ssl) and authenticates (sasl) its broker connections. */
export interface KafkaSecurity {
  protocol: SecurityProtocol;
  /** TLS options; absent for PLAINTEXT and SASL_PLAINTEXT */
  ssl?: ConnectionOptions;
  sasl?: SASLOptions;
}

/** ConnectionSecurity is what connectionSecurity makes of the settings: for Kafka and for the registry. */
export interface ConnectionSecurity {
  kafka: KafkaSecurity;
  registry: RegistryAccess;
}

type SecurityConfig = ConfigOf<typeof KAFKA_SECURITY_ENV> & ConfigOf<typeof SCHEMA_REGISTRY_SECURITY_ENV> & { SCHEMA_REGISTRY_URL: string };

/**
 * connectionSecurity checks that the Kafka and registry security settings fit together and reads the files they
 * name (CAs, client certificate, passwords), once, at start. It throws one CW_ERR_CONFIG listing every problem by
 * variable; no message shows a password.
 */
export function connectionSecurity(config: SecurityConfig): ConnectionSecurity {
  const problems: string[] = [];
  const kafka = kafkaSecurity(config, problems);
  const registry = registryAccess(config, problems);
  if (problems.length > 0) {
    throw new CallwatchError('CW_ERR_CONFIG', `invalid configuration:\n  ${problems.join('\n  ')}`, { details: { problems } });
  }
  return { kafka, registry };
}

/** securitySummary says how a client connects, for the start-up log: protocol, mechanism and user, and the registry URL without credentials. */
export function securitySummary(config: SecurityConfig): { security: string; registry: string } {
  const { KAFKA_SECURITY_PROTOCOL: protocol, KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username } = config;
  return {
    security: protocol.startsWith('SASL_') ? `${protocol} (${mechanism}, user ${username})` : protocol,
    registry: withoutCredentials(config.SCHEMA_REGISTRY_URL),
  };
}

/** withoutCredentials is a URL with any user and password taken out of it, fit for logs and messages. */
function withoutCredentials(raw: string): string {
  const url = new URL(raw);
  if (!url.username && !url.password) return raw;
  url.username = '';
  url.password = '';
  return url.toString().replace(/\/$/, '');
}

function kafkaSecurity(config: SecurityConfig, problems: string[]): KafkaSecurity {
  const protocol = config.KAFKA_SECURITY_PROTOCOL;
  const security: KafkaSecurity = { protocol };
  if (protocol === 'SASL_SSL' || protocol === 'SASL_PLAINTEXT') {
    const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username } = config;
    if (!mechanism) problems.push(`KAFKA_SASL_MECHANISM is required with KAFKA_SECURITY_PROTOCOL=${protocol}: scram-sha-512, scram-sha-256 or plain`);
    if (!username) problems.push(`KAFKA_SASL_USERNAME is required with KAFKA_SECURITY_PROTOCOL=${protocol}`);
    const password = secret('KAFKA_SASL_PASSWORD', config.KAFKA_SASL_PASSWORD, 'KAFKA_SASL_PASSWORD_FILE', config.KAFKA_SASL_PASSWORD_FILE, problems);
    if (password === undefined && !config.KAFKA_SASL_PASSWORD_FILE) problems.push(`KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE) is required with KAFKA_SECURITY_PROTOCOL=${protocol}`);
    if (mechanism && username && password !== undefined) security.sasl = { mechanism, username, password } as SASLOptions;
  } else {
    unused(config, ['KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'KAFKA_SASL_PASSWORD_FILE'], `KAFKA_SECURITY_PROTOCOL=${protocol} does not use SASL: set it to SASL_SSL`, problems);
  }
  if (protocol === 'SSL' || protocol === 'SASL_SSL') {
    const ssl: ConnectionOptions = {};
    const ca = config.KAFKA_TLS_CA_FILE && readCertificates('KAFKA_TLS_CA_FILE', config.KAFKA_TLS_CA_FILE, problems);
    if (ca) ssl.ca = ca;
    const { KAFKA_TLS_CERT_FILE: certFile, KAFKA_TLS_KEY_FILE: keyFile } = config;
    if (certFile && !keyFile) problems.push('KAFKA_TLS_KEY_FILE is required with KAFKA_TLS_CERT_FILE: the private key of the client certificate');
    if (keyFile && !certFile) problems.push('KAFKA_TLS_CERT_FILE is required with KAFKA_TLS_KEY_FILE: the client certificate of the key');
    if (certFile && keyFile) {
      const cert = readCertificates('KAFKA_TLS_CERT_FILE', certFile, problems);
      const key = readPrivateKey('KAFKA_TLS_KEY_FILE', keyFile, problems);
      if (cert && key) {
        if (new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))) Object.assign(ssl, { cert, key });
        else problems.push(`KAFKA_TLS_KEY_FILE: the key in ${keyFile} does not belong to the certificate in ${certFile}`);
      }
    }
    security.ssl = ssl;
  } else {
    unused(config, ['KAFKA_TLS_CA_FILE', 'KAFKA_TLS_CERT_FILE', 'KAFKA_TLS_KEY_FILE'], `KAFKA_SECURITY_PROTOCOL=${protocol} does not use TLS: set it to SSL or SASL_SSL`, problems);
  }
  return security;
}

function registryAccess(config: SecurityConfig, problems: string[]): RegistryAccess {
  const url = new URL(config.SCHEMA_REGISTRY_URL);
  // Credentials in the URL are taken out of it, so that the URL can be logged and put in error messages.
  const access: RegistryAccess = { url: withoutCredentials(config.SCHEMA_REGISTRY_URL) };
  let username = config.SCHEMA_REGISTRY_USERNAME;
  let password = secret('SCHEMA_REGISTRY_PASSWORD', config.SCHEMA_REGISTRY_PASSWORD, 'SCHEMA_REGISTRY_PASSWORD_FILE', config.SCHEMA_REGISTRY_PASSWORD_FILE, problems);
  if (url.username || url.password) {
    if (username || password !== undefined) problems.push('SCHEMA_REGISTRY_URL has a user and password in it, and SCHEMA_REGISTRY_USERNAME or SCHEMA_REGISTRY_PASSWORD is set too: keep one of them');
    username = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  }
  if (username && password !== undefined) access.auth = { username, password };
  else if (username) problems.push('SCHEMA_REGISTRY_PASSWORD (or SCHEMA_REGISTRY_PASSWORD_FILE) is required with SCHEMA_REGISTRY_USERNAME');
  else if (password !== undefined) problems.push('SCHEMA_REGISTRY_USERNAME is required with SCHEMA_REGISTRY_PASSWORD');
  if (config.SCHEMA_REGISTRY_CA_FILE) {
    if (url.protocol !== 'https:') problems.push(`SCHEMA_REGISTRY_CA_FILE is set, but SCHEMA_REGISTRY_URL (${access.url}) is not https`);
    const ca = readCertificates('SCHEMA_REGISTRY_CA_FILE', config.SCHEMA_REGISTRY_CA_FILE, problems);
    if (ca) access.agent = new Agent({ ca, keepAlive: true });
  }
  return access;
}

/** secret reads a password from its variable or from the file its _FILE variable names; undefined when neither is set. */
function secret(name: string, value: string, fileName: string, file: string, problems: string[]): string | undefined {
  if (value && file) {
    problems.push(`set ${name} or ${fileName}, not both`);
    return undefined;
  }
  if (!file) return value || undefined;
  return readSecretFile(fileName, file, problems);
}

function unused(config: SecurityConfig, names: Array<keyof SecurityConfig>, why: string, problems: string[]): void {
  const set = names.filter((name) => config[name]);
  if (set.length > 0) problems.push(`${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set, but ${why}`);
}
