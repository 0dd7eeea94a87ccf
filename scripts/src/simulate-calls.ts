import type { Cdr } from '@callwatch/schemas';
import { between, digits, logNormal, weighted, type Random } from './simulate-random';
import type { Customer, Destination, World } from './simulate-world';

/**
 * CallConditions are what the scenarios in force do to a call, asked once its customer and carrier are known: the
 * chance it is answered, its post-dial delay, and whether its carrier is down.
 */
export interface CallConditions {
  asrOf(customer: Customer, carrier: string): number;
  pddMedianMsOf(customer: Customer, carrier: string): number;
  isDown(carrier: string): boolean;
}

/** HEALTHY is traffic with no scenario: the customer's own ASR, a typical post-dial delay, every carrier up. */
export const HEALTHY: CallConditions = { asrOf: (c) => c.asr, pddMedianMsOf: () => NORMAL_PDD_MS, isDown: () => false };

/** TalkKind is how long an answered call lasts: everyday calls, fraudsters' short ones, a drain's, or long held ones. */
export type TalkKind = 'normal' | 'short' | 'drain' | 'long';

/** CallRequest is one call to make: whose, when, with which ids, and what a scenario forces on it. */
export interface CallRequest {
  customer: Customer;
  startMs: number;
  callId: string;
  cdrId: string;
  switchId: string;
  /** the kind of destination it dials (default: the everyday mix) */
  destinations?: Destination['kind'];
  /** the carrier it goes through, and the destination then one that carrier terminates */
  carrier?: string;
  destination?: Destination;
  talk?: TalkKind;
  /** answered whatever the ASR (fraud and drain calls, calls held to fill channels) */
  answered?: boolean;
}

/** MadeCall is a call's CDR, and whether the switch retries it on the last-resort carrier (its carrier was down). */
export interface MadeCall {
  cdr: Cdr;
  destination: Destination;
  failedOver: boolean;
}

const NORMAL_PDD_MS = 1800;

// Final codes of calls that are not answered, in the proportions a wholesale switch sees them.
const FAILURES: Array<readonly [number, number]> = [[486, 15], [480, 12], [487, 12], [603, 3], [404, 3], [503, 2], [408, 1], [484, 1], [500, 0.5], [600, 0.5]];
// What a carrier that is down answers.
const OUTAGE_FAILURES: Array<readonly [number, number]> = [[503, 60], [408, 18], [502, 12], [500, 10]];

/** makeCall makes one call's CDR: a destination and a carrier for it, an outcome, a post-dial delay, a duration and its money. */
export function makeCall(world: World, random: Random, conditions: CallConditions, req: CallRequest): MadeCall {
  const destination = req.destination ?? pickDestination(world, random, req.destinations ?? 'regular', req.carrier);
  const route = req.carrier ? destination.routes.find((r) => r.carrier === req.carrier) : undefined;
  const chosen = route ?? weighted(random, destination.routes.filter((r) => r.share > 0).map((r) => [r, r.share] as const));
  const down = conditions.isDown(chosen.carrier);
  const answered = !down && (req.answered ?? random() * 100 < conditions.asrOf(req.customer, chosen.carrier));
  const code = answered ? 200 : weighted(random, down ? OUTAGE_FAILURES : FAILURES);
  // 408 is the switch's own timer: no provisional answer ever came, so there is no post-dial delay to report.
  const pdd = code === 408 ? null : Math.round(Math.min(30_000, Math.max(150, logNormal(random, down ? 400 : conditions.pddMedianMsOf(req.customer, chosen.carrier), 0.4))));
  const start = req.startMs;
  let answer: number | null = null;
  let end: number;
  if (answered) {
    // Premium numbers answer at once: their owners are paid by the minute.
    answer = start + (pdd ?? 0) + Math.round(req.talk === 'short' && req.destinations === 'premium' ? between(random, 500, 3_000) : between(random, 2_000, 15_000));
    end = answer + Math.round(talkMs(random, req.talk ?? 'normal'));
  } else {
    end = start + (code === 408 ? 32_000 : (pdd ?? 0) + Math.round(ringMs(random, code)));
  }
  const minutes = answer === null ? 0 : (end - answer) / 60_000;
  const cdr: Cdr = {
    cdr_id: req.cdrId,
    switch_id: req.switchId,
    customer_id: req.customer.id,
    carrier_id: chosen.carrier,
    call_id: req.callId,
    start_ms: start,
    answer_ms: answer,
    end_ms: end,
    sip_code: code,
    pdd_ms: pdd,
    caller: `1${digits(random, 10)}`,
    callee: `${destination.prefix}${digits(random, destination.numberDigits)}`,
    destination: destination.prefix,
    charge: money(minutes * destination.ratePerMin),
    cost: money(minutes * chosen.costPerMin),
    currency: 'USD',
  };
  return { cdr, destination, failedOver: down && chosen.carrier !== world.lastResort };
}

function pickDestination(world: World, random: Random, kind: Destination['kind'], carrier: string | undefined): Destination {
  const candidates = world.destinations.filter((d) => d.kind === kind && (!carrier || d.routes.some((r) => r.carrier === carrier)));
  // Premium destinations carry no everyday weight: fraudsters pick among them evenly.
  return weighted(random, candidates.map((d) => [d, kind === 'premium' ? 1 : d.weight] as const));
}

function talkMs(random: Random, kind: TalkKind): number {
  switch (kind) {
    case 'short':
      return between(random, 2_000, 25_000);
    case 'drain':
      return between(random, 30_000, 90_000);
    case 'long':
      return between(random, 120_000, 240_000);
    default:
      // Half of all calls are done within a minute; a few last an hour.
      return Math.min(7_200_000, Math.max(1_000, logNormal(random, 60_000, 0.95)));
  }
}

// How long an unanswered call lasts after its post-dial delay: a ring timeout, a caller who gives up, or nothing.
function ringMs(random: Random, code: number): number {
  if (code === 480) return between(random, 20_000, 45_000);
  if (code === 487) return between(random, 2_000, 30_000);
  if (code === 603) return between(random, 2_000, 15_000);
  if (code === 486) return between(random, 0, 1_000);
  return 0;
}

function money(amount: number): number {
  return Math.round(amount * 1_000_000) / 1_000_000;
}
