export { startAggregator, type Aggregator, type AggregatorConfig } from './service';
export { AGGREGATOR_ENV } from './config';
export { startAggregators, type Aggregators, type StoreFigures } from './workers';
export { Checkpointer, type CheckpointerDeps, type FoldedBatch } from './checkpointer';
export { WindowSlides } from './window-slides';
