import type { Rule } from '@callwatch/schemas';

/** makeRule builds a valid threshold rule for tests (`@callwatch/rules/testing`): ASR ≤ 30 over 15 minutes for customer acme, with overrides. */
export function makeRule(overrides: Partial<Rule> = {}): Rule {
  return {
    id: 'low-asr',
    title: 'Low ASR',
    scope: { kind: 'customer', value: 'acme' },
    area: 'asr',
    operator: '<=',
    threshold: 30,
    reset_threshold: null,
    sample_period_ms: 900_000,
    min_attempts: 1,
    for_ms: 0,
    repeat_ms: 0,
    level: 'warning',
    penalty_ms: null,
    codes: [],
    notify: [],
    template: null, group_by: null, group_wait_ms: null, group_interval_ms: null,
    enabled: true,
    extra_json: null,
    applied_by: 'test',
    applied_at_ms: 0,
    ...overrides,
  };
}
