import pino, { type Logger } from 'pino';

export type { Logger };

/** createLogger returns the structured logger of one service or module, namespaced by `name`. */
export function createLogger(name: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}
