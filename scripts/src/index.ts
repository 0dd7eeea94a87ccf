export * from './commands/rules';
export * from './commands/simulate';
export * from './simulate-traffic';
export * from './env';
export * from './commands/alerts';
export * from './commands/status';
export * from './commands/replay';
export * from './replay';
