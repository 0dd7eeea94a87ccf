import type { AlertEvent, AlertEventType } from '@callwatch/schemas';
import { supersededRepeats } from './superseded';

const event = (id: string, type: AlertEventType, rule = 'low-asr', entity = 'customer:acme'): AlertEvent => ({
  event_id: id, type, rule_id: rule, rule_title: rule, entity, area: 'asr', value: 20, threshold: 30, reset_threshold: null, operator: '<=',
  level: 'warning', sample_period_ms: 900_000, at_ms: 0, first_fired_at_ms: 0, test: false,
});

describe('supersededRepeats', () => {
  it('keeps only the newest of a run of missed repeats, pointing the others at it', () => {
    const batch = [event('f', 'fired'), event('r1', 'repeated'), event('r2', 'repeated'), event('r3', 'repeated')];
    expect(supersededRepeats(batch)).toEqual(new Map([['r1', 'r3'], ['r2', 'r3']]));
  });

  it('drops repeats that a reset follows, and never a fired or a reset event', () => {
    const batch = [event('r1', 'repeated'), event('x', 'reset'), event('f2', 'fired'), event('x2', 'reset')];
    expect(supersededRepeats(batch)).toEqual(new Map([['r1', 'x2']]));
  });

  it('keeps repeats of other rules and other entities apart', () => {
    const batch = [event('a', 'repeated'), event('b', 'repeated', 'other'), event('c', 'repeated', 'low-asr', 'customer:globex')];
    expect(supersededRepeats(batch).size).toBe(0);
  });
});
