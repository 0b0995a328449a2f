import { exactSum, toExactNumber } from './decimal.js';
import { CASE_FOLDED, lookupTableKey } from './lookup-table.js';
import { rowIdExtend, rowIdFrom, rowIdPrefix } from './row-id.js';
import type { MapContext } from './types.js';

/**
 * The run-time helpers handed to generated code (as closure values `K<n>`, see `builder.ts`).
 * Small and monomorphic: the generated code inlines the common case (a value that already has
 * the right type) and calls these for the rest.
 */

/** numeric leaf: a finite number, or a decimal string parsed exactly; else null */
function N(v: unknown): number | null {
  if (typeof v === 'number') return v === v && v !== Infinity && v !== -Infinity ? v : null;
  if (v === null || v === undefined) return null;
  return toExactNumber(v);
}
/** string leaf: strings, stringified numbers/booleans; else null */
function S(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : null;
  if (typeof v === 'boolean') return String(v);
  return null;
}
/** object leaf (`usage.code.tool_actions`, …): a plain object, else null */
function O(v: unknown): object | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : null;
}
/** enum lookup */
function EN(map: ReadonlyMap<string, unknown>, dflt: unknown, v: unknown): unknown {
  const k = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;
  if (k !== null) {
    const r = map.get(k);
    if (r !== undefined) return r;
  }
  return dflt;
}
/** the lookup table `table` of the context, or null */
function table(ctx: MapContext, table: string): ReadonlyMap<string, unknown> | null {
  const tables = ctx.lookups;
  if (tables === undefined || tables === null || !Object.hasOwn(tables, table)) return null;
  const t = tables[table];
  return t instanceof Map ? t : null;
}
/** the record of a lookup table under a key (string, or number as its string), else null */
function LK(ctx: MapContext, name: string, key: unknown): unknown {
  const t = table(ctx, name);
  if (t === null) return null;
  const k = typeof key === 'string' ? key : typeof key === 'number' ? String(key) : null;
  if (k === null) return null;
  const r: unknown = t.get(k);
  return r === undefined ? null : r;
}

/**
 * Case-folded copies of the tables an `ignore_case` lookup probed that were not built
 * case-insensitively (`CASE_FOLDED`), made once per table.
 */
const folded = new WeakMap<ReadonlyMap<string, unknown>, ReadonlyMap<string, unknown>>();

function foldedTable(t: ReadonlyMap<string, unknown>): ReadonlyMap<string, unknown> {
  if (CASE_FOLDED.has(t)) return t;
  let f = folded.get(t);
  if (f === undefined) {
    const m = new Map<string, unknown>();
    for (const [k, v] of t) m.set(k.toLowerCase(), v); // later keys win, as when building a table
    folded.set(t, m);
    f = m;
  }
  return f;
}

/** `LK` of an `ignore_case: true` lookup: the probe and the table keys are compared lowercased */
function LKI(ctx: MapContext, name: string, key: unknown): unknown {
  const t = table(ctx, name);
  if (t === null) return null;
  const k = lookupTableKey(key, true);
  if (k === null) return null;
  const r: unknown = foldedTable(t).get(k);
  return r === undefined ? null : r;
}

/** Every helper, by the name the compiler asks for it with (`Builder.h`). */
export const HELPERS = {
  N,
  S,
  O,
  EN,
  SUM: exactSum,
  HP: rowIdPrefix,
  HF: rowIdFrom,
  HX: rowIdExtend,
  JP: JSON.parse,
  LK,
  LKI,
} as const;
export type HelperName = keyof typeof HELPERS;
