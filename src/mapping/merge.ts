import type { UsageRow } from '../schemas/usage.js';
import { exactAdd, exactSum } from './decimal.js';
import { MappingError, pointerSegment } from './errors.js';
import { acceptanceRate, setOwn } from './transforms.js';

// ---------------------------------------------------------------------------------------------
// mergeRows: the aggregation step of `aggregate: true` mappings

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Merge one field of two rows:
 * - numbers are summed exactly (decimal, see decimal.ts); a null/absent side is skipped;
 * - booleans are OR-ed (`is_active` of a day is true when any part of it was active);
 * - objects are merged key by key, recursively (e.g. `usage.code.tool_actions`), and an
 *   `acceptance_rate` next to numeric `accepted`/`rejected` is recomputed from the sums;
 * - anything else (strings, arrays, mixed types) is the first non-null value.
 */
function merge2(a: unknown, b: unknown): unknown {
  if (a === null || a === undefined) return b === undefined ? a : b;
  if (b === null || b === undefined) return a;
  if (typeof a === 'number') return typeof b === 'number' ? exactAdd(a, b) : a;
  if (typeof a === 'boolean') return typeof b === 'boolean' ? a || b : a;
  if (isPlainObject(a) && isPlainObject(b)) {
    const out: Record<string, unknown> = {};
    for (const k in a)
      if (Object.hasOwn(a, k)) setOwn(out, k, Object.hasOwn(b, k) ? merge2(a[k], b[k]) : a[k]);
    for (const k in b) if (Object.hasOwn(b, k) && !Object.hasOwn(a, k)) setOwn(out, k, b[k]);
    if (Object.hasOwn(out, 'acceptance_rate')) {
      const acc = out.accepted;
      const rej = out.rejected;
      if (typeof acc === 'number' && typeof rej === 'number') out.acceptance_rate = acceptanceRate(acc, rej);
    }
    return out;
  }
  return a;
}

type Row = UsageRow & Record<string, unknown>;
type Charge = NonNullable<UsageRow['charges']>[number];
type Resource = NonNullable<UsageRow['resources']>[number];

function mergeGroup(rows: readonly Row[]): Row {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    for (const k in r) {
      if (Object.hasOwn(r, k) && !seen.has(k)) {
        seen.add(k);
        keys.push(k);
      }
    }
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    if (k === 'id') {
      out.id = rows[0]?.id;
    } else if (k === 'charges') {
      // summed per (type, currency), all amounts of a kind at once: exact, never across types
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
      for (const c of byKind.values())
        charges.push({ amount: exactSum(c.amounts), currency: c.currency, type: c.type });
      out.charges = charges;
    } else if (k === 'resources') {
      const list: Resource[] = [];
      const sigs = new Set<string>();
      for (const r of rows) {
        for (const res of r.resources ?? []) {
          const sig = JSON.stringify(res);
          if (!sigs.has(sig)) {
            sigs.add(sig);
            list.push(res);
          }
        }
      }
      out.resources = list;
    } else if (k === 'remote_data') {
      const list: unknown[] = [];
      for (const r of rows) if (r.remote_data !== undefined) list.push(r.remote_data);
      if (list.length > 0) out.remote_data = list;
    } else {
      let v: unknown = Object.hasOwn(rows[0] as Row, k) ? (rows[0] as Row)[k] : undefined;
      for (let i = 1; i < rows.length; i++) {
        const r = rows[i] as Row;
        v = merge2(v, Object.hasOwn(r, k) ? r[k] : undefined);
      }
      setOwn(out, k, v);
    }
  }
  return out as Row;
}

/**
 * Merge rows that share an `id` (the aggregation of `aggregate: true` mappings, e.g. the remote and
 * local records of one actor-day in a daily report). Numeric leaves are summed exactly, charges are
 * summed per `(type, currency)` (types are never added together), booleans are OR-ed, object
 * leaves merged key by key (derived `acceptance_rate`s recomputed), other leaves come from the
 * first row that has them, resources are the union, and `remote_data` becomes the array of the
 * source records, for every row, merged or not, so its shape does not depend on the data. Rows
 * keep the order of first appearance.
 *
 * Call it once over the mapped rows of a result: the rows are the caller's fresh output of
 * `CompiledMapping.map`; a row without a twin is returned as is with its `remote_data` wrapped in
 * place (no copy: this is the hot path), merged rows are new objects.
 */
export function mergeRows(rows: UsageRow[]): UsageRow[] {
  const first = new Map<string, number>();
  const out: UsageRow[] = [];
  let groups: Map<number, Row[]> | null = null;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as Row;
    const at = first.get(row.id);
    if (at === undefined) {
      first.set(row.id, out.length);
      out.push(row);
    } else {
      groups ??= new Map();
      let g = groups.get(at);
      if (g === undefined) {
        g = [out[at] as Row];
        groups.set(at, g);
      }
      g.push(row);
    }
  }
  for (let i = 0; i < out.length; i++) {
    const g = groups?.get(i);
    if (g !== undefined) {
      out[i] = mergeGroup(g);
    } else {
      const row = out[i] as Row;
      if (row.remote_data !== undefined) row.remote_data = [row.remote_data];
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
    if (typeof o.name !== 'string')
      return fail(`${at}/name`, 'an override row needs the `name` of the row it changes or adds');
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
        if (v === null)
          return fail(`${at}/fields`, 'fields cannot be removed; remove single fields with null');
        if (!isPlainObject(v)) return fail(`${at}/fields`, 'fields must be an object');
        const fields: Record<string, unknown> = isPlainObject(row.fields) ? { ...row.fields } : {};
        for (const f of Object.keys(v)) {
          if (v[f] === null) {
            if (!Object.hasOwn(fields, f))
              fail(`${at}/fields/${pointerSegment(f)}`, `no field '${f}' to remove`);
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
