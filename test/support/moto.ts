import PostalMime from 'postal-mime';

/** MotoSesMessage is one email as moto's SES backend records it (moto 5.2, pinned by infra/lib/moto.sh), raw or not. */
export interface MotoSesMessage {
  id: string;
  source: string;
  destinations: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
  subject: string;
  body: string;
  /** The Message-ID header of a raw message (angle brackets included); absent for simple ones. */
  messageId?: string;
  /** The whole MIME message of a raw message. */
  raw?: string;
}

/** MotoSms is one SMS as moto's SNS backend records it: [phone number, message, ...]. */
export type MotoSms = [string, string, ...unknown[]];

interface MotoRawMessage {
  id: string;
  source: string;
  destinations: string[];
  raw_data: string;
}

// Unfolds the headers of a MIME message and decodes RFC 2047 encoded words (=?UTF-8?B?…?= / ?Q?), enough for subjects.
function header(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/, 1)[0]?.replace(/\r?\n[ \t]+/g, ' ') ?? '';
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  if (line === undefined) return undefined;
  return line.slice(name.length + 1).trim().replace(/=\?utf-8\?([bq])\?([^?]*)\?=\s*/gi, (_, enc: string, text: string) =>
    enc.toLowerCase() === 'b' ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9a-f]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'));
}

async function fromRaw(m: MotoRawMessage): Promise<MotoSesMessage> {
  const to = (header(m.raw_data, 'To') ?? '').split(',').map((a) => a.trim().replace(/^.*<([^>]+)>$/, '$1')).filter(Boolean);
  // The body as a simple message's reads: the html, decoded from its MIME part (raw_data keeps it base64).
  const body = (await PostalMime.parse(m.raw_data)).html ?? m.raw_data;
  return {
    id: m.id, source: m.source, destinations: { ToAddresses: to.length > 0 ? to : [...new Set(m.destinations)] },
    subject: header(m.raw_data, 'Subject') ?? '', body, messageId: header(m.raw_data, 'Message-ID'), raw: m.raw_data,
  };
}

/** motoData reads what moto has recorded (emails, simple and raw, and SMS) from its /moto-api/data.json endpoint. */
export async function motoData(): Promise<{ emails: MotoSesMessage[]; sms: unknown[] }> {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (!endpoint) throw new Error('AWS_ENDPOINT_URL is not set: the global setup should have exported the moto address');
  const res = await fetch(`${endpoint}/moto-api/data.json`);
  const data = (await res.json()) as { ses?: { Message?: MotoSesMessage[]; RawMessage?: MotoRawMessage[] }; sns?: { SMS?: unknown[] } };
  return { emails: [...(data.ses?.Message ?? []), ...(await Promise.all((data.ses?.RawMessage ?? []).map(fromRaw)))], sms: data.sns?.SMS ?? [] };
}

/** emailsTo lists the emails moto received for one address (tests share moto, so each uses its own address). */
export async function emailsTo(address: string): Promise<MotoSesMessage[]> {
  return (await motoData()).emails.filter((m) => (m.destinations.ToAddresses ?? []).includes(address));
}
