/** SmsEncoding is how an SMS travels: the GSM 03.38 7-bit alphabet, or UCS-2 when any character is outside it. */
export type SmsEncoding = 'GSM-7' | 'UCS-2';

/** SmsLength is what an SMS costs: its encoding, its length in that encoding's units, and the segments it takes. */
export interface SmsLength {
  encoding: SmsEncoding;
  /** septets for GSM-7 (an extension character takes two), UTF-16 code units for UCS-2 */
  units: number;
  segments: number;
}

// GSM 03.38 basic character set, and the extension table reached through an escape (two septets each).
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM_EXTENSION = new Set('\f^{}\\[~]|€');

// A single message holds 160 septets (70 UCS-2 units); a concatenated one loses room to its header in each segment.
const LIMITS: Record<SmsEncoding, { single: number; multi: number }> = { 'GSM-7': { single: 160, multi: 153 }, 'UCS-2': { single: 70, multi: 67 } };

/**
 * smsLength counts the segments an SMS takes as carriers split it: GSM-7 when every character is in the basic or
 * extension table, else UCS-2; an escaped character or a surrogate pair is never split across two segments.
 */
export function smsLength(text: string): SmsLength {
  const chars = [...text];
  const gsm = chars.every((c) => GSM_BASIC.has(c) || GSM_EXTENSION.has(c));
  const encoding: SmsEncoding = gsm ? 'GSM-7' : 'UCS-2';
  const sizes = chars.map((c) => (gsm ? (GSM_EXTENSION.has(c) ? 2 : 1) : c.length));
  const units = sizes.reduce((a, b) => a + b, 0);
  const { single, multi } = LIMITS[encoding];
  if (units <= single) return { encoding, units, segments: units === 0 ? 0 : 1 };
  let segments = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > multi) {
      segments += 1;
      used = 0;
    }
    used += size;
  }
  return { encoding, units, segments };
}

/** formatSmsLength describes an SMS's cost for people: `2 segment(s) (GSM-7, 170 septets)`. */
export function formatSmsLength(length: SmsLength): string {
  return `${length.segments} segment(s) (${length.encoding}, ${length.units} ${length.encoding === 'GSM-7' ? 'septets' : 'UTF-16 units'})`;
}
