import { CallwatchError } from '@callwatch/core';
import type { AlertEvent, Delivery, Overview, TopData } from './console-types';

/** ConsoleClient reads the console's JSON API and its event stream for `callwatch top`. */
export class ConsoleClient {
  private readonly headers: Record<string, string>;

  constructor(readonly url: string, token: string) {
    // Reads need the token only when the console is not on loopback; sending it anyway is harmless.
    this.headers = token === '' ? {} : { authorization: `Bearer ${token}` };
  }

  private async get<T>(path: string, signal?: AbortSignal): Promise<T> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.url), { headers: this.headers, ...(signal ? { signal } : {}) });
    } catch (err) {
      throw new CallwatchError('CW_ERR_CONSOLE', `no console at ${this.url}: start one with npm start or set CONSOLE_URL`, { cause: err });
    }
    if (!response.ok) {
      const body = await response.text();
      let reason = body.slice(0, 200);
      try {
        reason = (JSON.parse(body) as { error?: string }).error ?? reason;
      } catch {
        // not JSON: the text itself says what went wrong
      }
      throw new CallwatchError('CW_ERR_CONSOLE', `the console at ${this.url} answered ${path} with ${response.status}: ${reason}`);
    }
    return (await response.json()) as T;
  }

  /** read fetches everything one frame shows. */
  async read(signal?: AbortSignal): Promise<TopData> {
    const [overview, recent, deliveries] = await Promise.all([
      this.get<Overview>('/api/overview', signal),
      this.get<AlertEvent[]>('/api/alerts/recent?limit=20', signal),
      this.get<Delivery[]>('/api/deliveries?limit=20', signal),
    ]);
    return { overview, recent, deliveries };
  }

  /**
   * watch calls `onEvent` for each server-sent event (alert, metric, penalty, delivery…), until `signal` aborts or the
   * stream ends; the caller redraws, at most a few times a second.
   */
  async watch(onEvent: (name: string) => void, signal: AbortSignal): Promise<void> {
    const response = await fetch(new URL('/api/events', this.url), { headers: { ...this.headers, accept: 'text/event-stream' }, signal });
    if (!response.ok || response.body === null) throw new CallwatchError('CW_ERR_CONSOLE', `the console at ${this.url} answered /api/events with ${response.status}`);
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const name = /^event: ?(.*)$/m.exec(block)?.[1];
        if (name !== undefined) onEvent(name.trim());
      }
    }
  }
}
