import PostalMime from 'postal-mime';
import { buildEml, emailMessageId, encodeHeaderValue } from './eml';

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

describe('buildEml with an inline image', () => {
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  const eml = buildEml({
    from: 'a@b.c', to: 'noc@example.net', subject: 'S', text: 'plain', html: '<p>x</p><img src="cid:chart@callwatch" alt="ASR falls">',
    date: new Date(0), messageId: emailMessageId('evt-1', 'email', 'noc@example.net', 'a@b.c'),
    images: [{ cid: 'chart@callwatch', png, alt: 'ASR falls', width: 640, height: 280 }],
  });

  it('nests the html and the image in a multipart/related inside the multipart/alternative', () => {
    expect(eml).not.toMatch(/[^\r]\n/);
    expect(eml).toMatch(/^Content-Type: multipart\/alternative; boundary="/m);
    expect(eml).toMatch(/^Content-Type: multipart\/related; type="text\/html"; boundary="/m);
    expect(eml).toContain('Content-ID: <chart@callwatch>\r\nContent-Disposition: inline; filename="chart-1.png"');
  });

  it('parses, with an independent MIME parser, into the text, the html that references the image, and the PNG', async () => {
    const parsed = await PostalMime.parse(eml);
    expect(parsed.text?.trim()).toBe('plain');
    expect(parsed.html).toContain('src="cid:chart@callwatch"');
    expect(parsed.attachments).toEqual([expect.objectContaining({ mimeType: 'image/png', contentId: '<chart@callwatch>', disposition: 'inline', related: true })]);
    expect(Buffer.from(parsed.attachments[0]?.content as ArrayBuffer)).toEqual(png);
  });
});

describe('emailMessageId', () => {
  it('is a valid RFC 5322 id: one @, a dot-atom on the left, in angle brackets once written', () => {
    const id = emailMessageId('evt@1 <with> "odd" chars', 'email', 'noc@example.net', 'callwatch <alerts@example.net>');
    expect(id.split('@')).toHaveLength(2);
    expect(id).toMatch(/^[0-9a-f]{32}\.[0-9a-f]{16}@example\.net$/);
    const eml = buildEml({ from: 'a@b.c', to: 'x@y.z', subject: 'S', text: '', html: '', date: new Date(0), messageId: id });
    expect(eml).toContain(`\r\nMessage-ID: <${id}>\r\n`);
  });

  it('is the same for a resend and differs per recipient and channel', () => {
    const id = (event: string, channel: string, to: string) => emailMessageId(event, channel, to, 'alerts@callwatch.local');
    expect(id('evt-1', 'email', 'a@x.net')).toBe(id('evt-1', 'email', 'a@x.net'));
    expect(new Set([id('evt-1', 'email', 'a@x.net'), id('evt-1', 'email', 'b@x.net'), id('evt-2', 'email', 'a@x.net'), id('evt-1', 'sms', 'a@x.net')]).size).toBe(4);
    expect(id('evt-1', 'email', 'a@x.net')).toMatch(/@callwatch\.local$/);
    // A sender whose domain is not a dot-atom falls back to callwatch.local.
    expect(emailMessageId('e', 'email', 'a@x.net', 'nobody')).toMatch(/@callwatch\.local$/);
  });
});
