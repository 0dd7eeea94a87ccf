export * from './service';
export * from './config';
export * from './evaluate-snapshot';
export { AlertStore, snapshotPosition, snapshotVerdict, type EntityAlerts } from './alert-store';
export { readLiveSnapshot, readLiveSnapshots } from './live-snapshot';
export { accountEvent, actionEvent, paymentEvent } from './rule-events';
