import { CallwatchError } from '@callwatch/core';
import { DEFAULT_SCENARIO_MS, SCENARIO_NAMES, formatScenario, isActive, parseScenario, scenarioHelp } from './simulate-scenarios';
import { DEFAULT_PROFILE } from './simulate-traffic';
import { buildWorld } from './simulate-world';

const world = buildWorld(DEFAULT_PROFILE);

describe('--scenario', () => {
  it.each([
    ['asr-drop:customer:acme@+60s/5m', { name: 'asr-drop', kind: 'customer', id: 'acme', startMs: 60_000, durationMs: 300_000 }],
    ['carrier-outage:carrier:bluewave@+1m30s', { name: 'carrier-outage', kind: 'carrier', id: 'bluewave', startMs: 90_000, durationMs: DEFAULT_SCENARIO_MS }],
    ['pdd-rise:carrier:atlas-voice@+0/90s', { name: 'pdd-rise', kind: 'carrier', id: 'atlas-voice', startMs: 0, durationMs: 90_000 }],
    // An id may hold colons: everything between the kind and the "@".
    ['fraud-burst:customer:a:b@+1h', { name: 'fraud-burst', kind: 'customer', id: 'a:b', startMs: 3_600_000, durationMs: DEFAULT_SCENARIO_MS }],
  ])('reads %s', (text, expected) => {
    expect(parseScenario(text)).toEqual(expected);
  });

  it('writes a scenario back in the format it reads', () => {
    const s = parseScenario('channels-near-limit:customer:hooli@+1m/3m');
    expect(formatScenario(s)).toBe('channels-near-limit:customer:hooli@+1m/3m');
    expect(parseScenario(formatScenario(s))).toEqual(s);
  });

  const names = SCENARIO_NAMES.join(', ');
  it.each([
    ['asr-drop:customer:acme', '--scenario "asr-drop:customer:acme": expected <name>:<customer|carrier>:<id>@+<start>[/<duration>], e.g. asr-drop:customer:acme@+60s/5m: no "@+<start>"'],
    ['asr-dorp:customer:acme@+60s', `--scenario "asr-dorp:customer:acme@+60s": expected a scenario name (did you mean asr-drop?): one of ${names}; got "asr-dorp"`],
    ['meltdown:customer:acme@+60s', `--scenario "meltdown:customer:acme@+60s": expected a scenario name: one of ${names}; got "meltdown"`],
    ['asr-drop:acme@+60s', '--scenario "asr-drop:acme@+60s": expected an entity after the name, customer:<id> or carrier:<id>, got "acme" (format <name>:<customer|carrier>:<id>@+<start>[/<duration>], e.g. asr-drop:customer:acme@+60s/5m)'],
    ['asr-drop:customer:@+60s', '--scenario "asr-drop:customer:@+60s": expected an entity id after "customer:", got nothing (format <name>:<customer|carrier>:<id>@+<start>[/<duration>], e.g. asr-drop:customer:acme@+60s/5m)'],
    ['carrier-outage:customer:acme@+60s', '--scenario "carrier-outage:customer:acme@+60s": carrier-outage applies to carriers, not to customers'],
    ['fraud-burst:carrier:bluewave@+60s', '--scenario "fraud-burst:carrier:bluewave@+60s": fraud-burst applies to customers, not to carriers'],
    ['asr-drop:customer:acme@60s', '--scenario "asr-drop:customer:acme@60s": expected the start as +<duration> after "@" (time since the simulation started, e.g. +60s), got "60s"'],
    ['asr-drop:customer:acme@+soon', '--scenario "asr-drop:customer:acme@+soon": start: expected a duration such as 15m, 1h or 90s, got "soon"'],
    ['asr-drop:customer:acme@+60s/0', '--scenario "asr-drop:customer:acme@+60s/0": expected a duration above 0 after "/", got "0"'],
    ['asr-drop:customer:acme@+60s/5m/1m', '--scenario "asr-drop:customer:acme@+60s/5m/1m": expected at most one "/<duration>", got "+60s/5m/1m"'],
  ])('says precisely what is wrong with %s', (text, message) => {
    let error: unknown;
    try {
      parseScenario(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CallwatchError);
    expect((error as CallwatchError).code).toBe('CW_ERR_CLI_USAGE');
    expect((error as Error).message).toBe(message);
  });

  it('refuses an entity the simulation does not have, naming the ones it has', () => {
    expect(() => parseScenario('asr-drop:customer:nobody@+0s', world)).toThrow(
      '--scenario "asr-drop:customer:nobody@+0s": customer:nobody is not simulated; the customers are acme, globex, initech, umbrella, hooli, soylent, stark, wayne, wonka, tyrell, cyberdyne, oscorp…',
    );
    expect(() => parseScenario('carrier-outage:carrier:acme@+0s', world)).toThrow(
      'carrier:acme is not simulated; the carriers are northwind, bluewave, atlas-voice, pacific-link, meridian',
    );
  });

  it('is in force from its start to just before its end', () => {
    const s = parseScenario('asr-drop:customer:acme@+60s/1m');
    expect([59_999, 60_000, 119_999, 120_000].map((t) => isActive(s, t))).toEqual([false, true, true, false]);
  });

  it('lists every scenario in the help', () => {
    for (const name of SCENARIO_NAMES) expect(scenarioHelp()).toContain(name);
  });
});
