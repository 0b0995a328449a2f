/** RFC 3339 instants and time buckets for the bucketed reports (Messages usage, cost, analytics). */
import { DAY_MS, formatDay, parseDay } from './dates.js';

export type BucketWidth = '1d' | '1h' | '1m';
export const BUCKET_WIDTHS: readonly BucketWidth[] = ['1d', '1h', '1m'];
export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;
export const BUCKET_MS: Readonly<Record<BucketWidth, number>> = {
  '1d': DAY_MS,
  '1h': HOUR_MS,
  '1m': MINUTE_MS,
};

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

/** `2026-03-04T05:06:00Z`: second precision, as the vendor prints bucket bounds. */
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
