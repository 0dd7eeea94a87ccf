export * from './topics';
export * from './client';
export * from './admin';
export * from './codec';
export * from './publisher';
export * from './consumer';
export * from './aligned-assigner';
export * from './compacted-table';
export type { Kafka, Producer, Consumer, IHeaders } from 'kafkajs';
/** How group members' subscriptions and assignments are encoded (to read them back from a group's description). */
export { AssignerProtocol } from 'kafkajs';
export * from './runtime';
export * from './security';
export type { RegistryAccess } from './registry-http';
