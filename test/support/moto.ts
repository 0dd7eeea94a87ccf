/** MotoSesMessage is one email as moto's SES backend records it (moto 5.2, pinned by infra/lib/moto.sh). */
export interface MotoSesMessage {
  id: string;
  source: string;
  destinations: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
  subject: string;
  body: string;
}

/** MotoSms is one SMS as moto's SNS backend records it: [phone number, message, ...]. */
export type MotoSms = [string, string, ...unknown[]];

/** motoData reads what moto has recorded (emails, SMS) from its /moto-api/data.json endpoint. */
export async function motoData(): Promise<{ emails: MotoSesMessage[]; sms: unknown[] }> {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (!endpoint) throw new Error('AWS_ENDPOINT_URL is not set: the global setup should have exported the moto address');
  const res = await fetch(`${endpoint}/moto-api/data.json`);
  const data = (await res.json()) as { ses?: { Message?: MotoSesMessage[] }; sns?: { SMS?: unknown[] } };
  return { emails: data.ses?.Message ?? [], sms: data.sns?.SMS ?? [] };
}

/** emailsTo lists the emails moto received for one address (tests share moto, so each uses its own address). */
export async function emailsTo(address: string): Promise<MotoSesMessage[]> {
  return (await motoData()).emails.filter((m) => (m.destinations.ToAddresses ?? []).includes(address));
}
