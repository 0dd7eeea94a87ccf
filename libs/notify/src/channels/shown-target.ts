import { REDACTED } from '@callwatch/core';

// The part of a Pushover user key that is shown: enough to tell keys apart in a log, too little to use one.
const SHOWN_KEY_CHARS = 4;

/**
 * shownUrl is a webhook or Slack URL fit for logs and error messages: its origin and path, never its user info or
 * query (either may hold a token); for Slack, whose incoming-webhook URL is itself the credential
 * (`/services/T…/B…/<secret>`), the path's last segment is hidden too.
 */
export function shownUrl(channel: string, url: string): string {
  if (!URL.canParse(url)) return REDACTED;
  const { origin, pathname } = new URL(url);
  if (channel !== 'slack') return `${origin}${pathname}`;
  const cut = pathname.replace(/\/+$/, '').lastIndexOf('/');
  return `${origin}${cut <= 0 ? '/' : pathname.slice(0, cut + 1)}${REDACTED}`;
}

/**
 * shownRecipient is a recipient fit for logs: email addresses and phone numbers as they are, webhook and Slack URLs
 * as shownUrl shows them, and only the first characters of a Pushover user key.
 */
export function shownRecipient(channel: string, recipient: string): string {
  if (channel === 'webhook' || channel === 'slack') return shownUrl(channel, recipient);
  if (channel === 'pushover') return `${recipient.slice(0, SHOWN_KEY_CHARS)}${REDACTED}`;
  return recipient;
}
