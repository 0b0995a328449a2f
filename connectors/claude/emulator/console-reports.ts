/**
 * Console Admin API reports besides Claude Code (provider notes, claude.md sections 3, 4, 5):
 * `usage_report/messages`, `cost_report` and `users`, aggregated on request from console-facts.ts.
 */
import {
  CONTEXT_WINDOWS,
  INFERENCE_GEOS,
  SERVICE_TIERS,
  SPEEDS,
  codeExecutionFacts,
  messagesUsageFacts,
  type MessagesFact,
} from './console-facts.js';
import { encodeCursor, pageBounds, readCursor } from './cursor.js';
import { DAY_MS } from './dates.js';
import { costMicroCents, formatMicroCents } from '../../../src/emulator-kit/decimal.js';
import { badRequest } from './errors.js';
import { LruCache } from '../../../src/emulator-kit/lru.js';
import { NORTHWIND_USERS, type ModelId } from './org.js';
import {
  CODE_EXECUTION_QUARTER_HOUR_RATE,
  TOKEN_TYPES,
  WEB_SEARCH_RATE,
  describeTokenCost,
  listRate,
  tokensOfType,
  type TokenCounts,
  type TokenType,
} from './pricing.js';
import { compareDims, groupInto, hasBeta, type RouteContext } from './route.js';
import {
  BUCKET_MS,
  BUCKET_WIDTHS,
  MINUTE_MS,
  ceilTo,
  daysOverlapping,
  floorTo,
  formatInstant,
  type BucketWidth,
} from './time.js';

export const MESSAGES_REPORT_PATH = '/v1/organizations/usage_report/messages';
export const COST_REPORT_PATH = '/v1/organizations/cost_report';
export const USERS_PATH = '/v1/organizations/users';

/** Usage lands about five minutes after the request; newer facts are not served yet. */
export const CONSOLE_DATA_LAG_MS = 5 * MINUTE_MS;
export const FAST_MODE_BETA = 'fast-mode-2026-02-01';

export const MESSAGES_LIMITS: Readonly<Record<BucketWidth, { fallback: number; max: number }>> = {
  '1d': { fallback: 7, max: 31 },
  '1h': { fallback: 24, max: 168 },
  '1m': { fallback: 60, max: 1440 },
};

export const MESSAGES_GROUP_BY = [
  'account_id',
  'api_key_id',
  'context_window',
  'inference_geo',
  'model',
  'service_account_id',
  'service_tier',
  'speed',
  'workspace_id',
] as const;
type MessagesDim = (typeof MESSAGES_GROUP_BY)[number];

interface BucketWindow {
  first: number;
  widthMs: number;
  /** Exclusive end of the last bucket. */
  end: number;
  /** Facts at or after this instant are not served yet; null once the whole range is settled. */
  cutoff: number | null;
  offset: number;
  count: number;
  mint(offset: number): string;
  incoming: string | undefined;
}

/**
 * Resolves the bucket range of a Console report. `ending_at` (or, absent, now) is rounded up to a
 * bucket boundary and capped at the bucket holding now; page 1 freezes that end and the data cutoff
 * into the cursor, so a paging sequence keeps one data boundary however long it takes.
 */
function bucketWindow(ctx: RouteContext, scope: string, widthMs: number): BucketWindow {
  const q = ctx.query;
  const startMs = q.requiredInstant('starting_at');
  const endParam = q.instant('ending_at');
  if (endParam !== null && endParam <= startMs) throw badRequest('ending_at: must be after starting_at');
  const { fingerprint, cursor } = readCursor(q, { scope, ignore: ['limit'] });
  const first = floorTo(startMs, widthMs);
  let end: number;
  let cutoff: number | null;
  if (cursor !== null) {
    if (typeof cursor.e !== 'number') throw badRequest('page: Invalid page token');
    end = cursor.e;
    cutoff = cursor.c;
  } else {
    const nowMs = ctx.now.getTime();
    const nowCeil = ceilTo(nowMs + 1, widthMs);
    end = Math.max(first, Math.min(endParam === null ? nowCeil : ceilTo(endParam, widthMs), nowCeil));
    const visible = floorTo(nowMs - CONSOLE_DATA_LAG_MS, MINUTE_MS);
    cutoff = visible >= end ? null : visible;
  }
  return {
    first,
    widthMs,
    end,
    cutoff,
    offset: cursor?.o ?? 0,
    count: Math.max(0, Math.round((end - first) / widthMs)),
    mint: (o) => encodeCursor({ f: fingerprint, o, e: end, c: cutoff }),
    incoming: q.one('page'),
  };
}

