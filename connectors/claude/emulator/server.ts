/**
 * Fake of Anthropic's usage, cost and analytics APIs over one fictional organisation (provider
 * notes, claude.md sections 2-7), with fault knobs for integration tests, benchmarks and the sandbox:
 *
 * - Console Admin API (admin key): `usage_report/claude_code`, `usage_report/messages`,
 *   `cost_report`, `users`.
 * - Enterprise Analytics API (analytics key): `/analytics/users`, `/summaries`, `/skills`,
 *   `/connectors`, `/apps/chat/projects`, `/usage_report`, `/user_usage_report`, `/cost_report`,
 *   `/user_cost_report`.
 *
 * Request pipeline, every vendor route: count → delay → auth (per route family) → anthropic-version
 * (Admin routes) → analytics rate limit → queued 429/5xx → query validation → body (served from a
 * pre-serialized LRU) → optional truncation (`malformed`). Faults come after auth so a test with a
 * bad key never consumes a queued fault by accident.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import {
  ANALYTICS_CONNECTORS_PATH,
  ANALYTICS_PROJECTS_PATH,
  ANALYTICS_SKILLS_PATH,
  ANALYTICS_SUMMARIES_PATH,
  ANALYTICS_USERS_PATH,
  analyticsConnectors,
  analyticsProjects,
  analyticsSkills,
  analyticsSummaries,
  analyticsUsers,
} from './analytics-engagement.js';
import { ANALYTICS_ORG_ID } from './analytics-org.js';
import {
  ANALYTICS_COST_REPORT_PATH,
  ANALYTICS_USAGE_REPORT_PATH,
  ANALYTICS_USER_COST_REPORT_PATH,
  ANALYTICS_USER_USAGE_REPORT_PATH,
  analyticsCostReport,
  analyticsUsageReport,
  analyticsUserCostReport,
  analyticsUserUsageReport,
} from './analytics-reports.js';
import {
  COST_REPORT_PATH,
  MESSAGES_REPORT_PATH,
  USERS_PATH,
  costReport,
  messagesReport,
  usersList,
} from './console-reports.js';
import { EmulatorControls, parseKnobPatch } from './controls.js';
import { isDayInHorizon, parseDay } from './dates.js';
import { ApiError, badRequest, errorBody, newRequestId, type AnthropicErrorType } from './errors.js';
import { LruCache } from './lru.js';
import { generateClaudeCodeDay } from './org.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { QueryReader, type RawQuery } from './query.js';
import type { RouteContext, RouteHandler } from './route.js';
import type { ClaudeCodeReportPage } from './types.js';

export const CLAUDE_CODE_REPORT_PATH = '/v1/organizations/usage_report/claude_code';
/** Fixed Admin key the sandbox and tests use; shaped like a real `sk-ant-admin01-…` key. */
export const SANDBOX_ADMIN_API_KEY = 'sk-ant-admin01-sandbox-northwind-robotics-emulator-0000000000000000AA';
/** Fixed Enterprise key with `read:analytics`; shaped like a real `sk-ant-api01-…` key. */
export const SANDBOX_ANALYTICS_API_KEY =
  'sk-ant-api01-sandbox-northwind-robotics-analytics-emulator-00000000AA';

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 1000;

export interface ClaudeEmulatorOptions {
  /** Admin key accepted in `x-api-key`; default SANDBOX_ADMIN_API_KEY. */
  adminApiKey?: string;
  /** Enterprise Analytics key accepted in `x-api-key`; default SANDBOX_ANALYTICS_API_KEY. */
  analyticsApiKey?: string;
  /** Clock for the 90-day data horizon; a function lets a test move time. Default: real time. */
  now?: Date | (() => Date);
  /** Fastify logger; default false. */
  logger?: boolean;
  /** Share a controls object (e.g. one made by the caller); default: a fresh one. */
  controls?: EmulatorControls;
  /** Pre-serialized response bodies kept (all routes); default 2048. */
  pageCacheSize?: number;
}

export interface StartClaudeEmulatorOptions extends ClaudeEmulatorOptions {
  host?: string;
  port?: number;
}

