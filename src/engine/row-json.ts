import type { UsageRow } from '../schemas/usage.js';

/**
 * The JSON text of each vendor record already serialized, by record object. A cached vendor page
 * is parsed once and its records are reused by every hit, and a record is never changed after
 * parsing (`shapeRow` copies before cutting), so its text can be reused too: `remote_data` is
 * over half of a unified response's bytes. Entries live exactly as long as the record objects,
 * i.e. as long as their page stays in the response cache, whose byte count includes them.
 */
const recordText = new WeakMap<object, string>();

function remoteDataJson(value: unknown): string {
  if (Array.isArray(value)) {
    // Rows merged from several records hold a fresh array of the (shared) record objects.
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + remoteDataJson(value[i]);
    return `${out}]`;
  }
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  let text = recordText.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    recordText.set(value, text);
  }
  return text;
}

/**
 * One unified row as JSON, the same text as `JSON.stringify(row)`, with `remote_data` taken from
 * the per-record memo. Mapped rows put `remote_data` last; a row where it is not falls back to
 * plain `JSON.stringify` so key order never changes.
 */
export function rowJson(row: UsageRow): string {
  const remote = row.remote_data;
  if (remote === undefined || remote === null || typeof remote !== 'object') return JSON.stringify(row);
  let last: string | undefined;
  for (const k in row) last = k;
  if (last !== 'remote_data') return JSON.stringify(row);
  row.remote_data = undefined;
  const head = JSON.stringify(row);
  row.remote_data = remote;
  const rest = remoteDataJson(remote);
  return head === '{}' ? `{"remote_data":${rest}}` : `${head.slice(0, -1)},"remote_data":${rest}}`;
}

/** Rows as a JSON array, the same text as `JSON.stringify(rows)`. */
export function rowsJson(rows: readonly UsageRow[]): string {
  let out = '[';
  for (let i = 0; i < rows.length; i++) out += (i > 0 ? ',' : '') + rowJson(rows[i] as UsageRow);
  return `${out}]`;
}
