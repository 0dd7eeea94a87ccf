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
      { channel: 'email', recipient: 'noc@example.net', source: 'rule' },
      { channel: 'sms', recipient: '+15550000000', source: 'rule' },
      { channel: 'webhook', recipient: 'https://hooks.example.net/a', source: 'rule' },
    ]);
  });

  it('lists Slack and Pushover targets', () => {
    expect(resolveRecipients(rule(
      { channel: 'slack', target: 'https://hooks.slack.example/T1' },
      { channel: 'pushover', target: ' uQiRzpo4DXghDmr9QzzfQu27cmVRsG ' },
    ))).toEqual([
      { channel: 'slack', recipient: 'https://hooks.slack.example/T1', source: 'rule' },
      { channel: 'pushover', recipient: 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG', source: 'rule' },
    ]);
  });

  it('expands contacts to the account emails and phones, normalized and deduplicated', () => {
    expect(resolveRecipients(rule({ channel: 'email', target: 'billing@ACME.example' }, { channel: 'contacts', target: 'true' }), account)).toEqual([
      { channel: 'email', recipient: 'billing@ACME.example', source: 'rule' },
      { channel: 'email', recipient: 'noc@acme.example', source: 'contact' },
      { channel: 'sms', recipient: '+15551234567', source: 'contact' },
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
    expect(resolveRecipients(rule({ channel: 'contacts', target: null }), { emails: ['a@b.c'], phones: [] })).toEqual([{ channel: 'email', recipient: 'a@b.c', source: 'contact' }]);
  });

  it('keeps the same address on different channels apart', () => {
    expect(resolveRecipients(rule({ channel: 'email', target: 'x@y.z' }, { channel: 'webhook', target: 'x@y.z' }))).toHaveLength(2);
  });
});
