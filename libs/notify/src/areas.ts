/** AreaFormat says how an area's values read in a notification: its label, unit and decimals. */
export interface AreaFormat {
  label: string;
  /** Unit appended right after the value; money areas take the account's currency instead. */
  unit: string;
  decimals: number;
  money: boolean;
  /** One sentence for the email body: what the metric measures. */
  meaning: string;
}

const percent = (label: string, meaning: string): AreaFormat => ({ label, unit: '%', decimals: 1, money: false, meaning });
const money = (label: string, meaning: string): AreaFormat => ({ label, unit: '', decimals: 2, money: true, meaning });

/**
 * AREA_FORMATS maps every threshold area of docs/design.md ("Entities and metrics") to how its values are shown. It has
 * no prototype: an area such as `constructor` finds no format rather than Object's own.
 */
export const AREA_FORMATS: Readonly<Record<string, AreaFormat>> = Object.assign(Object.create(null) as Record<string, AreaFormat>, {
  asr: percent('ASR', 'Answer-seizure ratio: answered calls as a share of all attempts.'),
  ner: percent('NER', 'Network effectiveness ratio: calls that reached the user or were declined by them, as a share of attempts (excluding redirects).'),
  acd: { label: 'ACD', unit: 's', decimals: 1, money: false, meaning: 'Average call duration: billed seconds per answered call.' },
  pdd: { label: 'PDD', unit: 'ms', decimals: 0, money: false, meaning: 'Post-dial delay: mean time from dialling until the far end rings.' },
  attempts: { label: 'Attempts', unit: '', decimals: 0, money: false, meaning: 'Number of call attempts.' },
  cps: { label: 'CPS', unit: '/s', decimals: 0, money: false, meaning: 'Peak calls per second.' },
  channels: { label: 'Channels', unit: '', decimals: 0, money: false, meaning: 'Concurrent calls right now.' },
  spend: money('Spend', 'Sum of charges for calls.'),
  margin: money('Margin', 'Charges minus costs for calls.'),
  sdr: percent('SDR', 'Short-duration ratio: answered calls shorter than 6 seconds as a share of answered calls.'),
  code_ratio: percent('SIP code ratio', 'Calls ending with the watched SIP codes as a share of attempts.'),
  balance: money('Balance', 'Account balance: last billing snapshot plus payments minus charges since.'),
  credit: money('Credit', 'Credit still available: the balance plus the debit limit.'),
  credit_used: percent('Credit used', 'Share of the debit limit used: how far the balance is below zero, as a share of the limit.'),
});

/** DEFAULT_AREA_FORMAT is used for areas without their own entry (event and script rules). */
export const DEFAULT_AREA_FORMAT: AreaFormat = { label: 'Value', unit: '', decimals: 2, money: false, meaning: 'The value the rule evaluated.' };

/** areaFormat returns the format of an area, or the default for event, script and unknown areas. */
export function areaFormat(area: string): AreaFormat {
  return AREA_FORMATS[area] ?? DEFAULT_AREA_FORMAT;
}

/** formatNumber renders a value with an area's decimals (or `decimals`); null (no value, e.g. event rules) becomes "n/a". */
export function formatNumber(value: number | null, format: AreaFormat, decimals = format.decimals): string {
  if (value === null || !Number.isFinite(value)) return 'n/a';
  const text = value.toFixed(decimals);
  // The default format keeps integers clean ("3", not "3.00") since it does not know the unit.
  return format === DEFAULT_AREA_FORMAT ? String(Number(text)) : text;
}