function windowKey(w: BucketWindow, limit: number, loop: boolean): string {
  return `${w.first}|${w.end}|${w.cutoff}|${w.offset}|${limit}|${loop ? `loop:${w.incoming ?? ''}` : ''}`;
}

// ---------------------------------------------------------------------------------------------------
// Messages usage report
// ---------------------------------------------------------------------------------------------------

interface MessagesFilters {
  models: string[];
  account_ids: string[];
  api_key_ids: string[];
  service_account_ids: string[];
  workspace_ids: string[];
  service_tiers: string[];
  context_window: string[];
  inference_geos: string[];
  speeds: string[];
}

function inList(list: string[], value: string | null): boolean {
  return list.length === 0 || (value !== null && list.includes(value));
}

function matchesMessages(f: MessagesFact, filters: MessagesFilters): boolean {
  return (
    inList(filters.models, f.model) &&
    inList(filters.account_ids, f.account_id) &&
    inList(filters.api_key_ids, f.api_key_id) &&
    inList(filters.service_account_ids, null) &&
    inList(filters.workspace_ids, f.workspace_id) &&
    inList(filters.service_tiers, f.service_tier) &&
    inList(filters.context_window, f.context_window) &&
    inList(filters.inference_geos, f.inference_geo) &&
    inList(filters.speeds, f.speed)
  );
}

function dimValue(f: MessagesFact, dim: MessagesDim): string | null {
  return dim === 'service_account_id' ? null : f[dim];
}

interface Group {
  dims: (string | null)[];
  sums: TokenSums;
}

interface TokenSums {
  uncached: number;
  cacheRead: number;
  write5m: number;
  write1h: number;
  output: number;
  webSearch: number;
}

function addFact(sums: TokenSums, f: MessagesFact): void {
  sums.uncached += f.uncached_input_tokens;
  sums.cacheRead += f.cache_read_input_tokens;
  sums.write5m += f.ephemeral_5m_input_tokens;
  sums.write1h += f.ephemeral_1h_input_tokens;
  sums.output += f.output_tokens;
  sums.webSearch += f.web_search_requests;
}

/** Visible facts in [from, to), oldest first. */
function* factsBetween(from: number, to: number, cutoff: number | null): Generator<MessagesFact> {
  const until = cutoff === null ? to : Math.min(to, cutoff);
  for (const day of daysOverlapping(from, until)) {
    for (const f of messagesUsageFacts(day)) if (f.at >= from && f.at < until) yield f;
  }
}

