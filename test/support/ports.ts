import { createServer } from 'node:net';

/** freePort is a port on 127.0.0.1 that nothing listens on now (the kernel's pick). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function portsFree(base: number, count: number): Promise<boolean> {
  for (let port = base; port < base + count; port++) {
    const server = createServer();
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!ok) return false;
    await new Promise((resolve) => server.close(resolve));
  }
  return true;
}

/**
 * freePortRun is the first of `count` ports in a row on 127.0.0.1 that are free now, between `from` and `to`, for
 * processes that number their ports up from a base (the services' metrics ports). It starts from a random place, so
 * that two runs at once rarely meet. Keep the range below the kernel's ephemeral ports (32768 up on Linux): an
 * outgoing connection may take any of those at any moment.
 */
export async function freePortRun(count: number, from: number, to: number): Promise<number> {
  const bases = Math.floor((to - from + 1) / count);
  const first = Math.floor(Math.random() * bases);
  for (let i = 0; i < bases; i++) {
    const base = from + ((first + i) % bases) * count;
    if (await portsFree(base, count)) return base;
  }
  throw new Error(`no ${count} free ports in a row from ${from} to ${to}`);
}
