import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlertEvent } from '@callwatch/schemas';
import type { OutboundMessage } from './channel';
import { createOutboxChannel } from './outbox';

// A deliberately independent reader of what the outbox writes: headers (unfolded, RFC 2047 decoded) and base64 parts.
function parseEml(eml: string) {
  const [head = '', ...rest] = eml.split('\r\n\r\n');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  const decodeWords = (value: string) => value.replace(/=\?UTF-8\?B\?([^?]*)\?=\s?/g, (_m, b64: string) => Buffer.from(b64, 'base64').toString('utf8'));
  const boundary = /boundary="([^"]+)"/.exec(headers.get('content-type') ?? '')?.[1] ?? '';
  const body = rest.join('\r\n\r\n');
  const parts = body.split(`--${boundary}`).slice(1, -1).map((chunk) => {
    const [partHead = '', partBody = ''] = chunk.replace(/^\r\n/, '').split('\r\n\r\n');
    const type = /Content-Type: ([^\r\n]+)/.exec(partHead)?.[1] ?? '';
    return { type, body: Buffer.from(partBody.replace(/\r\n/g, ''), 'base64').toString('utf8') };
  });
  return { headers, subject: decodeWords(headers.get('subject') ?? ''), parts, closed: body.includes(`--${boundary}--`) };
}

const alert: AlertEvent = {
  event_id: 'evt-42', type: 'fired', rule_id: 'r', rule_title: 'R', entity: 'customer:acme', area: 'asr', value: 1, threshold: 2,
  reset_threshold: null, operator: '<', level: 'info', sample_period_ms: 60_000, at_ms: Date.UTC(2024, 4, 1, 23, 59), first_fired_at_ms: 0, test: false,
};
const message = (over: Partial<OutboundMessage>): OutboundMessage => ({
  channel: 'email', recipient: 'noc@example.net', subject: '[warning] Niedrige ASR: Müller GmbH', html: '<p>Müller &lt;b&gt;</p>',
  text: 'Müller <b>', sms: 'ASR low', alert, deliveryId: alert.event_id, ...over,
});

describe('outbox channel', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'callwatch-outbox-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('writes a parseable .eml and its .html under the alert day', async () => {
    const { messageId } = await createOutboxChannel({ dir, from: 'callwatch <alerts@example.net>' }).send(message({}));
    expect(messageId).toBe(join(dir, '2024-05-01', 'evt-42-noc@example.net.eml'));
    expect((await readdir(join(dir, '2024-05-01'))).sort()).toEqual(['evt-42-noc@example.net.eml', 'evt-42-noc@example.net.html']);

    const parsed = parseEml(await readFile(messageId, 'utf8'));
    expect(parsed.subject).toBe('[warning] Niedrige ASR: Müller GmbH');
    expect(parsed.headers.get('subject')).toMatch(/^=\?UTF-8\?B\?/);
    expect(parsed.headers.get('to')).toBe('noc@example.net');
    expect(parsed.headers.get('from')).toBe('callwatch <alerts@example.net>');
    expect(parsed.headers.get('date')).toBe('Wed, 01 May 2024 23:59:00 +0000');
    expect(parsed.headers.get('mime-version')).toBe('1.0');
    expect(parsed.headers.get('x-callwatch-event-id')).toBe('evt-42');
    expect(parsed.headers.get('content-type')).toMatch(/^multipart\/alternative; boundary="/);
    expect(parsed.parts).toEqual([
      { type: 'text/plain; charset=utf-8', body: 'Müller <b>' },
      { type: 'text/html; charset=utf-8', body: '<p>Müller &lt;b&gt;</p>' },
    ]);
    expect(parsed.closed).toBe(true);
    expect(await readFile(join(dir, '2024-05-01', 'evt-42-noc@example.net.html'), 'utf8')).toBe('<p>Müller &lt;b&gt;</p>');
  });

  it('puts the chart into the .html as a data URL, so a browser shows it; the .eml keeps it inline under its cid', async () => {
    const png = Buffer.from('89504e470d0a1a0a', 'hex');
    const images = [{ cid: 'chart@callwatch', png, alt: 'ASR', width: 640, height: 280 }];
    const html = '<p>ASR</p><img src="cid:chart@callwatch" alt="ASR" width="640" height="280">';
    const { messageId } = await createOutboxChannel({ dir }).send(message({ html, images }));
    const page = await readFile(messageId.replace(/\.eml$/, '.html'), 'utf8');
    expect(page).toBe(`<p>ASR</p><img src="data:image/png;base64,${png.toString('base64')}" alt="ASR" width="640" height="280">`);
    const eml = await readFile(messageId, 'utf8');
    expect(eml).toMatch(/Content-ID: <chart@callwatch>/i);
    expect(eml).not.toContain('data:image/png');
  });

  it('writes SMS as .sms.txt', async () => {
    const { messageId } = await createOutboxChannel({ dir }).send(message({ channel: 'sms', recipient: '+15551234567' }));
    expect(messageId).toBe(join(dir, '2024-05-01', 'evt-42-+15551234567.sms.txt'));
    expect(await readFile(messageId, 'utf8')).toBe('To: +15551234567\n\nASR low\n');
  });

  it('keeps hostile recipients and ids inside its directory', async () => {
    const { messageId } = await createOutboxChannel({ dir }).send(message({ recipient: '../../etc/passwd@example.net', deliveryId: '../x' }));
    expect(messageId.startsWith(join(dir, '2024-05-01') + '/')).toBe(true);
    expect(messageId.slice(dir.length + 12)).not.toContain('/');
  });

  it.each(['noc@example.net, boss@evil.example', 'noc@example.net\r\nBcc: boss@evil.example', 'noc@example.net\u2028Bcc: x@y', 'Boss <boss@evil.example>', ''])(
    'refuses an email recipient that is not one address (%j), writing nothing', async (recipient) => {
      await expect(createOutboxChannel({ dir }).send(message({ recipient }))).rejects.toMatchObject({ code: 'CW_ERR_DELIVERY_REJECTED', retriable: false });
      expect(await readdir(join(dir, '2024-05-01')).catch(() => [])).toEqual([]);
    },
  );

  it('refuses webhook messages and reports unwritable directories as retriable', async () => {
    await expect(createOutboxChannel({ dir }).send(message({ channel: 'webhook' }))).rejects.toMatchObject({ code: 'CW_ERR_DELIVERY_REJECTED' });
    const notADirectory = join(dir, 'file');
    await writeFile(notADirectory, '');
    await expect(createOutboxChannel({ dir: notADirectory }).send(message({}))).rejects.toMatchObject({ code: 'CW_ERR_DELIVERY', retriable: true });
  });
});
