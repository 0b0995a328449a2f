import { addDays, startOfUtcDay, DAY_MS } from './dates.js';

export interface DateWindow {
  start: Date;
  end: Date;
}

/**
 * Splits [start, end) into consecutive windows no longer than the vendor allows per call.
 * Day-aligned vendors see whole UTC days: the range is widened to day boundaries first, and the
 * rows are still the vendor's own daily rows.
 */
export function splitWindows(
  start: Date,
  end: Date,
  rule: { max_days: number; align?: 'day' | 'month' | undefined } | undefined,
): DateWindow[] {
  if (!rule) return [{ start, end }];
  let from = rule.align === undefined || rule.align === 'day' ? startOfUtcDay(start) : start;
  const until = rule.align === undefined || rule.align === 'day' ? ceilUtcDay(end) : end;
  const out: DateWindow[] = [];
  while (from < until) {
    let next = addDays(from, rule.max_days);
    if (rule.align === 'month') {
      const monthEnd = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
      if (monthEnd < next) next = monthEnd;
    }
    if (next > until) next = until;
    out.push({ start: from, end: next });
    from = next;
  }
  return out;
}

function ceilUtcDay(d: Date): Date {
  const floor = startOfUtcDay(d);
  return floor.getTime() === d.getTime() ? d : new Date(floor.getTime() + DAY_MS);
}
