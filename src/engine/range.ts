import type { Resource } from '../schemas/connector.js';
import { AppError } from '../errors.js';
import { addDays, startOfUtcDay } from './dates.js';
import type { UsageRequest } from './usage-request.js';

export interface DateRange {
  start: Date;
  end: Date;
}

/** Fills in a missing start or end; `date` means that one day. */
export function resolveRange(
  req: UsageRequest,
  defaultDays: number,
  endOffsetDays: number,
  now: Date,
): DateRange {
  if (req.date !== undefined) {
    if (req.start || req.end) {
      throw new AppError('invalid_parameter', 'Give either date or start_date/end_date, not both.', {
        details: { parameter: 'date' },
      });
    }
    const day = new Date(`${req.date}T00:00:00Z`);
    return { start: day, end: addDays(day, 1) };
  }
  const todayEnd = addDays(startOfUtcDay(now), 1 - endOffsetDays);
  if (req.start && req.end) return { start: req.start, end: req.end };
  if (req.start) {
    if (req.start >= todayEnd) {
      throw new AppError('invalid_parameter', 'start_date is in the future; there is no usage there yet.', {
        details: { parameter: 'start_date' },
      });
    }
    return { start: req.start, end: todayEnd };
  }
  const end = req.end ?? addDays(startOfUtcDay(now), -endOffsetDays);
  return { start: addDays(end, -defaultDays), end };
}

/**
 * The vendor has nothing before its first day nor after its latest available one: the range is
 * narrowed to what exists (an empty range gives an empty last page), so a default or generous
 * range never turns into a vendor 400.
 */
export function clampToAvailable(range: DateRange, resource: Resource, now: Date): DateRange {
  let { start, end } = range;
  if (resource.min_date) {
    const min = new Date(`${resource.min_date}T00:00:00Z`);
    if (start < min) start = min;
  }
  if (resource.max_age_days !== undefined) {
    const earliest = addDays(startOfUtcDay(now), -resource.max_age_days);
    if (start < earliest) start = earliest;
  }
  if (resource.availability_lag_hours !== undefined) {
    const latest = startOfUtcDay(new Date(now.getTime() - resource.availability_lag_hours * 3_600_000));
    if (end > latest) end = latest;
  }
  return end > start ? { start, end } : { start, end: start };
}

/**
 * Where settled periods end: the start of the day or month that held `now - lag`. A vendor's
 * final figures (a closed month's bill) serve the range before it, its estimates the rest.
 */
export function settleBoundary(rule: { align: 'day' | 'month'; lag_hours: number }, now: Date): Date {
  const at = new Date(now.getTime() - rule.lag_hours * 3_600_000);
  return rule.align === 'month'
    ? new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1))
    : startOfUtcDay(at);
}

/** The part of a range before (settled) or from (unsettled) a boundary; empty when none. */
export function splitAt(range: DateRange, boundary: Date, part: 'settled' | 'unsettled'): DateRange {
  if (part === 'settled') {
    const end = range.end < boundary ? range.end : boundary;
    return end > range.start ? { start: range.start, end } : { start: range.start, end: range.start };
  }
  const start = range.start > boundary ? range.start : boundary;
  return range.end > start ? { start, end: range.end } : { start: range.end, end: range.end };
}
