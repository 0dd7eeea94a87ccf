// The CLI's JSON inputs under hostile edits, through the functions the commands call: a line of a `replay` or
// `backtest` events file (parseEventLine) and the `templates render --alert/--account` objects.
import { CallwatchError } from '@callwatch/core';
import { fuzz, fuzzTimeoutMs, mutateJson, type Rng } from '@callwatch/core/testing';
import { STOCK_TEMPLATES, buildContext, renderNotification, sampleAccount, sampleAlert } from '@callwatch/notify';
import { invalidFields, type Template } from '@callwatch/schemas';
import { parseEventLine } from './replay';
import { renderAccount, renderAlert } from './template-render';

const T = 1_700_000_000_000;
const EVENTS: Array<Record<string, unknown>> = [
  { type: 'cdr', cdr_id: 'c1', switch_id: 's1', customer_id: 'acme', carrier_id: 'tel', call_id: 'k1', start_ms: T, answer_ms: T + 2_000, end_ms: T + 60_000, sip_code: 200, pdd_ms: 1_800, caller: '+15550001', callee: '+15550002', destination: '44', charge: 0.12, cost: 0.08, currency: 'EUR' },
  { type: 'cdr', cdr_id: 'c2', switch_id: 's1', customer_id: 'acme', start_ms: T, end_ms: T + 5_000, sip_code: 486, charge: 0, currency: 'EUR' },
  { type: 'call_start', call_id: 'k1', customer_id: 'acme', carrier_id: null, start_ms: T },
  { type: 'payment', payment_id: 'p1', customer_id: 'acme', amount: 50, status: 'completed', source: 'portal', at_ms: T },
  { type: 'account', entity: 'customer:acme', name: 'ACME', class: 'gold', status: 'active', balance: 10, debit_limit: 100, currency: 'EUR', emails: ['noc@acme.example'], phones: ['+15550003'], timezone: 'Europe/Berlin', locale: 'de-DE', at_ms: T },
];

const polluted = (): boolean => ({} as Record<string, unknown>).polluted !== undefined;

describe('CLI JSON inputs under hostile edits (fuzz)', () => {
  it('an events line becomes a valid event or a problem saying what is wrong; never a throw', async () => {
    await fuzz({
      name: 'events file lines',
      cases: 3_000,
      generate: (rng: Rng) => mutateJson(rng, rng.pick(EVENTS)),
      check: (line) => {
        const parsed = parseEventLine(line);
        if (polluted()) throw new Error('Object.prototype was polluted');
        if ('problem' in parsed) {
          if (typeof parsed.problem !== 'string' || parsed.problem.trim() === '') throw new Error('expected a problem that says what is wrong');
          return;
        }
        const { type, ...fields } = parsed.event;
        const invalid = invalidFields(type, fields);
        if (invalid.length > 0) throw new Error(`accepted a ${type} whose field(s) ${invalid.join(', ')} do not match its schema`);
        // Event times become window buckets, alert times and dates in notifications.
        for (const [name, value] of Object.entries(fields)) {
          if (name.endsWith('_ms') && name !== 'pdd_ms' && value !== null && Number.isNaN(new Date(value as number).getTime())) throw new Error(`accepted a ${type} whose ${name} ${String(value)} is no date`);
        }
      },
    });
  }, fuzzTimeoutMs(60_000));

  it('templates render --alert and --account give a rendered alert or a usage error naming the flag', async () => {
    const alert = sampleAlert();
    const account = sampleAccount();
    await fuzz({
      name: 'templates render --alert/--account',
      cases: 800,
      generate: (rng: Rng) => ({ alert: rng.chance(0.7) ? mutateJson(rng, alert as unknown as Record<string, unknown>) : undefined, account: rng.chance(0.5) ? mutateJson(rng, account as unknown as Record<string, unknown>) : undefined }),
      check: (input) => {
        let alertEvent;
        let accountSnapshot;
        try {
          alertEvent = renderAlert(input.alert);
          accountSnapshot = renderAccount(input.account, alertEvent.entity);
        } catch (err) {
          if (!(err instanceof CallwatchError) || err.code !== 'CW_ERR_CLI_USAGE' || !/^--(alert|account): expected /.test(err.message)) {
            throw new Error(`expected a CW_ERR_CLI_USAGE naming the flag, got ${(err as Error).name}: ${(err as Error).message}`);
          }
          return;
        } finally {
          if (polluted()) throw new Error('Object.prototype was polluted');
        }
        const template = STOCK_TEMPLATES[alertEvent.area] ?? STOCK_TEMPLATES.default;
        renderNotification(template as Template, buildContext(alertEvent, undefined, accountSnapshot));
      },
    });
  }, fuzzTimeoutMs(60_000));
});

describe('templates render inputs the fuzz found', () => {
  it.each([
    ['a folder', '..', /^--alert: expected a JSON object or a file holding one, got "\.\." \(EISDIR\)$/],
    ['a time no date holds', JSON.stringify({ at_ms: 8.7e15 }), /^--alert: expected at_ms in epoch milliseconds, got 8700000000000000$/],
    ['a long past 2^53', '{"first_fired_at_ms": 9223372036854775807}', /^--alert: expected fields of the alert schema \(schemas\/avro\/alert.avsc\), got invalid first_fired_at_ms$/],
  ])('refuses %s as --alert', (_name, json, message) => {
    expect(() => renderAlert(json)).toThrow(message);
  });

  it('refuses an account whose nullable fields hold the wrong type', () => {
    expect(() => renderAccount(JSON.stringify({ timezone: 5, locale: ['de'] }), 'customer:acme')).toThrow(/^--account: expected fields of the account schema .*, got invalid timezone, locale$/);
  });

  it('renders an alert whose area names an Object property with the default template', () => {
    const alert = renderAlert(JSON.stringify({ area: 'constructor' }));
    expect(STOCK_TEMPLATES[alert.area]).toBeUndefined();
    expect(renderNotification(STOCK_TEMPLATES.default as Template, buildContext(alert)).subject).toContain('Sample rule');
  });
});
