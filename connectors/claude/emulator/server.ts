/**
 * Fake of Anthropic's usage, cost and analytics APIs over one fictional organisation (provider
 * notes, claude.md sections 2-7), with fault knobs for integration tests, benchmarks and the sandbox:
 *
 * - Console Admin API (admin key): `usage_report/claude_code`, `usage_report/messages`,
 *   `cost_report`, `users`, `me` (the organisation), `workspaces`.
 * - Enterprise Analytics API (analytics key): `/analytics/users`, `/summaries`, `/skills`,
 *   `/connectors`, `/apps/chat/projects`, `/usage_report`, `/user_usage_report`, `/cost_report`,
 *   `/user_cost_report`.
 *
 * Every vendor route runs the emulator kit's pipeline (count → delay → auth per route family →
 * `anthropic-version` on Admin routes → analytics rate limit → queued 429/5xx → query validation →
 * body from the pre-serialized LRU → optional truncation); this file declares the route families,
 * the error envelope and the Claude Code report, the other reports live in their own modules.
 */
import type { FastifyInstance } from 'fastify';
import {
  buildEmulator,
  listen,
  route,
  type RouteFamily,
  type RouteSpec,
} from '../../../src/emulator-kit/pipeline.js';
import type { Denial } from '../../../src/emulator-kit/auth.js';
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
import { EmulatorControls, KNOB_SPECS } from './controls.js';
import { ORGANIZATION_ME_PATH, WORKSPACES_PATH, organizationMe, workspacesList } from './organization.js';
import { isDayInHorizon } from './dates.js';
import { anthropicError, badRequest, newRequestId } from './errors.js';
import { generateClaudeCodeDay } from './org.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { QUERY_OPTIONS, type QueryReader } from './query.js';
import type { RouteContext } from './route.js';
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

interface ReportQuery {
  day: string;
  limit: number;
  offset: number;
}

