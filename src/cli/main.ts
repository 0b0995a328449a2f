/**
 * The `meterway` command line: accounts, usage exports and debug views over a gateway's public
 * HTTP API, and `serve` to run a gateway. Talks to `--url`/`--token` or `METERWAY_URL`/`METERWAY_TOKEN`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CliError, GatewayClient } from './client.js';
import { renderTable, write, type FlatRow } from './output.js';
import { exportUsage, OUTPUT_FORMATS, type OutputFormat } from './usage.js';
import { renderDebug } from './debug.js';

const HELP = `meterway — the usage-metering gateway from a terminal

Usage:
  meterway accounts list [-o table|json]
  meterway accounts add --integration SLUG --name NAME [--id ID] --credential KEY=VALUE… [--context KEY=VALUE…]
  meterway accounts rm ID
  meterway usage -a ACCOUNT [--report R] [--from D --to D | --date D] [--group-by a,b] [--granularity G]
                 [-q KEY=VALUE…] [-o table|json|ndjson|csv] [--page-size N] [--cursor C] [--max-pages N]
                 [--stream] [--remote-data]
  meterway debug -a ACCOUNT [--report R] [--from D --to D | --date D] [--limit N] [--cursor C] [-o text|json]
  meterway serve [--port N] [--host H]

Connection (every command but serve):
  --url URL       the gateway (default $METERWAY_URL, else http://127.0.0.1:3000)
  --token TOKEN   a gateway token (default $METERWAY_TOKEN, else the sandbox token in .data/)

usage follows next_cursor until the last page; on failure it prints the cursor to resume from.
A progress line (rows, pages, elapsed, rate-limit waits) is drawn on stderr when it is a terminal.
Dates are YYYY-MM-DD (start inclusive, end exclusive, UTC).
`;

const OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  account: { type: 'string', short: 'a' },
  report: { type: 'string', short: 'r' },
  from: { type: 'string' },
  to: { type: 'string' },
  date: { type: 'string' },
  'group-by': { type: 'string' },
  granularity: { type: 'string' },
  query: { type: 'string', short: 'q', multiple: true },
  output: { type: 'string', short: 'o' },
  'page-size': { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  'max-pages': { type: 'string' },
  stream: { type: 'boolean' },
  'remote-data': { type: 'boolean' },
  integration: { type: 'string' },
  name: { type: 'string' },
  id: { type: 'string' },
  credential: { type: 'string', multiple: true },
  context: { type: 'string', multiple: true },
  port: { type: 'string' },
  host: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\nRun "meterway --help" for usage.`, 2);
  }
}

function pairs(list: string[] | undefined, option: string): [string, string][] {
  return (list ?? []).map((item) => {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new CliError(`--${option} takes KEY=VALUE, got "${item}"`, 2);
    return [item.slice(0, eq), item.slice(eq + 1)];
  });
}

function positiveInt(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--${option} takes a positive whole number`, 2);
  return n;
}

function sandboxToken(): string | undefined {
  const dir = process.env.METERWAY_DATA_DIR || '.data';
  try {
    const t = readFileSync(path.join(dir, 'sandbox-token'), 'utf8').trim();
    return t || undefined;
  } catch {
    return undefined;
  }
}

function client(v: Values): GatewayClient {
  const url = v.url ?? process.env.METERWAY_URL ?? 'http://127.0.0.1:3000';
  const token = v.token ?? process.env.METERWAY_TOKEN ?? sandboxToken();
  if (!token) throw new CliError('no gateway token: pass --token or set METERWAY_TOKEN', 2);
  try {
    new URL(url);
  } catch {
    throw new CliError(`--url is not a URL: ${url}`, 2);
  }
  return new GatewayClient(url, token);
}

function need(value: string | undefined, option: string): string {
  if (!value) throw new CliError(`missing --${option}`, 2);
  return value;
}

interface AccountView {
  id: string;
  integration: string;
  name: string;
  status: string;
  created_at?: string;
}

async function accounts(sub: string | undefined, rest: string[], v: Values): Promise<void> {
  const api = client(v);
  switch (sub) {
    case 'list':
    case 'ls': {
      const body = await api.json<{ result: AccountView[] }>('GET', '/integrated-accounts');
      if (v.output === 'json') return write(process.stdout, `${JSON.stringify(body.result, null, 2)}\n`);
      if (v.output && v.output !== 'table') throw new CliError('accounts list writes -o table or -o json', 2);
      const rows: FlatRow[] = body.result.map((a) => ({
        id: a.id,
        integration: a.integration,
        status: a.status,
        name: a.name,
      }));
      return write(process.stdout, renderTable(rows, { columns: ['id', 'integration', 'status', 'name'] }));
    }
    case 'add': {
      const body = {
        ...(v.id ? { id: v.id } : {}),
        integration: need(v.integration, 'integration'),
        name: need(v.name, 'name'),
        credentials: Object.fromEntries(pairs(v.credential, 'credential')),
        ...(v.context?.length ? { context: Object.fromEntries(pairs(v.context, 'context')) } : {}),
      };
      const created = await api.json<AccountView>('POST', '/integrated-accounts', { body });
      return write(process.stdout, `${JSON.stringify(created, null, 2)}\n`);
    }
    case 'rm':
    case 'remove': {
      const id = rest[0] ?? v.id;
      if (!id) throw new CliError('accounts rm takes the account id', 2);
      await api.request('DELETE', `/integrated-accounts/${encodeURIComponent(id)}`);
      return write(process.stdout, `removed ${id}\n`);
    }
    default:
      throw new CliError(`accounts takes list, add or rm${sub ? `, not "${sub}"` : ''}`, 2);
  }
}

async function usage(v: Values): Promise<void> {
  const output = (v.output ?? 'table') as OutputFormat;
  if (!OUTPUT_FORMATS.includes(output)) {
    throw new CliError(`-o takes ${OUTPUT_FORMATS.join(', ')}; got "${v.output}"`, 2);
  }
  await exportUsage(
    client(v),
    {
      account: need(v.account, 'account (-a)'),
      report: v.report,
      from: v.from,
      to: v.to,
      date: v.date,
      groupBy: v['group-by'],
      granularity: v.granularity,
      query: pairs(v.query, 'query'),
      output,
      pageSize: positiveInt(v['page-size'] ?? v.limit, 'page-size') ?? 1000,
      cursor: v.cursor,
      maxPages: positiveInt(v['max-pages'], 'max-pages'),
      stream: v.stream === true,
      remoteData: v['remote-data'] === true,
    },
    process.stdout,
    process.stderr,
  );
}

async function debug(v: Values): Promise<void> {
  const q = new URLSearchParams({
    integrated_account_id: need(v.account, 'account (-a)'),
    truto_response_format: 'debug',
    truto_ignore_remote_data: 'true',
    limit: String(positiveInt(v.limit, 'limit') ?? 10),
  });
  if (v.report) q.set('report_type', v.report);
  if (v.from) q.set('start_date', v.from);
  if (v.to) q.set('end_date', v.to);
  if (v.date) q.set('date', v.date);
  if (v['group-by']) q.set('group_by', v['group-by']);
  if (v.cursor) q.set('next_cursor', v.cursor);
  for (const [k, val] of pairs(v.query, 'query')) q.append(k, val);
  const body = await client(v).json<Parameters<typeof renderDebug>[0]>(
    'GET',
    '/unified/usage-metering/usage',
    {
      query: q,
    },
  );
  if (v.output === 'json') return write(process.stdout, `${JSON.stringify(body.debug, null, 2)}\n`);
  if (v.output && v.output !== 'text') throw new CliError('debug writes -o text or -o json', 2);
  return write(process.stdout, renderDebug(body));
}

async function serve(v: Values): Promise<void> {
  if (v.port) process.env.PORT = v.port;
  if (v.host) process.env.HOST = v.host;
  // The same entry point as `npm start`: configuration from the environment, sandbox when unset.
  await import('../main.js');
}

export async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv);
  const [command, sub, ...rest] = positionals;
  if (values.help || !command || command === 'help') {
    await write(process.stdout, HELP);
    return;
  }
  switch (command) {
    case 'accounts':
      return accounts(sub, rest, values);
    case 'usage':
      return usage(values);
    case 'debug':
      return debug(values);
    case 'serve':
      return serve(values);
    default:
      throw new CliError(`unknown command "${command}"; run "meterway --help"`, 2);
  }
}

// A reader that stops early (`| head`) is not a failure.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

try {
  await run(process.argv.slice(2));
} catch (err) {
  if (err instanceof CliError) {
    process.stderr.write(`meterway: ${err.message}\n`);
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`meterway: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
}
