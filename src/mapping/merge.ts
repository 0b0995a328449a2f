import type { UsageRow } from '../schemas/usage.js';
import { exactSum } from './decimal.js';
import { MappingError, pointerSegment } from './errors.js';
import { acceptanceRate, setOwn } from './transforms.js';

// ---------------------------------------------------------------------------------------------
// mergeRows: the aggregation step of `aggregate: true` mappings

/** remote_data arrays made by mergeRows, so merging merged rows again does not nest them. */
const mergedRemote = new WeakSet<unknown[]>();

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Merge the values of one field across rows:
 * - numbers are summed exactly (decimal, see decimal.ts); null/absent parts are skipped;
 * - booleans are OR-ed (`is_active` of a day is true when any part of it was active);
 * - objects are merged key by key, recursively (e.g. `usage.code.tool_actions`), and an
 *   `acceptance_rate` next to numeric `accepted`/`rejected` is recomputed from the sums;
 * - anything else (strings, arrays, mixed types) is the first non-null value.
 * All null → the first value (null or undefined).
 */
function mergeValues(values: readonly unknown[]): unknown {
  let first: unknown = undefined;
  let firstSet = false;
  let allNumbers = true;
  let allBooleans = true;
  let allObjects = true;
  let count = 0;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    if (!firstSet) {
      first = v;
      firstSet = true;
    }
    count++;
    if (typeof v !== 'number') allNumbers = false;
    if (typeof v !== 'boolean') allBooleans = false;
    if (!isPlainObject(v)) allObjects = false;
  }
  if (!firstSet) return values[0];
  if (count === 1) return first;
  if (allNumbers) return exactSum(values);
  if (allBooleans) return values.some((v) => v === true);
  if (allObjects) return mergeObjects(values);
  return first;
}

function mergeObjects(values: readonly unknown[]): Record<string, unknown> {
  const objs = values.filter(isPlainObject);
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const o of objs) {
    for (const k of Object.keys(o)) {
      if (!seen.has(k)) {
        seen.add(k);
        keys.push(k);
      }
    }
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    setOwn(
      out,
      k,
      mergeValues(objs.map((o) => (Object.hasOwn(o, k) ? o[k] : undefined))),
    );
  }
  if (Object.hasOwn(out, 'acceptance_rate')) {
    const a = out.accepted;
    const r = out.rejected;
    if (typeof a === 'number' && typeof r === 'number') out.acceptance_rate = acceptanceRate(a, r);
  }
  return out;
}

type Row = UsageRow & Record<string, unknown>;
type Charge = NonNullable<UsageRow['charges']>[number];
type Resource = NonNullable<UsageRow['resources']>[number];

function remoteList(row: Row): unknown[] {
  const rd = row.remote_data;
  if (Array.isArray(rd) && mergedRemote.has(rd)) return rd;
  return [rd];
}

function mergeGroup(rows: readonly Row[]): Row {
  const out: Record<string, unknown> = {};
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    for (const k of Object.keys(r)) {
      if (!seen.has(k)) {
        seen.add(k);
        keys.push(k);
      }
    }
  }
  for (const k of keys) {
    if (k === 'id') {
      out.id = rows[0]?.id;
    } else if (k === 'charges') {
      const byKind = new Map<string, { type: Charge['type']; currency: string | null; amounts: unknown[] }>();
      for (const r of rows) {
        for (const c of r.charges ?? []) {
          const kind = `${c.type}\u0000${c.currency ?? '\u0001'}`;
          let acc = byKind.get(kind);
          if (acc === undefined) {
            acc = { type: c.type, currency: c.currency, amounts: [] };
            byKind.set(kind, acc);
          }
          acc.amounts.push(c.amount);
        }
      }
      const charges: Charge[] = [];
      for (const c of byKind.values()) charges.push({ amount: exactSum(c.amounts), currency: c.currency, type: c.type });
      out.charges = charges;
    } else if (k === 'resources') {
      const list: Resource[] = [];
      const seenRes = new Set<string>();
      for (const r of rows) {
        for (const res of r.resources ?? []) {
          const sig = JSON.stringify(res);
          if (!seenRes.has(sig)) {
            seenRes.add(sig);
            list.push(res);
          }
        }
      }
      out.resources = list;
    } else if (k === 'remote_data') {
      if (rows.every((r) => r.remote_data === undefined)) continue;
      const list: unknown[] = [];
      for (const r of rows) for (const x of remoteList(r)) list.push(x);
      mergedRemote.add(list);
      out.remote_data = list;
    } else {
      setOwn(
        out,
        k,
        mergeValues(rows.map((r) => (Object.hasOwn(r, k) ? r[k] : undefined))),
      );
    }
  }
  return out as Row;
}

