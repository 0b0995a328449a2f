/** `meterway usage`: exports rows of the usage endpoint, following cursors (or one stream). */
import type { Writable } from 'node:stream';
import { CliError, envelopeError, type GatewayClient } from './client.js';
import { csvLine, renderTable, write, type FlatRow } from './output.js';
import { Progress, type ProgressSink } from './progress.js';

export type OutputFormat = 'table' | 'json' | 'ndjson' | 'csv';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'ndjson', 'csv'];

export interface UsageOptions {
  account: string;
  report?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  date?: string | undefined;
  groupBy?: string | undefined;
  granularity?: string | undefined;
  /** Extra query parameters (`model_ids=…`, `remote_query[x]=y`). */
  query: [string, string][];
  output: OutputFormat;
  /** Rows per request (the gateway's `limit`). */
  pageSize: number;
  cursor?: string | undefined;
  /** Stop after this many pages and print the cursor to continue from. */
  maxPages?: number | undefined;
  /** One `truto_response_format=stream` request instead of paging (json and ndjson). */
  stream: boolean;
  remoteData: boolean;
}

/** The query both the paged and the streamed export send. */
export function usageQuery(o: UsageOptions): URLSearchParams {
  const q = new URLSearchParams({ integrated_account_id: o.account });
  if (o.report) q.set('report_type', o.report);
  if (o.from) q.set('start_date', o.from);
  if (o.to) q.set('end_date', o.to);
  if (o.date) q.set('date', o.date);
  if (o.groupBy) q.set('group_by', o.groupBy);
  if (o.granularity) q.set('granularity', o.granularity);
  for (const [k, v] of o.query) q.append(k, v);
  return q;
}

interface Page {
  result: unknown[];
  next_cursor: string | null;
  is_partial_response?: boolean;
}

export async function exportUsage(
  client: GatewayClient,
  o: UsageOptions,
  out: Writable,
  err: ProgressSink,
): Promise<void> {
  const progress = new Progress(err, `usage of ${o.account}`);
  try {
    if (o.stream) await streamed(client, o, out, progress);
    else await paged(client, o, out, progress, err);
  } catch (e) {
    progress.clear();
    throw e;
  }
  progress.done();
}

async function paged(
  client: GatewayClient,
  o: UsageOptions,
  out: Writable,
  progress: Progress,
  err: ProgressSink,
): Promise<void> {
  const flat = o.output === 'table' || o.output === 'csv';
  const base = usageQuery(o);
  base.set('truto_response_format', flat ? 'normalized' : 'unified');
  if (!flat && !o.remoteData) base.set('truto_ignore_remote_data', 'true');
  base.set('limit', String(o.pageSize));

  const buffered: FlatRow[] = [];
  let header: string[] | undefined;
  let first = true;
  let cursor: string | null = o.cursor ?? null;
  let pages = 0;
  if (o.output === 'json') await write(out, '[');
  try {
    for (;;) {
      const q = new URLSearchParams(base);
      if (cursor) q.set('next_cursor', cursor);
      let page: Page;
      try {
        page = await client.json<Page>('GET', '/unified/usage-metering/usage', {
          query: q,
          onWait: (s) => progress.rateLimited(s),
        });
      } catch (e) {
        if (e instanceof CliError && cursor) {
          throw new CliError(
            `${e.message}\nresume with: --cursor ${cursor} (and the same options)`,
            e.exitCode,
          );
        }
        throw e;
      }
      pages++;
      const rows = page.result;
      switch (o.output) {
        case 'table':
          buffered.push(...(rows as FlatRow[]));
          break;
        case 'csv': {
          let text = '';
          for (const row of rows as FlatRow[]) {
            if (!header) {
              header = Object.keys(row);
              text += csvLine(header);
            }
            text += csvLine(header.map((k) => row[k]));
          }
          if (text) await write(out, text);
          break;
        }
        case 'json': {
          let text = '';
          for (const row of rows) {
            text += `${first ? '\n' : ',\n'}${JSON.stringify(row)}`;
            first = false;
          }
          if (text) await write(out, text);
          break;
        }
        case 'ndjson':
          if (rows.length) await write(out, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
          break;
      }
      progress.page(rows.length);
      cursor = page.next_cursor;
      if (!cursor) break;
      if (o.maxPages !== undefined && pages >= o.maxPages) {
        progress.clear();
        err.write(
          `meterway: stopped after ${pages} ${pages === 1 ? 'page' : 'pages'}; continue with --cursor ${cursor}\n`,
        );
        break;
      }
    }
  } finally {
    if (o.output === 'json') await write(out, first ? ']\n' : '\n]\n');
  }
  if (o.output === 'table') await write(out, renderTable(buffered, { skip: ['id'] }));
}

async function streamed(
  client: GatewayClient,
  o: UsageOptions,
  out: Writable,
  progress: Progress,
): Promise<void> {
  if (o.output !== 'json' && o.output !== 'ndjson') {
    throw new CliError('--stream writes json or ndjson (-o json or -o ndjson)', 2);
  }
  if (o.cursor) throw new CliError('--stream reads the whole range in one request: it takes no --cursor', 2);
  const q = usageQuery(o);
  q.set('truto_response_format', 'stream');
  if (!o.remoteData) q.set('truto_ignore_remote_data', 'true');
  const res = await client.request('GET', '/unified/usage-metering/usage', {
    query: q,
    onWait: (s) => progress.rateLimited(s),
  });
  if (!res.body) throw new CliError('the gateway sent no body');
  const decoder = new TextDecoder();
  let rest = '';
  let first = true;
  if (o.output === 'json') await write(out, '[');
  const emit = async (line: string): Promise<void> => {
    if (!line.trim()) return;
    const row = JSON.parse(line) as Record<string, unknown>;
    if (row.error && Object.keys(row).length === 1) {
      const env = row.error as { statusCode?: number };
      throw envelopeError(env.statusCode ?? 500, env, line);
    }
    await write(out, o.output === 'json' ? `${first ? '\n' : ',\n'}${line}` : `${line}\n`);
    first = false;
    progress.addRows(1);
  };
  try {
    for await (const chunk of res.body) {
      rest += decoder.decode(chunk as Uint8Array, { stream: true });
      let nl: number;
      while ((nl = rest.indexOf('\n')) >= 0) {
        const line = rest.slice(0, nl);
        rest = rest.slice(nl + 1);
        await emit(line);
      }
    }
    await emit(rest + decoder.decode());
    progress.page(0);
  } finally {
    if (o.output === 'json') await write(out, first ? ']\n' : '\n]\n');
  }
}