export function messagesReport(ctx: RouteContext): string {
  const q = ctx.query;
  const width = q.choice('bucket_width', BUCKET_WIDTHS, '1d');
  const limits = MESSAGES_LIMITS[width];
  const limit = q.int('limit', { min: 1, max: limits.max, fallback: limits.fallback });
  const groupBy = [...new Set(q.enumList('group_by', MESSAGES_GROUP_BY))];
  const filters: MessagesFilters = {
    models: q.many('models'),
    account_ids: q.many('account_ids'),
    api_key_ids: q.many('api_key_ids'),
    service_account_ids: q.many('service_account_ids'),
    workspace_ids: q.many('workspace_ids'),
    service_tiers: q.enumList('service_tiers', SERVICE_TIERS),
    context_window: q.enumList('context_window', CONTEXT_WINDOWS),
    inference_geos: q.enumList('inference_geos', INFERENCE_GEOS),
    speeds: q.enumList('speeds', SPEEDS),
  };
  if ((groupBy.includes('speed') || filters.speeds.length > 0) && !hasBeta(ctx, FAST_MODE_BETA)) {
    throw badRequest(`speed grouping and filtering require the anthropic-beta header ${FAST_MODE_BETA}`);
  }
  const w = bucketWindow(ctx, 'messages', BUCKET_MS[width]);
  const loop = ctx.controls.loopCursor;
  const key = `messages|${q.fingerprint(['page', 'limit'])}|${windowKey(w, limit, loop)}`;
  return ctx.cached(key, () => {
    const page = pageBounds(w.count, w.offset, limit, w.mint, { on: loop, incoming: w.incoming });
    const pageStart = w.first + page.from * w.widthMs;
    const buckets = Array.from({ length: page.to - page.from }, () => new Map<string, Group>());
    for (const f of factsBetween(pageStart, w.first + page.to * w.widthMs, w.cutoff)) {
      if (!matchesMessages(f, filters)) continue;
      const groups = buckets[Math.floor((f.at - pageStart) / w.widthMs)];
      if (groups === undefined) continue;
      const dims = groupBy.map((d) => dimValue(f, d));
      const key = JSON.stringify(dims);
      let g = groups.get(key);
      if (g === undefined) {
        g = { dims, sums: { uncached: 0, cacheRead: 0, write5m: 0, write1h: 0, output: 0, webSearch: 0 } };
        groups.set(key, g);
      }
      addFact(g.sums, f);
    }
    const data = buckets.map((groups, i) => {
      const startMs = pageStart + i * w.widthMs;
      const rows = [...groups.values()].sort((a, b) => compareDims(a.dims, b.dims));
      return {
        starting_at: formatInstant(startMs),
        ending_at: formatInstant(startMs + w.widthMs),
        results: rows.map((g) => messagesResult(groupBy, g.dims, g.sums)),
      };
    });
    return JSON.stringify({ data, has_more: page.hasMore, next_page: page.nextPage });
  });
}

function messagesResult(
  groupBy: readonly MessagesDim[],
  dims: readonly (string | null)[],
  s: TokenSums,
): object {
  const value = (d: MessagesDim): string | null => {
    const i = groupBy.indexOf(d);
    return i < 0 ? null : (dims[i] ?? null);
  };
  return {
    account_id: value('account_id'),
    api_key_id: value('api_key_id'),
    service_account_id: value('service_account_id'),
    workspace_id: value('workspace_id'),
    model: value('model'),
    service_tier: value('service_tier'),
    context_window: value('context_window'),
    inference_geo: value('inference_geo'),
    // `speed` left the result schema (2026-04) but grouping by it stayed: present only when grouped.
    ...(groupBy.includes('speed') ? { speed: value('speed') } : {}),
    uncached_input_tokens: s.uncached,
    cache_creation: { ephemeral_1h_input_tokens: s.write1h, ephemeral_5m_input_tokens: s.write5m },
    cache_read_input_tokens: s.cacheRead,
    output_tokens: s.output,
    server_tool_use: { web_search_requests: s.webSearch },
  };
}

// ---------------------------------------------------------------------------------------------------
// Cost report
// ---------------------------------------------------------------------------------------------------

export const COST_GROUP_BY = ['workspace_id', 'description'] as const;

export interface ConsoleCostLine {
  workspace_id: string | null;
  description: string;
  cost_type: 'tokens' | 'web_search' | 'code_execution';
  token_type: TokenType | null;
  model: ModelId | null;
  service_tier: 'standard' | 'batch' | null;
  context_window: string | null;
  inference_geo: string | null;
  /** Micro-cents (1e-6 US cents). */
  micro: bigint;
}

const settledCostLines = new LruCache<string, readonly ConsoleCostLine[]>(400);

/**
 * The day's billable lines per workspace: tokens × list price per (model, tier, context window, geo,
 * token type), web search and code execution. Priority Tier usage is billed outside this report.
 * Only facts before `cutoff` count (null = the whole day).
 */
