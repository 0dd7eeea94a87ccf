import { Writable } from 'node:stream';
import { createLogger, scrubUrlPasswords } from './logger';

function captured(): { lines: () => Array<Record<string, unknown>>; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({ write(chunk: Buffer, _enc, done) { chunks.push(chunk.toString()); done(); } });
  return { stream, lines: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('createLogger', () => {
  it('redacts fields named like secrets, at the top and one level down', () => {
    const out = captured();
    const log = createLogger('test', 'info', out.stream);
    log.info({ password: 'p1', config: { WEBHOOK_SECRET: 'w1', PUSHOVER_TOKEN: 't1', REDIS_KEY_PREFIX: 'cw:' }, headers: { authorization: 'Bearer b1' } }, 'hello');
    const [line] = out.lines();
    expect(line).toMatchObject({ password: '***', config: { WEBHOOK_SECRET: '***', PUSHOVER_TOKEN: '***', REDIS_KEY_PREFIX: 'cw:' }, headers: { authorization: '***' }, msg: 'hello' });
    expect(JSON.stringify(line)).not.toMatch(/p1|w1|t1|b1/);
  });

  it('takes URL passwords out of the errors it logs', () => {
    const out = captured();
    createLogger('test', 'info', out.stream).error({ err: new Error('cannot reach redis://default:s3cret@10.0.0.1:6379 or https://u:p%40ss@registry.example.net/x') }, 'failed');
    const [line] = out.lines();
    const err = line?.err as { message: string; stack: string };
    expect(err.message).toBe('cannot reach redis://default:***@10.0.0.1:6379 or https://u:***@registry.example.net/x');
    expect(err.stack).not.toMatch(/s3cret|p%40ss/);
  });

  it('leaves URLs without a password as they are', () => {
    expect(scrubUrlPasswords('http://127.0.0.1:18081/x and redis://user@host:1 and user@example.net')).toBe('http://127.0.0.1:18081/x and redis://user@host:1 and user@example.net');
  });
});
