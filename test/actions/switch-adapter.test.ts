import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signWebhook } from '@callwatch/notify/webhook';
import { startLocalReceiver, type LocalReceiver } from '@callwatch/notify/testing';
import type { Action } from '@callwatch/schemas';
import { startSwitchAdapter, type SwitchAdapter } from '../support/switch-adapter';

const SECRET = 'adapter-secret';
const UNTIL = Date.parse('2030-01-01T01:00:00Z');
const disable: Action = { action_id: 'dis-1', type: 'disable', entity: 'customer:acme', until_ms: UNTIL, rule_id: 'asr-penalty', reason: 'ASR Penalty: asr\t8 < 15\nfor 1h', at_ms: UNTIL - 3_600_000 };
const enable: Action = { action_id: 'en-1', type: 'enable', entity: 'customer:acme', until_ms: null, rule_id: 'asr-penalty', reason: 'penalty ended', at_ms: UNTIL };

// Signed with the library the enforcer signs with: the adapter's own verification has to agree with it.
async function post(adapter: SwitchAdapter, action: Action, { secret = SECRET, key = action.action_id, nowMs = Date.now(), body = JSON.stringify(action) } = {}) {
  const res = await fetch(adapter.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-callwatch-signature': signWebhook(body, secret, nowMs), 'idempotency-key': key },
    body,
  });
  return { status: res.status, text: await res.text() };
}

describe('scripts/examples/switch-adapter.mjs as a real process', () => {
  let dir: string;
  let table: string;
  let adapter: SwitchAdapter;
  const blocked = () => readFileSync(table, 'utf8').split('\n').filter((line) => line !== '' && !line.startsWith('#'));

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'callwatch-adapter-'));
    table = join(dir, 'blocked.tsv');
    writeFileSync(join(dir, 'secret'), `${SECRET}\n`);
    adapter = await startSwitchAdapter(['--table', table, '--secret-file', join(dir, 'secret')]);
  });
  afterEach(async () => {
    await adapter.stop();
  });

  it('blocks on a signed disable and unblocks on the enable; a duplicate changes nothing', async () => {
    expect(await post(adapter, disable)).toEqual({ status: 200, text: 'applied\n' });
    // Tabs and newlines of a reason cannot break the table's columns or lines.
    expect(blocked()).toEqual(['customer:acme\t2030-01-01T01:00:00.000Z\tASR Penalty: asr 8 < 15 for 1h']);

    expect(await post(adapter, enable)).toEqual({ status: 200, text: 'applied\n' });
    expect(blocked()).toEqual([]);

    // The disable again, as an enforcer that crashed before its commit would send it: already applied, so the
    // entity stays unblocked.
    expect(await post(adapter, disable)).toEqual({ status: 200, text: 'duplicate: already applied\n' });
    expect(blocked()).toEqual([]);
  });

  it.each([
    ['another secret', { secret: 'not-the-secret' }, 'signature does not match the body'],
    ['a timestamp 10 minutes old (a replay)', { nowMs: Date.now() - 600_000 }, 'is more than 300 s from this clock'],
  ])('answers 401 with the reason to %s, and leaves the table as it was', async (_name, options, reason) => {
    await post(adapter, { ...disable, entity: 'carrier:kept', action_id: 'dis-kept' });
    const before = readFileSync(table, 'utf8');
    const answer = await post(adapter, disable, options);
    expect(answer.status).toBe(401);
    expect(answer.text).toContain(reason);
    expect(readFileSync(table, 'utf8')).toBe(before);
  });

  it('answers 401 to a body changed after signing, and to a request without a signature', async () => {
    const signed = JSON.stringify(disable);
    const changed = await fetch(adapter.url, {
      method: 'POST', body: signed.replace('customer:acme', 'customer:victim'),
      headers: { 'x-callwatch-signature': signWebhook(signed, SECRET, Date.now()), 'idempotency-key': 'k' },
    });
    expect(changed.status).toBe(401);
    const unsigned = await fetch(adapter.url, { method: 'POST', body: signed, headers: { 'idempotency-key': 'k' } });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.text()).toContain('missing or malformed x-callwatch-signature');
    expect(blocked()).toEqual([]);
  });

  it('keeps the table across a restart, and rejects a signed body that is not an action with 400', async () => {
    await post(adapter, disable);
    await adapter.stop();
    adapter = await startSwitchAdapter(['--table', table, '--secret-file', join(dir, 'secret')]);
    expect(adapter.output()).toContain('(1 blocked)');
    expect(await post(adapter, { ...disable, action_id: 'bad', entity: 'acme' })).toMatchObject({ status: 400, text: expect.stringContaining('entity: expected customer:<id> or carrier:<id>') as unknown });
    expect(await post(adapter, enable)).toMatchObject({ status: 200 });
    expect(blocked()).toEqual([]);
  });

  describe('with --switch-url', () => {
    let sbc: LocalReceiver;
    beforeEach(async () => {
      sbc = await startLocalReceiver();
      await adapter.stop();
      adapter = await startSwitchAdapter(['--table', table, '--secret-file', join(dir, 'secret'), '--switch-url', `${sbc.url}/api/{kind}s/{id}/{type}`, '--switch-header', 'Authorization: Bearer sbc-token']);
    });
    afterEach(async () => {
      await sbc.close();
    });

    it('calls the switch API per action, and answers 502 (the enforcer tries again) while the switch fails', async () => {
      sbc.answer((_request, res) => void res.writeHead(503).end());
      expect(await post(adapter, disable)).toMatchObject({ status: 502, text: expect.stringContaining('the switch API call failed') as unknown });
      sbc.answer((_request, res) => void res.writeHead(204).end());
      // The retry carries the same Idempotency-Key; as the first try failed, it is applied, not dropped.
      expect(await post(adapter, disable)).toMatchObject({ status: 200, text: 'applied\n' });
      expect(sbc.received.map((r) => [r.method, r.path, r.headers.authorization, JSON.parse(r.body).action_id])).toEqual([
        ['POST', '/api/customers/acme/disable', 'Bearer sbc-token', 'dis-1'],
        ['POST', '/api/customers/acme/disable', 'Bearer sbc-token', 'dis-1'],
      ]);
      expect(blocked()).toHaveLength(1);
    });
  });

  it('prints its usage with --help and refuses to start without a secret', () => {
    const script = join(__dirname, '..', '..', 'scripts', 'examples', 'switch-adapter.mjs');
    const help = spawnSync(process.execPath, [script, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: node switch-adapter.mjs');
    const noSecret = spawnSync(process.execPath, [script, '--table', table], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(noSecret.status).toBe(2);
    expect(noSecret.stderr).toContain('no secret: pass --secret-file <file> or set ACTION_WEBHOOK_SECRET');
  });
});