export function consoleCostLines(day: string, cutoff: number | null = null): readonly ConsoleCostLine[] {
  const dayEnd = Date.parse(`${day}T00:00:00Z`) + DAY_MS;
  const settled = cutoff === null || cutoff >= dayEnd;
  if (settled) {
    const hit = settledCostLines.get(day);
    if (hit) return hit;
  }
  const visible = (at: number): boolean => settled || at < (cutoff ?? 0);
  const tokenGroups = groupInto(
    messagesUsageFacts(day).filter((f) => visible(f.at) && f.service_tier !== 'priority'),
    (f) => JSON.stringify([f.workspace_id, f.model, f.service_tier, f.context_window, f.inference_geo]),
    (f): { f: MessagesFact; t: TokenCounts; searches: number } => ({
      f,
      t: { uncached: 0, output: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 },
      searches: 0,
    }),
    (acc, f) => {
      acc.t.uncached += f.uncached_input_tokens;
      acc.t.output += f.output_tokens;
      acc.t.cacheRead += f.cache_read_input_tokens;
      acc.t.cacheWrite5m += f.ephemeral_5m_input_tokens;
      acc.t.cacheWrite1h += f.ephemeral_1h_input_tokens;
      acc.searches += f.web_search_requests;
    },
  );
  const lines: ConsoleCostLine[] = [];
  const searchesByWorkspace = new Map<string | null, number>();
  for (const { f, t, searches } of tokenGroups.values()) {
    const batch = f.service_tier === 'batch';
    const longContext = f.context_window === '200k-1M';
    for (const type of TOKEN_TYPES) {
      const tokens = tokensOfType(t, type);
      if (tokens === 0) continue;
      lines.push({
        workspace_id: f.workspace_id,
        description: describeTokenCost(f.model, type, { batch, longContext, geo: f.inference_geo }),
        cost_type: 'tokens',
        token_type: type,
        model: f.model,
        service_tier: batch ? 'batch' : 'standard',
        context_window: f.context_window,
        inference_geo: f.inference_geo,
        micro: costMicroCents(tokens, listRate(f.model, type, { batch, longContext })),
      });
    }
    searchesByWorkspace.set(f.workspace_id, (searchesByWorkspace.get(f.workspace_id) ?? 0) + searches);
  }
  const nonToken = (
    workspace_id: string | null,
    kind: 'web_search' | 'code_execution',
    micro: bigint,
  ): ConsoleCostLine => ({
    workspace_id,
    description: kind === 'web_search' ? 'Web Search Usage' : 'Code Execution Usage',
    cost_type: kind,
    token_type: null,
    model: null,
    service_tier: null,
    context_window: null,
    inference_geo: null,
    micro,
  });
  for (const [ws, searches] of searchesByWorkspace) {
    if (searches > 0) lines.push(nonToken(ws, 'web_search', costMicroCents(searches, WEB_SEARCH_RATE)));
  }
  const quarters = new Map<string | null, number>();
  for (const c of codeExecutionFacts(day)) {
    if (visible(c.at))
      quarters.set(c.workspace_id, (quarters.get(c.workspace_id) ?? 0) + c.container_quarter_hours);
  }
  for (const [ws, n] of quarters)
    lines.push(nonToken(ws, 'code_execution', costMicroCents(n, CODE_EXECUTION_QUARTER_HOUR_RATE)));
  const frozen = Object.freeze(lines);
  if (settled) settledCostLines.set(day, frozen);
  return frozen;
}

const LINE_FIELDS = [
  'description',
  'cost_type',
  'token_type',
  'model',
  'service_tier',
  'context_window',
  'inference_geo',
] as const;

