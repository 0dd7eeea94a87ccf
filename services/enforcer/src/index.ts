export * from './config';
export * from './decide-penalty';
export * from './penalty-store';
export * from './service';
