import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** ReceivedRequest is one request a LocalReceiver got, body whole. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** LocalReceiver is a real HTTP server on 127.0.0.1 standing in for a webhook, Slack or Pushover endpoint in tests: what it received, and how it answers. */
export interface LocalReceiver {
  url: string;
  received: ReceivedRequest[];
  /** Replaces how the next requests are answered. */
  answer(handler: (request: ReceivedRequest, res: ServerResponse) => void): void;
  close(): Promise<void>;
}

/** startLocalReceiver listens on a free port of 127.0.0.1, records every request, and answers with `answer` (200 "ok" by default). */
export async function startLocalReceiver(
  answer: (request: ReceivedRequest, res: ServerResponse) => void = (_request, res) => void res.writeHead(200).end('ok'),
): Promise<LocalReceiver> {
  const received: ReceivedRequest[] = [];
  let handler = answer;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(request);
      handler(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    answer: (next) => void (handler = next),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
