/**
 * Lookup tables: the records a mapping joins on with `{ lookup: <table>, key, field }`, keyed by
 * one of their fields. The engine reads a connector resource's `lookups:` and builds each table
 * with `buildLookupTable`, then hands the tables to the compiled mapping (`MapContext.lookups`).
 */

/**
 * Tables whose keys are already lowercased (built with `ignoreCase`): an `ignore_case` lookup
 * probes them directly instead of making a case-folded copy first.
 */
export const CASE_FOLDED = new WeakSet<ReadonlyMap<string, unknown>>();

/**
 * The table key of a value: a string as is, a finite number as its string (`7` → `"7"`),
 * lowercased when `ignoreCase`; null for anything else (such records are not in the table, and
 * such probes find nothing).
 */
export function lookupTableKey(key: unknown, ignoreCase: boolean): string | null {
  const k =
    typeof key === 'string' ? key : typeof key === 'number' && Number.isFinite(key) ? String(key) : null;
  return k !== null && ignoreCase ? k.toLowerCase() : k;
}

/** The value at a dotted path (or a list of segments), own properties only; undefined when absent. */
function read(record: unknown, segs: readonly string[]): unknown {
  let cur = record;
  for (const seg of segs) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, seg)) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

export interface LookupTableOptions {
  /**
   * Compare keys case-insensitively: table keys are lowercased (`"Ann@X.org"` is stored as
   * `"ann@x.org"`), for lookups written with `ignore_case: true`, which lowercase their probe.
   */
  readonly ignoreCase?: boolean;
}

/**
 * Build (or extend, page by page: pass the table of the previous pages as `into`) a lookup table:
 * each record is stored under the value at `keyPath` (a dotted path like `user.email`, or a list
 * of segments for keys with dots), which must be a string or a number (stored as its string);
 * records without one are left out. When two records have the same key, the later one wins.
 */
export function buildLookupTable(
  records: Iterable<unknown>,
  keyPath: string | readonly string[],
  opts: LookupTableOptions = {},
  into: Map<string, unknown> = new Map(),
): Map<string, unknown> {
  const ignoreCase = opts.ignoreCase === true;
  const segs = typeof keyPath === 'string' ? keyPath.split('.') : keyPath;
  for (const r of records) {
    const k = lookupTableKey(read(r, segs), ignoreCase);
    if (k !== null) into.set(k, r);
  }
  if (ignoreCase) CASE_FOLDED.add(into);
  return into;
}
