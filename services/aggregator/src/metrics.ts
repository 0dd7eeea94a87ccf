import { Counter, Gauge, type Registry } from 'prom-client';

/** AggregatorMetrics are the counters the aggregator reports on /metrics. */
export interface AggregatorMetrics {
  counted: Counter<'side'>;
  skipped: Counter<'reason'>;
  dead: Counter<'topic' | 'code'>;
  roundTrips: Counter;
  ticked: Counter;
  replays: Counter;
  inMemory: Gauge;
}

/** aggregatorMetrics registers the aggregator's counters. */
export function aggregatorMetrics(registry: Registry): AggregatorMetrics {
  const registers = [registry];
  return {
    counted: new Counter({ name: 'callwatch_aggregator_events_total', help: 'events applied (CDRs, call starts, payments, account snapshots)', labelNames: ['side'], registers }),
    skipped: new Counter({ name: 'callwatch_aggregator_skipped_total', help: 'events not counted: redelivered (offset already applied), duplicate id, or late', labelNames: ['reason'], registers }),
    dead: new Counter({ name: 'callwatch_dead_letters_total', help: 'messages sent to a dead-letter topic', labelNames: ['topic', 'code'], registers }),
    roundTrips: new Counter({ name: 'callwatch_aggregator_redis_round_trips_total', help: 'pipelined Redis round trips (two per batch, two per tick)', registers }),
    ticked: new Counter({ name: 'callwatch_aggregator_ticks_total', help: 'entities whose windows slid because time passed', registers }),
    replays: new Counter({ name: 'callwatch_aggregator_replays_total', help: 'partitions rewound to rebuild state after Redis lost it', registers }),
    inMemory: new Gauge({ name: 'callwatch_aggregator_entities_in_memory', help: 'entities whose state the aggregator holds in memory (AGGREGATOR_MEMORY_ENTITIES at most)', registers }),
  };
}
