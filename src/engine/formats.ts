import type { UsageRow } from '../schemas/usage.js';
import { USAGE_LEAF_PATHS, ChargeType } from '../schemas/usage.js';
import { AppError } from '../errors.js';
import { deletePath, getPath } from './path.js';

export interface RowShapeOptions {
  ignoreRemoteData: boolean;
  excludeFields: string[];
}

/** Applies truto_ignore_remote_data and truto_exclude_fields to a freshly mapped row, in place. */
export function shapeRow(row: UsageRow, opts: RowShapeOptions): UsageRow {
  if (opts.ignoreRemoteData) delete row.remote_data;
  // remote_data is the vendor record itself, shared by rows and cached answers: copy before cutting.
  if (row.remote_data !== undefined && opts.excludeFields.some((f) => f.startsWith('remote_data.'))) {
    row.remote_data = structuredClone(row.remote_data);
  }
  for (const field of opts.excludeFields) deletePath(row as Record<string, unknown>, field);
  return row;
}

const CHARGE_TYPES = (ChargeType.anyOf as { const: string }[]).map((s) => s.const);

/**
 * The columns of the `normalized` format, fixed and the same for every vendor: every leaf of
 * the Usage row, with charges spread into one amount and currency column per charge type
 * (types are never added together, so each gets its own column).
 */
export const NORMALIZED_COLUMNS: readonly string[] = USAGE_LEAF_PATHS.flatMap((p) =>
  p === 'charges' ? CHARGE_TYPES.flatMap((t) => [`charges.${t}.amount`, `charges.${t}.currency`]) : [p],
);

/**
 * One cell of a flat row: a scalar as it is, an absent value as null, and a value that is itself
 * a list or an object (`resources`, `usage.code.tool_actions`, `usage.code.file_extensions`) as its
 * JSON text, so every cell of every vendor's rows is a string, number, boolean or null.
 */
export function flatCell(value: unknown): string | number | boolean | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'object') return JSON.stringify(value);
  return value as string | number | boolean;
}

export function normalizeRow(row: UsageRow, exclude: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const charges = new Map<string, { amount: number | null; currency: string | null }>();
  for (const c of row.charges ?? []) charges.set(c.type, c);
  for (const col of NORMALIZED_COLUMNS) {
    if (exclude.some((e) => col === e || col.startsWith(`${e}.`))) continue;
    if (col.startsWith('charges.')) {
      const [, type, part] = col.split('.') as [string, string, 'amount' | 'currency'];
      out[col] = charges.get(type)?.[part] ?? null;
    } else {
      out[col] = flatCell(getPath(row, col));
    }
  }
  return out;
}

/** truto_key_by: the result as an object keyed by a field of each row. */
export function keyRows(rows: readonly object[], field: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const row of rows) {
    const key = getPath(row, field);
    if (key === undefined || key === null || typeof key === 'object') {
      throw new AppError(
        'invalid_parameter',
        `truto_key_by=${field}: a row has no scalar value at "${field}"; key by a field every row has, such as id.`,
        {
          details: { parameter: 'truto_key_by' },
        },
      );
    }
    out[String(key)] = row;
  }
  return out;
}
