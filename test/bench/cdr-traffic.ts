import { DEFAULT_PROFILE, seededRandom, simulateCdr } from '@callwatch/cli';
import type { Cdr } from '@callwatch/schemas';
import { zipfSampler } from './zipf';

/** TrafficShape says whose calls a CDR source makes and how its ids start (ids stay unique across sources with different prefixes). */
export interface TrafficShape {
  customers: number;
  carriers: number;
  seed: number;
  idPrefix: string;
}

/**
 * zipfCdrs makes CDRs as the aggregator benchmark does: simulated calls from Zipf-skewed customers (`cust-0` the
 * busiest) through Zipf-skewed carriers (`carrier-0` the busiest), each ending at the time it is asked for.
 */
export function zipfCdrs({ customers, carriers, seed, idPrefix }: TrafficShape): (endMs: number) => Cdr {
  const random = seededRandom(seed);
  const customer = zipfSampler(customers, 1.1, random);
  const carrier = zipfSampler(carriers, 1.1, random);
  const profile = { ...DEFAULT_PROFILE, badCustomers: [] };
  let seq = 0;
  return (endMs) => {
    const cdr = simulateCdr(profile, random, endMs, seq++, ['x']);
    return { ...cdr, cdr_id: `${idPrefix}${seq}`, customer_id: `cust-${customer()}`, carrier_id: `carrier-${carrier()}` };
  };
}
