/**
 * Parameter rules shared by the Analytics endpoints (provider notes, claude.md section 6): the
 * 2026-01-01 floor, `date` vs `starting_date`/`ending_date`, freshness (the latest available day is
 * yesterday), `filter[]=dimension:value`, `group_by[]`, `order_by`/`order`, and query-bound cursors
 * that a knob can expire.
 */
import { ANALYTICS_DATA_SINCE, findRbacGroup, type RbacGroup } from './analytics-org.js';
import { readCursor, type Cursor } from './cursor.js';
import { DAY_MS, formatDay, parseDay } from './dates.js';
import { badRequest } from './errors.js';
import { numberAt } from './metric-tree.js';
import type { QueryReader } from './query.js';
import type { RouteContext } from './route.js';

export const ANALYTICS_BASE = '/v1/organizations/analytics';

/** Engagement data for day N is served from N+1: the latest available day is yesterday (UTC). */
export function latestAvailableDay(now: Date): string {
  return formatDay(Math.floor(now.getTime() / DAY_MS) * DAY_MS - DAY_MS);
}

function addDays(day: string, n: number): string {
  return formatDay((parseDay(day) ?? 0) + n * DAY_MS);
}

export interface DayRange {
  /** `date` (one day) or `starting_date`/`ending_date` (rollup over the range). */
  mode: 'day' | 'range';
  start: string;
  /** Exclusive. */
  end: string;
  days: string[];
}

function dayParam(q: QueryReader, name: string): string | undefined {
  const text = q.one(name);
  if (text !== undefined && parseDay(text) === null) {
    throw badRequest(`${name}: Input should be a valid date in YYYY-MM-DD format`);
  }
  return text;
}

function tooRecent(name: string, day: string, latest: string): never {
  throw badRequest(`${name}: data for ${day} is not available yet; the latest available day is ${latest}`);
}

/**
 * The day(s) an engagement request covers. `frozenEnd` is the default `ending_date` page 1 resolved
 * (carried by the cursor), so a sequence that crosses midnight keeps its range.
 */
export function engagementRange(
  q: QueryReader,
  now: Date,
  frozenEnd: string | null,
  opts: { allowDate: boolean },
): DayRange {
  const latest = latestAvailableDay(now);
  const date = opts.allowDate ? dayParam(q, 'date') : undefined;
  const start = dayParam(q, 'starting_date');
  const endParam = dayParam(q, 'ending_date');
  if (date !== undefined) {
    if (start !== undefined || endParam !== undefined) {
      throw badRequest('Use either date or starting_date/ending_date, not both');
    }
    if (date < ANALYTICS_DATA_SINCE) throw badRequest(`date: no data before ${ANALYTICS_DATA_SINCE}`);
    if (date > latest) tooRecent('date', date, latest);
    return { mode: 'day', start: date, end: addDays(date, 1), days: [date] };
  }
  if (start === undefined) {
    if (endParam !== undefined) throw badRequest('ending_date is only valid with starting_date');
    throw badRequest(opts.allowDate ? 'date or starting_date is required' : 'starting_date: Field required');
  }
  if (start < ANALYTICS_DATA_SINCE) throw badRequest(`starting_date: no data before ${ANALYTICS_DATA_SINCE}`);
  if (start > latest) tooRecent('starting_date', start, latest);
  const today = addDays(latest, 1);
  const end = endParam ?? frozenEnd ?? today;
  if (end <= start) throw badRequest('ending_date: must be after starting_date');
  if (endParam !== undefined && end > today) {
    throw badRequest(
      `ending_date: can be at most ${today} (exclusive); the latest available day is ${latest}`,
    );
  }
  if (end > addDays(start, 366)) throw badRequest('ending_date: at most 366 days after starting_date');
  const days: string[] = [];
  for (let d = start; d < end; d = addDays(d, 1)) days.push(d);
  return { mode: 'range', start, end, days };
}

