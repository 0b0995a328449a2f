/**
 * Analytics cost and usage endpoints (provider notes, claude.md sections 6.4, 6.5): `/usage_report`,
 * `/user_usage_report`, `/cost_report`, `/user_cost_report`. All four sum the same per-user usage
 * lines (analytics-activity.ts), so bucketed org totals equal the sum of the per-user rows exactly
 * (Analytics traffic is modelled as seat users only). Envelope
 * `{data, has_more, next_page, data_refreshed_at, organization_id}`.
 */
import { CLAUDE_TAG_CATEGORIES, USAGE_PRODUCTS, analyticsDay, type UsageLine } from './analytics-activity.js';
import {
  ANALYTICS_DATA_SINCE,
  ANALYTICS_ORG_ID,
  SEAT_USER_BY_ID,
  groupsOfUser,
  type RbacGroup,
} from './analytics-org.js';
import { ANALYTICS_BASE, analyticsCursor, rbacFilter } from './analytics-params.js';
import { encodeCursor, pageBounds, type Cursor } from './cursor.js';
import { DAY_MS } from './dates.js';
import { costMicroCents, formatMicroCents, scaleRate } from '../../../src/emulator-kit/decimal.js';
import { badRequest } from './errors.js';
import {
  CODE_EXECUTION_QUARTER_HOUR_RATE,
  ENTERPRISE_DISCOUNT,
  TOKEN_TYPES,
  WEB_SEARCH_RATE,
  listRate,
  tokensOfType,
  type TokenType,
} from './pricing.js';
import { compareDims, type RouteContext } from './route.js';
import {
  BUCKET_MS,
  BUCKET_WIDTHS,
  HOUR_MS,
  floorTo,
  formatInstant,
  daysOverlapping,
  type BucketWidth,
} from './time.js';

export const ANALYTICS_USAGE_REPORT_PATH = `${ANALYTICS_BASE}/usage_report`;
export const ANALYTICS_USER_USAGE_REPORT_PATH = `${ANALYTICS_BASE}/user_usage_report`;
export const ANALYTICS_COST_REPORT_PATH = `${ANALYTICS_BASE}/cost_report`;
export const ANALYTICS_USER_COST_REPORT_PATH = `${ANALYTICS_BASE}/user_cost_report`;

export const ANALYTICS_LIMITS: Readonly<Record<BucketWidth, { fallback: number; max: number }>> = {
  '1d': { fallback: 7, max: 31 },
  '1h': { fallback: 24, max: 168 },
  '1m': { fallback: 60, max: 256 },
};

/** Exported usage lags: the watermark is three hours behind the current hour ("usually ≤ 4 h"). */
export const ANALYTICS_REFRESH_LAG_MS = 3 * HOUR_MS;
const FLOOR_MS = Date.parse(`${ANALYTICS_DATA_SINCE}T00:00:00Z`);
const MAX_SPAN_MS = 31 * DAY_MS;

export function dataRefreshedAt(now: Date): number {
  return floorTo(now.getTime(), HOUR_MS) - ANALYTICS_REFRESH_LAG_MS;
}

const USAGE_DIMS = [
  'claude_tag_category',
  'claude_tag_user_id',
  'context_window',
  'inference_geo',
  'model',
  'product',
  'rbac_group_id',
  'slack_channel_id',
  'speed',
] as const;
type UsageDim = (typeof USAGE_DIMS)[number];
const COST_DIMS = [...USAGE_DIMS, 'cost_type', 'token_type'] as const;
type CostDim = (typeof COST_DIMS)[number];
/** Wire order of the dimension fields on every row. */
const ROW_DIMS: readonly UsageDim[] = [
  'product',
  'model',
  'context_window',
  'inference_geo',
  'speed',
  'rbac_group_id',
  'slack_channel_id',
  'claude_tag_category',
  'claude_tag_user_id',
];

type Kind = 'usage' | 'cost';

interface Request {
  kind: Kind;
  perUser: boolean;
  width: BucketWidth | null;
  start: number;
  end: number;
  cutoff: number | null;
  refreshedAt: number;
  groupBy: readonly CostDim[];
  lineFilter: (line: UsageLine) => boolean;
  rbac: RbacGroup[] | undefined;
  limit: number;
  offset: number;
  mint(offset: number): string;
  incoming: string | undefined;
  loop: boolean;
  cacheKey: string;
}

