import { createHash } from 'node:crypto';
import { CallwatchError } from '@callwatch/core';
import type { InlineImage } from './channel';

/** EmlParts are the fields of one alert email, as the outbox writes it and SES sends it. */
export interface EmlParts {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  date: Date;
  /** Without angle brackets, e.g. `3f2a….9c1d@callwatch.local` (see emailMessageId). */
  messageId: string;
  /** Extra headers such as X-Callwatch-Event-Id; values are single-line ASCII. */
  headers?: Record<string, string>;
  /** PNGs the html shows by their Content-ID: the html and they become one multipart/related part. */
  images?: readonly InlineImage[];
}

const CRLF = '\r\n';

/**
 * encodeHeaderValue returns an ASCII header value as is and anything else as RFC 2047 UTF-8 "B" encoded-words,
 * each at most 75 characters and split on character boundaries, folded onto continuation lines.
 */
export function encodeHeaderValue(value: string): string {
  const oneLine = value.replace(/[\r\n]+/g, ' ');
  if (/^[\x20-\x7e]*$/.test(oneLine)) return oneLine;
  // 45 bytes of UTF-8 become 60 base64 characters: with "=?UTF-8?B?" and "?=" that is 72 ≤ 75.
  const words: string[] = [];
  let chunk = '';
  for (const char of oneLine) {
    if (Buffer.byteLength(chunk + char, 'utf8') > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += char;
  }
  if (chunk) words.push(chunk);
  return words.map((word) => `=?UTF-8?B?${Buffer.from(word, 'utf8').toString('base64')}?=`).join(`${CRLF} `);
}

function base64Lines(content: string | Buffer): string {
  return ((typeof content === 'string' ? Buffer.from(content, 'utf8') : content).toString('base64').match(/.{1,76}/g) ?? []).join(CRLF);
}

const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DEFAULT_DOMAIN = 'callwatch.local';

/**
 * emailMessageId is the Message-ID (without angle brackets) of one alert email to one recipient:
 * `<hash of the delivery id (the alert event id, or a digest's)>.<hash of channel and recipient>@<the sender's domain>`,
 * the same for every resend of it, and valid in RFC 5322 (a dot-atom on each side of its one `@`) whatever the ids
 * and addresses hold.
 */
export function emailMessageId(deliveryId: string, channel: string, recipient: string, from: string): string {
  const hash = (value: string, length: number) => createHash('sha256').update(value).digest('hex').slice(0, length);
  const sender = /<([^>]+)>/.exec(from)?.[1] ?? from;
  const at = sender.lastIndexOf('@');
  const domain = at === -1 ? '' : sender.slice(at + 1).trim().toLowerCase();
  return `${hash(deliveryId, 32)}.${hash(`${channel}\u0000${recipient}`, 16)}@${DOT_ATOM.test(domain) ? domain : DEFAULT_DOMAIN}`;
}

// RFC 5322 date: "Wed, 01 May 2024 12:30:00 +0000" (toUTCString ends in the obsolete "GMT").
function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

// One mailbox: no spaces, commas, angle brackets, quotes or line breaks. An account's contacts come from billing, and
// "a@x.net, b@evil.example" or "a@x.net\r\nBcc: …" must not become a second recipient or a header of its own.
const ONE_ADDRESS = /^[\p{L}\p{N}.!#$%&'*+/=?^_`{|}~-]+@[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)*$/u;

/**
 * buildEml renders a complete RFC 5322 message (CRLF line ends): multipart/alternative of a text and an html part;
 * with images, the html part is a multipart/related of the html and each image, inline under its Content-ID. A `to`
 * that is not exactly one address is refused (CW_ERR_DELIVERY_REJECTED).
 */
export function buildEml(parts: EmlParts): string {
  if (!ONE_ADDRESS.test(parts.to)) {
    throw new CallwatchError('CW_ERR_DELIVERY_REJECTED', `email: expected one address such as noc@example.net, got ${JSON.stringify(parts.to)}`, { details: { recipient: parts.to } });
  }
  // Base64 bodies contain no "-", so a boundary made of dashes and the id can never occur inside a part.
  const id = Buffer.from(parts.messageId).toString('hex').slice(0, 40);
  const boundary = `----=_callwatch_${id}`;
  const related = `----=_callwatch_related_${id}`;
  const headers: Array<[string, string]> = [
    ['From', encodeHeaderValue(parts.from)],
    ['To', encodeHeaderValue(parts.to)],
    ['Subject', encodeHeaderValue(parts.subject)],
    ['Date', rfc5322Date(parts.date)],
    ['Message-ID', `<${parts.messageId}>`],
    ...Object.entries(parts.headers ?? {}).map(([name, value]): [string, string] => [name, encodeHeaderValue(value)]),
    ['MIME-Version', '1.0'],
    ['Content-Type', `multipart/alternative; boundary="${boundary}"`],
  ];
  const part = (type: string, body: string) => [`Content-Type: ${type}; charset=utf-8`, 'Content-Transfer-Encoding: base64', '', base64Lines(body)].join(CRLF);
  const images = parts.images ?? [];
  const html = images.length === 0
    ? part('text/html', parts.html)
    : [
      `Content-Type: multipart/related; type="text/html"; boundary="${related}"`,
      '',
      `--${related}`,
      part('text/html', parts.html),
      ...images.flatMap((image, i) => [`--${related}`, imagePart(image, i)]),
      `--${related}--`,
    ].join(CRLF);
  return [
    ...headers.map(([name, value]) => `${name}: ${value}`),
    '',
    'This is a multipart message in MIME format.',
    `--${boundary}`,
    part('text/plain', parts.text),
    `--${boundary}`,
    html,
    `--${boundary}--`,
    '',
  ].join(CRLF);
}

function imagePart(image: InlineImage, index: number): string {
  const name = `chart-${index + 1}.png`;
  return [
    `Content-Type: image/png; name="${name}"`,
    'Content-Transfer-Encoding: base64',
    `Content-ID: <${image.cid}>`,
    `Content-Disposition: inline; filename="${name}"`,
    // Clients that list the image as an attachment show this instead of the file name.
    `Content-Description: ${encodeHeaderValue(image.alt)}`,
    '',
    base64Lines(image.png),
  ].join(CRLF);
}
