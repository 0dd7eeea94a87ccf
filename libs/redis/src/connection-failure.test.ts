import { runInNewContext } from 'node:vm';
import { connectionFailure } from './connection-failure';

const withCode = (message: string, code: string): Error => Object.assign(new Error(message), { code });

describe('connectionFailure', () => {
  it.each<[string, Error, string | undefined, string, RegExp]>([
    ['a wrong password', new Error('WRONGPASS invalid username-password pair or user is disabled.'), 'callwatch', 'CW_ERR_REDIS_AUTH', /^Redis at h:6380 refused the credentials of user callwatch \(WRONGPASS\)/],
    ['a wrong password of the default user', new Error('WRONGPASS invalid username-password pair or user is disabled.'), undefined, 'CW_ERR_REDIS_AUTH', /of user default \(WRONGPASS\)/],
    ['no password', new Error('NOAUTH Authentication required.'), undefined, 'CW_ERR_REDIS_AUTH', /^Redis at h:6380 requires a password and none was given \(NOAUTH\)/],
    ['an unknown CA', withCode('self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN'), 'cw', 'CW_ERR_REDIS_TLS', /^TLS with Redis at h:6380 failed: self-signed certificate in certificate chain \(SELF_SIGNED_CERT_IN_CHAIN\): set REDIS_TLS_CA_FILE/],
    ['a certificate for another host', withCode("Hostname/IP does not match certificate's altnames", 'ERR_TLS_CERT_ALTNAME_INVALID'), 'cw', 'CW_ERR_REDIS_TLS', /does not match certificate's altnames \(ERR_TLS_CERT_ALTNAME_INVALID\)/],
    ['a missing client certificate', withCode('801C:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 116', 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'), 'cw', 'CW_ERR_REDIS_TLS', /failed: tlsv13 alert certificate required \(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED\): it requires a client certificate: set REDIS_TLS_CERT_FILE/],
    ['a plain port', withCode('C0:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../ssl/record/ssl3_record.c:354:', 'ERR_SSL_WRONG_VERSION_NUMBER'), 'cw', 'CW_ERR_REDIS_TLS', /failed: wrong version number \(ERR_SSL_WRONG_VERSION_NUMBER\): the port does not speak TLS/],
    ['an expired certificate', withCode('certificate has expired', 'CERT_HAS_EXPIRED'), 'cw', 'CW_ERR_REDIS_TLS', /failed: certificate has expired \(CERT_HAS_EXPIRED\)$/],
  ])('makes %s a failure no reconnection fixes', (_, err, user, code, message) => {
    const failure = connectionFailure(err, 'h:6380', user);
    expect(failure).toMatchObject({ code, retriable: false, cause: err });
    expect(failure?.message).toMatch(message);
  });

  it("knows an error of another realm, as Node's own TLS errors are under jest", () => {
    const foreign: unknown = runInNewContext("Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' })");
    expect(foreign instanceof Error).toBe(false);
    expect(connectionFailure(foreign, 'h:6380', 'cw')?.code).toBe('CW_ERR_REDIS_TLS');
  });

  it.each([
    withCode('connect ECONNREFUSED 127.0.0.1:6379', 'ECONNREFUSED'),
    withCode('read ECONNRESET', 'ECONNRESET'),
    new Error('Connection is closed.'),
    new Error('LOADING Redis is loading the dataset in memory'),
    'not an error',
  ])('leaves %p to reconnection', (err) => {
    expect(connectionFailure(err, 'h:6380', 'cw')).toBeNull();
  });
});