function parseRequest(ctx: RouteContext, kind: Kind, perUser: boolean): Request {
  const q = ctx.query;
  const scope = `analytics/${perUser ? 'user_' : ''}${kind}_report`;
  const width = perUser
    ? q.one('bucket_width') === undefined
      ? null
      : q.choice('bucket_width', BUCKET_WIDTHS, '1d')
    : q.choice('bucket_width', BUCKET_WIDTHS, '1d');
  const limit = perUser
    ? q.int('limit', { min: 1, max: 1000, fallback: 20 })
    : q.int('limit', {
        min: 1,
        max: ANALYTICS_LIMITS[width ?? '1d'].max,
        fallback: ANALYTICS_LIMITS[width ?? '1d'].fallback,
      });
  const groupBy = [...new Set(q.many('group_by'))];
  const allowed: readonly string[] = kind === 'cost' ? COST_DIMS : USAGE_DIMS;
  for (const d of groupBy) {
    if (!allowed.includes(d)) {
      throw badRequest(
        `group_by[]: unsupported dimension '${d}'; this endpoint supports ${allowed.join(', ')}`,
      );
    }
  }
  const products = q.enumList('products', USAGE_PRODUCTS);
  const models = q.many('models');
  const userIds = q.many('user_ids');
  const rbacIds = q.many('rbac_group_ids');
  const contextWindows = q.enumList('context_windows', ['0-200k', '200k-1M'] as const);
  const geos = q.enumList('inference_geos', ['global', 'not_available', 'us'] as const);
  const speeds = q.enumList('speeds', ['fast', 'standard'] as const);
  const channels = q.many('slack_channel_ids');
  const categories = q.enumList('claude_tag_categories', CLAUDE_TAG_CATEGORIES);
  const tagUsers = q.many('claude_tag_user_ids');
  const rbac = rbacIds.length > 0 ? (rbacFilter(rbacIds) ?? []) : undefined;
  const excludeDeleted = perUser ? q.bool('exclude_deleted_users', false) : false;
  if (perUser) {
    q.choice('order', ['asc', 'desc'] as const, 'desc');
    q.choice(
      'order_by',
      kind === 'cost' ? COST_ORDER : USAGE_ORDER,
      kind === 'cost' ? 'amount' : 'total_tokens',
    );
  }

  const { fingerprint, cursor } = analyticsCursor(ctx, scope);
  const { start, end, cutoff, refreshedAt } = resolveRange(ctx, perUser, width, cursor);
  const within = (list: readonly string[], v: string | null): boolean =>
    list.length === 0 || (v !== null && list.includes(v));
  const lineFilter = (l: UsageLine): boolean =>
    within(products, l.product) &&
    within(models, l.model) &&
    within(userIds, l.userId) &&
    (rbac === undefined || rbac.some((g) => g.members.has(l.userId))) &&
    within(contextWindows, l.context_window) &&
    (geos.length === 0 || geos.includes(l.inference_geo ?? 'not_available')) &&
    within(speeds, l.speed) &&
    within(channels, l.slack_channel_id) &&
    within(categories, l.claude_tag_category) &&
    within(tagUsers, l.claude_tag_user_id) &&
    !(excludeDeleted && SEAT_USER_BY_ID.get(l.userId)?.deleted === true);
  const offset = cursor?.o ?? 0;
  const loop = ctx.controls.loopCursor;
  const incoming = q.one('page');
  return {
    kind,
    perUser,
    width,
    start,
    end,
    cutoff,
    refreshedAt,
    groupBy: groupBy as CostDim[],
    lineFilter,
    rbac,
    limit,
    offset,
    mint: (o) => encodeCursor({ f: fingerprint, o, e: end, c: cutoff }),
    incoming,
    loop,
    cacheKey: `${scope}|${fingerprint}|${start}|${end}|${cutoff}|${refreshedAt}|${offset}|${loop ? `loop:${incoming ?? ''}` : ''}`,
  };
}

