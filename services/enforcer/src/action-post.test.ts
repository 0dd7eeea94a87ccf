import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTargetGuard, verifyWebhookSignature } from '@callwatch/notify/webhook';
import { startLocalReceiver, type LocalReceiver } from '@callwatch/notify/testing';
import type { Action } from '@callwatch/schemas';
import { postAction } from './action-post';

const action: Action = { action_id: 'act-1', type: 'disable', entity: 'customer:acme', until_ms: 1_714_570_200_000, rule_id: 'asr-penalty', reason: 'ASR Penalty: asr 8 < 15', at_ms: 1_714_566_600_000 };
const options = { secret: 's3cret', guard: createTargetGuard(['127.0.0.0/8']), timeoutMs: 2_000 };

describe('postAction (real HTTP on 127.0.0.1)', () => {
  let receiver: LocalReceiver;
  beforeEach(async () => { receiver = await startLocalReceiver(); });
  afterEach(async () => { await receiver.close(); });

  it('POSTs the action as JSON, signed as notification webhooks are, with the action id as Idempotency-Key', async () => {
    expect(await postAction(`${receiver.url}/actions`, action, options)).toEqual({ outcome: 'delivered', status: 200 });
    const [request] = receiver.received;
    expect(request).toMatchObject({ method: 'POST', path: '/actions' });
    expect(request?.headers).toMatchObject({ 'content-type': 'application/json', 'user-agent': 'callwatch-enforcer', 'idempotency-key': 'act-1' });
    expect(JSON.parse(request?.body ?? '')).toEqual(action);
    expect(verifyWebhookSignature(request?.headers['x-callwatch-signature'] as string, request?.body ?? '', 's3cret')).toBe(true);
    expect(verifyWebhookSignature(request?.headers['x-callwatch-signature'] as string, request?.body ?? '', 'other')).toBe(false);
  });

  it.each([
    [400, 'rejected'], [404, 'rejected'], [409, 'rejected'],
    [408, 'retry'], [429, 'retry'], [500, 'retry'], [503, 'retry'],
  ])('classifies a %d answer as %s', async (status, outcome) => {
    receiver.answer((_req, res) => void res.writeHead(status).end(`switch says ${status}`));
    const result = await postAction(receiver.url, action, options);
    expect(result.outcome).toBe(outcome);
    if (result.outcome !== 'delivered') expect(result.error.message).toContain(`answered ${status}: switch says ${status}`);
  });

  it('retries what fails before an answer: a closed port, a stalled receiver, a redirect, a refused target', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await postAction(`http://127.0.0.1:${port}`, action, options)).toMatchObject({ outcome: 'retry' });

    receiver.answer(() => {});
    expect(await postAction(receiver.url, action, { ...options, timeoutMs: 200 })).toMatchObject({ outcome: 'retry', error: { message: expect.stringContaining('no answer within 200 ms') as unknown } });

    receiver.answer((_req, res) => void res.writeHead(302, { location: 'https://elsewhere.example' }).end());
    expect(await postAction(receiver.url, action, options)).toMatchObject({ outcome: 'retry', error: { message: expect.stringContaining('redirects are not followed') as unknown } });

    const refused = await postAction(receiver.url, action, { ...options, guard: createTargetGuard() });
    expect(refused).toMatchObject({ outcome: 'retry', error: { message: expect.stringContaining('a loopback address (allow it with NOTIFY_ALLOW_TARGETS)') as unknown } });
    expect(receiver.received.filter((r) => r.method === 'POST')).toHaveLength(2);
  });
});