export function costReport(ctx: RouteContext): string {
  const q = ctx.query;
  q.choice('bucket_width', ['1d'] as const, '1d');
  const limit = q.int('limit', { min: 1, max: 31, fallback: 7 });
  const groupBy = new Set(q.enumList('group_by', COST_GROUP_BY));
  const w = bucketWindow(ctx, 'cost_report', DAY_MS);
  const loop = ctx.controls.loopCursor;
  const key = `cost|${q.fingerprint(['page', 'limit'])}|${windowKey(w, limit, loop)}`;
  return ctx.cached(key, () => {
    const page = pageBounds(w.count, w.offset, limit, w.mint, { on: loop, incoming: w.incoming });
    const data = [];
    for (let i = page.from; i < page.to; i++) {
      const startMs = w.first + i * DAY_MS;
      const day = formatInstant(startMs).slice(0, 10);
      const groups = groupInto(
        consoleCostLines(day, w.cutoff),
        (l) =>
          JSON.stringify([
            groupBy.has('workspace_id') ? l.workspace_id : null,
            ...LINE_FIELDS.map((k) => (groupBy.has('description') ? l[k] : null)),
          ]),
        (l) => ({ line: l, micro: 0n }),
        (acc, l) => {
          acc.micro += l.micro;
        },
      );
      const byDescription = groupBy.has('description');
      const rows = [...groups.values()]
        .sort((a, b) =>
          compareDims(
            [
              groupBy.has('workspace_id') ? a.line.workspace_id : null,
              byDescription ? a.line.description : null,
            ],
            [
              groupBy.has('workspace_id') ? b.line.workspace_id : null,
              byDescription ? b.line.description : null,
            ],
          ),
        )
        .map(({ line, micro }) => ({
          amount: formatMicroCents(micro, 2),
          currency: 'USD',
          workspace_id: groupBy.has('workspace_id') ? line.workspace_id : null,
          description: byDescription ? line.description : null,
          cost_type: byDescription ? line.cost_type : null,
          token_type: byDescription ? line.token_type : null,
          model: byDescription ? line.model : null,
          service_tier: byDescription ? line.service_tier : null,
          context_window: byDescription ? line.context_window : null,
          inference_geo: byDescription ? line.inference_geo : null,
        }));
      data.push({
        starting_at: formatInstant(startMs),
        ending_at: formatInstant(startMs + DAY_MS),
        results: rows,
      });
    }
    return JSON.stringify({ data, has_more: page.hasMore, next_page: page.nextPage });
  });
}

// ---------------------------------------------------------------------------------------------------
// Users
// ---------------------------------------------------------------------------------------------------

/** Newest member first, as the Admin API lists organisation members. */
const CONSOLE_USERS = [...NORTHWIND_USERS].sort((a, b) =>
  a.added_at === b.added_at ? (a.id < b.id ? -1 : 1) : a.added_at > b.added_at ? -1 : 1,
);

export function usersList(ctx: RouteContext): string {
  const q = ctx.query;
  const limit = q.int('limit', { min: 1, max: 1000, fallback: 20 });
  const afterId = q.one('after_id');
  const beforeId = q.one('before_id');
  const email = q.one('email');
  if (afterId !== undefined && beforeId !== undefined)
    throw badRequest('after_id and before_id are mutually exclusive');
  const loop = ctx.controls.loopCursor;
  const key = `users|${limit}|${afterId ?? ''}|${beforeId ?? ''}|${email ?? ''}|${loop}`;
  return ctx.cached(key, () => {
    const list =
      email === undefined
        ? CONSOLE_USERS
        : CONSOLE_USERS.filter((u) => u.email_address.toLowerCase() === email.toLowerCase());
    const indexOf = (name: string, id: string): number => {
      const i = list.findIndex((u) => u.id === id);
      if (i < 0) throw badRequest(`${name}: no user with id ${id}`);
      return i;
    };
    let from = 0;
    let to = Math.min(list.length, limit);
    let hasMore = to < list.length;
    // loopCursor: the cursors are ignored and has_more never clears, like a broken upstream.
    if (!loop && afterId !== undefined) {
      from = indexOf('after_id', afterId) + 1;
      to = Math.min(list.length, from + limit);
      hasMore = to < list.length;
    } else if (!loop && beforeId !== undefined) {
      to = indexOf('before_id', beforeId);
      from = Math.max(0, to - limit);
      hasMore = from > 0;
    }
    const data = list.slice(from, to).map((u) => ({
      type: 'user',
      id: u.id,
      email: u.email_address,
      name: u.name,
      role: u.role,
      added_at: u.added_at,
    }));
    return JSON.stringify({
      data,
      has_more: loop ? true : hasMore,
      first_id: data[0]?.id ?? null,
      last_id: data[data.length - 1]?.id ?? null,
    });
  });
}
