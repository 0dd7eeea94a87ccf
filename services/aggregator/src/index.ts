export * from './service';
export * from './config';
export * from './windows';
export * from './validate-cdr';
export * from './pre-aggregate';
export * from './counters';
export * from './window-read';
