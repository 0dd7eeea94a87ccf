// Units and times as an operator reads them: "20.0 %", "2,100 ms", "3 min ago".

const PERCENT = new Set(['asr', 'ner', 'sdr', 'code_ratio', 'credit_used']);
const MONEY = new Set(['spend', 'margin', 'balance', 'credit']);
const COUNT = new Set(['attempts', 'answered', 'channels']);

const number = (digits) => new Intl.NumberFormat('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ONE = number(1);
const NONE = number(0);
const TWO = number(2);
const UP_TO_THREE = new Intl.NumberFormat('en', { maximumFractionDigits: 3 });

/** AREA_NAMES are the areas' display names. */
export const AREA_NAMES = {
  asr: 'ASR', ner: 'NER', acd: 'ACD', pdd: 'PDD', attempts: 'Attempts', answered: 'Answered', cps: 'CPS', spend: 'Spend',
  margin: 'Margin', sdr: 'SDR', code_ratio: 'Code ratio', channels: 'Channels', balance: 'Balance', credit: 'Credit',
  credit_used: 'Credit used', event: 'Event', script: 'Script',
};

/** areaName is an area's display name ("ASR"), or the area itself when unknown. */
export const areaName = (area) => AREA_NAMES[area] ?? String(area);

/** unitOf is the unit an area's values are shown in: %, s, ms, /s, a currency, or '' for counts. */
export function unitOf(area, currency) {
  if (PERCENT.has(area)) return '%';
  if (area === 'acd') return 's';
  if (area === 'pdd') return 'ms';
  if (area === 'cps') return '/s';
  if (MONEY.has(area)) return currency ?? '';
  return '';
}

/** formatNumber shows a value of an area without its unit, with the precision the unit needs. */
export function formatNumber(area, value) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (PERCENT.has(area) || area === 'cps' || area === 'acd') return ONE.format(value);
  if (area === 'pdd' || COUNT.has(area)) return NONE.format(value);
  if (MONEY.has(area)) return TWO.format(value);
  // A script's or an event's value has no unit of its own: up to three decimals, no trailing zeros.
  return UP_TO_THREE.format(value);
}

/** formatValue shows a value of an area with its unit ("20.0 %", "—" for no value). */
export function formatValue(area, value, currency) {
  const text = formatNumber(area, value);
  if (text === '—') return text;
  const unit = unitOf(area, currency);
  if (unit === '') return text;
  if (MONEY.has(area)) return `${text} ${unit}`;
  return unit === '/s' ? `${text}${unit}` : `${text} ${unit}`;
}

const OPERATORS = { '<=': '≤', '>=': '≥', '!=': '≠', '=': '=', '<': '<', '>': '>' };

/** operatorSign is the operator as printed: ≤ rather than <=. */
export const operatorSign = (operator) => OPERATORS[operator] ?? String(operator ?? '');

/** condition reads a rule's fire condition: "ASR ≤ 30.0 %". */
export function condition(area, operator, threshold) {
  if (threshold === null || threshold === undefined) return areaName(area);
  return `${areaName(area)} ${operatorSign(operator)} ${formatValue(area, threshold)}`;
}

/** resetSide reads a rule's hysteresis: "resets above 31.0 %", or '' when it has none. */
export function resetSide(area, operator, resetThreshold) {
  if (resetThreshold === null || resetThreshold === undefined) return '';
  const above = operator === '<' || operator === '<=';
  return `resets ${above ? 'above' : 'below'} ${formatValue(area, resetThreshold)}`;
}

/** period reads a sample period in milliseconds: 300000 → "5m", 5400000 → "1h30m". */
export function period(ms) {
  if (!ms) return '—';
  const minutes = Math.round(ms / 60_000);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${minutes}m`;
  return rest === 0 ? `${hours}h` : `${hours}h${rest}m`;
}

/** duration reads a length of time in words: "45 s", "12 min", "3 h 5 min", "2 d". */
export function duration(ms) {
  const secs = Math.max(0, Math.round(ms / 1000));
  if (secs < 60) return `${secs} s`;
  const mins = Math.round(secs / 60);
  if (mins < 60) return `${mins} min`;
  const hours = Math.floor(mins / 60);
  if (hours < 48) return mins % 60 === 0 ? `${hours} h` : `${hours} h ${mins % 60} min`;
  return `${Math.round(hours / 24)} d`;
}

/** ago reads a time relative to now: "just now", "3 min ago", "in 5 min". */
export function ago(atMs, nowMs) {
  if (!atMs) return '—';
  const diff = nowMs - atMs;
  if (Math.abs(diff) < 10_000) return 'just now';
  return diff > 0 ? `${duration(diff)} ago` : `in ${duration(-diff)}`;
}

/** clockTime is a time of day for chart axes: "14:05". */
export const clockTime = (ms) => new Date(ms).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });

/** fullTime is an unambiguous local date and time, for tooltips. */
export const fullTime = (ms) => new Date(ms).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' });
