import type { Account, AlertEvent } from '@callwatch/schemas';
import { buildContext } from './context';
import { DIGEST_ROWS, renderDigest, type DigestItem } from './digest';

const at = Date.parse('2026-03-02T14:05:00Z');
function item(id: string, value: number, over: Partial<AlertEvent> = {}, name = id): DigestItem {
  const alert: AlertEvent = {
    event_id: `e-${id}`, type: 'fired', rule_id: 'low-asr', rule_title: 'Low ASR', entity: `customer:${id}`, area: 'asr', value, threshold: 30,
    reset_threshold: null, operator: '<=', level: 'warning', sample_period_ms: 900_000, at_ms: at, first_fired_at_ms: at, test: false, ...over,
  };
  const account = { name, currency: 'USD', timezone: null, locale: null } as unknown as Account;
  return { alert, context: buildContext(alert, undefined, account) };
}

describe('renderDigest', () => {
  it('counts the alerts, lists the worst first, and names what they share', () => {
    const r = renderDigest([item('acme', 28), item('globex', 5), item('initech', 35, { type: 'reset' })], { rule: 'low-asr', level: 'warning' });
    expect(r.subject).toBe('[warning] Low ASR: 3 alerts (2 fired, 1 resolved)');
    expect(r.text.split('\n').filter((l) => l.startsWith('- '))).toEqual([
      '- globex — ASR 5.0% (<= 30.0%), fired at 2026-03-02T14:05:00Z',
      '- acme — ASR 28.0% (<= 30.0%), fired at 2026-03-02T14:05:00Z',
      '- initech — ASR 35.0% (<= 30.0%), resolved at 2026-03-02T14:05:00Z',
    ]);
    expect(r.text).toContain('level warning');
    expect(r.sms).toBe('Low ASR: 3 alerts (2 fired, 1 resolved): globex 5.0%, acme 28.0%, initech 35.0%');
    expect(r.html).toContain('<td>globex</td>');
  });

  it('escapes customer names in the HTML and bounds the table', () => {
    const many = Array.from({ length: DIGEST_ROWS + 5 }, (_, i) => item(`c${i}`, 10 + (i % 10)));
    const r = renderDigest([item('evil', 1, {}, '<script>x</script>'), ...many], { rule: 'low-asr' });
    expect(r.html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(r.html).not.toContain('<script>x');
    expect(r.html).toContain('and 6 more.');
    expect(r.sms).toMatch(/ \+103 more$/);
  });
});
