/**
 * maskRecipient shows enough of a delivery's recipient to recognise it and no more (the console may be shown on a
 * wall screen): `j***@example.com`, `+44***21`, a URL's scheme and host, the start of a key.
 */
export function maskRecipient(channel: string, recipient: string): string {
  if (channel === 'webhook' || channel === 'slack') {
    try {
      const url = new URL(recipient);
      return `${url.protocol}//${url.host}/***`;
    } catch {
      return '***';
    }
  }
  const at = recipient.lastIndexOf('@');
  if (at > 0) return `${recipient.slice(0, 1)}***${recipient.slice(at)}`;
  if (/^\+?[\d\s().-]+$/.test(recipient)) {
    const digits = recipient.replace(/[^\d+]/g, '');
    return digits.length <= 5 ? '***' : `${digits.slice(0, 3)}***${digits.slice(-2)}`;
  }
  return recipient.length <= 4 ? '***' : `${recipient.slice(0, 3)}***`;
}
