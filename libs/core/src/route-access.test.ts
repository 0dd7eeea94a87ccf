import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiToken, isLoopback, routeAccess } from './route-access';

const TOKEN = 'a'.repeat(20) + '-secret';

describe('isLoopback', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1'])('%s is loopback', (address) => {
    expect(isLoopback(address)).toBe(true);
  });

  it.each(['0.0.0.0', '::', '10.0.0.5', '192.168.1.1', '::ffff:10.0.0.1', 'fe80::1', 'example.com', '128.0.0.1', ''])('%s is not', (address) => {
    expect(isLoopback(address)).toBe(false);
  });
});

describe('routeAccess', () => {
  it.each([
    ['a token, the right one', TOKEN, false, `Bearer ${TOKEN}`, { allowed: true }],
    ['a token, the scheme in any case', TOKEN, true, `bearer ${TOKEN}`, { allowed: true }],
    ['a token on loopback, none sent', TOKEN, true, undefined, { allowed: false, status: 401, challenge: 'Bearer realm="callwatch"' }],
    ['a token, another scheme', TOKEN, true, `Basic ${TOKEN}`, { allowed: false, status: 401, challenge: 'Bearer realm="callwatch"' }],
    ['a token, a wrong one', TOKEN, true, 'Bearer nope', { allowed: false, status: 401, challenge: 'Bearer realm="callwatch", error="invalid_token"' }],
    ['a token, the right one with more after it', TOKEN, true, `Bearer ${TOKEN}x`, { allowed: false, status: 401 }],
    ['a token, a prefix of it', TOKEN, true, `Bearer ${TOKEN.slice(0, -1)}`, { allowed: false, status: 401 }],
    ['no token on loopback', null, true, undefined, { allowed: true }],
    ['no token beyond loopback', null, false, undefined, { allowed: false, status: 403 }],
    ['no token beyond loopback, whatever is sent', null, false, `Bearer ${TOKEN}`, { allowed: false, status: 403 }],
  ])('%s', (_case, token, loopback, authorization, expected) => {
    expect(routeAccess(token, loopback, authorization)).toMatchObject(expected);
  });

  it('never puts the token in its answers', () => {
    for (const sent of [undefined, 'Bearer wrong', `Bearer ${TOKEN.slice(0, 10)}`]) {
      expect(JSON.stringify(routeAccess(TOKEN, true, sent))).not.toContain(TOKEN.slice(0, 10));
    }
  });
});

describe('apiToken', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'callwatch-token-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('is null when neither variable is set', () => {
    expect(apiToken({ API_TOKEN: '', API_TOKEN_FILE: '' })).toBeNull();
  });

  it('reads the variable, or the file without its final newline', () => {
    expect(apiToken({ API_TOKEN: TOKEN, API_TOKEN_FILE: '' })).toBe(TOKEN);
    expect(apiToken({ API_TOKEN: '', API_TOKEN_FILE: file('newline', `${TOKEN}\n`) })).toBe(TOKEN);
    expect(apiToken({ API_TOKEN: '', API_TOKEN_FILE: file('bare', TOKEN) })).toBe(TOKEN);
  });

  it.each([
    ['both set', () => ({ API_TOKEN: TOKEN, API_TOKEN_FILE: file('both', TOKEN) }), /^API_TOKEN and API_TOKEN_FILE are both set/],
    ['a missing file', () => ({ API_TOKEN: '', API_TOKEN_FILE: join(dir, 'absent') }), /^API_TOKEN_FILE: cannot read .*absent: ENOENT/],
    ['an empty file', () => ({ API_TOKEN: '', API_TOKEN_FILE: file('empty', '\n') }), /^API_TOKEN_FILE \(.*empty\): expected at least 16 characters/],
    ['a short token', () => ({ API_TOKEN: 'short', API_TOKEN_FILE: '' }), /^API_TOKEN: expected at least 16 characters .*got 5$/],
    ['a space inside', () => ({ API_TOKEN: 'two words that are long enough', API_TOKEN_FILE: '' }), /^API_TOKEN: expected printable ASCII without spaces/],
    ['two lines in the file', () => ({ API_TOKEN: '', API_TOKEN_FILE: file('lines', `${TOKEN}\n${TOKEN}\n`) }), /^API_TOKEN_FILE .*: expected printable ASCII without spaces or line breaks$/],
  ])('refuses %s with CW_ERR_CONFIG naming the variable', (_case, settings, message) => {
    expect(() => apiToken(settings())).toThrow(expect.objectContaining({ code: 'CW_ERR_CONFIG', message: expect.stringMatching(message) }));
  });
});
