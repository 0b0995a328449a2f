/**
 * Fake of Datadog's Usage Metering API (provider notes, datadog.md) on the emulator kit:
 *
 * - `GET /api/v2/usage/hourly_usage`: JSON:API pages of hourly usage by product family, paged with
 *   `page[next_record_id]` (a last page has no `meta`), child orgs with `include_descendants`;
 * - `GET /api/v2/usage/historical_cost` and `/estimated_cost`: monthly costs per billing dimension
 *   (`view=summary|sub-org`), parent org only, `usage_read` and `billing_read`;
 * - `GET /api/v1/usage/summary`: monthly usage summary, parent org only;
 * - `GET /api/v2/usage/billing_dimension_mapping`: the in-app labels, whose errors are JSON:API
 *   error objects (the vendor's second error shape);
 * - `GET /api/v1/org`: the key's organisation and, for the parent, its child organisations.
 *
 * Both key headers are checked as a pair (`DD-API-KEY` names the org, `DD-APPLICATION-KEY` holds
 * the permissions); refusals are 403 `{"errors":["Forbidden"]}`. Every answer that passed the
 * limiter carries `X-RateLimit-Limit/-Period/-Remaining/-Reset/-Name`, counted per org in
 * calendar-aligned windows; over the limit is a 429 with the same headers and no Retry-After.
 */
import type { FastifyInstance } from 'fastify';
import {
  EmulatorError,
  badRequest,
  buildEmulator,
  listen,
  pageBounds,
  randomId,
  route,
  tokenCodec,
  type Admission,
  type ErrorInfo,
  type RouteContext,
  type RouteSpec,
} from '../../../src/emulator-kit/index.js';
import {
  billingDimensionMapping,
  costEntries,
  lastSettledMonth,
  monthIndexOfDate,
  usageSummary,
  RETENTION_MONTHS,
  type CostView,
} from './costs.js';
import { DatadogControls, KNOB_SPECS } from './controls.js';
import { countItems, itemsSlice, visibleOrgs } from './hourly.js';
import { keyPairOf, KEY_PAIRS, type KeyPair, type Permission } from './org.js';
import { ORGS_PATH, orgsBody } from './orgs.js';
import { QUERY_OPTIONS, monthParam, monthRange, parseHourlyParams, type HourlyParams } from './params.js';

export const HOURLY_USAGE_PATH = '/api/v2/usage/hourly_usage';
export const HISTORICAL_COST_PATH = '/api/v2/usage/historical_cost';
export const ESTIMATED_COST_PATH = '/api/v2/usage/estimated_cost';
export const USAGE_SUMMARY_PATH = '/api/v1/usage/summary';
export const BILLING_DIMENSION_MAPPING_PATH = '/api/v2/usage/billing_dimension_mapping';

type Ctx = RouteContext<DatadogControls>;

/** APIErrorResponse: `{"errors": ["…"]}`. */
const errorBody = ({ message }: ErrorInfo) => ({ errors: [message] });

/** The JSON:API error object shape (billing_dimension_mapping, available_fields), as recorded live. */
function jsonApiError(status: number, title: string, detail: string): Record<string, unknown> {
  return {
    errors: [
      { id: null, links: null, status: String(status), code: null, title, detail, source: null, meta: null },
    ],
  };
}

const FORBIDDEN = { status: 403, kind: 'permission', message: 'Forbidden' } as const;
const NON_PARENT = 'API called with non-parent org keys. Data is only available at the root level org';

/** The caller's key pair (auth has passed, so it exists) after checking its permissions. */
function caller(ctx: Ctx, needs: readonly Permission[], parentOnly: boolean): KeyPair {
  const pair = keyPairOf(ctx.header('dd-api-key'), ctx.header('dd-application-key'));
  if (!pair) throw new EmulatorError(403, 'permission', 'Forbidden');
  const missing = needs.filter((p) => !pair.permissions.includes(p));
  if (missing.length > 0) {
    throw new EmulatorError(
      403,
      'permission',
      `Forbidden: the application key is missing the ${missing.join(' and ')} permission${missing.length > 1 ? 's' : ''} this endpoint requires`,
    );
  }
  if (parentOnly && !pair.org.parent) throw badRequest(NON_PARENT);
  return pair;
}

interface PageToken {
  offset: number;
  fingerprint: string;
}

const recordIds = tokenCodec<PageToken>({
  prefix: 'dXNhZ2',
  toWire: (s) => ({ o: s.offset, f: s.fingerprint }),
  fromWire: (w) =>
    typeof w.o === 'number' && Number.isSafeInteger(w.o) && w.o >= 0 && typeof w.f === 'string'
      ? { offset: w.o, fingerprint: w.f }
      : null,
});

interface HourlyInput extends HourlyParams {
  pair: KeyPair;
  offset: number;
  fingerprint: string;
}

