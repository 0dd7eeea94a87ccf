import { buildEml, encodeHeaderValue } from './eml';

describe('encodeHeaderValue', () => {
  it('leaves ASCII alone', () => {
    expect(encodeHeaderValue('[warning] Low ASR: ACME')).toBe('[warning] Low ASR: ACME');
  });

  it('encodes non-ASCII as RFC 2047 words of at most 75 characters that decode back', () => {
    const subject = '[critical] Niedrige ASR: Müller & Söhne GmbH — ASR 12.5% (fired) 🚨 '.repeat(3);
    const encoded = encodeHeaderValue(subject);
    const words = encoded.split('\r\n ');
    for (const word of words) expect(word).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/);
    for (const word of words) expect(word.length).toBeLessThanOrEqual(75);
    const decoded = words.map((w) => Buffer.from(w.slice(10, -2), 'base64').toString('utf8')).join('');
    expect(decoded).toBe(subject);
  });
});

describe('buildEml', () => {
  it('uses CRLF line ends only and a boundary that closes', () => {
    const eml = buildEml({
      from: 'a@b.c', to: 'noc@example.net', subject: 'S', text: 'line 1\nline 2', html: '<p>x</p>',
      date: new Date(0), messageId: 'evt-1@callwatch', headers: { 'X-Callwatch-Event-Id': 'evt-1' },
    });
    expect(eml).not.toMatch(/[^\r]\n/);
    const boundary = /boundary="([^"]+)"/.exec(eml)?.[1];
    expect(eml.endsWith(`--${boundary}--\r\n`)).toBe(true);
    expect(eml).toContain('X-Callwatch-Event-Id: evt-1\r\n');
  });
});