export interface RunningClaudeEmulator {
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:54321`. */
  url: string;
  app: FastifyInstance;
  controls: EmulatorControls;
  adminApiKey: string;
  analyticsApiKey: string;
  close(): Promise<void>;
}

const controlsByApp = new WeakMap<FastifyInstance, EmulatorControls>();

/** The controls of an app made by buildClaudeEmulator. */
export function getEmulatorControls(app: FastifyInstance): EmulatorControls {
  const controls = controlsByApp.get(app);
  if (!controls) throw new Error('not a Claude emulator instance');
  return controls;
}

type Query = RawQuery;

interface ReportQuery {
  day: string;
  limit: number;
  offset: number;
}

function sendJson(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('application/json').send(body);
}

function sendError(
  reply: FastifyReply,
  status: number,
  type: AnthropicErrorType,
  message: string,
  requestId: string,
): FastifyReply {
  // The header always equals the body's request_id (the report route sets it early; this covers the rest).
  reply.header('request-id', requestId);
  return sendJson(reply, status, errorBody(type, message, requestId));
}

function header(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Validates the documented params; unknown params are ignored, as the vendor does. */
function parseReportQuery(query: Query): { ok: true; value: ReportQuery } | { ok: false; message: string } {
  const { starting_at: day, limit: rawLimit, page } = query;
  if (Array.isArray(day) || Array.isArray(rawLimit) || Array.isArray(page)) {
    return { ok: false, message: 'starting_at, limit and page may each be given once' };
  }
  if (day === undefined) return { ok: false, message: 'starting_at: Field required' };
  if (parseDay(day) === null) {
    return { ok: false, message: 'starting_at: Input should be a valid date in YYYY-MM-DD format' };
  }
  let limit = DEFAULT_LIMIT;
  if (rawLimit !== undefined) {
    if (!/^\d+$/.test(rawLimit)) return { ok: false, message: 'limit: Input should be a valid integer' };
    limit = Number(rawLimit);
    if (limit < 1) return { ok: false, message: 'limit: Input should be greater than or equal to 1' };
    if (limit > MAX_LIMIT) {
      return { ok: false, message: `limit: Input should be less than or equal to ${MAX_LIMIT}` };
    }
  }
  let offset = 0;
  if (page !== undefined) {
    const position = decodePageToken(page);
    if (position === null) return { ok: false, message: 'page: Invalid page token' };
    if (position.day !== day) {
      return { ok: false, message: 'page: Page token does not match the starting_at of this request' };
    }
    offset = position.offset;
  }
  return { ok: true, value: { day, limit, offset } };
}

function renderPage(q: ReportQuery, inHorizon: boolean, loopCursor: boolean): string {
  const records = inHorizon ? generateClaudeCodeDay(q.day) : [];
  const data = records.slice(q.offset, q.offset + q.limit);
  const end = q.offset + data.length;
  const page: ClaudeCodeReportPage = {
    data,
    has_more: end < records.length,
    next_page: end < records.length ? encodePageToken(q.day, end) : null,
  };
  if (loopCursor) {
    // A broken upstream: the cursor never advances. A request that carried a cursor gets it back.
    page.has_more = true;
    page.next_page = encodePageToken(q.day, q.offset === 0 ? end : q.offset);
  }
  return JSON.stringify(page);
}

type AuthPolicy = 'admin' | 'analytics-engagement' | 'analytics-report';

/**
 * Key checks per route family. Admin routes answer 401 to anything but the Admin key (the analytics
 * key included); analytics engagement routes answer 404 to any other key (the vendor hides them),
 * analytics cost/usage routes 401.
 */
function authenticate(
  policy: AuthPolicy,
  apiKey: string | undefined,
  keys: { admin: string; analytics: string },
): { status: number; type: AnthropicErrorType; message: string } | null {
  if (policy === 'admin') {
    if (!apiKey)
      return { status: 401, type: 'authentication_error', message: 'x-api-key header is required' };
    if (apiKey === keys.admin) return null;
    if (apiKey === keys.analytics) {
      return {
        status: 401,
        type: 'authentication_error',
        message:
          'This endpoint requires an Admin API key (sk-ant-admin01-…); Enterprise Analytics keys cannot call the Admin API',
      };
    }
    return { status: 401, type: 'authentication_error', message: 'invalid x-api-key' };
  }
  if (apiKey === keys.analytics) return null;
  if (policy === 'analytics-engagement')
    return { status: 404, type: 'not_found_error', message: 'Not found' };
  return {
    status: 401,
    type: 'authentication_error',
    message: !apiKey
      ? 'x-api-key header is required'
      : apiKey === keys.admin
        ? 'Admin API keys cannot call the Analytics API; use an Enterprise key with the read:analytics scope'
        : 'invalid x-api-key',
  };
}

export async function buildClaudeEmulator(opts: ClaudeEmulatorOptions = {}): Promise<FastifyInstance> {
  const adminApiKey = opts.adminApiKey ?? SANDBOX_ADMIN_API_KEY;
  const analyticsApiKey = opts.analyticsApiKey ?? SANDBOX_ANALYTICS_API_KEY;
  const { now } = opts;
  const clock: () => Date = typeof now === 'function' ? now : () => now ?? new Date();
  const controls = opts.controls ?? new EmulatorControls();
  const pages = new LruCache<string, string>(opts.pageCacheSize ?? 2048);

  const app = Fastify({ logger: opts.logger ?? false });
  controlsByApp.set(app, controls);

  // Control routes accept an empty body as `{}` so `POST /__emulator/reset` works from any client.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body).trim();
    if (text === '') return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error('Request body is not valid JSON'), { statusCode: 400 }), undefined);
    }
  });

  app.setErrorHandler((error: FastifyError, _req, reply) => {
    const status = error.statusCode !== undefined && error.statusCode < 500 ? 400 : 500;
    return sendError(
      reply,
      status,
      status === 400 ? 'invalid_request_error' : 'api_error',
      error.message,
      newRequestId(),
    );
  });

  app.setNotFoundHandler((_req, reply) =>
    sendError(reply, 404, 'not_found_error', 'Not found', newRequestId()),
  );

  /** Claude Code report: one day per call, pages from a pre-serialized LRU keyed by the horizon flag. */
  const claudeCodeReport: RouteHandler = (ctx) => {
    const parsed = parseReportQuery(ctx.query.raw);
    if (!parsed.ok) throw badRequest(parsed.message);
    const q = parsed.value;
    const inHorizon = isDayInHorizon(q.day, ctx.now);
    const loop = controls.loopCursor;
    // The horizon flag is part of the key: the same day flips from data to empty as the clock moves.
    return ctx.cached(
      `claude_code|${q.day}|${q.limit}|${q.offset}|${inHorizon ? 1 : 0}|${loop ? 1 : 0}`,
      () => renderPage(q, inHorizon, loop),
    );
  };

  const routes: readonly (readonly [string, AuthPolicy, RouteHandler])[] = [
    [CLAUDE_CODE_REPORT_PATH, 'admin', claudeCodeReport],
    [MESSAGES_REPORT_PATH, 'admin', messagesReport],
    [COST_REPORT_PATH, 'admin', costReport],
    [USERS_PATH, 'admin', usersList],
    [ANALYTICS_USERS_PATH, 'analytics-engagement', analyticsUsers],
    [ANALYTICS_SUMMARIES_PATH, 'analytics-engagement', analyticsSummaries],
    [ANALYTICS_SKILLS_PATH, 'analytics-engagement', analyticsSkills],
    [ANALYTICS_CONNECTORS_PATH, 'analytics-engagement', analyticsConnectors],
    [ANALYTICS_PROJECTS_PATH, 'analytics-engagement', analyticsProjects],
    [ANALYTICS_USAGE_REPORT_PATH, 'analytics-report', analyticsUsageReport],
    [ANALYTICS_USER_USAGE_REPORT_PATH, 'analytics-report', analyticsUserUsageReport],
    [ANALYTICS_COST_REPORT_PATH, 'analytics-report', analyticsCostReport],
    [ANALYTICS_USER_COST_REPORT_PATH, 'analytics-report', analyticsUserCostReport],
  ];
  const keys = { admin: adminApiKey, analytics: analyticsApiKey };

  for (const [path, policy, handle] of routes) {
    app.get(path, async (req, reply) => {
      controls.requests++;
      const requestId = newRequestId();
      reply.header('request-id', requestId);
      if (controls.delayMs > 0) await sleep(controls.delayMs);

      const denied = authenticate(policy, header(req, 'x-api-key'), keys);
      if (denied) return sendError(reply, denied.status, denied.type, denied.message, requestId);
      if (policy === 'admin' && !header(req, 'anthropic-version')) {
        return sendError(
          reply,
          400,
          'invalid_request_error',
          'anthropic-version: header is required',
          requestId,
        );
      }
      if (policy !== 'admin') {
        // 60 requests per minute per organisation across all analytics endpoints, in real time.
        const admission = controls.admitAnalytics(ANALYTICS_ORG_ID, Date.now());
        if (!admission.ok) {
          reply.header('retry-after', String(admission.retryAfterSeconds));
          return sendError(
            reply,
            429,
            'rate_limit_error',
            'Rate limit exceeded: 60 analytics requests per minute per organization',
            requestId,
          );
        }
      }

      const fault = controls.takeFault();
      if (fault?.status === 429) {
        if (fault.retryAfterSeconds !== null) reply.header('retry-after', String(fault.retryAfterSeconds));
        return sendError(reply, 429, 'rate_limit_error', 'Rate limited. Please try again later.', requestId);
      }
      if (fault?.status === 500)
        return sendError(reply, 500, 'api_error', 'Internal server error', requestId);
      if (fault?.status === 529) return sendError(reply, 529, 'overloaded_error', 'Overloaded', requestId);

      const ctx: RouteContext = {
        query: new QueryReader(req.query as Query),
        now: clock(),
        controls,
        header: (name) => header(req, name),
        cached: (key, render) => {
          let body = pages.get(key);
          if (body === undefined) {
            body = render();
            pages.set(key, body);
          }
          return body;
        },
      };
      let body: string;
      try {
        body = handle(ctx);
      } catch (error) {
        if (error instanceof ApiError)
          return sendError(reply, error.status, error.type, error.message, requestId);
        throw error;
      }
      if (controls.takeMalformed()) body = body.slice(0, Math.floor(body.length / 2));
      return sendJson(reply, 200, body);
    });
  }

  app.get('/__emulator/controls', async () => controls.snapshot());
  app.post('/__emulator/controls', async (req, reply) => {
    const parsed = parseKnobPatch(req.body ?? {});
    if (!parsed.ok) return sendError(reply, 400, 'invalid_request_error', parsed.message, newRequestId());
    controls.set(parsed.patch);
    return controls.snapshot();
  });
  app.post('/__emulator/reset', async () => {
    controls.reset();
    return controls.snapshot();
  });
  app.get('/__emulator/stats', async () => ({ requests: controls.requests }));

  return app;
}

export async function startClaudeEmulator(
  opts: StartClaudeEmulatorOptions = {},
): Promise<RunningClaudeEmulator> {
  const { host = '127.0.0.1', port = 0, ...rest } = opts;
  const controls = rest.controls ?? new EmulatorControls();
  const app = await buildClaudeEmulator({ ...rest, controls });
  await app.listen({ host, port });
  const address = app.server.address();
  if (address === null || typeof address === 'string') {
    await app.close();
    throw new Error('Claude emulator is not listening on a TCP port');
  }
  // A wildcard bind is reachable on loopback; IPv6 literals need brackets in a URL.
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${address.port}`,
    app,
    controls,
    adminApiKey: opts.adminApiKey ?? SANDBOX_ADMIN_API_KEY,
    analyticsApiKey: opts.analyticsApiKey ?? SANDBOX_ANALYTICS_API_KEY,
    close: () => app.close(),
  };
}