/**
 * Merge rows that share an `id` (the aggregation of `aggregate: true` mappings, e.g. the remote and
 * local records of one Claude Code actor-day). Numeric leaves are summed exactly, charges are
 * summed per `(type, currency)` (types are never added together), booleans are OR-ed, object
 * leaves merged key by key, other leaves come from the first row that has them, resources are the
 * union, and `remote_data` becomes the array of the source records (for every row, merged or not,
 * so the shape does not depend on the data). Rows keep the order of first appearance. Idempotent:
 * merging merged rows again does not nest `remote_data`. Input rows are not modified.
 */
export function mergeRows(rows: UsageRow[]): UsageRow[] {
  const groups = new Map<string, Row[]>();
  const order: Row[][] = [];
  for (const row of rows as Row[]) {
    const g = groups.get(row.id);
    if (g === undefined) {
      const ng = [row];
      groups.set(row.id, ng);
      order.push(ng);
    } else {
      g.push(row);
    }
  }
  const out: UsageRow[] = new Array<UsageRow>(order.length);
  for (let i = 0; i < order.length; i++) {
    const g = order[i] as Row[];
    if (g.length === 1) {
      const row = g[0] as Row;
      if (row.remote_data === undefined) {
        out[i] = row;
      } else {
        const list = remoteList(row);
        if (list !== row.remote_data) mergedRemote.add(list);
        out[i] = { ...row, remote_data: list };
      }
    } else {
      out[i] = mergeGroup(g);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// mergeMappingDocs: per-account overrides

/**
 * Merge a per-account override into a mapping document (both in the mapping vocabulary, e.g.
 * parsed YAML); compile the result with `compileMapping`. Rules (JSON Merge Patch, RFC 7396, with
 * rows matched by name):
 * - top level: `description`, `aggregate` replace; `rows` are merged by row `name`;
 * - an override row whose `name` matches a base row is merged into it: its `fields` entries
 *   replace (or, with `null`, remove) the base entries one by one; every other key it gives
 *   (`each`, `when`, `key`, `charges`, `resources`, `remote_data`) replaces the base value, and
 *   `null` removes it; `remove: true` drops the base row;
 * - an override row with a new name is appended.
 * Expressions are never merged inside: an override expression replaces the base one whole.
 */
export function mergeMappingDocs(base: unknown, override: unknown, overrideFile = '<override>'): unknown {
  const fail = (pointer: string, msg: string): never => {
    throw new MappingError(overrideFile, pointer, msg);
  };
  if (override === null || override === undefined) return base;
  if (!isPlainObject(base)) throw new MappingError('<base>', '', 'a mapping document must be an object');
  if (!isPlainObject(override)) return fail('', 'an override must be an object');

  const out: Record<string, unknown> = { ...base };
  for (const k of Object.keys(override)) {
    const v = override[k];
    if (k === 'rows') continue;
    if (v === null) delete out[k];
    else setOwn(out, k, v);
  }
  if (!Object.hasOwn(override, 'rows') || override.rows === undefined) return out;
  if (!Array.isArray(override.rows)) return fail('/rows', 'override rows must be a list');
  const baseRows = Array.isArray(base.rows) ? base.rows : [];
  const rows: unknown[] = baseRows.map((r) => (isPlainObject(r) ? { ...r } : r));
  const indexOf = (name: unknown): number =>
    rows.findIndex((r) => isPlainObject(r) && typeof name === 'string' && r.name === name);
  const removed = new Set<number>();

  override.rows.forEach((o, i) => {
    const at = `/rows/${i}`;
    if (!isPlainObject(o)) return fail(at, 'an override row must be an object');
    if (typeof o.name !== 'string') return fail(`${at}/name`, 'an override row needs the `name` of the row it changes or adds');
    if (o.remove !== undefined && o.remove !== true) return fail(`${at}/remove`, '`remove` can only be true');
    const idx = indexOf(o.name);
    if (o.remove === true) {
      if (idx < 0) return fail(`${at}/name`, `no row named '${o.name}' to remove`);
      removed.add(idx);
      return;
    }
    if (idx < 0) {
      rows.push(o);
      return;
    }
    const row = rows[idx] as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      const v = o[k];
      if (k === 'fields') {
        if (v === null) return fail(`${at}/fields`, 'fields cannot be removed; remove single fields with null');
        if (!isPlainObject(v)) return fail(`${at}/fields`, 'fields must be an object');
        const fields: Record<string, unknown> = isPlainObject(row.fields) ? { ...row.fields } : {};
        for (const f of Object.keys(v)) {
          if (v[f] === null) {
            if (!Object.hasOwn(fields, f)) fail(`${at}/fields/${pointerSegment(f)}`, `no field '${f}' to remove`);
            delete fields[f];
          } else {
            setOwn(fields, f, v[f]);
          }
        }
        row.fields = fields;
      } else if (v === null) {
        delete row[k];
      } else {
        setOwn(row, k, v);
      }
    }
  });
  out.rows = rows.filter((_, i) => !removed.has(i));
  return out;
}