function validateHourly(ctx: Ctx): HourlyInput {
  const pair = caller(ctx, ['usage_read'], false);
  const params = parseHourlyParams(ctx.query, ctx.now, pair.org.parent);
  const fingerprint = ctx.query.fingerprint(['page[next_record_id]'], pair.org.publicId);
  let offset = 0;
  if (params.nextRecordId !== undefined) {
    const token = recordIds.decode(params.nextRecordId);
    if (token === null || token.fingerprint !== fingerprint) {
      throw badRequest(`Invalid page[next_record_id] '${params.nextRecordId}'`);
    }
    offset = token.offset;
  }
  return { ...params, pair, offset, fingerprint };
}

function hourlyUsage(ctx: Ctx, q: HourlyInput): string {
  const query = {
    startMs: q.startMs,
    endMs: q.endMs,
    families: q.families,
    orgs: visibleOrgs(q.pair.org, q.includeDescendants),
  };
  const limit = Math.min(q.limit, ctx.controls.maxPageRecords ?? q.limit) || 1;
  const total = countItems(query, ctx.now);
  const page = pageBounds(
    total,
    q.offset,
    limit,
    (offset) => recordIds.encode({ offset, fingerprint: q.fingerprint }),
    { on: ctx.controls.loopPaging, incoming: q.nextRecordId },
  );
  const hour = Math.floor(ctx.now.getTime() / 3_600_000);
  return ctx.cached(`hourly|${q.fingerprint}|${page.from}|${page.to}|${page.nextPage}|${hour}`, () => {
    const data = itemsSlice(query, ctx.now, page.from, page.to);
    // A last page carries no `meta` at all (as the live API answered).
    const body: Record<string, unknown> = { data };
    if (page.nextPage !== null) body.meta = { pagination: { next_record_id: page.nextPage } };
    return JSON.stringify(body);
  });
}

interface CostInput {
  from: number;
  to: number;
  view: CostView;
}

function costView(ctx: Ctx): CostView {
  ctx.query.bool('include_connected_accounts', false);
  return ctx.query.choice<CostView>('view', ['summary', 'sub-org'], 'summary');
}

function validateHistorical(ctx: Ctx): CostInput {
  caller(ctx, ['usage_read', 'billing_read'], true);
  const latest = lastSettledMonth(ctx.now);
  const { from, to } = monthRange(ctx.query, latest);
  if (from < monthIndexOfDate(ctx.now) - RETENTION_MONTHS) {
    throw badRequest(`start_month must be within the past ${RETENTION_MONTHS} months`);
  }
  return { from, to: Math.min(to, latest), view: costView(ctx) };
}

function validateEstimated(ctx: Ctx): CostInput {
  caller(ctx, ['usage_read', 'billing_read'], true);
  const current = monthIndexOfDate(ctx.now);
  if (ctx.query.one('start_date') !== undefined) {
    if (ctx.query.one('start_month') !== undefined) {
      throw badRequest('Exactly one of start_month and start_date must be given');
    }
    throw badRequest('Daily estimated cost (start_date) is not served by this emulator; use start_month');
  }
  const { from, to } = monthRange(ctx.query, current);
  if (from < current - 1 || from > current) throw badRequest('start_month must be in the past two months');
  ctx.query.choice('cost_aggregation', ['cumulative'], 'cumulative');
  return { from, to: Math.min(to, current), view: costView(ctx) };
}

function costs(ctx: Ctx, q: CostInput): string {
  const day = ctx.now.toISOString().slice(0, 10);
  return ctx.cached(`cost|${q.from}|${q.to}|${q.view}|${day}`, () =>
    JSON.stringify({ data: q.to < q.from ? [] : costEntries(q.from, q.to, q.view, ctx.now) }),
  );
}

interface SummaryInput {
  from: number;
  to: number;
  orgDetails: boolean;
}

function validateSummary(ctx: Ctx): SummaryInput {
  caller(ctx, ['usage_read'], true);
  const current = monthIndexOfDate(ctx.now);
  const { from, to } = monthRange(ctx.query, current);
  if (from < current - RETENTION_MONTHS) {
    throw badRequest(`start_month must be within the past ${RETENTION_MONTHS} months`);
  }
  if (from > current) throw badRequest('start_month must not be in the future');
  const orgDetails = ctx.query.bool('include_org_details', false);
  ctx.query.bool('include_connected_accounts', false);
  return { from, to: Math.min(to, current), orgDetails };
}

function summary(ctx: Ctx, q: SummaryInput): string {
  const hour = Math.floor(ctx.now.getTime() / 3_600_000);
  return ctx.cached(`summary|${q.from}|${q.to}|${q.orgDetails}|${hour}`, () =>
    JSON.stringify(usageSummary(q.from, q.to, q.orgDetails, ctx.now)),
  );
}

/** Validation errors of this endpoint are JSON:API error objects, answered by the handler itself. */
function dimensionMapping(ctx: Ctx): object {
  caller(ctx, ['usage_read'], true);
  try {
    const month = monthParam(ctx.query, 'filter[month]') ?? monthIndexOfDate(ctx.now);
    ctx.query.choice('filter[view]', ['active', 'all'], 'active');
    return billingDimensionMapping(month);
  } catch (error) {
    if (!(error instanceof EmulatorError)) throw error;
    ctx.setStatus(400);
    ctx.setHeader('content-type', 'application/vnd.api+json');
    return jsonApiError(400, 'Bad Request', error.message);
  }
}

