/**
 * A bench-only fake of Anthropic's Claude Code usage report (`GET
 * /v1/organizations/usage_report/claude_code`), for the streaming target (6), which needs far more
 * rows than the emulator's small org has: every day holds `recordsPerDay` synthetic records (one
 * distinct user actor each, `modelsPerRecord` model entries each), so a day maps to
 * `recordsPerDay × modelsPerRecord` user_usage rows.
 *
 * It speaks the vendor's shape (x-api-key, anthropic-version, `starting_at`, `limit` ≤ 1000,
 * `page` / `next_page` / `has_more`) and is cheap: a page's JSON is built once per (offset, limit)
 * as a template split on the day, and every request only joins the parts with its `starting_at`.
 * Plain node:http, no framework, so the vendor costs as little CPU as possible; what it shares with
 * the emulators comes from the emulator kit (stateless seeded integers, the declarative key check,
 * the LRU) and from the Claude emulator (its error envelope).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { anthropicError } from '../connectors/claude/emulator/errors.js';
import { checkAuth, type AuthRule } from '../src/emulator-kit/auth.js';
import type { ErrorKind } from '../src/emulator-kit/errors.js';
import { LruCache } from '../src/emulator-kit/lru.js';
import { stableInt as det } from '../src/emulator-kit/prng.js';

export const FAKE_API_KEY = 'sk-ant-admin01-bench-fake-vendor-000000000000000000000000000000000AA';
export const FAKE_PATH = '/v1/organizations/usage_report/claude_code';
// Placeholder of the day in the page templates; JSON.stringify leaves it as it is (a NUL-delimited
// one came out escaped, was never replaced, and every record carried it as its date).
const DAY_MARK = '@@DAY@@';
const MODELS = [
  'claude-sonnet-4-5-20250929',
  'claude-opus-4-8',
  'claude-haiku-4-5-20251001',
  'claude-sonnet-4-20250514',
];
const TERMINALS = ['vscode', 'iTerm.app', 'tmux', 'cursor'];

export interface FakeVendorOptions {
  recordsPerDay: number;
  modelsPerRecord: number;
  port?: number;
  host?: string;
}

export interface RunningFakeVendor {
  url: string;
  /** Report requests served. */
  requests(): number;
  close(): Promise<void>;
}

function record(i: number, modelsPerRecord: number): string {
  const models = [];
  for (let m = 0; m < modelsPerRecord; m++) {
    models.push({
      model: MODELS[m % MODELS.length],
      tokens: {
        input: det(i, 10 + m, 100_000),
        output: det(i, 20 + m, 20_000),
        cache_read: det(i, 30 + m, 300_000),
        cache_creation: det(i, 40 + m, 10_000),
      },
      estimated_cost: { amount: det(i, 50 + m, 50_000), currency: 'USD' },
    });
  }
  const rec = {
    actor: { type: 'user_actor', email_address: `user${i}@bench-fake.example` },
    organization_id: '0b7e1c2a-5d4f-4e21-9a3b-6c8d7e9f0a11',
    date: DAY_MARK,
    customer_type: 'api',
    subscription_type: null,
    terminal_type: TERMINALS[i % TERMINALS.length],
    is_remote: false,
    core_metrics: {
      num_sessions: 1 + det(i, 1, 6),
      lines_of_code: { added: det(i, 2, 500), removed: det(i, 3, 200) },
      commits_by_claude_code: det(i, 4, 4),
      pull_requests_by_claude_code: det(i, 5, 2),
    },
    tool_actions: { edit_tool: { accepted: det(i, 6, 30), rejected: det(i, 7, 5) } },
    model_breakdown: models,
  };
  // The date placeholder becomes `${day}T00:00:00Z` when the page is served.
  return JSON.stringify(rec).replace(`"${DAY_MARK}"`, `"${DAY_MARK}T00:00:00Z"`);
}

/** Page body template for one (offset, limit), split on the day placeholder. */
function pageParts(opts: FakeVendorOptions, offset: number, limit: number): string[] {
  const end = Math.min(opts.recordsPerDay, offset + limit);
  const recs: string[] = [];
  for (let i = offset; i < end; i++) recs.push(record(i, opts.modelsPerRecord));
  const more = end < opts.recordsPerDay;
  const next = more ? `"p_${DAY_MARK}_${end}"` : 'null';
  return `{"data":[${recs.join(',')}],"has_more":${more},"next_page":${next}}`.split(DAY_MARK);
}

function send(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function error(res: http.ServerResponse, status: number, kind: ErrorKind, message: string): void {
  send(res, status, JSON.stringify(anthropicError({ status, kind, message, requestId: 'req_bench' })));
}

const INVALID_KEY = { status: 401, kind: 'authentication', message: 'invalid x-api-key' } as const;
const AUTH: AuthRule = {
  credentials: { scheme: 'header', header: 'x-api-key', keys: [FAKE_API_KEY] },
  missing: INVALID_KEY,
  invalid: INVALID_KEY,
};

export async function startFakeClaudeCode(opts: FakeVendorOptions): Promise<RunningFakeVendor> {
  // Keys are (offset, limit): a handful per run, so the bound is never reached in practice.
  const templates = new LruCache<string, string[]>(4096);
  let served = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname !== FAKE_PATH) return error(res, 404, 'not_found', 'Not found');
    served++;
    const denied = checkAuth(AUTH, (name) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value[0] : value;
    });
    if (denied) return error(res, denied.status, denied.kind, denied.message);
    if (!req.headers['anthropic-version'])
      return error(res, 400, 'invalid_request', 'anthropic-version: header is required');
    const day = url.searchParams.get('starting_at') ?? '';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day))
      return error(res, 400, 'invalid_request', 'starting_at: Field required');
    const limit = Number(url.searchParams.get('limit') ?? '20');
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      return error(res, 400, 'invalid_request', 'limit: Input should be between 1 and 1000');
    }
    let offset = 0;
    const page = url.searchParams.get('page');
    if (page !== null) {
      const m = /^p_(\d{4}-\d{2}-\d{2})_(\d+)$/.exec(page);
      if (!m || m[1] !== day) return error(res, 400, 'invalid_request', 'page: Invalid page token');
      offset = Number(m[2]);
    }
    const key = `${offset}|${limit}`;
    send(res, 200, templates.getOrSet(key, () => pageParts(opts, offset, limit)).join(day));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
