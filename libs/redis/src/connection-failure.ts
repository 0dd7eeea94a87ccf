import { connect, type ConnectionOptions } from 'node:tls';
import { CallwatchError, type RedisNode } from '@callwatch/core';

// Node's codes for a server certificate it does not trust, and what to do about it.
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED', 'CERT_SIGNATURE_FAILURE',
]);
const HINTS: Record<string, string> = {
  ERR_TLS_CERT_ALTNAME_INVALID: 'connect to a name or address its certificate names',
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'it requires a client certificate: set REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE',
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: 'it may require a client certificate: set REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'it does not trust the client certificate of REDIS_TLS_CERT_FILE',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'it does not accept the client certificate of REDIS_TLS_CERT_FILE',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the port does not speak TLS (for a plain port, write redis:// or redis-cluster://)',
  ERR_SSL_PACKET_LENGTH_TOO_LONG: 'the port does not speak TLS (for a plain port, write redis:// or redis-cluster://)',
};

/**
 * connectionFailure turns an error a connection to Redis at `address` reported into the typed error that no
 * reconnection can fix (CW_ERR_REDIS_AUTH: the credentials refused; CW_ERR_REDIS_TLS: a TLS handshake that fails), or
 * null for one a retry may get past (Redis restarting, a network blip).
 */
export function connectionFailure(err: unknown, address: string, username: string | undefined): CallwatchError | null {
  // Not `instanceof Error`: Node's own TLS errors come from another realm under a test runner's sandbox.
  const { message, code } = (err ?? {}) as { message?: unknown; code?: unknown };
  if (typeof message !== 'string') return null;
  const user = username ?? 'default';
  if (message.startsWith('WRONGPASS')) {
    return new CallwatchError('CW_ERR_REDIS_AUTH', `Redis at ${address} refused the credentials of user ${user} (WRONGPASS): check the password of REDIS_URL or REDIS_PASSWORD_FILE, and that the user exists and is on`, { cause: err, details: { address, user } });
  }
  if (message.startsWith('NOAUTH')) {
    return new CallwatchError('CW_ERR_REDIS_AUTH', `Redis at ${address} requires a password and none was given (NOAUTH): put the user and password in REDIS_URL, or set REDIS_USERNAME and REDIS_PASSWORD_FILE`, { cause: err, details: { address, user } });
  }
  if (typeof code !== 'string' || !isTlsCode(code)) return null;
  const hint = UNTRUSTED.has(code) ? 'set REDIS_TLS_CA_FILE to the CA that signed it' : HINTS[code];
  return new CallwatchError('CW_ERR_REDIS_TLS', `TLS with Redis at ${address} failed: ${reasonOf(message)} (${code})${hint ? `: ${hint}` : ''}`, { cause: err, details: { address, code } });
}

function isTlsCode(code: string): boolean {
  return UNTRUSTED.has(code) || /^(ERR_SSL_|ERR_TLS_|CERT_|HOSTNAME_MISMATCH$)/.test(code);
}

// OpenSSL's messages carry their source position ("…:SSL routines:ssl3_read_bytes:tlsv13 alert certificate
// required:../deps/openssl/…"): keep the words.
function reasonOf(message: string): string {
  const openssl = /SSL routines:[^:]*:([^:]+):/.exec(message);
  return openssl ? (openssl[1] as string) : message;
}

/**
 * tlsProbe makes a TLS handshake with one node as a client would and sends PING: it answers the handshake's failure
 * as connectionFailure has it, or null once the node replies, or when it cannot be reached at all (not a TLS
 * matter). A Cluster client keeps the reason its nodes refused TLS to itself; this finds it.
 */
export function tlsProbe(node: RedisNode, tls: ConnectionOptions, timeoutMs = 5_000): Promise<CallwatchError | null> {
  return new Promise((resolve) => {
    const socket = connect({ ...tls, host: node.host, port: node.port });
    const done = (failure: CallwatchError | null) => {
      socket.destroy();
      resolve(failure);
    };
    socket.setTimeout(timeoutMs, () => done(null));
    // TLS 1.3 finishes the handshake before the server checks the client's certificate: its verdict comes with the reply.
    socket.once('secureConnect', () => socket.write('PING\r\n'));
    socket.once('data', () => done(null));
    socket.once('error', (err) => done(connectionFailure(err, `${node.host}:${node.port}`, undefined)));
    socket.once('close', () => done(null));
  });
}