/**
 * `X-RateLimit-*` on every answer past the limiter. The pipeline hands the admission to `headers`
 * and then runs the route synchronously, so the admission is kept here for `withRateHeaders`.
 */
function rateLimiting(controls: DatadogControls) {
  let admitted: Admission | null = null;
  const headersOf = (limit: number, remaining: number, reset: number): Record<string, string> => ({
    'X-RateLimit-Limit': String(limit),
    'X-RateLimit-Period': String(controls.rateLimitPeriodSeconds),
    'X-RateLimit-Remaining': String(remaining),
    'X-RateLimit-Reset': String(reset),
    'X-RateLimit-Name': 'usage_metering',
  });
  const rule = {
    limiter: controls.limiter,
    key: (header: (name: string) => string | undefined) =>
      KEY_PAIRS.find((k) => k.apiKey === header('dd-api-key'))?.org.publicId ?? 'unknown',
    limit: () => controls.rateLimitPerPeriod,
    message: 'Too many requests',
    headers: (a: Admission): Record<string, string> => {
      admitted = null;
      if (!a.ok) return headersOf(a.limit, 0, a.retryAfterSeconds);
      // A queued 429 fault answers like a real one: nothing left until its reset.
      if (controls.queued429() && controls.retryAfterSeconds !== null) {
        return headersOf(a.limit, 0, controls.retryAfterSeconds);
      }
      admitted = a;
      return {};
    },
  };
  const apply = (ctx: Ctx): void => {
    const a = admitted;
    admitted = null;
    if (!a) return;
    const reset = controls.limiter.resetSeconds(Date.now());
    for (const [name, value] of Object.entries(headersOf(a.limit, a.remaining, reset)))
      ctx.setHeader(name, value);
  };
  return { rule, apply };
}

export interface DatadogEmulatorOptions {
  /** Clock of the data (90 days of hours before it); a function lets a test move time. */
  now?: Date | (() => Date);
  controls?: DatadogControls;
  logger?: boolean;
}

export function buildDatadogEmulator(opts: DatadogEmulatorOptions = {}): {
  app: FastifyInstance;
  controls: DatadogControls;
} {
  const controls = opts.controls ?? new DatadogControls();
  const limits = rateLimiting(controls);
  /** Every route states its rate headers first, whatever validation then says. */
  const r = <I>(path: string, validate: (ctx: Ctx) => I, handle: (ctx: Ctx, input: I) => string | object) =>
    route<DatadogControls, I>({
      path,
      family: 'usage',
      validate: (ctx) => {
        limits.apply(ctx);
        return validate(ctx);
      },
      handle,
    });
  const routes: RouteSpec<DatadogControls, unknown>[] = [
    r(HOURLY_USAGE_PATH, validateHourly, hourlyUsage),
    r(HISTORICAL_COST_PATH, validateHistorical, costs),
    r(ESTIMATED_COST_PATH, validateEstimated, costs),
    r(USAGE_SUMMARY_PATH, validateSummary, summary),
    r(
      ORGS_PATH,
      (ctx) => caller(ctx, [], false),
      (_ctx, pair) => orgsBody(pair),
    ),
    r(
      BILLING_DIMENSION_MAPPING_PATH,
      () => undefined,
      (ctx) => dimensionMapping(ctx),
    ),
  ];
  const app = buildEmulator({
    controls,
    errorBody,
    requestId: { header: 'x-request-id', make: () => randomId('', 16) },
    families: {
      usage: {
        auth: {
          credentials: {
            scheme: 'header-pair',
            headers: ['dd-api-key', 'dd-application-key'],
            pairs: KEY_PAIRS.map((k) => [k.apiKey, k.applicationKey] as const),
          },
          missing: FORBIDDEN,
          invalid: FORBIDDEN,
        },
        rateLimit: limits.rule,
      },
    },
    routes,
    faultErrors: {
      429: { kind: 'rate_limit', message: 'Too many requests' },
      500: { kind: 'server', message: 'Internal Server Error' },
      503: { kind: 'overloaded', message: 'Service Unavailable' },
    },
    knobSpecs: KNOB_SPECS,
    query: QUERY_OPTIONS,
    now: opts.now,
    logger: opts.logger ?? false,
  });
  return { app, controls };
}

export interface RunningDatadogEmulator {
  url: string;
  app: FastifyInstance;
  controls: DatadogControls;
  close(): Promise<void>;
}

export async function startDatadogEmulator(
  opts: DatadogEmulatorOptions & { host?: string; port?: number } = {},
): Promise<RunningDatadogEmulator> {
  const { host = '127.0.0.1', port = 0, ...rest } = opts;
  const { app, controls } = buildDatadogEmulator(rest);
  const { url, close } = await listen(app, host, port);
  return { url, app, controls, close };
}