/**
 * Validates `starting_at`/`ending_at` (≥ 2026-01-01, within 365 days, span ≤ 31 days, `ending_at`
 * required with a per-user `bucket_width`, 24 h with `1m`). Page 1 freezes the default end and the
 * data cutoff into the cursor.
 */
function resolveRange(
  ctx: RouteContext,
  perUser: boolean,
  width: BucketWidth | null,
  cursor: Cursor | null,
): { start: number; end: number; cutoff: number | null; refreshedAt: number } {
  const q = ctx.query;
  const nowMs = ctx.now.getTime();
  const start = q.requiredInstant('starting_at');
  if (start < FLOOR_MS) throw badRequest(`starting_at: no data before ${ANALYTICS_DATA_SINCE}T00:00:00Z`);
  if (start < nowMs - 365 * DAY_MS) throw badRequest('starting_at: must be within the last 365 days');
  if (start >= nowMs) throw badRequest('starting_at: must be in the past');
  const endParam = q.instant('ending_at');
  if (perUser && width !== null && endParam === null)
    throw badRequest('ending_at: required when bucket_width is set');
  let end: number;
  if (endParam !== null) end = endParam;
  else if (cursor !== null && typeof cursor.e === 'number') end = cursor.e;
  else end = Math.min(nowMs, start + MAX_SPAN_MS);
  if (end <= start) throw badRequest('ending_at: must be after starting_at');
  if (end - start > MAX_SPAN_MS) throw badRequest('ending_at: the range may span at most 31 days');
  if (perUser && width === '1m' && end - start > DAY_MS) {
    throw badRequest('ending_at: with bucket_width=1m the range may span at most 24 hours');
  }
  const refreshedAt = dataRefreshedAt(ctx.now);
  const cutoff = cursor !== null ? cursor.c : refreshedAt >= end ? null : refreshedAt;
  return { start, end, cutoff, refreshedAt };
}

