import type { AlertEvent, Rule } from '@callwatch/schemas';
import { actionId, decidePenalty, enableAction } from './decide-penalty';

const rule = { id: 'asr-low', title: 'ASR low', area: 'asr', penalty_ms: 600_000 } as Rule;
const alert = (type: AlertEvent['type'], atMs: number): AlertEvent => ({
  event_id: 'e', type, rule_id: 'asr-low', rule_title: 'ASR low', entity: 'customer:acme', area: 'asr', value: 4, threshold: 10, reset_threshold: null,
  operator: '<=', level: 'critical', sample_period_ms: 900_000, at_ms: atMs, first_fired_at_ms: atMs, test: false,
});

describe('decidePenalty', () => {
  it('disables the entity until the fire time plus the penalty', () => {
    expect(decidePenalty(null, alert('fired', 1_000), rule)).toEqual({
      penalty: { until_ms: 601_000, rule_id: 'asr-low', reason: 'ASR low: asr 4 <= 10' },
      action: { action_id: actionId('customer:acme', 'disable', 601_000), type: 'disable', entity: 'customer:acme', until_ms: 601_000, rule_id: 'asr-low', reason: 'ASR low: asr 4 <= 10', at_ms: 1_000 },
    });
  });

  it('writes the value of its reason with three decimals at most', () => {
    const fired = { ...alert('fired', 1_000), value: 14.996035791142825, threshold: 15 };
    expect(decidePenalty(null, fired, rule)?.penalty.reason).toBe('ASR low: asr 14.996 <= 15');
  });

  it('extends a penalty on a later firing and never shortens one', () => {
    const current = { until_ms: 601_000, rule_id: 'asr-low', reason: 'r' };
    expect(decidePenalty(current, alert('fired', 61_000), rule)?.penalty.until_ms).toBe(661_000);
    expect(decidePenalty({ ...current, until_ms: 9_999_999 }, alert('fired', 61_000), rule)).toBeNull();
  });

  it('does nothing for resets, repeats, reports, rules without a penalty, or unknown rules', () => {
    expect(decidePenalty(null, alert('reset', 1_000), rule)).toBeNull();
    expect(decidePenalty(null, alert('repeated', 1_000), rule)).toBeNull();
    expect(decidePenalty(null, alert('report', 1_000), rule)).toBeNull();
    expect(decidePenalty(null, alert('fired', 1_000), { ...rule, penalty_ms: null })).toBeNull();
    expect(decidePenalty(null, alert('fired', 1_000), undefined)).toBeNull();
  });

  it('enables at the end of the penalty with an id of its own', () => {
    const action = enableAction('customer:acme', { until_ms: 601_000, rule_id: 'asr-low', reason: 'r' }, 601_000);
    expect(action).toMatchObject({ type: 'enable', until_ms: null, at_ms: 601_000, reason: 'penalty of asr-low ended' });
    expect(action.action_id).not.toBe(actionId('customer:acme', 'disable', 601_000));
  });
});
