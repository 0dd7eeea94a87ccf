import type { Command } from 'commander';
import { ConsoleClient } from '../top/console-client';
import type { TopData } from '../top/console-types';
import { renderFrame } from '../top/frame';

/** DEFAULT_CONSOLE_URL is where `npm start` runs the console (CONSOLE_HOST and CONSOLE_PORT's defaults). */
export const DEFAULT_CONSOLE_URL = 'http://127.0.0.1:9480';

// The screen is redrawn on the console's events, but no more often than this: a busy deployment sends hundreds.
const MIN_FRAME_MS = 250;
// Without events (a quiet deployment) the "since" times still move.
const IDLE_REDRAW_MS = 5_000;

const ENTER_SCREEN = '\x1b[?1049h\x1b[?25l';
const LEAVE_SCREEN = '\x1b[?25h\x1b[?1049l';

/** consoleClient reads CONSOLE_URL (the demo's context sets it) and the token reads may need. */
function consoleClient(env: NodeJS.ProcessEnv): ConsoleClient {
  return new ConsoleClient(env.CONSOLE_URL || DEFAULT_CONSOLE_URL, env.API_TOKEN ?? '');
}

// A terminal gets a frame of its size; a pipe or a file gets every entity, in lines of a readable width.
function frameText(client: ConsoleClient, data: TopData, colour: boolean): string[] {
  const tty = process.stdout.isTTY === true;
  const width = tty ? process.stdout.columns : 120;
  const height = tty ? process.stdout.rows : data.overview.entities.length + data.overview.firing.length + 30;
  return renderFrame(data, { width, height, now: Date.now(), colour, url: client.url });
}

/** runTop draws the live view until q or Ctrl-C, then gives the terminal back as it found it. */
async function runTop(client: ConsoleClient): Promise<void> {
  let data = await client.read();
  const stop = new AbortController();
  const out = process.stdout;
  const stdin = process.stdin;
  let lastDraw = 0;
  let pending: NodeJS.Timeout | undefined;
  let problem = '';

  const draw = () => {
    lastDraw = Date.now();
    const lines = frameText(client, data, true);
    if (problem !== '') lines[lines.length - 1] = `\x1b[31m${problem}\x1b[0m`;
    // Home, then each line cleared to its end: no flicker from clearing the whole screen first.
    out.write(`\x1b[H${lines.map((line) => `${line}\x1b[K`).join('\r\n')}\x1b[J\x1b[${out.rows ?? 30};1H\x1b[2mq quits\x1b[0m\x1b[K`);
  };
  const refresh = () => {
    if (pending !== undefined || stop.signal.aborted) return;
    pending = setTimeout(() => {
      pending = undefined;
      client.read(stop.signal).then(
        (next) => {
          data = next;
          problem = '';
          draw();
        },
        (err: Error) => {
          if (stop.signal.aborted) return;
          problem = err.message;
          draw();
        },
      );
    }, Math.max(0, lastDraw + MIN_FRAME_MS - Date.now()));
  };

  const restore = () => {
    out.write(LEAVE_SCREEN);
    if (stdin.isTTY) stdin.setRawMode(false);
  };
  out.write(ENTER_SCREEN);
  if (stdin.isTTY) stdin.setRawMode(true);
  // Whatever ends the process, the terminal must come back: an uncaught error included.
  process.once('exit', restore);
  draw();

  const idle = setInterval(refresh, IDLE_REDRAW_MS);
  out.on('resize', draw);
  const watchEvents = async () => {
    while (!stop.signal.aborted) {
      await client.watch(refresh, stop.signal).catch((err: Error) => {
        if (!stop.signal.aborted) problem = `event stream: ${err.message} (retrying)`;
      });
      if (!stop.signal.aborted) await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  };
  void watchEvents();

  await new Promise<void>((resolve) => {
    stdin.on('data', (key: Buffer) => {
      const text = key.toString();
      if (text === 'q' || text === 'Q' || text === '\x03') resolve();
    });
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
    process.once('SIGHUP', () => resolve());
  });
  stop.abort();
  clearInterval(idle);
  clearTimeout(pending);
  stdin.pause();
  restore();
  process.removeListener('exit', restore);
}

/** registerTop adds `callwatch top` to the CLI. */
export function registerTop(program: Command): void {
  program
    .command('top')
    .description('a live view of the console (CONSOLE_URL): entities by how close they are to firing, firing alerts, transitions, deliveries; q quits')
    .option('--once', 'print one frame and exit (no escape codes when stdout is not a terminal)')
    .action(async (flags: { once?: boolean }) => {
      const client = consoleClient(process.env);
      if (flags.once || !process.stdout.isTTY) {
        const lines = frameText(client, await client.read(), process.stdout.isTTY === true);
        process.stdout.write(`${lines.join('\n')}\n`);
        return;
      }
      await runTop(client);
    });
}
