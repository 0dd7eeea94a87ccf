import { Counter, Histogram } from 'prom-client';
import { CallwatchError, loadConfig, type ConfigOf } from '@callwatch/core';
import {
  QUERY_PATH,
  RECORD_TARGETS,
  RECORDED_ROLES,
  applyRetention,
  clickHouseReader,
  ensureDatabase,
  insertRows,
  migrate,
  openClickHouse,
  type ClickHouseClient,
  type RecordedRole,
  type Row,
  type Source,
} from '@callwatch/clickhouse';
import { TOPIC_SCHEMAS, consume, ensureTopics, startRuntime, type BatchConsumer, type IHeaders, type Received, type Runtime } from '@callwatch/kafka';
import type { SchemaName, SchemaTypes } from '@callwatch/schemas';
import { validateEvent, type InputEvent } from '@callwatch/windows';
import { BatchLog, planBatch } from './batch-log';
import { RECORDER_ENV } from './config';

/** RecorderConfig is the parsed RECORDER_ENV. */
export type RecorderConfig = ConfigOf<typeof RECORDER_ENV>;

/** Recorder is a running recorder: every recorded topic in, ClickHouse rows out, read-only queries served on its port. */
export interface Recorder {
  runtime: Runtime;
  clickhouse: ClickHouseClient;
  /** the topic its dead letters go to */
  deadLetterTopic: string;
  stop(): Promise<void>;
}

/** The input events are validated as the aggregator validates them: what it would not count is not recorded either. */
const INPUT_TYPES: Partial<Record<RecordedRole, InputEvent['type']>> = { cdr: 'cdr', callStart: 'call_start', payment: 'payment', account: 'account' };

/** recorderDeadLetterTopic is where the recorder puts what it cannot record, each message with its reason. */
export function recorderDeadLetterTopic(prefix: string): string {
  return `${prefix}callwatch.recorder.dlq`;
}

function headerText(headers: IHeaders): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) {
    const first = Array.isArray(value) ? value[0] : value;
    out[name] = first === undefined ? undefined : first.toString();
  }
  return out;
}