function* linesBetween(from: number, to: number, cutoff: number | null): Generator<UsageLine> {
  const until = cutoff === null ? to : Math.min(to, cutoff);
  for (const day of daysOverlapping(Math.max(from, FLOOR_MS), until)) {
    for (const ud of analyticsDay(day)) {
      for (const line of ud.usage) if (line.at >= from && line.at < until) yield line;
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Money per line
// ---------------------------------------------------------------------------------------------------

interface CostComponent {
  cost_type: 'tokens' | 'web_search' | 'code_execution';
  token_type: TokenType | null;
  list: bigint;
  amount: bigint;
}

const componentCache = new WeakMap<UsageLine, CostComponent[]>();

function priced(
  units: number,
  listPerMillion: ReturnType<typeof listRate>,
): { list: bigint; amount: bigint } {
  return {
    list: costMicroCents(units, listPerMillion),
    amount: costMicroCents(
      units,
      scaleRate(listPerMillion, ENTERPRISE_DISCOUNT.num, ENTERPRISE_DISCOUNT.den),
    ),
  };
}

/** List price and the discounted amount of each billable part of a line. */
export function costComponents(line: UsageLine): CostComponent[] {
  let out = componentCache.get(line);
  if (out !== undefined) return out;
  out = [];
  if (line.kind === 'code_execution') {
    out.push({
      cost_type: 'code_execution',
      token_type: null,
      ...priced(line.quarterHours, CODE_EXECUTION_QUARTER_HOUR_RATE),
    });
  } else if (line.model !== null) {
    const longContext = line.context_window === '200k-1M';
    for (const type of TOKEN_TYPES) {
      const tokens = tokensOfType(
        {
          uncached: line.uncached,
          output: line.output,
          cacheRead: line.cacheRead,
          cacheWrite5m: line.cacheWrite5m,
          cacheWrite1h: line.cacheWrite1h,
        },
        type,
      );
      if (tokens > 0)
        out.push({
          cost_type: 'tokens',
          token_type: type,
          ...priced(tokens, listRate(line.model, type, { longContext })),
        });
    }
    if (line.webSearch > 0)
      out.push({ cost_type: 'web_search', token_type: null, ...priced(line.webSearch, WEB_SEARCH_RATE) });
  }
  componentCache.set(line, out);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Aggregation
// ---------------------------------------------------------------------------------------------------

interface Sums {
  uncached: number;
  cacheRead: number;
  write5m: number;
  write1h: number;
  output: number;
  webSearch: number;
  requests: number;
  list: bigint;
  amount: bigint;
}

function zeroSums(): Sums {
  return {
    uncached: 0,
    cacheRead: 0,
    write5m: 0,
    write1h: 0,
    output: 0,
    webSearch: 0,
    requests: 0,
    list: 0n,
    amount: 0n,
  };
}

function totalTokens(s: Sums): number {
  return s.uncached + s.cacheRead + s.write5m + s.write1h + s.output;
}

interface Unit {
  bucket: number | null;
  userId: string | null;
  dims: Record<UsageDim, string | null>;
  sums: Sums;
  /** Cost rows fanned out by cost_type/token_type, keyed by [cost_type, token_type]. */
  parts: Map<string, { cost_type: string | null; token_type: string | null; sums: Sums }>;
}

function lineDim(line: UsageLine, dim: Exclude<UsageDim, 'rbac_group_id'>): string | null {
  return line[dim];
}

/** Groups visible, filtered lines of [from, to) into units by (bucket, user, grouped dimensions). */
function aggregate(req: Request, from: number, to: number, bucketMs: number | null): Map<string, Unit> {
  const groupedUsage = req.groupBy.filter((d): d is UsageDim => d !== 'cost_type' && d !== 'token_type');
  const byCostType = req.groupBy.includes('cost_type');
  const byTokenType = req.groupBy.includes('token_type');
  const units = new Map<string, Unit>();
  for (const line of linesBetween(from, to, req.cutoff)) {
    if (!req.lineFilter(line)) continue;
    const bucket = bucketMs === null ? null : Math.floor((line.at - from) / bucketMs);
    const userId = req.perUser ? line.userId : null;
    // rbac_group_id fans a line out to every group its user held (or the null group).
    const groups: (RbacGroup | null)[] = groupedUsage.includes('rbac_group_id')
      ? (() => {
          const held = groupsOfUser(line.userId).filter(
            (g) => req.rbac === undefined || req.rbac.includes(g),
          );
          return held.length > 0 ? held : req.rbac === undefined ? [null] : [];
        })()
      : [null];
    for (const g of groups) {
      const dims = {} as Record<UsageDim, string | null>;
      for (const d of ROW_DIMS) {
        dims[d] = !groupedUsage.includes(d)
          ? null
          : d === 'rbac_group_id'
            ? (g?.id ?? null)
            : lineDim(line, d);
      }
      const key = JSON.stringify([bucket, userId, ...ROW_DIMS.map((d) => dims[d])]);
      let unit = units.get(key);
      if (unit === undefined) {
        unit = { bucket, userId, dims, sums: zeroSums(), parts: new Map() };
        units.set(key, unit);
      }
      addLine(unit.sums, line);
      if (req.kind !== 'cost') continue;
      for (const c of costComponents(line)) {
        unit.sums.list += c.list;
        unit.sums.amount += c.amount;
        if (!byCostType && !byTokenType) continue;
        // token_type alone keeps only token costs; with cost_type too, web search and code execution join.
        if (!byCostType && c.cost_type !== 'tokens') continue;
        const costType = byCostType || byTokenType ? c.cost_type : null;
        const tokenType = byTokenType ? c.token_type : null;
        const partKey = `${costType}|${tokenType}`;
        let part = unit.parts.get(partKey);
        if (part === undefined) {
          part = { cost_type: costType, token_type: tokenType, sums: zeroSums() };
          unit.parts.set(partKey, part);
        }
        part.sums.list += c.list;
        part.sums.amount += c.amount;
      }
    }
  }
  return units;
}

function addLine(s: Sums, l: UsageLine): void {
  s.uncached += l.uncached;
  s.cacheRead += l.cacheRead;
  s.write5m += l.cacheWrite5m;
  s.write1h += l.cacheWrite1h;
  s.output += l.output;
  s.webSearch += l.webSearch;
  s.requests += l.requests;
}

function usageFields(s: Sums): object {
  return {
    uncached_input_tokens: s.uncached,
    cache_creation: { ephemeral_1h_input_tokens: s.write1h, ephemeral_5m_input_tokens: s.write5m },
    cache_read_input_tokens: s.cacheRead,
    output_tokens: s.output,
    server_tool_use: { web_search_requests: s.webSearch },
    requests: s.requests,
  };
}

function costFields(
  cost_type: string | null,
  token_type: string | null,
  s: Sums,
  requests: number | null,
): object {
  return {
    cost_type,
    token_type,
    currency: 'USD',
    amount: formatMicroCents(s.amount),
    list_amount: formatMicroCents(s.list),
    requests,
  };
}

/** A unit's rows: one, or (cost with cost_type/token_type grouping) one per cost component. */
function unitRows(req: Request, unit: Unit, prefix: object): object[] {
  if (req.kind === 'usage')
    return [
      {
        ...prefix,
        ...unit.dims,
        ...usageFields(unit.sums),
        ...(req.perUser ? { total_tokens: totalTokens(unit.sums) } : {}),
      },
    ];
  if (unit.parts.size === 0) {
    if (req.groupBy.includes('cost_type') || req.groupBy.includes('token_type')) return [];
    return [{ ...prefix, ...unit.dims, ...costFields(null, null, unit.sums, unit.sums.requests) }];
  }
  return [...unit.parts.values()]
    .sort((a, b) => compareDims([a.cost_type, a.token_type], [b.cost_type, b.token_type]))
    .map((p) => ({ ...prefix, ...unit.dims, ...costFields(p.cost_type, p.token_type, p.sums, null) }));
}

function envelope(req: Request, data: object[], hasMore: boolean, nextPage: string | null): string {
  return JSON.stringify({
    data,
    has_more: hasMore,
    next_page: nextPage,
    data_refreshed_at: req.refreshedAt > FLOOR_MS ? formatInstant(req.refreshedAt) : null,
    organization_id: ANALYTICS_ORG_ID,
  });
}

/** Each bucket keeps its top 100 groups (by tokens or amount), with no remainder row. */
const TOP_GROUPS = 100;

function bucketedReport(ctx: RouteContext, kind: Kind): string {
  const req = parseRequest(ctx, kind, false);
  const widthMs = BUCKET_MS[req.width ?? '1d'];
  // Start and end are floored to bucket boundaries.
  const first = floorTo(req.start, widthMs);
  const count = Math.max(0, Math.round((floorTo(req.end, widthMs) - first) / widthMs));
  return ctx.cached(`${req.cacheKey}|${req.limit}`, () => {
    const page = pageBounds(count, req.offset, req.limit, req.mint, { on: req.loop, incoming: req.incoming });
    const pageStart = first + page.from * widthMs;
    const units = [...aggregate(req, pageStart, first + page.to * widthMs, widthMs).values()];
    const data = [];
    for (let i = 0; i < page.to - page.from; i++) {
      const weight = (u: Unit): number => (kind === 'cost' ? Number(u.sums.amount) : totalTokens(u.sums));
      const top = units
        .filter((u) => u.bucket === i)
        .sort((a, b) => weight(b) - weight(a))
        .slice(0, TOP_GROUPS)
        .sort((a, b) =>
          compareDims(
            ROW_DIMS.map((d) => a.dims[d]),
            ROW_DIMS.map((d) => b.dims[d]),
          ),
        );
      const startMs = pageStart + i * widthMs;
      data.push({
        starting_at: formatInstant(startMs),
        ending_at: formatInstant(startMs + widthMs),
        results: top.flatMap((u) => unitRows(req, u, {})),
      });
    }
    return envelope(req, data, page.hasMore, page.nextPage);
  });
}

const USAGE_ORDER = ['total_tokens', 'output_tokens', 'uncached_input_tokens', 'requests'] as const;
const COST_ORDER = ['amount', 'list_amount'] as const;

function rankValue(s: Sums, orderBy: string): bigint {
  switch (orderBy) {
    case 'amount':
      return s.amount;
    case 'list_amount':
      return s.list;
    case 'output_tokens':
      return BigInt(s.output);
    case 'uncached_input_tokens':
      return BigInt(s.uncached);
    case 'requests':
      return BigInt(s.requests);
    default:
      return BigInt(totalTokens(s));
  }
}

function actorOf(userId: string): object {
  const user = SEAT_USER_BY_ID.get(userId);
  return {
    type: 'user_actor',
    user_id: userId,
    email: user?.email ?? null,
    name: user?.name ?? null,
    deleted: user?.deleted ?? false,
  };
}

function perUserReport(ctx: RouteContext, kind: Kind): string {
  const req = parseRequest(ctx, kind, true);
  const q = ctx.query;
  const orderBy = q.one('order_by') ?? (kind === 'cost' ? 'amount' : 'total_tokens');
  const desc = q.one('order') !== 'asc';
  const widthMs = req.width === null ? null : BUCKET_MS[req.width];
  const first = widthMs === null ? req.start : floorTo(req.start, widthMs);
  const last = widthMs === null ? req.end : floorTo(req.end, widthMs);
  return ctx.cached(`${req.cacheKey}|${req.limit}`, () => {
    // Rank within each time bucket (oldest bucket first); ties by user id, then dimensions.
    const units = [...aggregate(req, first, last, widthMs).values()].sort((a, b) => {
      if (a.bucket !== b.bucket) return (a.bucket ?? 0) - (b.bucket ?? 0);
      const x = rankValue(a.sums, orderBy);
      const y = rankValue(b.sums, orderBy);
      if (x !== y) return (x < y ? -1 : 1) * (desc ? -1 : 1);
      return compareDims(
        [a.userId, ...ROW_DIMS.map((d) => a.dims[d])],
        [b.userId, ...ROW_DIMS.map((d) => b.dims[d])],
      );
    });
    const page = pageBounds(units.length, req.offset, req.limit, req.mint, {
      on: req.loop,
      incoming: req.incoming,
    });
    const data = units.slice(page.from, page.to).flatMap((u) => {
      const bucketStart = u.bucket === null || widthMs === null ? null : first + u.bucket * widthMs;
      return unitRows(req, u, {
        actor: actorOf(u.userId ?? ''),
        starting_at: bucketStart === null ? null : formatInstant(bucketStart),
        ending_at: bucketStart === null || widthMs === null ? null : formatInstant(bucketStart + widthMs),
      });
    });
    return envelope(req, data, page.hasMore, page.nextPage);
  });
}

export function analyticsUsageReport(ctx: RouteContext): string {
  return bucketedReport(ctx, 'usage');
}

export function analyticsCostReport(ctx: RouteContext): string {
  return bucketedReport(ctx, 'cost');
}

export function analyticsUserUsageReport(ctx: RouteContext): string {
  return perUserReport(ctx, 'usage');
}

export function analyticsUserCostReport(ctx: RouteContext): string {
  return perUserReport(ctx, 'cost');
}

export interface UserUsageTotals {
  user_id: string;
  deleted: boolean;
  uncached_input_tokens: number;
  cache_read_input_tokens: number;
  ephemeral_5m_input_tokens: number;
  ephemeral_1h_input_tokens: number;
  output_tokens: number;
  web_search_requests: number;
  requests: number;
  /** Decimal cents, 6 decimals, as the cost endpoints print them. */
  amount: string;
  list_amount: string;
}

/**
 * Each seat user's whole-day usage and cost for `day` (users without usage omitted), ignoring the
 * freshness watermark: what `/user_usage_report` and `/user_cost_report` answer for that day once it
 * has settled, and what `/usage_report` / `/cost_report` sum to.
 */
export function analyticsUserUsage(day: string): UserUsageTotals[] {
  const out: UserUsageTotals[] = [];
  for (const ud of analyticsDay(day)) {
    if (ud.usage.length === 0) continue;
    const s = zeroSums();
    for (const line of ud.usage) {
      addLine(s, line);
      for (const c of costComponents(line)) {
        s.list += c.list;
        s.amount += c.amount;
      }
    }
    out.push({
      user_id: ud.user.id,
      deleted: ud.user.deleted,
      uncached_input_tokens: s.uncached,
      cache_read_input_tokens: s.cacheRead,
      ephemeral_5m_input_tokens: s.write5m,
      ephemeral_1h_input_tokens: s.write1h,
      output_tokens: s.output,
      web_search_requests: s.webSearch,
      requests: s.requests,
      amount: formatMicroCents(s.amount),
      list_amount: formatMicroCents(s.list),
    });
  }
  return out;
}
