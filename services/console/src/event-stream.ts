import type { ServerResponse } from 'node:http';
import { startTicker, type Ticker } from '@callwatch/core';
import type { EntityRow, ModelChange } from './api-types';

/** EventStreamOptions say how often metric rows go out and how often an idle stream shows it is alive. */
export interface EventStreamOptions {
  /** metric rows of one entity go out at most this often (the newest row wins) */
  metricIntervalMs?: number;
  /** a comment line this often keeps proxies from closing an idle stream */
  keepAliveMs?: number;
}

/**
 * EventStream sends the view model's changes to every viewer as Server-Sent Events. Alerts, penalties, deliveries,
 * silences and rules go out at once; an entity's metric rows, which come with every snapshot, at most once per
 * `metricIntervalMs`, the newest row of the interval.
 */
export class EventStream {
  private readonly viewers = new Set<ServerResponse>();
  private pendingMetrics = new Map<string, EntityRow>();
  private readonly flusher: Ticker;
  private readonly keepAlive: Ticker;

  constructor({ metricIntervalMs = 1_000, keepAliveMs = 15_000 }: EventStreamOptions = {}) {
    this.flusher = startTicker(metricIntervalMs, async () => this.flushMetrics(), () => {});
    this.keepAlive = startTicker(keepAliveMs, async () => this.broadcast(': keep-alive\n\n'), () => {});
  }

  /** viewerCount is how many viewers are connected. */
  get viewerCount(): number {
    return this.viewers.size;
  }

  /** open makes a response an event stream and keeps it until the viewer goes. */
  open(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    // Tells the browser how long to wait before reconnecting, and flushes the headers.
    res.write('retry: 2000\n\n');
    this.viewers.add(res);
    res.on('close', () => this.viewers.delete(res));
  }

  /** publish sends changes to every viewer (metric rows at the next interval). */
  publish(changes: ModelChange[]): void {
    for (const change of changes) {
      if (change.event === 'metric') this.pendingMetrics.set(change.entity, change.data);
      else this.broadcast(frame(change.event, change.data));
    }
  }

  private flushMetrics(): void {
    if (this.pendingMetrics.size === 0) return;
    const rows = this.pendingMetrics;
    this.pendingMetrics = new Map();
    if (this.viewers.size === 0) return;
    this.broadcast([...rows.values()].map((row) => frame('metric', row)).join(''));
  }

  private broadcast(text: string): void {
    for (const res of this.viewers) res.write(text);
  }

  /** close ends every stream. */
  async close(): Promise<void> {
    await this.flusher.stop();
    await this.keepAlive.stop();
    for (const res of this.viewers) res.end();
    this.viewers.clear();
  }
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
