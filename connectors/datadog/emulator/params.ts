/**
 * Datadog's parameter validation for the usage-metering endpoints, worded as the vendor words it
 * (the one live message on record: `start_hr [YYYY-MM-DDThh] must be before end_hr
 * [YYYY-MM-DDThh]`). Hours are `YYYY-MM-DDThh` or any RFC 3339 instant (the official client sends
 * full instants, floored to the hour); months are `YYYY-MM` or an instant in that month.
 */
import {
  DAY_MS,
  HOUR_MS,
  badRequest,
  parseInstant,
  type QueryOptions,
  type QueryReader,
} from '../../../src/emulator-kit/index.js';
import { monthIndex } from './costs.js';
import { KNOWN_FAMILIES, PRODUCT_FAMILIES } from './org.js';

export const QUERY_OPTIONS: QueryOptions = {
  arrays: ['comma'],
  messages: {
    repeated: (name) => `Parameter ${name} may only be given once`,
    required: (name) => `Missing required parameter ${name}`,
    notInteger: (name) => `Invalid ${name}: must be an integer`,
    tooSmall: (name, min) => `Invalid ${name}: must be at least ${min}`,
    tooLarge: (name, max) => `Invalid ${name}: must be at most ${max}`,
    notBoolean: (name) => `Invalid ${name}: must be true or false`,
    notChoice: (name, value, allowed) => `Invalid ${name} '${value}': must be one of ${allowed.join(', ')}`,
  },
};

const HOUR_RE = /^(\d{4}-\d{2}-\d{2})T(\d{2})$/;
const MONTH_RE = /^(\d{4})-(\d{2})$/;

/** Epoch ms of an hour parameter (floored to the hour), or undefined when absent. */
export function hourParam(q: QueryReader, name: string): number | undefined {
  const text = q.one(name);
  if (text === undefined) return undefined;
  const m = HOUR_RE.exec(text);
  const ms = m ? parseInstant(`${m[1]}T${m[2]}:00:00Z`) : parseInstant(text);
  if (ms === null) throw badRequest(`Invalid ${name} '${text}': expected [YYYY-MM-DDThh]`);
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

/** Month index of a month parameter, or undefined when absent. */
export function monthParam(q: QueryReader, name: string): number | undefined {
  const text = q.one(name);
  if (text === undefined) return undefined;
  const m = MONTH_RE.exec(text);
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12) return monthIndex(text);
  const ms = parseInstant(text);
  if (ms === null) throw badRequest(`Invalid ${name} '${text}': expected [YYYY-MM]`);
  const d = new Date(ms);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

const formatHour = (ms: number): string => new Date(ms).toISOString().slice(0, 13);

export interface HourlyParams {
  startMs: number;
  endMs: number;
  families: string[];
  includeDescendants: boolean;
  limit: number;
  nextRecordId: string | undefined;
}

export const MAX_PAGE_LIMIT = 500;
/** With child orgs included one call covers at most 24 hours; one org alone at most two months. */
export const MULTI_ORG_MAX_MS = DAY_MS;
export const SINGLE_ORG_MAX_MS = 62 * DAY_MS;

export function parseHourlyParams(q: QueryReader, now: Date, hasChildren: boolean): HourlyParams {
  const startMs = hourParam(q, 'filter[timestamp][start]');
  if (startMs === undefined) throw badRequest('Missing required parameter filter[timestamp][start]');
  const endMs = hourParam(q, 'filter[timestamp][end]') ?? Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  if (endMs <= startMs) {
    throw badRequest(`start_hr [${formatHour(startMs)}] must be before end_hr [${formatHour(endMs)}]`);
  }
  const rawFamilies = q.many('filter[product_families]');
  if (rawFamilies.length === 0) throw badRequest('Missing required parameter filter[product_families]');
  for (const f of rawFamilies) {
    if (!KNOWN_FAMILIES.includes(f)) throw badRequest(`Invalid product family '${f}'`);
  }
  const families = rawFamilies.includes('all') ? PRODUCT_FAMILIES.map((f) => f.id) : rawFamilies;
  const includeDescendants = q.bool('filter[include_descendants]', false);
  q.bool('filter[include_connected_accounts]', false);
  q.bool('filter[include_breakdown]', false);
  const versions = q.one('filter[versions]');
  if (versions !== undefined) {
    for (const v of versions.split(',')) {
      if (!/^[a-z_]+:\d+\.\d+\.\d+$/.test(v)) throw badRequest(`Invalid filter[versions] '${v}'`);
    }
  }
  const multiOrg = includeDescendants && hasChildren;
  if (multiOrg && endMs - startMs > MULTI_ORG_MAX_MS) {
    throw badRequest(
      'The time range is too large: at most 24 hours of hourly usage can be requested when child organizations are included',
    );
  }
  if (endMs - startMs > SINGLE_ORG_MAX_MS) {
    throw badRequest('The time range is too large: at most two months of hourly usage can be requested');
  }
  const limit = q.int('page[limit]', { min: 1, max: MAX_PAGE_LIMIT, fallback: MAX_PAGE_LIMIT });
  return {
    startMs,
    endMs,
    families,
    includeDescendants,
    limit,
    nextRecordId: q.one('page[next_record_id]'),
  };
}

export interface MonthRange {
  from: number;
  to: number;
}

/** `start_month` (required) and `end_month` (inclusive; default `latest`), end not before start. */
export function monthRange(q: QueryReader, latest: number): MonthRange {
  const from = monthParam(q, 'start_month');
  if (from === undefined) throw badRequest('Missing required parameter start_month');
  const to = monthParam(q, 'end_month') ?? Math.max(from, latest);
  if (to < from) throw badRequest('end_month must be on or after start_month');
  return { from, to };
}