export function engagementLimit(q: QueryReader): number {
  return q.int('limit', { min: 1, max: 1000, fallback: 100 });
}

/** Cursor of an analytics request: bound to the exact query (limit included); the knob may expire it. */
export function analyticsCursor(
  ctx: RouteContext,
  scope: string,
): { fingerprint: string; cursor: Cursor | null } {
  return readCursor(ctx.query, { scope, ignore: [], expire: () => ctx.controls.takeCursorExpiry() });
}

/** `filter[]=dimension:value` entries by dimension (repeat = OR within, AND across); unknown dimension → 400. */
export function parseFilters(q: QueryReader, allowed: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const entry of q.many('filter')) {
    const colon = entry.indexOf(':');
    if (colon <= 0) throw badRequest(`filter[]: '${entry}' is not of the form dimension:value`);
    const dim = entry.slice(0, colon);
    if (!allowed.includes(dim)) {
      throw badRequest(
        `filter[]: unsupported dimension '${dim}'; this endpoint supports ${allowed.join(', ')}`,
      );
    }
    out.set(dim, [...(out.get(dim) ?? []), entry.slice(colon + 1)]);
  }
  return out;
}

export function parseGroupBy<T extends string>(q: QueryReader, allowed: readonly T[]): T[] {
  const dims = q.many('group_by');
  for (const d of dims) {
    if (!(allowed as readonly string[]).includes(d)) {
      throw badRequest(
        allowed.length === 0
          ? 'group_by[]: this endpoint does not support grouping'
          : `group_by[]: unsupported dimension '${d}'; this endpoint supports ${allowed.join(', ')}`,
      );
    }
  }
  return [...new Set(dims)] as T[];
}

export function requireValues(
  dim: string,
  values: readonly string[] | undefined,
  allowed: readonly string[],
): void {
  for (const v of values ?? []) {
    if (!allowed.includes(v))
      throw badRequest(`filter[]: unsupported ${dim} '${v}'; expected one of ${allowed.join(', ')}`);
  }
}

/** The groups an `rbac_group_id` filter names (unknown ids match nothing); undefined = no filter. */
export function rbacFilter(values: readonly string[] | undefined): RbacGroup[] | undefined {
  if (values === undefined) return undefined;
  return values.map(findRbacGroup).filter((g): g is RbacGroup => g !== undefined);
}

export interface Ordering {
  /** The sort column, or a dotted path to a rankable number in the row. */
  by: string;
  desc: boolean;
  metric: boolean;
}

/**
 * `order_by` is the endpoint's sort column or any numeric field of its rows (checked against
 * `template`, a row of the endpoint's shape); `order` defaults to asc for the column, desc for a metric.
 */
export function parseOrdering(q: QueryReader, sortColumn: string, template: object): Ordering {
  const by = q.one('order_by') ?? sortColumn;
  const metric = by !== sortColumn;
  if (metric && numberAt(template, by) === undefined) {
    throw badRequest(
      `order_by: '${by}' is neither the sort column (${sortColumn}) nor a rankable metric of this endpoint`,
    );
  }
  const order = q.choice('order', ['asc', 'desc'] as const, metric ? 'desc' : 'asc');
  return { by, desc: order === 'desc', metric };
}

/** Sorts rows by the ordering; `label` gives the sort-column text and the final tie-break. */
export function sortRows<T extends object>(
  rows: T[],
  ordering: Ordering,
  label: (row: T) => string,
  tie: (row: T) => string,
): T[] {
  const sign = ordering.desc ? -1 : 1;
  return rows.sort((a, b) => {
    if (ordering.metric) {
      const d = (numberAt(a, ordering.by) ?? 0) - (numberAt(b, ordering.by) ?? 0);
      if (d !== 0) return sign * d;
    } else {
      const x = label(a);
      const y = label(b);
      if (x !== y) return sign * (x < y ? -1 : 1);
    }
    const ta = tie(a);
    const tb = tie(b);
    return ta === tb ? 0 : ta < tb ? -1 : 1;
  });
}
