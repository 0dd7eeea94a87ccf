import { CallwatchError, editDistance, formatDuration, parseDuration, type EntityKind } from '@callwatch/core';
import type { World } from './simulate-world';

/** SCENARIO_NAMES are the traffic changes `callwatch simulate --scenario` can schedule. */
export const SCENARIO_NAMES = ['asr-drop', 'cps-spike', 'balance-drain', 'carrier-outage', 'pdd-rise', 'fraud-burst', 'channels-near-limit'] as const;

/** ScenarioName is one of SCENARIO_NAMES. */
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** SCENARIOS says, per scenario, which kinds of entity it applies to and what it does to their traffic. */
export const SCENARIOS: Record<ScenarioName, { kinds: EntityKind[]; does: string }> = {
  'asr-drop': { kinds: ['customer', 'carrier'], does: 'its new calls fail (ASR about 1%); calls in progress end as they would' },
  'cps-spike': { kinds: ['customer', 'carrier'], does: 'a dialer sends bursts of 1.5 × its CPS limit within one second, every 20 s (short calls)' },
  'balance-drain': { kinds: ['customer'], does: 'calls to dear long-haul destinations spend its balance (and a tenth more) in the first 70% of the time; a top-up payment (source gateway) at the end' },
  'carrier-outage': { kinds: ['carrier'], does: 'its calls fail with 503/502/500/408 (NER collapses); the switch retries them on the last-resort carrier, at a loss' },
  'pdd-rise': { kinds: ['customer', 'carrier'], does: 'post-dial delay of its calls rises to about 7.5 s' },
  'fraud-burst': { kinds: ['customer'], does: '4 extra calls a second, short and mostly answered, to premium destinations (881, 882, 252, 690)' },
  'channels-near-limit': { kinds: ['customer', 'carrier'], does: 'long calls keep its calls in progress at 95% of its channel limit' },
};

/** Scenario is one scheduled change of one entity's traffic: from `startMs` after the run starts, for `durationMs`. */
export interface Scenario {
  name: ScenarioName;
  kind: EntityKind;
  id: string;
  startMs: number;
  durationMs: number;
}

/** DEFAULT_SCENARIO_MS is how long a scenario lasts when its flag gives no `/<duration>`. */
export const DEFAULT_SCENARIO_MS = 5 * 60_000;

const FORMAT = '<name>:<customer|carrier>:<id>@+<start>[/<duration>], e.g. asr-drop:customer:acme@+60s/5m';

/**
 * parseScenario reads one `--scenario` value. Every problem is a usage error that quotes the value, says what was
 * expected and lists the names; with a world, the entity must be one the simulation has.
 */
export function parseScenario(text: string, world?: World): Scenario {
  const fail = (problem: string): never => {
    throw new CallwatchError('CW_ERR_CLI_USAGE', `--scenario "${text}": ${problem}`);
  };
  const at = text.lastIndexOf('@');
  if (at < 0) fail(`expected ${FORMAT}: no "@+<start>"`);
  const [name = '', kind = '', ...rest] = text.slice(0, at).split(':');
  const id = rest.join(':');
  if (!(SCENARIO_NAMES as readonly string[]).includes(name)) {
    const near = SCENARIO_NAMES.find((n) => editDistance(n, name) <= 2);
    fail(`expected a scenario name${near ? ` (did you mean ${near}?)` : ''}: one of ${SCENARIO_NAMES.join(', ')}; got "${name}"`);
  }
  const scenario = SCENARIOS[name as ScenarioName];
  if (kind !== 'customer' && kind !== 'carrier') fail(`expected an entity after the name, customer:<id> or carrier:<id>, got "${[kind, ...rest].join(':')}" (format ${FORMAT})`);
  if (id === '') fail(`expected an entity id after "${kind}:", got nothing (format ${FORMAT})`);
  if (!scenario.kinds.includes(kind as EntityKind)) fail(`${name} applies to ${scenario.kinds.map((k) => `${k}s`).join(' and ')}, not to ${kind}s`);
  if (world) {
    const known = kind === 'customer' ? world.customers.map((c) => c.id) : world.carriers.map((c) => c.id);
    if (!known.includes(id)) fail(`${kind}:${id} is not simulated; the ${kind}s are ${known.length > 12 ? `${known.slice(0, 12).join(', ')}…` : known.join(', ')}`);
  }
  const [start = '', duration, ...extra] = text.slice(at + 1).split('/');
  if (!start.startsWith('+')) fail(`expected the start as +<duration> after "@" (time since the simulation started, e.g. +60s), got "${start}"`);
  if (extra.length > 0) fail(`expected at most one "/<duration>", got "${text.slice(at + 1)}"`);
  const startMs = durationOf(start.slice(1), 'start', fail);
  const durationMs = duration === undefined ? DEFAULT_SCENARIO_MS : durationOf(duration, 'duration', fail);
  if (durationMs <= 0) fail(`expected a duration above 0 after "/", got "${duration}"`);
  return { name: name as ScenarioName, kind: kind as EntityKind, id, startMs, durationMs };
}

function durationOf(text: string, what: string, fail: (problem: string) => never): number {
  try {
    return parseDuration(text);
  } catch (err) {
    return fail(`${what}: ${(err as Error).message}`);
  }
}

/** formatScenario writes a scenario back in the flag's format. */
export function formatScenario(s: Scenario): string {
  return `${s.name}:${s.kind}:${s.id}@+${formatDuration(s.startMs)}/${formatDuration(s.durationMs)}`;
}

/** isActive tells whether a scenario changes traffic at `elapsedMs` after the start (its start inclusive, its end not). */
export function isActive(s: Scenario, elapsedMs: number): boolean {
  return elapsedMs >= s.startMs && elapsedMs < s.startMs + s.durationMs;
}

/** scenarioHelp lists the scenarios for `callwatch simulate --help`. */
export function scenarioHelp(): string {
  return SCENARIO_NAMES.map((n) => `  ${n.padEnd(20)} ${SCENARIOS[n].kinds.join('|').padEnd(17)} ${SCENARIOS[n].does}`).join('\n');
}
