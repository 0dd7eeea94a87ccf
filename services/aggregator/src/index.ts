export { startAggregator, type Aggregator, type AggregatorConfig } from './service';
export { AGGREGATOR_ENV } from './config';
