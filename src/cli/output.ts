/** Output of the CLI: tables for people, CSV, JSON and NDJSON for programs. */
import type { Writable } from 'node:stream';

export type Cell = string | number | boolean | null | undefined;
export type FlatRow = Record<string, Cell>;

/** Writes and waits when the stream's buffer is full, so an export's memory stays flat. */
export async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', resolve));
}

const MIDNIGHT = /^(\d{4}-\d{2}-\d{2})T00:00:00(?:\.000)?Z$/;

/** A cell as a table shows it: midnight timestamps as their day, numbers as they are. */
export function tableCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') {
    const day = MIDNIGHT.exec(value);
    return day ? (day[1] as string) : value;
  }
  return String(value);
}

const MAX_CELL = 48;

/**
 * An aligned text table of the given columns (or of every column holding a value in some row,
 * in first-seen order, without `skip`). Numbers are right-aligned; long cells are cut with "…".
 */
export function renderTable(rows: FlatRow[], opts: { columns?: string[]; skip?: string[] } = {}): string {
  const skip = new Set(opts.skip ?? []);
  const columns =
    opts.columns ??
    (() => {
      const seen = new Set<string>();
      for (const row of rows)
        for (const [k, v] of Object.entries(row))
          if (v !== null && v !== undefined && !skip.has(k)) seen.add(k);
      // Keep the order of the first row's keys (the gateway's fixed column order).
      const order = rows.length ? Object.keys(rows[0] as FlatRow) : [];
      return [...order.filter((k) => seen.has(k)), ...[...seen].filter((k) => !order.includes(k))];
    })();
  if (columns.length === 0) return rows.length === 0 ? '(no rows)\n' : '';
  const cells = rows.map((row) =>
    columns.map((c) => {
      const s = tableCell(row[c]);
      return s.length > MAX_CELL ? `${s.slice(0, MAX_CELL - 1)}…` : s;
    }),
  );
  const numeric = columns.map((c) => rows.some((r) => typeof r[c] === 'number'));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] as string).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (numeric[i] ? v.padStart(widths[i] as number) : v.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  const out = [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)];
  if (rows.length === 0) out.push('(no rows)');
  return `${out.join('\n')}\n`;
}

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
export function csvField(value: Cell): string {
  if (value === null || value === undefined) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: Cell[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}
