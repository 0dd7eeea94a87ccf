export * from './counters';
export * from './window-read';
