// Helpers for tests (`@callwatch/core/testing`), kept out of the main entry.
export * from './fuzz';
