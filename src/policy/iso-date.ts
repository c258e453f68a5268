/**
 * ISO 8601 dates as the policy writes them: a calendar date (`2026-10-01`, read as UTC
 * midnight) or a date-time with an explicit offset (`2026-10-01T09:30:00Z`,
 * `2026-10-01T09:30+02:00`). Anything else, including impossible dates such as
 * 2026-02-30, is refused rather than coerced the way `Date.parse` would.
 */
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/;

/** Milliseconds since the epoch, or null when `text` is not a valid ISO 8601 date. */
export function parseIsoDate(text: string): number | null {
  const date = DATE.exec(text);
  if (date !== null) return utc(Number(date[1]), Number(date[2]), Number(date[3]), 0, 0, 0, 0);
  const dt = DATE_TIME.exec(text);
  if (dt === null) return null;
  const [hour, minute, second] = [Number(dt[4]), Number(dt[5]), Number(dt[6] ?? '0')];
  if (hour > 23 || minute > 59 || second > 59) return null;
  const millis = Number((dt[7] ?? '0').padEnd(3, '0').slice(0, 3));
  const base = utc(Number(dt[1]), Number(dt[2]), Number(dt[3]), hour, minute, second, millis);
  if (base === null) return null;
  const zone = dt[8] ?? 'Z';
  if (zone === 'Z') return base;
  const offH = Number(zone.slice(1, 3));
  const offM = Number(zone.slice(4, 6));
  if (offH > 23 || offM > 59) return null;
  const sign = zone.startsWith('-') ? -1 : 1;
  return base - sign * (offH * 60 + offM) * 60_000;
}

function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number | null {
  if (mo < 1 || mo > 12 || d < 1) return null;
  const value = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  // Date.UTC rolls 2026-02-30 over to March: a changed day means the date does not exist.
  if (new Date(value).getUTCDate() !== d) return null;
  return value;
}
