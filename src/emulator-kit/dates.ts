/**
 * UTC days and RFC 3339 instants. A "day" is a `YYYY-MM-DD` string naming a UTC calendar day;
 * vendors' usage APIs almost all speak in UTC days, and strings sort in date order.
 */

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

export function formatDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** UTC-midnight epoch ms of `day`, or null if it is not a real calendar date (e.g. 2026-02-30). */
export function parseDay(day: string): number | null {
  if (!DAY_RE.test(day)) return null;
  const ms = Date.parse(`${day}T00:00:00Z`);
  // Round-trip check: some engines roll 2026-02-30 over to March instead of failing.
  if (Number.isNaN(ms) || formatDay(ms) !== day) return null;
  return ms;
}

export function isWeekend(epochMs: number): boolean {
  const weekday = new Date(epochMs).getUTCDay();
  return weekday === 0 || weekday === 6;
}

/** `day` moved by `days` (negative goes back). */
export function addDays(day: string, days: number): string {
  const ms = parseDay(day);
  if (ms === null) throw new RangeError(`not a day: ${day}`);
  return formatDay(ms + days * DAY_MS);
}

/**
 * First and last day (inclusive) of a rolling history of `days` days ending yesterday (UTC): what
 * most usage APIs can serve, since today is still being counted.
 */
export function rollingHorizon(now: Date, days: number): { first: string; last: string } {
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const last = today - DAY_MS;
  return { first: formatDay(last - (days - 1) * DAY_MS), last: formatDay(last) };
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/;

/** Epoch ms of an RFC 3339 date-time with a zone (`Z` or `±hh:mm`), or null. Bare dates are refused. */
export function parseInstant(text: string): number | null {
  const m = RFC3339.exec(text);
  if (!m) return null;
  // Date.parse rolls 2026-02-30 over silently, so check the calendar day and clock fields ourselves.
  if (parseDay(m[1] ?? '') === null) return null;
  if (Number(m[2]) > 23 || Number(m[3]) > 59 || Number(m[4]) > 59) return null;
  if (m[7] !== undefined && (Number(m[7]) > 23 || Number(m[8]) > 59)) return null;
  const ms = Date.parse(text.toUpperCase());
  return Number.isNaN(ms) ? null : ms;
}

/** `2026-03-04T05:06:00Z`: second precision, as usage APIs print bucket bounds. */
export function formatInstant(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function floorTo(ms: number, width: number): number {
  return Math.floor(ms / width) * width;
}

export function ceilTo(ms: number, width: number): number {
  return Math.ceil(ms / width) * width;
}

/** The UTC days (`YYYY-MM-DD`) overlapping [startMs, endMs). */
export function daysOverlapping(startMs: number, endMs: number): string[] {
  const days: string[] = [];
  for (let ms = floorTo(startMs, DAY_MS); ms < endMs; ms += DAY_MS) days.push(formatDay(ms));
  return days;
}
