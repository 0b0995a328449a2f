/** `meterway debug`: one page in the debug format, its upstream calls laid out for people. */
import { renderTable, type FlatRow } from './output.js';

export interface DebugCall {
  url?: string;
  method?: string;
  status?: number | null;
  durationMs?: number;
  cacheHit?: boolean;
  shared?: boolean;
  attempts?: number;
}

export interface DebugInfo {
  requestUrl?: string | null;
  requestOptions?: { method?: string; headers?: Record<string, string> } | null;
  responseHeaders?: Record<string, string> | null;
  nextCursor?: string | null;
  isLooping?: boolean;
  isEmptyResult?: boolean;
  resultCount?: number;
  calls?: DebugCall[];
}

const yesNo = (v: boolean | undefined) => (v ? 'yes' : 'no');

/** A text report of a debug answer: the first vendor request, every call, then what came back. */
export function renderDebug(body: {
  result_count?: number;
  next_cursor?: string | null;
  debug?: DebugInfo;
}): string {
  const d = body.debug ?? {};
  const lines: string[] = [];
  if (d.requestUrl) {
    lines.push(`request    ${d.requestOptions?.method ?? 'GET'} ${d.requestUrl}`);
    for (const [k, v] of Object.entries(d.requestOptions?.headers ?? {})) lines.push(`  ${k}: ${v}`);
  } else {
    lines.push('request    (no vendor request was needed)');
  }
  const rh = Object.entries(d.responseHeaders ?? {});
  if (rh.length) {
    lines.push('response headers');
    for (const [k, v] of rh) lines.push(`  ${k}: ${v}`);
  }
  const calls = d.calls ?? [];
  lines.push('', `upstream calls (${calls.length})`);
  const rows: FlatRow[] = calls.map((c, i) => ({
    '#': i + 1,
    method: c.method ?? '',
    status: c.status ?? null,
    ms: typeof c.durationMs === 'number' ? Number(c.durationMs.toFixed(1)) : null,
    cache: c.cacheHit ? 'hit' : 'miss',
    shared: yesNo(c.shared),
    attempts: c.attempts ?? null,
    url: c.url ?? '',
  }));
  if (rows.length) {
    // URLs are the point of this view: never cut them, so they go after the table's columns.
    const columns = ['#', 'method', 'status', 'ms', 'cache', 'shared', 'attempts'];
    const tableLines = renderTable(rows, { columns }).trimEnd().split('\n');
    const urls = ['url', '---', ...rows.map((r) => String(r.url))];
    lines.push(...tableLines.map((l, i) => `${l.padEnd((tableLines[1] as string).length)}  ${urls[i]}`));
  }
  lines.push(
    '',
    `result     ${body.result_count ?? d.resultCount ?? 0} rows · looping ${yesNo(d.isLooping)} · empty ${yesNo(d.isEmptyResult)}`,
    `next_cursor ${body.next_cursor ?? 'null'}`,
  );
  return `${lines.join('\n')}\n`;
}
