import { appendFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { routeLogs } from '@callwatch/core';

// Services run inside the test process write JSON log lines (at LOG_LEVEL=warn) that would land in the middle of
// jest's output: each test file's lines go to a file of its own instead. A fatal line (a service that cannot run)
// is also shown, since a test failing next to it is explained by it.
const dir = join(__dirname, '..', '..', '.run', 'logs', 'tests');
const file = join(dir, `${basename(expect.getState().testPath ?? 'unknown')}.log`);
mkdirSync(dir, { recursive: true });
const FATAL = 60;

routeLogs({
  write(line: string): void {
    appendFileSync(file, line);
    if (/"level":(\d+)/.exec(line)?.[1] === String(FATAL)) process.stderr.write(`a service logged a fatal error (all lines in ${file}): ${line}`);
  },
});
