export * from './topics';
export * from './client';
export * from './admin';
export * from './codec';
export * from './publisher';
export * from './consumer';
export * from './compacted-table';
export type { Kafka, Producer, Consumer, IHeaders } from 'kafkajs';
export * from './runtime';
