import type { NotifyTarget } from '@callwatch/schemas';
import { resolveRecipients } from './recipients';

const rule = (...notify: NotifyTarget[]) => ({ notify });
const account = { emails: ['Billing@acme.example', ' noc@acme.example '], phones: ['+1 555-123 4567', '+15551234567'] };

describe('resolveRecipients', () => {
  it('lists email, sms and webhook targets in order', () => {
    expect(resolveRecipients(rule(
      { channel: 'email', target: 'noc@example.net' },
      { channel: 'sms', target: '+15550000000' },
      { channel: 'webhook', target: 'https://hooks.example.net/a' },
    ))).toEqual([
      { channel: 'email', recipient: 'noc@example.net' },
      { channel: 'sms', recipient: '+15550000000' },
      { channel: 'webhook', recipient: 'https://hooks.example.net/a' },
    ]);
  });

  it('expands contacts to the account emails and phones, normalized and deduplicated', () => {
    expect(resolveRecipients(rule({ channel: 'email', target: 'billing@ACME.example' }, { channel: 'contacts', target: 'true' }), account)).toEqual([
      { channel: 'email', recipient: 'billing@ACME.example' },
      { channel: 'email', recipient: 'noc@acme.example' },
      { channel: 'sms', recipient: '+15551234567' },
    ]);
  });

  it.each([
    ['contacts without an account', [{ channel: 'contacts', target: null }], undefined],
    ['contacts: false', [{ channel: 'contacts', target: 'false' }], account],
    ['empty or null targets', [{ channel: 'email', target: ' ' }, { channel: 'sms', target: null }], account],
  ] as Array<[string, NotifyTarget[], typeof account | undefined]>)('yields nothing for %s', (_name, notify, acct) => {
    expect(resolveRecipients({ notify }, acct)).toEqual([]);
  });

  it('treats contacts with a null target as on', () => {
    expect(resolveRecipients(rule({ channel: 'contacts', target: null }), { emails: ['a@b.c'], phones: [] })).toEqual([{ channel: 'email', recipient: 'a@b.c' }]);
  });

  it('keeps the same address on different channels apart', () => {
    expect(resolveRecipients(rule({ channel: 'email', target: 'x@y.z' }, { channel: 'webhook', target: 'x@y.z' }))).toHaveLength(2);
  });
});
