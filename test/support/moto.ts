/** MotoSesMessage is one email as moto's SES backend recorded it. */
export interface MotoSesMessage {
  Id: string;
  Source: string;
  Destinations: { ToAddresses: string[] } | string[];
  Subject: string;
  Body: string;
  Region: string;
}

/** motoData reads what moto has recorded (emails, SMS) from its /moto-api/data.json endpoint. */
export async function motoData(): Promise<{ ses: { Message?: MotoSesMessage[]; RawMessage?: unknown[] }; sns: { SMS?: unknown[] } }> {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (!endpoint) throw new Error('AWS_ENDPOINT_URL is not set: the global setup should have exported the moto address');
  const res = await fetch(`${endpoint}/moto-api/data.json`);
  const data = (await res.json()) as Record<string, Record<string, unknown>>;
  const ses = (data.ses ?? data.sesv2 ?? {}) as { Message?: MotoSesMessage[] };
  return { ses, sns: (data.sns ?? {}) as { SMS?: unknown[] } };
}
