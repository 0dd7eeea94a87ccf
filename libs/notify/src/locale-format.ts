// Intl formatters take tens of microseconds to construct and a notifier renders thousands of alerts: each one is
// built once per (locale, zone) or (locale, currency, decimals) and kept. Accounts name few distinct ones.
const dateFormats = new Map<string, Intl.DateTimeFormat>();
const numberFormats = new Map<string, Intl.NumberFormat>();
const zones = new Map<string, string | null>();
const locales = new Map<string, string | null>();
// Bounds the caches should a billing system send a different garbage value with every snapshot.
const CACHE_LIMIT = 1_000;

/** FALLBACK_LOCALE is the locale of notifications whose account names none, or one Intl does not accept. */
export const FALLBACK_LOCALE = 'en';

function remember<V>(cache: Map<string, V>, key: string, make: () => V): V {
  let value = cache.get(key);
  if (value === undefined && !cache.has(key)) {
    value = make();
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, value);
  }
  return value as V;
}

/** validTimeZone returns the IANA zone as given when Intl knows it, else null (the caller then uses UTC). */
export function validTimeZone(zone: string | null | undefined): string | null {
  const name = zone?.trim();
  if (!name) return null;
  return remember(zones, name, () => {
    try {
      return new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
    } catch {
      return null;
    }
  });
}

/** validLocale returns the canonical BCP 47 tag when Intl accepts it, else null (the caller then uses FALLBACK_LOCALE). */
export function validLocale(locale: string | null | undefined): string | null {
  const tag = locale?.trim();
  if (!tag) return null;
  return remember(locales, tag, () => {
    try {
      return Intl.getCanonicalLocales(tag)[0] ?? null;
    } catch {
      return null;
    }
  });
}

/**
 * zonedTime renders epoch milliseconds as `2026-03-02 14:05 CET`: the wall time in `zone`, sortable and the same
 * layout in every locale, then the zone's short name as the locale writes it (en: GMT+1, en-GB: CET, de: MEZ).
 */
export function zonedTime(ms: number, zone: string, locale: string): string {
  const format = remember(dateFormats, `${locale}\u0000${zone}`, () => new Intl.DateTimeFormat(locale, {
    timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    timeZoneName: 'short', numberingSystem: 'latn',
  }));
  const parts: Record<string, string> = {};
  for (const part of format.formatToParts(ms)) parts[part.type] = part.value;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${parts.timeZoneName}`;
}

/**
 * formatMoney renders an amount in the locale's number format with `decimals` decimals and the currency where the locale
 * puts it (`1.234,50 €` in de-DE, `€1,234.50` in en); a currency Intl does not know is written as a code after the number.
 */
export function formatMoney(value: number, decimals: number, currency: string, locale: string): string {
  const key = `${locale}\u0000${currency}\u0000${decimals}`;
  const format = remember(numberFormats, key, () => {
    const digits = { minimumFractionDigits: decimals, maximumFractionDigits: decimals };
    try {
      return currency ? new Intl.NumberFormat(locale, { style: 'currency', currency, ...digits }) : new Intl.NumberFormat(locale, digits);
    } catch {
      return new Intl.NumberFormat(locale, digits);
    }
  });
  // Locales separate with no-break spaces (U+00A0, U+202F), which are outside GSM-7: one would turn an SMS into UCS-2.
  const text = format.format(value).replace(/[\u00a0\u202f]/g, ' ');
  return format.resolvedOptions().style === 'currency' || !currency ? text : `${text} ${currency}`;
}
