import type { Account, Rule } from '@callwatch/schemas';

/** RecipientChannel is how a person or system asked to be told: the channel named in a rule's notify list. */
export type RecipientChannel = 'email' | 'sms' | 'webhook' | 'slack' | 'pushover';

/** RecipientSource says why someone is notified: the rule names them (the NOC), or they are the entity's own contacts. */
export type RecipientSource = 'rule' | 'contact';

/** Recipient is one address to notify on one channel, and why. */
export interface Recipient {
  channel: RecipientChannel;
  recipient: string;
  source: RecipientSource;
}

// Phone numbers are written by people ("+1 555-123 4567"); SNS wants E.164, so separators go.
function normalizePhone(phone: string): string {
  return phone.replace(/[\s().-]/g, '');
}

function normalize(channel: RecipientChannel, address: string): string {
  const trimmed = address.trim();
  return channel === 'sms' ? normalizePhone(trimmed) : trimmed;
}

// Emails differ only by case in practice far more often than mailboxes do, so they dedup case-insensitively.
function identity(recipient: Recipient): string {
  return `${recipient.channel}\u0000${recipient.channel === 'email' ? recipient.recipient.toLowerCase() : recipient.recipient}`;
}

/**
 * resolveRecipients lists who a rule notifies about an entity: its email, SMS, webhook, Slack and Pushover targets, and with
 * `contacts` the account's emails and phones; empty addresses are dropped and each address appears once.
 */
export function resolveRecipients(rule: Pick<Rule, 'notify'>, account?: Pick<Account, 'emails' | 'phones'>): Recipient[] {
  const candidates: Recipient[] = [];
  for (const target of rule.notify) {
    if (target.channel === 'contacts') {
      // `{ contacts: true }` arrives as target "true" or null; only an explicit false switches it off.
      if (target.target?.trim().toLowerCase() === 'false' || !account) continue;
      for (const email of account.emails) candidates.push({ channel: 'email', recipient: email, source: 'contact' });
      for (const phone of account.phones) candidates.push({ channel: 'sms', recipient: phone, source: 'contact' });
    } else if (target.target !== null) {
      candidates.push({ channel: target.channel, recipient: target.target, source: 'rule' });
    }
  }
  const seen = new Set<string>();
  const recipients: Recipient[] = [];
  for (const candidate of candidates) {
    const recipient = { ...candidate, recipient: normalize(candidate.channel, candidate.recipient) };
    const key = identity(recipient);
    if (recipient.recipient === '' || seen.has(key)) continue;
    seen.add(key);
    recipients.push(recipient);
  }
  return recipients;
}
