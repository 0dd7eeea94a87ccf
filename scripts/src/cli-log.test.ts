import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliLogSink, humanLogLine } from './cli-log';

const line = (entry: Record<string, unknown>) => `${JSON.stringify(entry)}\n`;
const refused = line({ level: 50, name: 'kafkajs:callwatch-cli', logger: 'kafkajs', broker: '127.0.0.1:19092', error: 'connect ECONNREFUSED 127.0.0.1:19092', msg: 'Connection error: connect ECONNREFUSED 127.0.0.1:19092' });

describe('humanLogLine', () => {
  it.each([
    ['a refused connection', refused, 'kafka 127.0.0.1:19092: Connection error: connect ECONNREFUSED 127.0.0.1:19092'],
    ['an error with its cause', line({ level: 60, name: 'cli', err: { message: 'no such topic' }, msg: 'cannot start' }), 'cli: cannot start (no such topic)'],
    ['a warning', line({ level: 40, name: 'cli', msg: 'slow' }), null],
    ['a broker answer KafkaJS retries', line({ level: 50, logger: 'kafkajs', broker: 'b:9092', error: 'The group is rebalancing', msg: 'Response Heartbeat(key: 12, version: 3)' }), null],
  ])('%s', (_, text, human) => {
    expect(humanLogLine(text)).toBe(human);
  });
});

describe('cliLogSink', () => {
  it('writes every line to the file and shows each distinct error once', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'callwatch-cli-log-')), 'logs', 'cli.log');
    const shown: string[] = [];
    const sink = cliLogSink(file, (text) => shown.push(text));
    for (let i = 0; i < 10; i++) sink.write(refused);
    sink.write(line({ level: 30, msg: 'fine' }));
    expect(shown).toEqual([`callwatch: kafka 127.0.0.1:19092: Connection error: connect ECONNREFUSED 127.0.0.1:19092 (details in ${file})`]);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(11);
  });
});
