/**
 * Cost endpoints (`historical_cost`, `estimated_cost`) and the v1 usage summary, over months.
 *
 * Costs are integer cents per org, billing dimension and month: a committed part (the contract,
 * landing in full on the 1st) and an on-demand part (over-commitment usage, accruing through the
 * month), with `total` their exact sum, as Datadog's `total` already includes the others. A month
 * is final (served by `historical_cost`) from the 16th of the next month; `estimated_cost` serves
 * the current and the previous month. `view=summary` is one entry for the parent org with its
 * children's costs included; `view=sub-org` one entry per org.
 */
import { Rng, hashString } from '../../../src/emulator-kit/index.js';
import { ALL_ORGS, BILLING_DIMENSIONS, PARENT_ORG, SUMMARY_FIELDS, type Org } from './org.js';

/** Months are `YYYY-MM`; as an index, year * 12 + month - 1. */
export function monthIndex(month: string): number {
  const [y, m] = month.split('-').map(Number);
  return (y as number) * 12 + (m as number) - 1;
}
export function monthOf(index: number): string {
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}
export function monthIndexOfDate(d: Date): number {
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}
function monthStartMs(index: number): number {
  return Date.UTC(Math.floor(index / 12), index % 12, 1);
}

/** Months kept: 15 back from the current one. */
export const RETENTION_MONTHS = 15;
/** A month's bill is final on this day of the next month. */
export const FINAL_ON_DAY = 16;

/** The last month `historical_cost` has, given the clock. */
export function lastSettledMonth(now: Date): number {
  const current = monthIndexOfDate(now);
  return now.getUTCDate() >= FINAL_ON_DAY ? current - 1 : current - 2;
}

/** Share of the month elapsed at `now` for the current month (1 for past months). */
function elapsed(index: number, now: Date): { num: number; den: number } {
  const current = monthIndexOfDate(now);
  if (index < current) return { num: 1, den: 1 };
  const days = new Date(Date.UTC(Math.floor(index / 12), (index % 12) + 1, 0)).getUTCDate();
  return { num: Math.max(0, now.getUTCDate() - 1), den: days };
}

export interface Charge {
  product_name: string;
  charge_type: 'committed' | 'on_demand' | 'total';
  cost: number;
}

/** Cents of one org, dimension and month (the current month only to date). */
export function costCents(
  org: Org,
  dimension: string,
  index: number,
  now: Date,
): {
  committed: number;
  onDemand: number;
} {
  const dim = BILLING_DIMENSIONS.find((d) => d.id === dimension);
  if (!dim) return { committed: 0, onDemand: 0 };
  const share = org.parent ? 1 : org.weight;
  const committed = Math.round(dim.committedCents * share);
  const rng = new Rng(`cost|${org.publicId}|${dimension}|${index}`);
  const [lo, hi] = dim.onDemandCents;
  const full = Math.round(rng.int(lo, hi) * share);
  const { num, den } = elapsed(index, now);
  return { committed, onDemand: Math.floor((full * num) / den) };
}

const dollars = (cents: number): number => cents / 100;

function chargesOf(
  orgs: readonly Org[],
  index: number,
  now: Date,
): { charges: Charge[]; totalCents: number } {
  const charges: Charge[] = [];
  let totalCents = 0;
  for (const dim of BILLING_DIMENSIONS) {
    let committed = 0;
    let onDemand = 0;
    for (const org of orgs) {
      const c = costCents(org, dim.id, index, now);
      committed += c.committed;
      onDemand += c.onDemand;
    }
    if (committed === 0 && onDemand === 0) continue;
    totalCents += committed + onDemand;
    charges.push(
      { product_name: dim.id, charge_type: 'committed', cost: dollars(committed) },
      { product_name: dim.id, charge_type: 'on_demand', cost: dollars(onDemand) },
      { product_name: dim.id, charge_type: 'total', cost: dollars(committed + onDemand) },
    );
  }
  return { charges, totalCents };
}

export interface CostEntry {
  id: string;
  type: 'cost_by_org';
  attributes: {
    org_name: string;
    public_id: string;
    region: string;
    date: string;
    total_cost: number;
    charges: Charge[];
  };
}

