import { connect as tcpConnect } from 'node:net';
import { AGGREGATOR_ENV, startAggregator, type Aggregator } from '@callwatch/aggregator';
import { entityStatus } from '@callwatch/cli';
import { CallwatchError, COMMON_ENV, loadConfig } from '@callwatch/core';
import { connect, type Connection } from '@callwatch/kafka';
import { cdr } from '../support/cdrs';
import { collect, eventually, testScope } from '../support/harness';

// The local broker's TLS listeners and user, as `infra env` exports them (global-setup puts them in the environment).
const local = {
  saslSsl: process.env.KAFKA_SASL_SSL_BROKERS as string,
  ssl: process.env.KAFKA_SSL_BROKERS as string,
  ca: process.env.KAFKA_LOCAL_CA_FILE as string,
  cert: process.env.KAFKA_LOCAL_CERT_FILE as string,
  key: process.env.KAFKA_LOCAL_KEY_FILE as string,
  username: process.env.KAFKA_LOCAL_USERNAME as string,
  password: process.env.KAFKA_LOCAL_PASSWORD as string,
};

/** The settings of a client of the SASL_SSL listener; only the listener takes these clients, so all of it goes over TLS. */
const saslSsl = (mechanism: string, overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  KAFKA_BROKERS: local.saslSsl, KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: mechanism,
  KAFKA_SASL_USERNAME: local.username, KAFKA_SASL_PASSWORD: local.password, KAFKA_TLS_CA_FILE: local.ca, ...overrides,
});

/** listening tells whether a host:port accepts TCP connections. */
function listening(address: string): Promise<boolean> {
  const at = address.lastIndexOf(':');
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: address.slice(0, at), port: Number(address.slice(at + 1)), timeout: 5_000 });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.once('connect', () => done(true)).once('error', () => done(false)).once('timeout', () => done(false));
  });
}

/** refusal is the error `connect` fails with for these settings. */
async function refusal(env: NodeJS.ProcessEnv): Promise<CallwatchError> {
  const scopeless = loadConfig(COMMON_ENV, { ...process.env, TOPIC_PREFIX: 't-refused.', LOG_LEVEL: 'fatal', ...env });
  const error = await connect(scopeless, 'refused', []).then(
    async (connection) => {
      await connection.close();
      return new Error('connected');
    },
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(CallwatchError);
  return error as CallwatchError;
}

describe('Kafka over TLS and SASL, on the local broker\'s SASL_SSL and SSL listeners', () => {
  let aggregator: Aggregator | undefined;
  let switches: Connection | undefined;

  beforeAll(async () => {
    for (const address of [local.saslSsl, local.ssl]) {
      if (!address || !(await listening(address))) {
        throw new Error(`no TLS listener at ${address ?? '(KAFKA_SASL_SSL_BROKERS is not set)'}: Kafka was started by an older infra; restart it with 'bash infra/bin/infra down kafka && bash infra/bin/infra up kafka'`);
      }
    }
  });

  afterEach(async () => {
    await switches?.close();
    await aggregator?.stop();
    switches = undefined;
    aggregator = undefined;
  });

  it.each(['scram-sha-512', 'plain'])('the aggregator counts CDRs published over SASL_SSL with %s into its windows in Redis', async (mechanism) => {
    const scope = await testScope(`sasl-${mechanism}`, saslSsl(mechanism));
    const config = loadConfig(AGGREGATOR_ENV, scope.env);
    switches = await connect(config, `${scope.id}-switch`, ['cdr']);
    aggregator = await startAggregator(config);
    const customer = `secure-${scope.id}`;
    await switches.publisher.publish(switches.topics.cdr, 'cdr', [cdr(customer, true), cdr(customer, true), cdr(customer, false)].map((value) => ({ key: `customer:${customer}`, value })));

    await eventually(async () => {
      const status = await entityStatus(`customer:${customer}`, scope.env);
      expect(status.windows[0]).toMatchObject({ attempts: 3, answered: 2 });
    }, { timeoutMs: 90_000, intervalMs: 500 });
  });

  it('refuses a wrong password at once with an authentication error that names the user, never the password', async () => {
    for (const mechanism of ['scram-sha-512', 'plain']) {
      const error = await refusal(saslSsl(mechanism, { KAFKA_SASL_PASSWORD: 'not-the-password-4711' }));
      expect(error.code).toBe('CW_ERR_KAFKA_AUTH');
      expect(error.retriable).toBe(false);
      expect(error.message).toContain(`Kafka at ${local.saslSsl} refused the SASL ${mechanism} login of user ${local.username}`);
      expect(error.message).not.toContain('not-the-password-4711');
    }
  });

  it('refuses a broker certificate no trusted CA signed: without KAFKA_TLS_CA_FILE the system CAs do not know the local CA', async () => {
    const error = await refusal(saslSsl('scram-sha-512', { KAFKA_TLS_CA_FILE: '' }));
    expect(error.code).toBe('CW_ERR_KAFKA_TLS');
    expect(error.message).toContain(`TLS with Kafka broker ${local.saslSsl} failed`);
    expect(error.message).toContain('set KAFKA_TLS_CA_FILE to the CA that did');
  });

  it('connects to the SSL listener with a client certificate, and says so when one is missing', async () => {
    const ssl = { KAFKA_BROKERS: local.ssl, KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_TLS_CA_FILE: local.ca };
    const scope = await testScope('mtls', { ...ssl, KAFKA_TLS_CERT_FILE: local.cert, KAFKA_TLS_KEY_FILE: local.key });
    switches = await connect(loadConfig(COMMON_ENV, scope.env), `${scope.id}-switch`, ['cdr']);
    const value = cdr(`mtls-${scope.id}`, true);
    await switches.publisher.publish(switches.topics.cdr, 'cdr', [{ key: `customer:${value.customer_id}`, value }]);
    // Read back by the scope's client, which has the same settings: consuming works over mutual TLS too.
    const read = await collect(scope, switches.topics.cdr, 'cdr', (messages) => messages.length > 0);
    expect(read.map((m) => m.value)).toEqual([value]);

    const error = await refusal(ssl);
    expect(error.code).toBe('CW_ERR_KAFKA_TLS');
    expect(error.message).toContain('the broker wants a client certificate: set KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE');
  });
});
