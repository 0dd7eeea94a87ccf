import { randomUUID } from 'node:crypto';
import { createAwsClients, createSesEmailChannel, createSnsSmsChannel, ensureSenderVerified, type OutboundMessage } from '@callwatch/notify';
import type { AlertEvent } from '@callwatch/schemas';
import { emailsTo, motoData } from '../support/moto';

// Against the moto server infra/ starts. moto is shared by tests running in parallel, so nothing here resets
// it: every test uses its own sender, recipient and phone number and reads back only those.
describe('SES and SNS channels against moto', () => {
  const endpoint = process.env.AWS_ENDPOINT_URL as string;
  const clients = createAwsClients({ region: 'us-east-1', endpoint });
  const unique = randomUUID().slice(0, 8);
  const from = `callwatch <alerts-${unique}@example.net>`;
  const alert: AlertEvent = {
    event_id: `evt-${unique}`, type: 'fired', rule_id: 'r', rule_title: 'R', entity: 'customer:acme', area: 'asr', value: 20, threshold: 30,
    reset_threshold: null, operator: '<', level: 'critical', sample_period_ms: 900_000, at_ms: 1_714_566_600_000, first_fired_at_ms: 1_714_566_600_000, test: false,
  };
  const message = (over: Partial<OutboundMessage>): OutboundMessage => ({
    channel: 'email', recipient: `noc-${unique}@example.net`, subject: '[critical] Low ASR: Müller GmbH', html: '<p>ASR 20.0%</p>', text: 'ASR 20.0%',
    sms: `critical: Low ASR - Müller GmbH ASR 20.0% ${unique}`, alert, deliveryId: alert.event_id, ...over,
  });
  const smsTo = async (phone: string) =>
    ((await motoData()).sms as Array<{ message_id: string; phone_number: string; message: string }>).filter((s) => s.phone_number === phone);
  // A number of its own per run, so parallel runs against one moto never see each other's SMS.
  const phone = `+1555${String(parseInt(unique, 16) % 10_000_000).padStart(7, '0')}`;

  it('rejects mail from an unverified sender, permanently', async () => {
    const stranger = `nobody-${unique}@example.net`;
    await expect(createSesEmailChannel({ client: clients.ses, from: stranger }).send(message({}))).rejects.toMatchObject({ code: 'CW_ERR_DELIVERY_REJECTED', retriable: false });
  });

  it('sends email through SES once the sender is verified', async () => {
    await ensureSenderVerified(clients.ses, from);
    await ensureSenderVerified(clients.ses, from); // idempotent
    const recipient = `ops-${unique}@example.net`;
    const { messageId } = await createSesEmailChannel({ client: clients.ses, from }).send(message({ recipient }));
    expect(await emailsTo(recipient)).toEqual([expect.objectContaining({
      id: messageId, source: from, subject: '[critical] Low ASR: Müller GmbH', body: '<p>ASR 20.0%</p>', destinations: { ToAddresses: [recipient] },
      // Sent raw, so it carries our Message-ID: the same for every resend of this alert to this recipient.
      messageId: expect.stringMatching(/^<[0-9a-f]{32}\.[0-9a-f]{16}@example\.net>$/),
    })]);
  });

  it('sends SMS through SNS to an E.164 number', async () => {
    const { messageId } = await createSnsSmsChannel({ client: clients.sns }).send(message({ channel: 'sms', recipient: phone }));
    expect(await smsTo(phone)).toEqual([{ message_id: messageId, phone_number: phone, message: `critical: Low ASR - Müller GmbH ASR 20.0% ${unique}` }]);
  });

  it('rejects a phone number that is not E.164 without calling SNS', async () => {
    const before = (await motoData()).sms.length;
    await expect(createSnsSmsChannel({ client: clients.sns }).send(message({ channel: 'sms', recipient: '555-1234' }))).rejects.toMatchObject({ code: 'CW_ERR_DELIVERY_REJECTED' });
    expect(await smsTo('555-1234')).toEqual([]);
    expect((await motoData()).sms.length).toBeGreaterThanOrEqual(before);
  });

  it('reports an unreachable endpoint as retriable', async () => {
    const dead = createAwsClients({ region: 'us-east-1', endpoint: 'http://127.0.0.1:1' });
    await expect(createSnsSmsChannel({ client: dead.sns }).send(message({ channel: 'sms', recipient: phone }))).rejects.toMatchObject({ code: 'CW_ERR_DELIVERY', retriable: true });
  });
});
