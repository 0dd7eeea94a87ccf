import type { AlertEvent, Silence } from '@callwatch/schemas';
import { Silencer, globMatches, silenceMutes, silenceState, silencedNotification } from './silence';
import { notificationId } from './notification-record';

const T = 1_714_566_600_000;
const alert: AlertEvent = {
  event_id: 'evt-1', type: 'fired', rule_id: 'low-asr-warning', rule_title: 'Low ASR', entity: 'customer:acme', area: 'asr', value: 20, threshold: 30,
  reset_threshold: null, operator: '<=', level: 'warning', sample_period_ms: 900_000, at_ms: T - 3_600_000, first_fired_at_ms: T - 3_600_000, test: false,
};

function silence(over: Partial<Silence> = {}): Silence {
  return {
    silence_id: 's1', rule: null, entity: null, starts_at_ms: T - 60_000, ends_at_ms: T + 60_000, comment: '', created_by: 'alice', created_at_ms: T - 60_000,
    expired_by: null, ...over,
  };
}

describe('globMatches', () => {
  it.each([
    ['low-asr', 'low-asr', true],
    ['low-asr', 'low-asr-warning', false],
    ['low-asr*', 'low-asr-warning', true],
    ['low-asr*', 'low-asr', true],
    ['*-warning', 'low-asr-warning', true],
    ['low-?sr*', 'low-asr-warning', true],
    ['customer:*', 'customer:acme', true],
    ['customer:*', 'carrier:acme', false],
    ['*:acme', 'carrier:acme', true],
    ['customer:a.me', 'customer:acme', false], // regex characters are literal
    ['customer:(acme)', 'customer:(acme)', true],
    ['customer:[ab]*', 'customer:[ab]cd', true],
  ])('%s against %s → %s', (pattern, value, expected) => {
    expect(globMatches(pattern, value)).toBe(expected);
  });
});

describe('silenceState', () => {
  const s = silence();
  it.each([
    [T - 60_001, 'pending'],
    [T - 60_000, 'active'], // starts_at inclusive
    [T + 59_999, 'active'],
    [T + 60_000, 'expired'], // ends_at exclusive
  ] as const)('at %i it is %s', (now, state) => {
    expect(silenceState(s, now)).toBe(state);
  });

  it('calls a silence expired before it started expired, not pending', () => {
    expect(silenceState(silence({ starts_at_ms: T + 10_000, ends_at_ms: T }), T)).toBe('expired');
  });
});

describe('silenceMutes', () => {
  it.each([
    ['null rule and entity mute everything', silence(), alert, true],
    ['exact rule', silence({ rule: 'low-asr-warning' }), alert, true],
    ['another rule', silence({ rule: 'high-pdd' }), alert, false],
    ['rule glob', silence({ rule: 'low-asr*' }), alert, true],
    ['rule glob that does not match', silence({ rule: 'high-*' }), alert, false],
    ['exact entity', silence({ entity: 'customer:acme' }), alert, true],
    ['another entity', silence({ entity: 'customer:globex' }), alert, false],
    ['entity glob', silence({ entity: 'customer:*' }), alert, true],
    ['entity glob of the other kind', silence({ entity: 'carrier:*' }), alert, false],
    ['rule and entity must both match', silence({ rule: 'low-asr*', entity: 'customer:globex' }), alert, false],
    ['rule and entity both match', silence({ rule: 'low-asr*', entity: 'customer:ac*' }), alert, true],
    ['a reset is muted too', silence({ rule: 'low-asr*' }), { ...alert, type: 'reset' as const }, true],
    ['a test alert is never muted', silence(), { ...alert, test: true }, false],
    ['not yet started', silence({ starts_at_ms: T + 1 }), alert, false],
    ['starts exactly now', silence({ starts_at_ms: T }), alert, true],
    ['ends exactly now', silence({ ends_at_ms: T }), alert, false],
    ['ends just after now', silence({ ends_at_ms: T + 1 }), alert, true],
    // The wall clock decides, not the alert's event time (an hour before the silence started here).
    ['event time outside, wall clock inside', silence({ starts_at_ms: T - 1000 }), alert, true],
  ])('%s', (_name, s, a, expected) => {
    expect(silenceMutes(s, a, T)).toBe(expected);
  });
});

describe('Silencer', () => {
  it('returns null when no silence mutes the alert', () => {
    const silencer = new Silencer(new Map([['s1', silence({ rule: 'high-pdd' })], ['s2', silence({ ends_at_ms: T })]]));
    expect(silencer.mutes(alert, T)).toBeNull();
  });

  it('returns the muting silence that ends last, then the smallest id', () => {
    const short = silence({ silence_id: 'a-short', ends_at_ms: T + 1000 });
    const long = silence({ silence_id: 'z-long', entity: 'customer:*', ends_at_ms: T + 9000 });
    const twin = silence({ silence_id: 'b-twin', rule: 'low-*', ends_at_ms: T + 9000 });
    const other = silence({ silence_id: 'c-other', entity: 'carrier:*', ends_at_ms: T + 99_000 });
    expect(new Silencer([short, long, other]).mutes(alert, T)).toBe(long);
    expect(new Silencer([short, long, twin, other]).mutes(alert, T)).toBe(twin);
  });

  it('reads the table at each call, so a change applies to the next alert', () => {
    const table = new Map<string, Silence>();
    const silencer = new Silencer(table);
    expect(silencer.mutes(alert, T)).toBeNull();
    table.set('s1', silence());
    expect(silencer.mutes(alert, T)?.silence_id).toBe('s1');
    table.set('s1', silence({ ends_at_ms: T, expired_by: 'bob' }));
    expect(silencer.mutes(alert, T)).toBeNull();
  });
});

describe('silencedNotification', () => {
  it('records a skipped attempt 0 naming the silence and its end', () => {
    const s = silence({ silence_id: 'f00d', ends_at_ms: Date.UTC(2024, 4, 1, 14, 30) });
    expect(silencedNotification(alert, 'email', 'noc@example.net', s, T)).toEqual({
      notification_id: notificationId('evt-1', 'email', 'noc@example.net', 0), alert_event_id: 'evt-1', rule_id: 'low-asr-warning', entity: 'customer:acme',
      channel: 'email', recipient: 'noc@example.net', status: 'skipped', attempt: 0, error: 'silenced by f00d until 2024-05-01T14:30:00.000Z', message_id: null, group_key: null, at_ms: T,
    });
  });
});
