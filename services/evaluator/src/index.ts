export * from './service';
export * from './config';
export * from './evaluate-snapshot';
export { AlertStore } from './alert-store';
