import { isIP } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { KafkaJSSASLAuthenticationError } from 'kafkajs';
import { CallwatchError } from '@callwatch/core';
import type { KafkaSecurity } from './security';

// An ApiVersions v0 request (size 10; api key 18, version 0, correlation id 1, no client id): every listener answers
// it before any SASL exchange, so an answer proves the TLS session is one the broker accepts.
const API_VERSIONS = Buffer.from([0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, 0xff, 0xff]);

// Node's codes for a certificate chain it cannot verify.
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED', 'CERT_REJECTED',
]);

type Handshake = { ok: true } | { ok: false; reached: boolean; error: Error & { code?: string } };

/**
 * checkTls makes one TLS handshake and one request with the bootstrap brokers before KafkaJS connects. KafkaJS counts
 * a certificate it does not trust, or a refused client certificate, as a network error and retries it for minutes;
 * no retry fixes either, so they stop the start at once with CW_ERR_KAFKA_TLS. A broker that cannot be reached is
 * left to KafkaJS and its retries.
 */
export async function checkTls(brokers: string[], security: KafkaSecurity, timeoutMs = 10_000): Promise<void> {
  if (!security.ssl) return;
  for (const broker of brokers) {
    const result = await handshake(broker, security.ssl, timeoutMs);
    if (result.ok) return;
    if (result.reached) throw tlsError(broker, security, result.error);
  }
}

/**
 * brokerAccessError turns a refused SASL login anywhere in an error's causes into CW_ERR_KAFKA_AUTH naming the
 * brokers, the mechanism and the user (never the password); any other error is returned as it is.
 */
export function brokerAccessError(err: unknown, brokers: string[], security: KafkaSecurity): unknown {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof KafkaJSSASLAuthenticationError) {
      const login = security.sasl && 'username' in security.sasl ? `SASL ${security.sasl.mechanism} login of user ${security.sasl.username}` : 'SASL login';
      return new CallwatchError('CW_ERR_KAFKA_AUTH', `Kafka at ${brokers.join(',')} refused the ${login}: ${e.message} (check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_SASL_MECHANISM)`, { cause: err });
    }
  }
  return err;
}

function handshake(broker: string, ssl: ConnectionOptions, timeoutMs: number): Promise<Handshake> {
  const at = broker.lastIndexOf(':');
  const host = broker.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  const port = Number(broker.slice(at + 1));
  return new Promise((resolve) => {
    let reached = false;
    // As KafkaJS does it, but an IP address is no server name (RFC 6066): it is checked against the certificate all the same.
    const socket = tlsConnect({ ...ssl, host, port, servername: isIP(host) ? undefined : host });
    const done = (result: Handshake) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ ok: false, reached: false, error: new Error(`no answer within ${timeoutMs} ms`) }), timeoutMs);
    socket.once('connect', () => (reached = true));
    socket.once('secureConnect', () => socket.write(API_VERSIONS));
    socket.once('data', () => done({ ok: true }));
    socket.once('error', (error) => done({ ok: false, reached, error }));
    socket.once('close', () => done({ ok: false, reached, error: new Error('the broker closed the connection') }));
  });
}

function tlsError(broker: string, security: KafkaSecurity, error: Error & { code?: string }): CallwatchError {
  const code = error.code ?? '';
  let fix: string;
  if (UNTRUSTED.has(code)) {
    fix = security.ssl?.ca
      ? 'the CA in KAFKA_TLS_CA_FILE did not sign the broker\'s certificate'
      : 'no system CA signed the broker\'s certificate: set KAFKA_TLS_CA_FILE to the CA that did';
  } else if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    fix = `the broker's certificate is not for ${broker}`;
  } else if (/ALERT.*CERTIFICATE/.test(code)) {
    fix = security.ssl?.cert
      ? 'the broker refused the client certificate in KAFKA_TLS_CERT_FILE'
      : 'the broker wants a client certificate: set KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE';
  } else {
    fix = `is ${broker} a TLS listener? KAFKA_SECURITY_PROTOCOL is ${security.protocol}`;
  }
  // OpenSSL's own messages carry its internals ("80CC…:error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad
  // certificate:../deps/…"): its reason is the part worth reading.
  const reason = /SSL routines:[^:]*:([^:]+)/.exec(error.message)?.[1] ?? error.message;
  return new CallwatchError('CW_ERR_KAFKA_TLS', `TLS with Kafka broker ${broker} failed: ${reason}${code ? ` (${code})` : ''}; ${fix}`, { cause: error, details: { broker, code } });
}
