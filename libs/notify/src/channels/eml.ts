/** EmlParts are the fields of one alert email written to the outbox. */
export interface EmlParts {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  date: Date;
  /** Without angle brackets, e.g. `<event id>@callwatch`. */
  messageId: string;
  /** Extra headers such as X-Callwatch-Event-Id; values are single-line ASCII. */
  headers?: Record<string, string>;
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

function base64Lines(content: string): string {
  return (Buffer.from(content, 'utf8').toString('base64').match(/.{1,76}/g) ?? []).join(CRLF);
}

// RFC 5322 date: "Wed, 01 May 2024 12:30:00 +0000" (toUTCString ends in the obsolete "GMT").
function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

/** buildEml renders a complete RFC 5322 message, multipart/alternative with a text and an html part (CRLF line ends). */
export function buildEml(parts: EmlParts): string {
  // Base64 bodies contain no "-", so a boundary made of dashes and the id can never occur inside a part.
  const boundary = `----=_callwatch_${Buffer.from(parts.messageId).toString('hex').slice(0, 40)}`;
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
  const part = (type: string, body: string) =>
    [`--${boundary}`, `Content-Type: ${type}; charset=utf-8`, 'Content-Transfer-Encoding: base64', '', base64Lines(body)].join(CRLF);
  return [
    ...headers.map(([name, value]) => `${name}: ${value}`),
    '',
    'This is a multipart message in MIME format.',
    part('text/plain', parts.text),
    part('text/html', parts.html),
    `--${boundary}--`,
    '',
  ].join(CRLF);
}
