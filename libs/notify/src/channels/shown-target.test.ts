import { shownRecipient, shownUrl } from './shown-target';

describe('shownUrl and shownRecipient', () => {
  it.each([
    ['webhook', 'https://user:pw@hooks.example.net/cw?token=abc#x', 'https://hooks.example.net/cw'],
    ['slack', 'https://hooks.slack.com/services/T000/B000/XXXXSECRET', 'https://hooks.slack.com/services/T000/B000/***'],
    ['slack', 'https://chat.example.net/hooks/abcdefsecret/', 'https://chat.example.net/hooks/***'],
    ['slack', 'https://chat.example.net/secret', 'https://chat.example.net/***'],
    ['webhook', 'not a url with a password', '***'],
  ])('shows a %s URL without its secrets: %s', (channel, url, shown) => {
    expect(shownUrl(channel, url)).toBe(shown);
  });

  it.each([
    ['email', 'noc@example.net', 'noc@example.net'],
    ['sms', '+15551234567', '+15551234567'],
    ['pushover', 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG', 'uQiR***'],
    ['slack', 'https://hooks.slack.com/services/T0/B0/x', 'https://hooks.slack.com/services/T0/B0/***'],
  ])('shows a %s recipient as %s', (channel, recipient, shown) => {
    expect(shownRecipient(channel, recipient)).toBe(shown);
  });
});
