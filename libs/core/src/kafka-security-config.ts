import { env, parsers, secretEnv } from './config';

/** SecurityProtocol is how a client talks to the brokers, named as Kafka's own `security.protocol`. */
export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';

/** SaslMechanism is a SASL mechanism callwatch logs in with, named as KafkaJS names it. */
export type SaslMechanism = 'scram-sha-512' | 'scram-sha-256' | 'plain';

const PROTOCOLS: SecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];
const MECHANISMS: SaslMechanism[] = ['scram-sha-512', 'scram-sha-256', 'plain'];

// Kafka's own clients take these in any case (SCRAM-SHA-512 in a Java client's properties), so callwatch does too.
const protocol = (raw: string): SecurityProtocol => parsers.oneOf(...PROTOCOLS)(raw.trim().toUpperCase());
const mechanism = (raw: string): SaslMechanism | '' => parsers.oneOf(...MECHANISMS)(raw.trim().toLowerCase());

/**
 * KAFKA_SECURITY_ENV is how every client encrypts and authenticates its Kafka connections; libs/kafka checks that
 * the settings fit together when it connects.
 */
export const KAFKA_SECURITY_ENV = {
  KAFKA_SECURITY_PROTOCOL: env(protocol, 'how clients talk to the brokers, as the listener of KAFKA_BROKERS is set up: PLAINTEXT, SSL (TLS), SASL_PLAINTEXT or SASL_SSL (SASL over TLS); see docs/security.md', 'PLAINTEXT' as SecurityProtocol),
  KAFKA_SASL_MECHANISM: env(mechanism, 'SASL mechanism, required with SASL_SSL and SASL_PLAINTEXT: scram-sha-512, scram-sha-256 or plain', ''),
  KAFKA_SASL_USERNAME: env(parsers.string, 'SASL user name, required with SASL_SSL and SASL_PLAINTEXT', ''),
  KAFKA_SASL_PASSWORD: secretEnv('SASL password, required with SASL_SSL and SASL_PLAINTEXT unless KAFKA_SASL_PASSWORD_FILE is set'),
  KAFKA_SASL_PASSWORD_FILE: env(parsers.string, 'file that holds the SASL password (a mounted Kubernetes secret), read once at start; a trailing newline is not part of it', ''),
  KAFKA_TLS_CA_FILE: env(parsers.string, 'PEM file of the CA certificates that signed the brokers\' certificates, with SSL and SASL_SSL; it replaces the system CAs (empty: the system CAs)', ''),
  KAFKA_TLS_CERT_FILE: env(parsers.string, 'PEM client certificate for brokers that require one (mutual TLS), with SSL and SASL_SSL; needs KAFKA_TLS_KEY_FILE', ''),
  KAFKA_TLS_KEY_FILE: env(parsers.string, 'PEM private key (not encrypted) of KAFKA_TLS_CERT_FILE', ''),
};

/** SCHEMA_REGISTRY_SECURITY_ENV is how every client authenticates to the schema registry and trusts its certificate. */
export const SCHEMA_REGISTRY_SECURITY_ENV = {
  SCHEMA_REGISTRY_USERNAME: env(parsers.string, 'user name for HTTP basic auth at the schema registry (empty: no auth)', ''),
  SCHEMA_REGISTRY_PASSWORD: secretEnv('password for HTTP basic auth at the schema registry, with SCHEMA_REGISTRY_USERNAME, unless SCHEMA_REGISTRY_PASSWORD_FILE is set'),
  SCHEMA_REGISTRY_PASSWORD_FILE: env(parsers.string, 'file that holds the schema registry password (a mounted Kubernetes secret), read once at start; a trailing newline is not part of it', ''),
  SCHEMA_REGISTRY_CA_FILE: env(parsers.string, 'PEM file of the CA certificates that signed an https registry\'s certificate; it replaces the system CAs (empty: the system CAs)', ''),
};
