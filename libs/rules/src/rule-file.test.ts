import { formatRuleError, validateRuleFiles, type RuleFileText } from './rule-file';

const opts = { knownTemplates: new Set(['asr', 'low-asr']), appliedBy: 'alice', now: 1_700_000_000_000 };

function check(...files: RuleFileText[]): { ids: string[]; errors: string[]; codes: string[] } {
  const { rules, errors } = validateRuleFiles(files, opts);
  return { ids: rules.map((r) => r.id), errors: errors.map(formatRuleError), codes: errors.map((e) => e.code) };
}

const lines = (...l: string[]): string => l.join('\n') + '\n';

// A valid rule to which each case adds or changes lines; line 5 is the operator, 6 the threshold.
const base = (...extra: string[]): string => lines(
  'id: low-asr',
  'title: Low ASR',
  'scope: { customer: acme }',
  'area: asr',
  'operator: "<="',
  'threshold: 30',
  'sample_period: 15m',
  'level: warning',
  ...extra,
);

describe('validateRuleFiles', () => {
  it('builds a Rule with defaults and the caller stamp', () => {
    const { rules, errors } = validateRuleFiles([{ path: 'a.yaml', text: base() }], opts);
    expect(errors).toEqual([]);
    expect(rules).toEqual([{
      id: 'low-asr', title: 'Low ASR', scope: { kind: 'customer', value: 'acme' }, area: 'asr', operator: '<=',
      threshold: 30, reset_threshold: null, sample_period_ms: 900_000, min_attempts: 1, for_ms: 0, repeat_ms: 0,
      level: 'warning', penalty_ms: null, codes: [], notify: [], template: null, group_by: null, group_wait_ms: null, group_interval_ms: null, enabled: true, extra_json: null,
      applied_by: 'alice', applied_at_ms: 1_700_000_000_000,
    }]);
  });

  it('reads every field of the example in docs/design.md', () => {
    const text = lines(
      'id: low-asr-warning',
      'title: Low ASR Warning',
      'scope: { class: gold }',
      'area: asr',
      'operator: "<="',
      'threshold: 30',
      'reset_threshold: 31',
      'sample_period: 15m',
      'min_attempts: 20',
      'for: 0s',
      'repeat: 1h',
      'level: warning',
      'penalty: 1h',
      'notify: [ { email: noc@example.net }, { sms: +15551234567 }, { webhook: "https://hooks.example.net/a" }, { contacts: true } ]',
      'template: low-asr',
      'enabled: false',
    );
    const [rule] = validateRuleFiles([{ path: 'a.yaml', text }], opts).rules;
    expect(rule).toMatchObject({
      scope: { kind: 'class', value: 'gold' }, reset_threshold: 31, min_attempts: 20, for_ms: 0, repeat_ms: 3_600_000,
      penalty_ms: 3_600_000, template: 'low-asr', enabled: false,
      notify: [
        { channel: 'email', target: 'noc@example.net' },
        // Unquoted, YAML reads the number as an integer; the source text keeps its +.
        { channel: 'sms', target: '+15551234567' },
        { channel: 'webhook', target: 'https://hooks.example.net/a' },
        { channel: 'contacts', target: null },
      ],
    });
  });

  it.each<[string, string, string]>([
    ['customer ids keep their digits', 'scope: { customer: 007 }', '{"kind":"customer","value":"007"}'],
    ['all carriers', 'scope: { all: carriers }', '{"kind":"all_carriers","value":null}'],
  ])('scope: %s', (_name, scopeLine, scope) => {
    const text = base().replace('scope: { customer: acme }', scopeLine);
    expect(JSON.stringify(validateRuleFiles([{ path: 'a.yaml', text }], opts).rules[0]?.scope)).toBe(scope);
  });

  it('reads lists, --- documents and JSON, numbering rules across documents', () => {
    const yaml = base() + '---\n# only a comment\n---\n' + lines('- ' + base().trim().split('\n').join('\n  ').replace('low-asr', 'second'));
    const json = JSON.stringify([{ id: 'third', title: 'T', scope: { all: 'customers' }, area: 'balance', operator: '<', threshold: 10, level: 'info' }], null, '\t');
    expect(check({ path: 'a.yaml', text: yaml }, { path: 'b.json', text: json })).toEqual({ ids: ['low-asr', 'second', 'third'], errors: [], codes: [] });
    const bad = yaml.replace('id: second', 'id: Second');
    expect(check({ path: 'a.yaml', text: bad }).errors).toEqual(['a.yaml:12:7 rules[1].id: expected a slug of a-z, 0-9, - and _ such as low-asr-warning, got "Second"']);
  });

  it('stores event, script and schedule fields as extra_json', () => {
    const event = lines(
      'id: payment-received', 'title: Payment received', 'scope: { all: customers }', 'area: event', 'level: info',
      'event: payment_completed', 'filter: { source: { not: portal } }',
    );
    const report = lines('id: daily-balance', 'title: Daily balance', 'scope: { class: gold }', 'area: balance', 'level: info', 'schedule: "0 8 * * *"', 'timezone: Europe/Berlin');
    const { rules, errors } = validateRuleFiles([{ path: 'a.yaml', text: event }, { path: 'b.yaml', text: report }], opts);
    expect(errors).toEqual([]);
    expect(rules.map((r) => JSON.parse(r.extra_json ?? 'null') as unknown)).toEqual([
      { event: 'payment_completed', filter: { source: { not: 'portal' } } },
      { schedule: '0 8 * * *', timezone: 'Europe/Berlin' },
    ]);
  });

  it.each<[string, string[]]>([
    ['a gauge', ['area: balance']],
    ['credit used', ['area: credit_used']],
    ['a window, in UTC by default', ['area: asr', 'sample_period: 1h', 'schedule: "@daily"']],
    ['a script', ['area: script', 'script: "return m.balance * 2"']],
  ])('reads a report rule of %s: a schedule and no threshold', (_name, fields) => {
    const text = lines('id: report', 'title: Report', 'scope: { all: customers }', 'level: info', ...fields, ...(fields.some((x) => x.startsWith('schedule')) ? [] : ['schedule: "0 8 * * MON-FRI"']));
    const { rules, errors } = validateRuleFiles([{ path: 'a.yaml', text }], opts);
    expect(errors).toEqual([]);
    expect(rules[0]).toMatchObject({ operator: null, threshold: null, reset_threshold: null, for_ms: 0, repeat_ms: 0, penalty_ms: null });
  });

  it('reads grouping, Slack and Pushover targets, and reports bad ones at their field', () => {
    const good = base(
      'group_by: [rule, level, rule]',
      'group_wait: 30s',
      'group_interval: 5m',
      'notify: [ { slack: "https://hooks.slack.example/T1" }, { pushover: { user: uQiRzpo4DXghDmr9QzzfQu27cmVRsG } } ]',
    );
    const [rule] = validateRuleFiles([{ path: 'a.yaml', text: good }], opts).rules;
    expect(rule).toMatchObject({
      group_by: ['rule', 'level'], group_wait_ms: 30_000, group_interval_ms: 300_000,
      notify: [{ channel: 'slack', target: 'https://hooks.slack.example/T1' }, { channel: 'pushover', target: 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG' }],
    });
    expect(check({ path: 'b.yaml', text: base('group_by: [rule, colour]', 'group_interval: 0s', 'notify: [ { pushover: { user: short } } ]') }).errors).toEqual([
      'b.yaml:9:18 rules[0].group_by[1]: expected one of rule, level, area, entity, type, got "colour"',
      'b.yaml:10:17 rules[0].group_interval: expected a duration above 0s such as 5m, got 0s',
      'b.yaml:11:23 rules[0].notify[0].pushover: expected { user: <Pushover user or group key, 30 letters and digits> }, got "short"',
    ]);
  });

  it('reports the reset side with its own code, at the value', () => {
    const text = base('reset_threshold: 25');
    expect(check({ path: 'rules/acme.yaml', text })).toEqual({
      ids: [],
      errors: ['rules/acme.yaml:9:18 rules[0].reset_threshold: expected a value at or above the threshold 30 for operator <=, got 25'],
      codes: ['CW_ERR_RULE_RESET_SIDE'],
    });
  });

  it.each<[string, string, string[]]>([
    ['> with reset above', base('reset_threshold: 35').replace('"<="', '">"'), ['a.yaml:9:18 rules[0].reset_threshold: expected a value at or below the threshold 30 for operator >, got 35']],
    ['= with any reset', base('reset_threshold: 30').replace('"<="', '"="'), ['a.yaml:9:18 rules[0].reset_threshold: expected no reset_threshold for operator =, got 30']],
    ['!= with any reset', base('reset_threshold: 1').replace('"<="', '"!="'), ['a.yaml:9:18 rules[0].reset_threshold: expected no reset_threshold for operator !=, got 1']],
  ])('reset side: %s', (_name, text, errors) => {
    expect(check({ path: 'a.yaml', text })).toEqual({ ids: [], errors, codes: errors.map(() => 'CW_ERR_RULE_RESET_SIDE') });
  });

  it.each<[string, string, string[]]>([
    ['unknown area', base().replace('area: asr', 'area: mos'), ['a.yaml:4:7 rules[0].area: expected one of asr, ner, acd, pdd, attempts, cps, spend, margin, sdr, code_ratio, channels, balance, credit, credit_used, event, script, got "mos"']],
    ['bad operator', base().replace('"<="', '"=<"'), ['a.yaml:5:11 rules[0].operator: expected one of > >= < <= = !=, got "=<"']],
    ['unquoted != gets a hint', base().replace('"<="', '!='), ['a.yaml:5:13 rules[0].operator: expected one of > >= < <= = != (quote it in YAML: operator: ">="), got ""']],
    ['unquoted >= is a YAML error', base().replace('"<="', '>='), ['a.yaml:5:12 expected valid YAML or JSON, got Block scalar header includes extra characters: >=']],
    ['missing threshold', base().replace('threshold: 30\n', ''), ['a.yaml:1:1 rules[0].threshold: expected field threshold (area asr compares its value with a threshold), got nothing']],
    ['empty threshold', base().replace('threshold: 30', 'threshold:'), ['a.yaml:6:11 rules[0].threshold: expected field threshold (area asr compares its value with a threshold), got nothing']],
    ['string threshold', base().replace('threshold: 30', 'threshold: "30"'), ['a.yaml:6:12 rules[0].threshold: expected a number, got "30"']],
    ['missing sample_period', base().replace('sample_period: 15m\n', ''), ['a.yaml:1:1 rules[0].sample_period: expected field sample_period (area asr is measured over a window), got nothing']],
    ['sample_period in seconds', base().replace('15m', '90s'), ['a.yaml:7:16 rules[0].sample_period: expected a whole number of minutes from 1m to 24h, got "90s"']],
    ['sample_period over a day', base().replace('15m', '25h'), ['a.yaml:7:16 rules[0].sample_period: expected a whole number of minutes from 1m to 24h, got "25h"']],
    ['gauge with a window', base().replace('area: asr', 'area: channels'), ['a.yaml:7:16 rules[0].sample_period: expected no sample_period for area channels, which has no window, got "15m"']],
    ['credit with a window', base().replace('area: asr', 'area: credit'), ['a.yaml:7:16 rules[0].sample_period: expected no sample_period for area credit, which has no window, got "15m"']],
    ['credit_used with a window', base().replace('area: asr', 'area: credit_used'), ['a.yaml:7:16 rules[0].sample_period: expected no sample_period for area credit_used, which has no window, got "15m"']],
    ['code_ratio without codes', base().replace('area: asr', 'area: code_ratio'), ['a.yaml:1:1 rules[0].codes: expected field codes (area code_ratio counts calls ending with these SIP codes), got nothing']],
    ['codes out of range', base('codes: [486, 99]').replace('area: asr', 'area: code_ratio'), ['a.yaml:9:14 rules[0].codes[1]: expected a SIP response code from 100 to 699, got 99']],
    ['codes on another area', base('codes: [486]'), ['a.yaml:9:8 rules[0].codes: expected no codes for area asr, got a list']],
    ['negative duration', base('for: -5m'), ['a.yaml:9:6 rules[0].for: expected a non-negative duration such as 15m, got "-5m"']],
    ['negative number duration', base('penalty: -1'), ['a.yaml:9:10 rules[0].penalty: expected a non-negative duration such as 15m, got -1']],
    ['duration without unit', base('repeat: 3600'), ['a.yaml:9:9 rules[0].repeat: expected a duration with a unit such as 15m, 1h or 90s, got 3600']],
    ['unparsable duration', base('repeat: soon'), ['a.yaml:9:9 rules[0].repeat: expected a duration such as 15m, 1h or 90s, got "soon"']],
    ['negative min_attempts', base('min_attempts: -2'), ['a.yaml:9:15 rules[0].min_attempts: expected a whole number ≥ 0, got -2']],
    // Found by rule-file.fuzz.test.ts: each was accepted and then could not be published (Avro int, long) or exported.
    ['min_attempts past an int', base('min_attempts: 9007199254740993'), ['a.yaml:9:15 rules[0].min_attempts: expected a whole number ≥ 0 and at most 2147483647, got 9007199254740992']],
    ['duration past 36500 days', base('penalty: 99999999999h'), ['a.yaml:9:10 rules[0].penalty: expected a duration of at most 36500d, got "99999999999h"']],
    ['filter that is a YAML timestamp', lines('id: e', 'title: E', 'scope: { all: customers }', 'area: event', 'event: payment_completed', 'filter: !!timestamp 2024-01-01', 'level: info'), ['a.yaml:6:21 rules[0].filter: expected a mapping of event fields, got a timestamp 2024-01-01T00:00:00.000Z']],
    ['bad level', base().replace('level: warning', 'level: fatal'), ['a.yaml:8:8 rules[0].level: expected one of info, warning, error, critical, got "fatal"']],
    ['missing level', base().replace('level: warning\n', ''), ['a.yaml:1:1 rules[0].level: expected field level, got nothing']],
    ['unknown template', base('template: nope'), ['a.yaml:9:11 rules[0].template: expected a known template id (asr, low-asr), got "nope"']],
    ['enabled not boolean', base('enabled: yes'), ['a.yaml:9:10 rules[0].enabled: expected true or false, got "yes"']],
    ['unknown field, with a suggestion', base('reset_treshold: 31'), ['a.yaml:9:1 rules[0].reset_treshold: expected a rule field (did you mean reset_threshold?), got unknown field reset_treshold']],
    ['id not a slug', base().replace('id: low-asr', 'id: Low ASR'), ['a.yaml:1:5 rules[0].id: expected a slug of a-z, 0-9, - and _ such as low-asr-warning, got "Low ASR"']],
    ['scope with two keys', base().replace('{ customer: acme }', '{ customer: acme, carrier: x }'), ['a.yaml:3:8 rules[0].scope: expected exactly one of customer, carrier, class, all, got customer and carrier']],
    ['scope with an unknown key', base().replace('{ customer: acme }', '{ tenant: acme }'), ['a.yaml:3:8 rules[0].scope: expected exactly one of customer, carrier, class, all, got none', 'a.yaml:3:10 rules[0].scope.tenant: expected one of customer, carrier, class, all, got unknown key tenant']],
    ['bad email', base('notify: [ { email: noc.example.net } ]'), ['a.yaml:9:20 rules[0].notify[0].email: expected an email address such as noc@example.net, got "noc.example.net"']],
    ['bad phone', base('notify:', '  - sms: "+0123"'), ['a.yaml:10:10 rules[0].notify[0].sms: expected an E.164 phone number such as "+15551234567", got "+0123"']],
    ['phone without +', base('notify:', '  - sms: 15551234567'), ['a.yaml:10:10 rules[0].notify[0].sms: expected an E.164 phone number such as "+15551234567", got "15551234567"']],
    ['webhook not http', base('notify:', '  - webhook: ftp://x.example'), ['a.yaml:10:14 rules[0].notify[0].webhook: expected an http(s) URL, got "ftp://x.example"']],
    ['contacts false', base('notify:', '  - contacts: false'), ['a.yaml:10:15 rules[0].notify[0].contacts: expected true (notify the entity\'s own contacts), got false']],
    ['notify entry with two channels', base('notify:', '  - { email: a@b.co, sms: "+15551234567" }'), ['a.yaml:10:5 rules[0].notify[0]: expected a mapping with exactly one of email, sms, webhook, slack, pushover, contacts, got email and sms']],
    ['event rule with a threshold', lines('id: e', 'title: E', 'scope: { all: customers }', 'area: event', 'event: payment_completed', 'threshold: 5', 'level: info'), ['a.yaml:6:12 rules[0].threshold: expected no threshold for area event, got 5']],
    ['event rule without event', lines('id: e', 'title: E', 'scope: { all: customers }', 'area: event', 'level: info'), ['a.yaml:1:1 rules[0].event: expected field event (area event notifies on an event), got nothing']],
    ['script with an operator and no threshold', lines('id: s', 'title: S', 'scope: { all: customers }', 'area: script', 'script: "return 1"', 'operator: ">"', 'level: info'), ['a.yaml:1:1 rules[0].threshold: expected field threshold (an operator compares with a threshold), got nothing']],
    ['bad cron', lines('id: r', 'title: R', 'scope: { class: gold }', 'area: balance', 'level: info', 'schedule: "8 o\'clock"'), ['a.yaml:6:11 rules[0].schedule: expected a cron expression of 5 fields such as "0 8 * * *", got "8 o\'clock"']],
    ['cron with a field out of range', lines('id: r', 'title: R', 'scope: { class: gold }', 'area: balance', 'level: info', 'schedule: "61 8 * * *"'), ['a.yaml:6:11 rules[0].schedule: expected a cron expression of 5 fields such as "0 8 * * *", got "61 8 * * *" (Invalid value for minute: 61)']],
    ['cron with seconds', lines('id: r', 'title: R', 'scope: { class: gold }', 'area: balance', 'level: info', 'schedule: "0 0 8 * * *"'), ['a.yaml:6:11 rules[0].schedule: expected a cron expression of 5 fields such as "0 8 * * *", got "0 0 8 * * *"']],
    ['cron with a bad weekday', lines('id: r', 'title: R', 'scope: { class: gold }', 'area: balance', 'level: info', 'schedule: "0 8 * * MON-FUN"'), ['a.yaml:6:11 rules[0].schedule: expected a cron expression of 5 fields such as "0 8 * * *", got "0 8 * * MON-FUN" (configuration entry 5 (1-FUN) contains illegal characters.)']],
    ['cron that matches no date', lines('id: r', 'title: R', 'scope: { class: gold }', 'area: balance', 'level: info', 'schedule: "0 8 31 2 *"'), ['a.yaml:6:11 rules[0].schedule: expected a cron expression of 5 fields such as "0 8 * * *", got "0 8 31 2 *" (it matches no date)']],
    ['report with a threshold', lines('id: r', 'title: R', 'scope: { class: gold }', 'area: balance', 'level: info', 'schedule: "0 8 * * *"', 'operator: "<"', 'threshold: 5'), [
      'a.yaml:7:11 rules[0].operator: expected no operator in a rule with a schedule, which reports its value at every tick whatever it is, got "<"',
      'a.yaml:8:12 rules[0].threshold: expected no threshold in a rule with a schedule, which reports its value at every tick whatever it is, got 5',
    ]],
    ['report with a penalty', lines('id: r', 'title: R', 'scope: { class: gold }', 'area: balance', 'level: info', 'schedule: "0 8 * * *"', 'penalty: 1h', 'repeat: 1h'), [
      'a.yaml:7:10 rules[0].penalty: expected no penalty in a rule with a schedule, which reports its value at every tick whatever it is, got "1h"',
      'a.yaml:8:9 rules[0].repeat: expected no repeat in a rule with a schedule, which reports its value at every tick whatever it is, got "1h"',
    ]],
    ['scheduled event rule', lines('id: e', 'title: E', 'scope: { all: customers }', 'area: event', 'event: payment_completed', 'schedule: "0 8 * * *"', 'level: info'), ['a.yaml:6:11 rules[0].schedule: expected no schedule for area event, which has no value to report, got "0 8 * * *"']],
    ['timezone without schedule', base('timezone: Mars/Olympus'), ['a.yaml:1:1 rules[0].schedule: expected field schedule (a timezone applies to a schedule), got nothing', 'a.yaml:9:11 rules[0].timezone: expected an IANA time zone such as Europe/Berlin, got "Mars/Olympus"']],
    ['not a mapping', 'just text\n', ['a.yaml:1:1 rules[0]: expected a rule mapping with id, title, scope, area and level, got "just text"']],
    ['duplicate keys', base('level: info'), ['a.yaml:9:1 expected valid YAML or JSON, got Map keys must be unique']],
  ])('%s', (_name, text, errors) => {
    const result = check({ path: 'a.yaml', text });
    expect(result.errors).toEqual(errors);
    expect(result.ids).toEqual([]);
  });

  it('reports every problem of every rule, in file order', () => {
    const text = lines(
      '- id: Bad Id',
      '  title: x',
      '  scope: { customer: acme }',
      '  area: asr',
      '  operator: "<"',
      '  threshold: 30',
      '  sample_period: 90s',
      '  level: loud',
      '  colour: red',
      '- id: fine',
      '  title: Fine',
      '  scope: { all: customers }',
      '  area: balance',
      '  operator: "<"',
      '  threshold: 5',
      '  level: info',
      '- id: ratio',
      '  title: Ratio',
      '  scope: { all: everyone }',
      '  area: code_ratio',
      '  operator: ">"',
      '  threshold: 10',
      '  sample_period: 5m',
      '  level: error',
    );
    expect(check({ path: 'rules/bad.yaml', text })).toEqual({
      ids: ['fine'],
      codes: Array(6).fill('CW_ERR_RULE_INVALID'),
      errors: [
        'rules/bad.yaml:1:7 rules[0].id: expected a slug of a-z, 0-9, - and _ such as low-asr-warning, got "Bad Id"',
        'rules/bad.yaml:7:18 rules[0].sample_period: expected a whole number of minutes from 1m to 24h, got "90s"',
        'rules/bad.yaml:8:10 rules[0].level: expected one of info, warning, error, critical, got "loud"',
        'rules/bad.yaml:9:3 rules[0].colour: expected one of id, title, scope, area, operator, threshold, reset_threshold, sample_period, min_attempts, for, repeat, level, penalty, codes, notify, template, group_by, group_wait, group_interval, enabled, event, filter, script, schedule, timezone, got unknown field colour',
        'rules/bad.yaml:17:3 rules[2].codes: expected field codes (area code_ratio counts calls ending with these SIP codes), got nothing',
        'rules/bad.yaml:19:17 rules[2].scope.all: expected customers or carriers, got "everyone"',
      ],
    });
  });

  it('reports line numbers in JSON files', () => {
    const json = JSON.stringify({ id: 'j', title: 'J', scope: { customer: 'acme' }, area: 'asr', operator: '<', threshold: 30, reset_threshold: 20, sample_period: '5m', level: 'info' }, null, 2);
    expect(check({ path: 'j.json', text: json }).errors).toEqual(['j.json:10:22 rules[0].reset_threshold: expected a value at or above the threshold 30 for operator <, got 20']);
  });

  it('reports duplicate ids across files at the second one', () => {
    const second = lines('# the same rule again', ...base().trim().split('\n'));
    expect(check({ path: 'a.yaml', text: base() }, { path: 'b.yaml', text: second })).toEqual({
      ids: ['low-asr'],
      errors: ['b.yaml:2:5 rules[0].id: expected a unique id, got "low-asr" (also defined at a.yaml:1:5)'],
      codes: ['CW_ERR_RULE_INVALID'],
    });
  });

  it('loads nothing from an empty or comment-only file', () => {
    expect(check({ path: 'a.yaml', text: '' }, { path: 'b.yaml', text: '# nothing yet\n' })).toEqual({ ids: [], errors: [], codes: [] });
  });
});
