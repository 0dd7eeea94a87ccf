import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contextFilePath, contextNotice, parseEnvFile, prefixEnv, resolveContext } from './context';
import { demoContextFile } from './demo/context-file';

const dir = mkdtempSync(join(tmpdir(), 'callwatch-context-'));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe('parseEnvFile', () => {
  it('reads KEY=value lines, export, comments, blank lines and quotes', () => {
    expect(parseEnvFile([
      '# a comment', '', 'KAFKA_BROKERS=127.0.0.1:19092', 'export TOPIC_PREFIX=demo-1.', "REDIS_KEY_PREFIX='demo-1:'",
      'NOTIFY_EMAIL_FROM="Ops \\"NOC\\" <noc@example.com>"', 'LOG_LEVEL=warn # trailing comment', 'EMPTY=',
    ].join('\n'), 'ctx.env')).toEqual({
      KAFKA_BROKERS: '127.0.0.1:19092', TOPIC_PREFIX: 'demo-1.', REDIS_KEY_PREFIX: 'demo-1:', NOTIFY_EMAIL_FROM: 'Ops "NOC" <noc@example.com>',
      LOG_LEVEL: 'warn', EMPTY: '',
    });
  });

  it.each([
    ['just words', 'ctx.env:2: expected KEY=value (or export KEY=value), got "just words"'],
    ["A='open", "ctx.env:2: the value opens with ' and never closes it"],
  ])('names the file and line of a bad line: %s', (line, message) => {
    expect(() => parseEnvFile(`OK=1\n${line}`, 'ctx.env')).toThrow(message);
  });

  it('reads back the context file the demo writes', () => {
    const values = { TOPIC_PREFIX: 'demo-1.', REDIS_KEY_PREFIX: 'demo-1:', CONSOLE_URL: 'http://127.0.0.1:9480', NOTIFY_OUTBOX_DIR: "/home/o'brien/outbox" };
    expect(parseEnvFile(demoContextFile('demo-1', { ...values, UNRELATED: 'x' }, 0), 'demo.env')).toEqual(values);
  });
});

describe('prefixEnv', () => {
  it.each(['demo-20261204-101500', 'demo-20261204-101500.', 'demo-20261204-101500:'])('gives both separators for %s', (run) => {
    expect(prefixEnv(run)).toEqual({ TOPIC_PREFIX: 'demo-20261204-101500.', REDIS_KEY_PREFIX: 'demo-20261204-101500:' });
  });

  it('refuses what is not a run name', () => {
    expect(() => prefixEnv('a b')).toThrow('--prefix: expected a run name');
  });
});

describe('resolveContext', () => {
  const context = file('demo.env', 'TOPIC_PREFIX=ctx.\nREDIS_KEY_PREFIX=ctx:\nCONSOLE_URL=http://ctx\nRECORDER_URL=http://ctx-recorder\n');
  const envFile = file('prod.env', 'export TOPIC_PREFIX=envfile.\nCONSOLE_URL=http://envfile\n');

  it('takes flags over the environment over --env-file over the context file', () => {
    const { env } = resolveContext({ prefix: 'flag', envFile }, { CONSOLE_URL: 'http://process', TOPIC_PREFIX: 'process.' }, context);
    expect({ T: env.TOPIC_PREFIX, R: env.REDIS_KEY_PREFIX, C: env.CONSOLE_URL, REC: env.RECORDER_URL }).toEqual({
      T: 'flag.', R: 'flag:', C: 'http://process', REC: 'http://ctx-recorder',
    });
    expect(resolveContext({ envFile }, {}, context).env).toMatchObject({ TOPIC_PREFIX: 'envfile.', CONSOLE_URL: 'http://envfile', REDIS_KEY_PREFIX: 'ctx:' });
  });

  it('says it used the context file only when a value of it was used', () => {
    expect(resolveContext({}, {}, context).contextFile).toBe(context);
    const overridden = { TOPIC_PREFIX: 'a.', REDIS_KEY_PREFIX: 'a:', CONSOLE_URL: 'x', RECORDER_URL: 'y' };
    expect(resolveContext({}, overridden, context).contextFile).toBeNull();
    expect(contextNotice(resolveContext({}, {}, context), dir)).toBe(
      'callwatch: using the context in demo.env (topics ctx.*, Redis keys ctx:*); CALLWATCH_CONTEXT=none ignores it',
    );
    expect(contextNotice(resolveContext({}, {}, null), dir)).toBeNull();
  });

  it('names an --env-file it cannot read', () => {
    expect(() => resolveContext({ envFile: join(dir, 'missing.env') }, {}, null)).toThrow(`--env-file ${join(dir, 'missing.env')}: cannot read it (ENOENT)`);
  });
});

describe('contextFilePath', () => {
  it('reads CALLWATCH_CONTEXT, none reads nothing, else the demo\'s file under the repository when it exists', () => {
    const repo = mkdtempSync(join(tmpdir(), 'callwatch-repo-'));
    expect(contextFilePath({}, repo)).toBeNull();
    file('x.env', '');
    expect(contextFilePath({ CALLWATCH_CONTEXT: join(dir, 'x.env') }, repo)).toBe(join(dir, 'x.env'));
    expect(contextFilePath({ CALLWATCH_CONTEXT: 'none' }, dir)).toBeNull();
    expect(contextFilePath({}, null)).toBeNull();
    mkdirSync(join(repo, '.run'));
    writeFileSync(join(repo, '.run', 'demo.env'), '');
    expect(contextFilePath({}, repo)).toBe(join(repo, '.run', 'demo.env'));
    expect(contextFilePath({ CALLWATCH_CONTEXT: 'none' }, repo)).toBeNull();
  });
});
