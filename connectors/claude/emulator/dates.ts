/** UTC day helpers. A "day" is a `YYYY-MM-DD` string naming a UTC calendar day. */

export const DAY_MS = 86_400_000;
/** How many days of history the emulator serves, ending yesterday (UTC). */
export const HORIZON_DAYS = 90;

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

/** First and last day (inclusive) that have data: the HORIZON_DAYS days ending yesterday. */
export function dataHorizon(now: Date): { first: string; last: string } {
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const last = today - DAY_MS;
  return { first: formatDay(last - (HORIZON_DAYS - 1) * DAY_MS), last: formatDay(last) };
}

export function isDayInHorizon(day: string, now: Date): boolean {
  const { first, last } = dataHorizon(now);
  // Valid `YYYY-MM-DD` strings sort lexically in date order.
  return parseDay(day) !== null && day >= first && day <= last;
}