/** Validates the documented params; unknown params are ignored, as the vendor does. */
function parseReportQuery(q: QueryReader): ReportQuery {
  if (['starting_at', 'limit', 'page'].some((name) => Array.isArray(q.raw[name]))) {
    throw badRequest('starting_at, limit and page may each be given once');
  }
  const day = q.requiredDay('starting_at');
  const limit = q.int('limit', { min: 1, max: MAX_LIMIT, fallback: DEFAULT_LIMIT });
  const page = q.one('page');
  if (page === undefined) return { day, limit, offset: 0 };
  const position = decodePageToken(page);
  if (position === null) throw badRequest('page: Invalid page token');
  if (position.day !== day)
    throw badRequest('page: Page token does not match the starting_at of this request');
  return { day, limit, offset: position.offset };
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

/** Claude Code report: one day per call, pages from the pre-serialized LRU keyed by the horizon flag. */
const claudeCodeReport = route<EmulatorControls, ReportQuery>({
  path: CLAUDE_CODE_REPORT_PATH,
  family: 'admin',
  validate: (ctx) => parseReportQuery(ctx.query),
  handle: (ctx, q) => {
    const inHorizon = isDayInHorizon(q.day, ctx.now);
    const loop = ctx.controls.loopCursor;
    // The horizon flag is part of the key: the same day flips from data to empty as the clock moves.
    return ctx.cached(
      `claude_code|${q.day}|${q.limit}|${q.offset}|${inHorizon ? 1 : 0}|${loop ? 1 : 0}`,
      () => renderPage(q, inHorizon, loop),
    );
  },
});

const KEY_REQUIRED: Denial = { status: 401, kind: 'authentication', message: 'x-api-key header is required' };
const KEY_INVALID: Denial = { status: 401, kind: 'authentication', message: 'invalid x-api-key' };

/**
 * Key checks per route family. Admin routes answer 401 to anything but the Admin key (the analytics
 * key included) and need `anthropic-version`; analytics engagement routes answer 404 to any other key
 * (the vendor hides them), analytics cost/usage routes 401. Analytics routes share one limit of 60
 * requests per minute per organisation, in real time.
 */
function families(
  keys: { admin: string; analytics: string },
  controls: EmulatorControls,
): Record<string, RouteFamily> {
  const rateLimit = {
    limiter: controls.analyticsWindow,
    key: ANALYTICS_ORG_ID,
    limit: () => controls.analyticsRateLimitPerMinute,
    message: 'Rate limit exceeded: 60 analytics requests per minute per organization',
  };
  const analyticsKey = { scheme: 'header', header: 'x-api-key', keys: [keys.analytics] } as const;
  return {
    admin: {
      auth: {
        credentials: { scheme: 'header', header: 'x-api-key', keys: [keys.admin] },
        missing: KEY_REQUIRED,
        invalid: KEY_INVALID,
        wrongKind: [
          {
            credential: keys.analytics,
            denial: {
              ...KEY_INVALID,
              message:
                'This endpoint requires an Admin API key (sk-ant-admin01-…); Enterprise Analytics keys cannot call the Admin API',
            },
          },
        ],
      },
      requiredHeaders: [{ name: 'anthropic-version', message: 'anthropic-version: header is required' }],
    },
    'analytics-engagement': {
      auth: {
        credentials: analyticsKey,
        missing: { status: 404, kind: 'not_found', message: 'Not found' },
        invalid: { status: 404, kind: 'not_found', message: 'Not found' },
      },
      rateLimit,
    },
    'analytics-report': {
      auth: {
        credentials: analyticsKey,
        missing: KEY_REQUIRED,
        invalid: KEY_INVALID,
        wrongKind: [
          {
            credential: keys.admin,
            denial: {
              ...KEY_INVALID,
              message:
                'Admin API keys cannot call the Analytics API; use an Enterprise key with the read:analytics scope',
            },
          },
        ],
      },
      rateLimit,
    },
  };
}

const ROUTES: readonly (readonly [string, string, (ctx: RouteContext) => string])[] = [
  [MESSAGES_REPORT_PATH, 'admin', messagesReport],
  [COST_REPORT_PATH, 'admin', costReport],
  [USERS_PATH, 'admin', usersList],
  [ORGANIZATION_ME_PATH, 'admin', organizationMe],
  [WORKSPACES_PATH, 'admin', workspacesList],
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

export async function buildClaudeEmulator(opts: ClaudeEmulatorOptions = {}): Promise<FastifyInstance> {
  const keys = {
    admin: opts.adminApiKey ?? SANDBOX_ADMIN_API_KEY,
    analytics: opts.analyticsApiKey ?? SANDBOX_ANALYTICS_API_KEY,
  };
  const controls = opts.controls ?? new EmulatorControls();
  const routes: RouteSpec<EmulatorControls, unknown>[] = [
    claudeCodeReport,
    ...ROUTES.map(([path, family, handle]) => route<EmulatorControls>({ path, family, handle })),
  ];
  const app = buildEmulator({
    controls,
    errorBody: anthropicError,
    requestId: { header: 'request-id', make: newRequestId },
    families: families(keys, controls),
    routes,
    faultErrors: {
      429: { kind: 'rate_limit', message: 'Rate limited. Please try again later.' },
      500: { kind: 'server', message: 'Internal server error' },
      529: { kind: 'overloaded', message: 'Overloaded' },
    },
    knobSpecs: KNOB_SPECS,
    query: QUERY_OPTIONS,
    now: opts.now,
    cacheSize: opts.pageCacheSize ?? 2048,
    logger: opts.logger ?? false,
  });
  controlsByApp.set(app, controls);
  return app;
}

export async function startClaudeEmulator(
  opts: StartClaudeEmulatorOptions = {},
): Promise<RunningClaudeEmulator> {
  const { host = '127.0.0.1', port = 0, ...rest } = opts;
  const controls = rest.controls ?? new EmulatorControls();
  const app = await buildClaudeEmulator({ ...rest, controls });
  const { url, close } = await listen(app, host, port);
  return {
    url,
    app,
    controls,
    adminApiKey: opts.adminApiKey ?? SANDBOX_ADMIN_API_KEY,
    analyticsApiKey: opts.analyticsApiKey ?? SANDBOX_ANALYTICS_API_KEY,
    close,
  };
}