function entry(org: Org, costOrgs: readonly Org[], index: number, now: Date): CostEntry {
  const { charges, totalCents } = chargesOf(costOrgs, index, now);
  const date = new Date(monthStartMs(index)).toISOString().replace(/\.\d{3}Z$/, '+00:00');
  return {
    id: hashString(`${org.publicId}|${index}|${costOrgs.length}`).toString(16).padStart(8, '0'),
    type: 'cost_by_org',
    attributes: {
      org_name: org.name,
      public_id: org.publicId,
      region: org.region,
      date,
      total_cost: dollars(totalCents),
      charges,
    },
  };
}

export type CostView = 'summary' | 'sub-org';

/** Entries for months [from, to] in date order: per month the parent (summary) or each org (sub-org). */
export function costEntries(from: number, to: number, view: CostView, now: Date): CostEntry[] {
  const out: CostEntry[] = [];
  for (let m = from; m <= to; m++) {
    if (view === 'summary') out.push(entry(PARENT_ORG, ALL_ORGS, m, now));
    else for (const org of ALL_ORGS) out.push(entry(org, [org], m, now));
  }
  return out;
}

/** One org's value of a summary field in a month (the current month to date). */
function summaryValue(org: Org, field: { field: string; base: number }, index: number, now: Date): number {
  if (field.base === 0) return 0;
  const rng = new Rng(`summary|${org.publicId}|${field.field}|${index}`);
  const { num, den } = elapsed(index, now);
  // Peaks and averages do not accrue; sums and counts do.
  const accrues = /(_sum|_count)$/.test(field.field);
  const value = field.base * org.weight * rng.float(0.85, 1.15) * (accrues ? num / den : 1);
  return Math.round(value);
}

function aggregateName(field: string): string {
  return field.endsWith('_sum') ? `${field.slice(0, -4)}_agg_sum` : `${field}_sum`;
}

/** `GET /api/v1/usage/summary` for months [from, to]. */
export function usageSummary(
  from: number,
  to: number,
  orgDetails: boolean,
  now: Date,
): Record<string, unknown> {
  const totals = new Map<string, number>();
  const usage: Record<string, unknown>[] = [];
  for (let m = from; m <= to; m++) {
    const month: Record<string, unknown> = {
      date: new Date(monthStartMs(m)).toISOString().replace(/\.\d{3}Z$/, '+00:00'),
    };
    const orgs = ALL_ORGS.map((org) => ({
      id: hashString(org.publicId).toString(16),
      name: org.name,
      public_id: org.publicId,
      region: org.region,
      account_name: null,
      account_public_id: null,
    })) as Record<string, unknown>[];
    for (const f of SUMMARY_FIELDS) {
      let sum = 0;
      ALL_ORGS.forEach((org, i) => {
        const v = summaryValue(org, f, m, now);
        sum += v;
        (orgs[i] as Record<string, unknown>)[f.field] = v;
      });
      month[f.field] = sum;
      totals.set(f.field, (totals.get(f.field) ?? 0) + sum);
    }
    if (orgDetails) month.orgs = orgs;
    usage.push(month);
  }
  const body: Record<string, unknown> = {
    start_date: new Date(monthStartMs(from)).toISOString().replace(/\.\d{3}Z$/, '+00:00'),
    end_date: new Date(monthStartMs(to + 1)).toISOString().replace(/\.\d{3}Z$/, '+00:00'),
    last_updated: new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000)
      .toISOString()
      .replace(/\.\d{3}Z$/, '+00:00'),
  };
  for (const [field, total] of totals) body[aggregateName(field)] = total;
  body.usage = usage;
  return body;
}

/** `GET /api/v2/usage/billing_dimension_mapping`: every dimension with its in-app label. */
export function billingDimensionMapping(month: number): Record<string, unknown> {
  const timestamp = new Date(monthStartMs(month)).toISOString().replace(/\.\d{3}Z$/, '+00:00');
  return {
    data: BILLING_DIMENSIONS.map((d) => ({
      id: d.id,
      type: 'billing_dimensions',
      attributes: {
        in_app_label: d.label,
        timestamp,
        endpoints: [{ id: 'api/v2/usage/historical_cost', keys: [d.id], status: 'OK' }],
      },
    })),
  };
}
