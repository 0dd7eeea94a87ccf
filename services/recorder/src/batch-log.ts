import { insertRows, type ClickHouseClient } from '@callwatch/clickhouse';

/** LoggedBatch is the range of one partition the recorder wrote (or was about to write) last, with its insert's token. */
export interface LoggedBatch {
  first: bigint;
  last: bigint;
  token: string;
}

/** Part is a run of a batch's messages written as one insert: its range and its deduplication token. */
export interface Part<M> {
  first: bigint;
  last: bigint;
  token: string;
  messages: M[];
  /** whether this range was logged before (a replay after a crash or a rewind): ClickHouse may already have it */
  replay: boolean;
}

/**
 * BatchPlan says what to do with a fetched batch:
 * - `write`: insert these parts in order (none when the whole batch was recorded before);
 * - `seek`: the batch starts inside, or stops short of the end of, the range logged last: read the partition again
 *   from that range's start, so the range is inserted again exactly as it was (the same rows under the same token).
 */
export type BatchPlan<M> = { kind: 'write'; parts: Array<Part<M>>; skipped: number } | { kind: 'seek'; to: bigint; reason: string };

/** batchToken is the deduplication token of one partition's range: the same range always gets the same token. */
export function batchToken(topic: string, partition: number, first: bigint, last: bigint): string {
  return `${topic}/${partition}/${first}-${last}`;
}

/**
 * planBatch decides how a batch covering offsets first..last (as fetched, its messages those that decoded) is
 * written, given the range logged last for its partition. Offsets before that range were recorded for sure; the
 * range itself may or may not have reached ClickHouse (the recorder died between logging and committing), so it is
 * written again whole, with its token; offsets after it are new.
 */
export function planBatch<M extends { offset: string }>(
  topic: string,
  partition: number,
  logged: LoggedBatch | null,
  batch: { firstOffset: string; lastOffset: string; messages: M[] },
): BatchPlan<M> {
  const first = BigInt(batch.firstOffset);
  const last = BigInt(batch.lastOffset);
  const fresh = (from: bigint, messages: M[]): Part<M> => ({ first: from, last, token: batchToken(topic, partition, from, last), messages, replay: false });
  if (!logged || first > logged.last) return { kind: 'write', parts: [fresh(first, batch.messages)], skipped: 0 };
  if (last < logged.first) return { kind: 'write', parts: [], skipped: batch.messages.length };
  if (first > logged.first) return { kind: 'seek', to: logged.first, reason: `the batch starts at ${first}, inside the range ${logged.first}-${logged.last} written last` };
  if (last < logged.last) return { kind: 'seek', to: logged.first, reason: `the batch stops at ${last}, short of the range ${logged.first}-${logged.last} written last` };
  const before = batch.messages.filter((m) => BigInt(m.offset) < logged.first).length;
  const again = batch.messages.filter((m) => BigInt(m.offset) >= logged.first && BigInt(m.offset) <= logged.last);
  const after = batch.messages.filter((m) => BigInt(m.offset) > logged.last);
  const parts: Array<Part<M>> = [{ first: logged.first, last: logged.last, token: logged.token, messages: again, replay: true }];
  if (last > logged.last) parts.push(fresh(logged.last + 1n, after));
  return { kind: 'write', parts, skipped: before };
}

/**
 * BatchLog keeps, in ClickHouse (`recorder_batches`), the range each partition wrote last: written before the
 * insert, so a crash at any point leaves a record of what may have landed. Read once per partition after each
 * assignment (another recorder may have written it since).
 */
export class BatchLog {
  private readonly cache = new Map<string, LoggedBatch | null>();

  constructor(private readonly client: ClickHouseClient) {}

  async get(topic: string, partition: number): Promise<LoggedBatch | null> {
    const key = `${topic}/${partition}`;
    if (this.cache.has(key)) return this.cache.get(key) ?? null;
    const result = await this.client.query({
      query: 'SELECT toString(first_offset) AS first, toString(last_offset) AS last, token FROM recorder_batches WHERE topic = {topic:String} AND partition = {partition:UInt32} ORDER BY last_offset DESC LIMIT 1',
      query_params: { topic, partition },
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ first: string; last: string; token: string }>();
    const logged = row ? { first: BigInt(row.first), last: BigInt(row.last), token: row.token } : null;
    this.cache.set(key, logged);
    return logged;
  }

  async put(topic: string, partition: number, part: { first: bigint; last: bigint; token: string }, rows: number): Promise<void> {
    await insertRows(this.client, 'recorder_batches', [{ topic, partition, first_offset: String(part.first), last_offset: String(part.last), token: part.token, rows, written_at: Date.now() }]);
    this.cache.set(`${topic}/${partition}`, { first: part.first, last: part.last, token: part.token });
  }

  /** forget drops what was read: after a rebalance, the partitions' records are read again. */
  forget(): void {
    this.cache.clear();
  }
}
