import type { Silence } from '@callwatch/schemas';
import { buildSilence, formatSilences, parseSilenceTime, type SilenceFlags } from './silence';

const NOW = Date.UTC(2024, 4, 1, 12, 0);
const H = 3_600_000;
const make = (flags: SilenceFlags) => buildSilence(flags, { id: 's1', by: 'alice', now: NOW });

describe('parseSilenceTime', () => {
  it.each([
    ['2h', NOW + 2 * H],
    ['1h30m', NOW + 1.5 * H],
    [' 90s ', NOW + 90_000],
    ['2024-05-01T14:30:00Z', Date.UTC(2024, 4, 1, 14, 30)],
    ['2024-05-01T14:30:00+02:00', Date.UTC(2024, 4, 1, 12, 30)],
    ['2024-05-02', Date.UTC(2024, 4, 2)],
  ])('%s', (input, expected) => {
    expect(parseSilenceTime('--until', input, NOW)).toBe(expected);
  });

  it.each(['tomorrow', '', '2h later', '2024-13-45T99:00Z', '-2h'])('rejects %p naming the flag', (input) => {
    expect(() => parseSilenceTime('--from', input, NOW)).toThrow(expect.objectContaining({
      code: 'CW_ERR_CLI_USAGE',
      message: `--from: expected an ISO time such as 2024-05-01T14:30:00Z or a duration from now such as 2h, got "${input}"`,
    }));
  });
});

describe('buildSilence', () => {
  it('makes a silence from now until a duration from now', () => {
    expect(make({ rule: 'low-asr*', until: '2h', comment: 'carrier maintenance' })).toEqual({
      silence_id: 's1', rule: 'low-asr*', entity: null, starts_at_ms: NOW, ends_at_ms: NOW + 2 * H, comment: 'carrier maintenance',
      created_by: 'alice', created_at_ms: NOW, expired_by: null,
    });
  });

  it('takes a start in the future, and an entity or entity glob alone', () => {
    expect(make({ entity: 'customer:acme', from: '1h', until: '2024-05-01T15:00:00Z' })).toMatchObject({
      rule: null, entity: 'customer:acme', starts_at_ms: NOW + H, ends_at_ms: NOW + 3 * H, comment: '',
    });
    for (const entity of ['customer:*', 'carrier:tel*', '*:acme', 'c*', 'carrier:?x']) expect(make({ entity, until: '1h' }).entity).toBe(entity);
  });

  it.each<[string, SilenceFlags, string]>([
    ['neither rule nor entity', { until: '2h' }, 'give --rule, --entity or both: a silence mutes the notifications of matching rules and entities, and one of everything is not allowed'],
    ['no --until', { rule: 'low-asr' }, '--until is required: an ISO time or a duration from now such as 2h'],
    ['a rule that is no id', { rule: 'Low ASR', until: '2h' }, '--rule: expected a rule id or a glob of one (a-z, 0-9, -, _ and the wildcards * and ?) such as low-asr*, got "Low ASR"'],
    ['an entity without a kind', { entity: 'acme', until: '2h' }, '--entity: expected customer:<id>, carrier:<id> or a glob such as customer:*, got "acme"'],
    ['an entity glob that can match no entity', { entity: 'acme*', until: '2h' }, '--entity: expected customer:<id>, carrier:<id> or a glob such as customer:*, got "acme*"'],
    ['an entity without an id', { entity: 'customer:', until: '2h' }, '--entity: expected customer:<id>, carrier:<id> or a glob such as customer:*, got "customer:"'],
    ['a bad --until', { rule: 'low-asr', until: 'soon' }, '--until: expected an ISO time such as 2024-05-01T14:30:00Z or a duration from now such as 2h, got "soon"'],
    ['--until before --from', { rule: 'low-asr', from: '3h', until: '2h' }, '--until: 2024-05-01T14:00:00.000Z is not after --from 2024-05-01T15:00:00.000Z'],
    ['--until equal to --from', { rule: 'low-asr', from: '2h', until: '2h' }, '--until: 2024-05-01T14:00:00.000Z is not after --from 2024-05-01T14:00:00.000Z'],
    ['--until of zero', { rule: 'low-asr', until: '0' }, '--until: 2024-05-01T12:00:00.000Z is not after --from 2024-05-01T12:00:00.000Z'],
    ['a range already over', { rule: 'low-asr', from: '2024-05-01T08:00:00Z', until: '2024-05-01T09:00:00Z' }, '--until: 2024-05-01T09:00:00.000Z has already passed'],
  ])('refuses %s', (_name, flags, message) => {
    expect(() => make(flags)).toThrow(expect.objectContaining({ code: 'CW_ERR_CLI_USAGE', message }));
  });
});

describe('formatSilences', () => {
  const base: Silence = {
    silence_id: 'a1', rule: 'low-asr*', entity: null, starts_at_ms: NOW - H, ends_at_ms: NOW + 2 * H, comment: 'maintenance',
    created_by: 'alice', created_at_ms: NOW - H, expired_by: null,
  };

  it('shows state, range, time left, what it matches and who', () => {
    expect(formatSilences([
      base,
      { ...base, silence_id: 'b2', rule: null, entity: 'customer:acme', starts_at_ms: NOW + H, comment: '' },
      { ...base, silence_id: 'c3', ends_at_ms: NOW - 60_000, expired_by: 'bob' },
    ], NOW)).toBe([
      'a1  active   2024-05-01T11:00:00.000Z → 2024-05-01T14:00:00.000Z (2h left)  rule low-asr*  entity *  by alice: maintenance',
      'b2  pending  2024-05-01T13:00:00.000Z → 2024-05-01T14:00:00.000Z  rule *  entity customer:acme  by alice',
      'c3  expired  2024-05-01T11:00:00.000Z → 2024-05-01T11:59:00.000Z  rule low-asr*  entity *  by alice, expired by bob: maintenance',
      '',
    ].join('\n'));
  });

  it('says when there is none', () => {
    expect(formatSilences([], NOW)).toBe('no silences\n');
  });
});
