import type { UsageRow } from '../schemas/usage.js';
import { mergeRows } from './merge.js';
import { rowId } from './row-id.js';
import { formatInstant, parseInstant, setOwn } from './transforms.js';
import { USAGE_LEAF_ORDER, USAGE_LEAVES } from './usage-fields.js';

/**
 * Regrouping mapped rows into coarser time buckets, for a vendor that only has finer data than the
 * caller asked for (hourly data, `granularity=day`). A pure step after mapping (and after
 * `mergeRows` for aggregate mappings): rows that are the same fact in the same bucket are merged
 * with `mergeRows`, so numbers and charges sum exactly (decimal arithmetic, `decimal.ts`).
 */

export type RegroupGranularity = 'hour' | 'day';

const BUCKET_MS: Readonly<Record<RegroupGranularity, number>> = { hour: 3_600_000, day: 86_400_000 };

export interface RegroupOptions {
  /** who the rows are for: the first parts of every new id, as in `MapContext` */
  readonly integration: string;
  readonly accountId: string;
  readonly reportType: string;
  /**
   * Dimensions to collapse (`group_by`-style): dotted Usage paths removed from every row before
   * grouping, e.g. `['user']` sums all users of a bucket into one row, `['model.id']` all models.
   */
  readonly collapse?: readonly string[];
  /**
   * The rows come from an aggregate mapping (after `mergeRows`), so each `remote_data` is already
   * the list of its source records: the merged row's list is their concatenation. Otherwise a
   * merged row's `remote_data` is the list of the merged rows' `remote_data`.
   */
  readonly aggregated?: boolean;
}

type Row = UsageRow & Record<string, unknown>;

/** Top-level fields that are not part of a row's identity (the facts measured, and when). */
const NOT_IDENTITY = new Set([
  'id',
  'start_date',
  'end_date',
  'created_at',
  'updated_at',
  'charges',
  'usage',
  'remote_data',
]);

