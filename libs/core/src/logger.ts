import { isMainThread, threadId } from 'node:worker_threads';
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

// Fields that hold a secret by their name, at the top of a log line or one level down (`{ config }`, `{ headers }`):
// a value logged under one of them is replaced, whoever logs it.
const SECRET_FIELDS = [
  'password', 'token', 'secret', 'authorization', 'apiToken', 'API_TOKEN', 'WEBHOOK_SECRET', 'ACTION_WEBHOOK_SECRET', 'PUSHOVER_TOKEN', 'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN', 'KAFKA_SASL_PASSWORD', 'SCHEMA_REGISTRY_PASSWORD', 'CLICKHOUSE_PASSWORD',
];
const REDACT_PATHS = SECRET_FIELDS.flatMap((field) => [field, `*.${field}`]);

// The password of a URL's user info (`redis://user:password@host`), wherever an error's message or stack quotes one.
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s/@]+@/gi;

/** scrubUrlPasswords replaces the passwords of the URLs in a text with `***`. */
export function scrubUrlPasswords(text: string): string {
  return text.replace(URL_PASSWORD, '$1:***@');
}

// Errors are serialised as pino does, then their message and stack lose any URL password a library put there.
function serializeError(err: Error): Record<string, unknown> {
  const out = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
  for (const key of ['message', 'stack']) if (typeof out[key] === 'string') out[key] = scrubUrlPasswords(out[key] as string);
  return out;
}

// Where loggers created without a destination of their own write: stdout, unless a process routed its logs elsewhere.
let routedDestination: DestinationStream | undefined;

/**
 * routeLogs sends the lines of every logger created from now on without a destination of its own to `destination`
 * (undefined: stdout again). The CLI routes them to a file so no JSON line reaches a person's terminal.
 */
export function routeLogs(destination: DestinationStream | undefined): void {
  routedDestination = destination;
}

/** createLogger returns the structured logger of one service or module, namespaced by `name`; secret fields are redacted. */
export function createLogger(name: string, level: string = process.env.LOG_LEVEL ?? 'info', destination = routedDestination): Logger {
  const options = {
    name,
    level,
    // A worker thread's lines say which thread wrote them.
    base: isMainThread ? { pid: process.pid } : { pid: process.pid, thread: threadId },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '***' },
    serializers: { err: serializeError },
  };
  return destination ? pino(options, destination) : pino(options);
}