/** startRecorder wires the recorder from its configuration (the environment by default). */
export async function startRecorder(config: RecorderConfig = loadConfig(RECORDER_ENV)): Promise<Recorder> {
  const runtime = await startRuntime('recorder', config, []);
  const { log, topics, health, kafka } = runtime;
  await ensureDatabase(config);
  const clickhouse = openClickHouse(config);
  const where = config.CLICKHOUSE_URL ? `ClickHouse at ${config.CLICKHOUSE_URL}` : `embedded ClickHouse in ${config.CLICKHOUSE_PATH}`;
  await migrate(clickhouse, { onApplied: (m) => log.info({ migration: `${String(m.version).padStart(4, '0')}_${m.name}` }, `migration ${m.name} applied`) });
  for (const { table, from, to } of await applyRetention(clickhouse, config.RECORDER_RETENTION)) {
    log.info({ table, from, to }, `retention of ${table}: ${from ?? 'for ever'} → ${to === 0 ? 'for ever' : `${to} days`}`);
  }
  const deadLetterTopic = recorderDeadLetterTopic(config.TOPIC_PREFIX);
  await ensureTopics(kafka, [{ topic: deadLetterTopic, partitions: 1 }]);

  const written = new Counter({ name: 'callwatch_recorder_rows_total', help: 'rows written to ClickHouse (a replayed range counts again, though ClickHouse keeps it once)', labelNames: ['table'], registers: [health.registry] });
  const inserts = new Histogram({
    name: 'callwatch_recorder_insert_seconds',
    help: 'time of one insert into ClickHouse',
    labelNames: ['table'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [health.registry],
  });
  const replays = new Counter({ name: 'callwatch_recorder_replayed_batches_total', help: 'ranges written again after a crash or rebalance (ClickHouse drops what it already had)', registers: [health.registry] });
  const rejected = new Counter({ name: 'callwatch_recorder_dead_letters_total', help: 'messages put on the recorder dead-letter topic', labelNames: ['code'], registers: [health.registry] });
  let clickhouseOk = true;
  health.addCheck('clickhouse', () => clickhouseOk);

  const reader = clickHouseReader(clickhouse, where);
  // Reading the history: the embedded engine lives in this process, so other processes (the CLI) query through it.
  health.addRoute(QUERY_PATH, async (body) => {
    const { query, params } = (body ?? {}) as { query?: unknown; params?: unknown };
    if (typeof query !== 'string' || (params !== undefined && (typeof params !== 'object' || params === null))) {
      return { status: 400, json: { error: 'expected a JSON body {"query": "SELECT …", "params": {"name": value}}' } };
    }
    try {
      return { status: 200, json: { rows: await reader.rows(query, (params ?? {}) as Record<string, unknown>) } };
    } catch (err) {
      return { status: 400, json: { error: (err as Error).message } };
    }
  });

  const batchLog = new BatchLog(clickhouse);
  const insert = async (table: string, rows: Row[], token: string) => {
    const end = inserts.startTimer({ table });
    try {
      await insertRows(clickhouse, table, rows, { token });
      clickhouseOk = true;
    } catch (err) {
      clickhouseOk = false;
      // Retriable: the batch is tried again and its offsets stay uncommitted until ClickHouse acknowledges it.
      throw new CallwatchError('CW_ERR_RECORD', `writing ${rows.length} row(s) to ${table} failed: ${(err as Error).message}`, { cause: err });
    }
    end();
    written.inc({ table }, rows.length);
  };

  const recorded = RECORDED_ROLES.map((role) => ({ role, topic: topics[role], schema: TOPIC_SCHEMAS[role] as SchemaName }));
  const roleOf = new Map(recorded.map((r) => [r.topic, r.role]));
  let consumer: BatchConsumer | null = null;
  const [head, ...rest] = recorded as [(typeof recorded)[number], ...typeof recorded];
  consumer = await consume(runtime, {
    groupId: config.RECORDER_GROUP_ID,
    topic: head.topic,
    schema: head.schema,
    alsoTopics: rest.map(({ topic, schema }) => ({ topic, schema })),
    allowTombstones: true,
    deadLetterTopic,
    minBytes: config.RECORDER_BATCH_BYTES,
    maxWaitTimeInMs: config.RECORDER_BATCH_MS,
    maxBytesPerPartition: config.RECORDER_MAX_BATCH_BYTES,
    partitionsConcurrently: config.RECORDER_CONCURRENCY,
    onAssigned: () => batchLog.forget(),
    onDeadLetter: (count, code) => rejected.inc({ code }, count),
    handle: async (batch) => {
      const role = roleOf.get(batch.topic) as RecordedRole;
      const target = RECORD_TARGETS[role];
      const type = INPUT_TYPES[role];
      const good: Array<Received<SchemaTypes[SchemaName]>> = [];
      for (const message of batch.messages) {
        const problem = type && message.value !== null ? validateEvent({ type, ...message.value } as InputEvent) : null;
        if (problem) batch.reject(message, `${type}: ${problem}`);
        else good.push(message);
      }
      const logged = await batchLog.get(batch.topic, batch.partition);
      const plan = planBatch(batch.topic, batch.partition, logged, { firstOffset: batch.firstOffset, lastOffset: batch.lastOffset, messages: good });
      if (plan.kind === 'seek') {
        log.warn({ topic: batch.topic, partition: batch.partition, to: String(plan.to) }, `reading again from ${plan.to}: ${plan.reason}`);
        (consumer as BatchConsumer).seek(batch.topic, batch.partition, String(plan.to));
        return;
      }
      if (plan.skipped > 0) log.info({ topic: batch.topic, partition: batch.partition, skipped: plan.skipped }, 'skipped messages recorded before (a rewind)');
      for (const part of plan.parts) {
        const rows: Row[] = [];
        for (const m of part.messages) {
          const source: Source = { topic: m.topic, partition: m.partition, offset: m.offset, key: m.key, headers: headerText(m.headers), timestamp: Number(m.timestamp) };
          const row = target.toRow(m.value, source);
          if (row) rows.push(row);
        }
        if (part.replay) {
          replays.inc();
          log.info({ topic: batch.topic, partition: batch.partition, first: String(part.first), last: String(part.last), rows: rows.length }, 'writing a logged range again (ClickHouse keeps what it already had once)');
        } else if (rows.length > 0) {
          await batchLog.put(batch.topic, batch.partition, part, rows.length);
        }
        if (rows.length > 0) await insert(target.table, rows, part.token);
      }
    },
  });
  log.info({ where, topics: recorded.length, deadLetterTopic }, 'recorder running');

  return {
    runtime,
    clickhouse,
    deadLetterTopic,
    stop: async () => {
      await consumer?.stop();
      await runtime.close();
      await clickhouse.close();
    },
  };
}