/** The usage leaves, with whether they are dimensions (strings such as `usage.unit`) or measures. */
const USAGE_PATHS = USAGE_LEAF_ORDER.filter((p) => p.startsWith('usage.')).map((p) => ({
  path: p,
  segments: p.split('.').slice(1),
  dimension: USAGE_LEAVES.get(p)?.kind === 'string',
}));

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON with object keys sorted (arrays keep their order): equal values, equal strings. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x === undefined ? null : x)).join(',')}]`;
  if (isPlainObject(v)) {
    const parts: string[] = [];
    for (const k of Object.keys(v).sort()) {
      if (v[k] !== undefined) parts.push(`${JSON.stringify(k)}:${canonicalJson(v[k])}`);
    }
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * What makes two rows the same fact, apart from when it happened and how much: every top-level
 * dimension (`metric_name`, `product`, `organization`, `user`, `model`, `resources`, `surface`,
 * …; null and absent alike), the string leaves of `usage` (`unit`, `client_version`) and which
 * usage leaves the row has at all (rows of different row specs measure different things, so
 * they never merge).
 */
function identity(row: Row): string {
  const dims: Record<string, unknown> = {};
  for (const k of Object.keys(row)) {
    if (!NOT_IDENTITY.has(k) && row[k] !== null && row[k] !== undefined) dims[k] = row[k];
  }
  const usage: [string, unknown][] = [];
  if (isPlainObject(row.usage)) {
    for (const leaf of USAGE_PATHS) {
      let cur: unknown = row.usage;
      for (const seg of leaf.segments)
        cur = isPlainObject(cur) && Object.hasOwn(cur, seg) ? cur[seg] : undefined;
      if (cur !== undefined) usage.push(leaf.dimension ? [leaf.path, cur] : [leaf.path, '']);
    }
  }
  return canonicalJson([dims, usage]);
}

/** A copy of `row` without the leaf at `segs`; objects on the way are copied, never changed. */
function without(row: Record<string, unknown>, segs: readonly string[]): Record<string, unknown> {
  const [head, ...rest] = segs as [string, ...string[]];
  if (!Object.hasOwn(row, head)) return row;
  const out = { ...row };
  if (rest.length === 0) {
    delete out[head];
  } else {
    const child = row[head];
    if (!isPlainObject(child)) return row;
    setOwn(out, head, without(child, rest));
  }
  return out;
}

/** Min (`pick < 0`) or max of two date strings by instant, keeping the string; nulls skipped. */
function extreme(a: unknown, b: unknown, pick: 1 | -1): unknown {
  const ta = parseInstant(a, 'ms');
  const tb = parseInstant(b, 'ms');
  if (tb === null) return a;
  if (ta === null) return b;
  return (tb - ta) * pick > 0 ? b : a;
}

/**
 * Re-bucket rows into `hour` or `day` buckets (UTC): `start_date` floored to its bucket,
 * `end_date` the bucket's end, and rows that are the same fact (`identity` above) in the same
 * bucket merged with `mergeRows`: numbers summed exactly, charges summed per `(type, currency)`,
 * booleans OR-ed, resources united, `created_at` the earliest and `updated_at` the latest. Each
 * row gets a new deterministic id, `rowId([integration, accountId, reportType, granularity,
 * bucket start, identity])`: the same fact in the same bucket always has the same id, whichever
 * of its finer rows arrived. `remote_data` becomes a list on every row (see
 * `RegroupOptions.aggregated`).
 *
 * Rows are ordered by their new `start_date`, then by first appearance. A row without a readable
 * `start_date`, or one that does not fit in one bucket (its `end_date` is after the bucket's end:
 * it is coarser than the buckets), is kept as it is (its own id and dates), ordered by its own
 * start (rows without one last). The input rows are not modified.
 */
export function regroupRows(
  rows: readonly UsageRow[],
  granularity: RegroupGranularity,
  opts: RegroupOptions,
): UsageRow[] {
  const size = BUCKET_MS[granularity];
  if (size === undefined || !Object.hasOwn(BUCKET_MS, granularity)) {
    throw new RangeError(`regroupRows: granularity must be hour or day, not ${String(granularity)}`);
  }
  const collapse = (opts.collapse ?? []).map((p) => p.split('.'));
  const prefix = [opts.integration, opts.accountId, opts.reportType, granularity];

  const entries: { row: Row; at: number; order: number }[] = [];
  /** created_at / updated_at of each new id, over all its rows */
  const times = new Map<string, { created: unknown; updated: unknown; n: number }>();
  rows.forEach((source, order) => {
    let row = source as Row;
    for (const segs of collapse) row = without(row, segs) as Row;
    const start = parseInstant(row.start_date, 'ms');
    const bucket = start === null ? null : Math.floor(start / size) * size;
    const end = parseInstant(row.end_date, 'ms');
    if (bucket === null || (end !== null && end > bucket + size)) {
      entries.push({ row: { ...row }, at: start ?? Infinity, order });
      return;
    }
    const startDate = formatInstant(bucket);
    const id = rowId([...prefix, startDate, identity(row)]);
    const copy = { ...row, id, start_date: startDate, end_date: formatInstant(bucket + size) } as Row;
    entries.push({ row: copy, at: bucket, order });
    const t = times.get(id);
    if (t === undefined) {
      times.set(id, { created: row.created_at, updated: row.updated_at, n: 1 });
    } else {
      t.created = extreme(t.created, row.created_at, -1);
      t.updated = extreme(t.updated, row.updated_at, 1);
      t.n++;
    }
  });
  entries.sort((a, b) => a.at - b.at || a.order - b.order);

  const out = mergeRows(entries.map((e) => e.row)) as Row[];
  for (const row of out) {
    const t = times.get(row.id);
    if (t !== undefined && t.n > 1) {
      if (Object.hasOwn(row, 'created_at')) row.created_at = (t.created ?? null) as string | null;
      if (Object.hasOwn(row, 'updated_at')) row.updated_at = (t.updated ?? null) as string | null;
    }
    if (opts.aggregated === true && Array.isArray(row.remote_data)) row.remote_data = row.remote_data.flat(1);
  }
  return out;
}
