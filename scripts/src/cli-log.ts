import { mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** LogSink is where the CLI's structured log lines go (a pino destination): a file, and one human line per error. */
export interface LogSink {
  write(line: string): void;
}

const ERROR_LEVEL = 50;

/**
 * humanLogLine turns one JSON log line at level error or above into the one line a person should see
 * (`kafka 127.0.0.1:19092: Connection error: connect ECONNREFUSED`); lines below error give null.
 */
export function humanLogLine(line: string): string | null {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.trim() === '' ? null : line.trim();
  }
  if (typeof entry.level !== 'number' || entry.level < ERROR_LEVEL) return null;
  // A broker's error answer to one request ("Response Heartbeat(…)": not the coordinator, rebalancing) is retried by
  // KafkaJS on its own; what a person must see is the failure that remains, which the command reports.
  if (entry.logger === 'kafkajs' && typeof entry.msg === 'string' && entry.msg.startsWith('Response ')) return null;
  const where = typeof entry.broker === 'string' ? `kafka ${entry.broker}` : String(entry.name ?? 'callwatch');
  const err = entry.err as { message?: unknown } | undefined;
  const detail = [entry.error, err?.message].find((d): d is string => typeof d === 'string' && d !== '' && !String(entry.msg).includes(d));
  return `${where}: ${String(entry.msg ?? '')}${detail === undefined ? '' : ` (${detail})`}`;
}

/**
 * cliLogSink writes every log line to `file` (none: nowhere) and shows each distinct error once through `show`,
 * pointing at the file: KafkaJS retries a refused connection ten times, a person needs to read it once.
 */
export function cliLogSink(file: string | null, show: (line: string) => void): LogSink {
  let fd: number | null = null;
  if (file !== null) {
    try {
      mkdirSync(dirname(file), { recursive: true });
      fd = openSync(file, 'a');
    } catch {
      fd = null; // an unwritable log directory must not stop a command
    }
  }
  const shown = new Set<string>();
  return {
    write(line: string): void {
      if (fd !== null) writeSync(fd, line);
      const human = humanLogLine(line);
      if (human === null || shown.has(human)) return;
      shown.add(human);
      show(`callwatch: ${human}${fd === null ? '' : ` (details in ${file})`}`);
    },
  };
}
