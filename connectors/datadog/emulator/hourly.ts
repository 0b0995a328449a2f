/**
 * `GET /api/v2/usage/hourly_usage` data: one `usage_timeseries` item per org × product family ×
 * hour, each with its measurements (`value` null where nothing was measured). Every value is drawn
 * from a seed naming the org, family, usage type and hour, so an hour always has the same numbers
 * whichever range or page asks for it. The emulator keeps 90 days of hourly history ending at the
 * last whole hour before its clock.
 */
import { HOUR_MS, DAY_MS, Rng, hashString } from '../../../src/emulator-kit/index.js';
import { ALL_ORGS, PRODUCT_FAMILIES, type Org, type ProductFamily, type UsageType } from './org.js';

export const HISTORY_DAYS = 90;

export interface Measurement {
  usage_type: string;
  value: number | null;
}

export interface HourlyUsageItem {
  id: string;
  type: 'usage_timeseries';
  attributes: {
    org_name: string;
    public_id: string;
    region: string;
    product_family: string;
    timestamp: string;
    measurements: Measurement[];
  };
}

/** First hour held and the hour after the last one (the current hour is still being counted). */
export function hourlyHorizon(now: Date): { first: number; end: number } {
  const end = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  return { first: end - HISTORY_DAYS * DAY_MS, end };
}

/** Busy in the UTC working day, quiet at night and on weekends; 1 at the peak. */
function activity(hourMs: number, diurnal: number): number {
  const d = new Date(hourMs);
  const hour = d.getUTCHours();
  const weekday = d.getUTCDay();
  const curve = 0.5 - 0.5 * Math.cos(((hour - 3) / 24) * 2 * Math.PI);
  const weekend = weekday === 0 || weekday === 6 ? 0.55 : 1;
  return (1 - diurnal + diurnal * curve) * (diurnal > 0 ? weekend : 1);
}

/** The value of one usage type of one org in one hour, or null when the vendor measured nothing. */
export function measure(org: Org, family: ProductFamily, type: UsageType, hourMs: number): number | null {
  if (type.nullFor?.includes(org.publicId)) return null;
  const rng = new Rng(`hourly|${org.publicId}|${family.id}|${type.name}|${hourMs}`);
  if (type.nullChance > 0 && rng.chance(type.nullChance)) return null;
  // Slow growth over the 90 days, so months differ.
  const trend = 1 + ((hourMs / DAY_MS) % 365) / 1500;
  const value = type.base * org.weight * activity(hourMs, type.diurnal) * trend * rng.float(0.9, 1.1);
  return Math.max(0, Math.round(value));
}

function formatTimestamp(hourMs: number): string {
  return new Date(hourMs).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

function itemId(org: Org, family: string, hourMs: number): string {
  const a = hashString(`${org.publicId}|${family}|${hourMs}`).toString(16).padStart(8, '0');
  const b = hashString(`#${org.publicId}|${family}|${hourMs}`).toString(16).padStart(8, '0');
  return `${a}${b}`;
}

export function hourlyItem(org: Org, family: ProductFamily, hourMs: number): HourlyUsageItem {
  return {
    id: itemId(org, family.id, hourMs),
    type: 'usage_timeseries',
    attributes: {
      org_name: org.name,
      public_id: org.publicId,
      region: org.region,
      product_family: family.id,
      timestamp: formatTimestamp(hourMs),
      measurements: family.types.map((t) => ({ usage_type: t.name, value: measure(org, family, t, hourMs) })),
    },
  };
}

export interface HourlyQuery {
  startMs: number;
  endMs: number;
  /** Families asked for (`all` expanded). */
  families: readonly string[];
  /** Orgs whose rows are returned: the caller's org, plus its children with include_descendants. */
  orgs: readonly Org[];
}

/** How many items the range holds, without building them (for paging). */
export function countItems(q: HourlyQuery, now: Date): number {
  const { first, end } = hourlyHorizon(now);
  const from = Math.max(q.startMs, first);
  const to = Math.min(q.endMs, end);
  if (to <= from) return 0;
  const families = PRODUCT_FAMILIES.filter((f) => q.families.includes(f.id)).length;
  return ((to - from) / HOUR_MS) * q.orgs.length * families;
}

/**
 * Items [from, to) of the range in the vendor's order: by hour, then org (parent first), then
 * family. Built by index, so a page never builds the pages before it.
 */
export function itemsSlice(q: HourlyQuery, now: Date, from: number, to: number): HourlyUsageItem[] {
  const { first } = hourlyHorizon(now);
  const start = Math.max(q.startMs, first);
  const families = PRODUCT_FAMILIES.filter((f) => q.families.includes(f.id));
  const perHour = q.orgs.length * families.length;
  const out: HourlyUsageItem[] = [];
  for (let i = from; i < Math.min(to, countItems(q, now)); i++) {
    const hourMs = start + Math.floor(i / perHour) * HOUR_MS;
    const inHour = i % perHour;
    const org = q.orgs[Math.floor(inHour / families.length)] as Org;
    const family = families[inHour % families.length] as ProductFamily;
    out.push(hourlyItem(org, family, hourMs));
  }
  return out;
}

/** The orgs a caller's keys see: its own org, and with include_descendants its children too. */
export function visibleOrgs(org: Org, includeDescendants: boolean): readonly Org[] {
  if (!org.parent) return [org];
  return includeDescendants ? ALL_ORGS : [org];
}
