/**
 * Fake of Cursor's Admin API (provider notes, cursor.md sections 2-5 and 8) over the Halcyon Tools
 * team, on the emulator kit: HTTP Basic with the key as user name and an empty password, POST
 * bodies with typed fields, the 30-day cap of daily usage, page sizes, the per-minute limits per
 * team (20 on most endpoints, 60 on usage events; no rate headers, a Retry-After on 429 only), and
 * Cursor's error body `{ error, message }`.
 *
 * - `GET /teams/members`
 * - `POST /teams/daily-usage-data` (paged mode with page + pageSize: every member; otherwise active users only)
 * - `POST /teams/filtered-usage-events` (both bounds inclusive, pageSize ≤ 1000)
 * - `POST /teams/spend` (the current billing cycle)
 */
import {
  DAY_MS,
  EmulatorError,
  buildEmulator,
  formatDay,
  formatMicroCents,
  listen,
  numberedPage,
  randomId,
  route,
  type ErrorInfo,
  type RouteContext,
  type RouteFamily,
  type RouteSpec,
} from '../../../src/emulator-kit/index.js';
import type { FastifyInstance } from 'fastify';
import { BodyReader, checkRange } from './body.js';
import { CURSOR_KNOB_SPECS, CursorControls } from './controls.js';
import { cycleSpend, cycleStart, dailyRow, eventsBetween, firstDay, type DailyRow } from './facts.js';
import {
  MEMBERS,
  OTHER_TEAM_API_KEY,
  SANDBOX_API_KEY,
  TEAM_PER_USER_LIMIT_DOLLARS,
  memberByEmail,
  memberOn,
} from './team.js';

export const MEMBERS_PATH = '/teams/members';
export const DAILY_USAGE_PATH = '/teams/daily-usage-data';
export const USAGE_EVENTS_PATH = '/teams/filtered-usage-events';
export const SPEND_PATH = '/teams/spend';

export const DAILY_MAX_DAYS = 30;
export const DAILY_MAX_PAGE_SIZE = 500;
export const EVENTS_DEFAULT_PAGE_SIZE = 100;
export const EVENTS_MAX_PAGE_SIZE = 1000;
export const SPEND_MAX_PAGE_SIZE = 500;

type Ctx = RouteContext<CursorControls>;

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Cursor's error body: the status reason and a detail. */
export function cursorError({ status, message }: ErrorInfo): { error: string; message: string } {
  return { error: REASONS[status] ?? 'Error', message };
}

const RATE_MESSAGE = 'Rate limit exceeded. Please try again later.';

/** The team a request belongs to: its key (the Basic user name). */
function teamOf(header: (name: string) => string | undefined): string {
  const m = /^Basic\s+(\S+)/i.exec(header('authorization') ?? '');
  const decoded = m?.[1] ? Buffer.from(m[1], 'base64').toString('utf8') : '';
  return decoded.split(':')[0] ?? '';
}

function families(controls: CursorControls, keys: readonly string[]): Record<string, RouteFamily> {
  const auth = {
    credentials: { scheme: 'basic' as const, accounts: keys.map((user) => ({ user, password: '' })) },
    missing: { status: 401, kind: 'authentication' as const, message: 'Missing API key' },
    invalid: { status: 401, kind: 'authentication' as const, message: 'Invalid API key' },
  };
  return {
    admin: {
      auth,
      rateLimit: {
        limiter: controls.adminWindow,
        key: teamOf,
        limit: () => controls.adminRateLimitPerMinute,
        message: RATE_MESSAGE,
      },
    },
    events: {
      auth,
      rateLimit: {
        limiter: controls.eventsWindow,
        key: teamOf,
        limit: () => controls.eventsRateLimitPerMinute,
        message: RATE_MESSAGE,
      },
    },
  };
}

/** Only the sandbox team has members and usage; the other key is an empty team. */
function isHalcyon(ctx: Ctx): boolean {
  return teamOf(ctx.header) === SANDBOX_API_KEY;
}

// ---------------------------------------------------------------------------------------------
// GET /teams/members

function members(ctx: Ctx): string {
  if (!isHalcyon(ctx)) return JSON.stringify({ teamMembers: [] });
  return ctx.cached('members', () =>
    JSON.stringify({
      teamMembers: MEMBERS.map((m) => ({
        id: m.id,
        email: m.email,
        name: m.name,
        role: m.role,
        isRemoved: m.removed !== undefined,
      })),
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// POST /teams/daily-usage-data

interface DailyQuery {
  start: number;
  end: number;
  paged: { page: number; pageSize: number } | null;
}

function dailyQuery(ctx: Ctx): DailyQuery {
  const body = new BodyReader(ctx.body);
  const start = body.requiredEpochMs('startDate');
  const end = body.requiredEpochMs('endDate');
  checkRange(start, end, DAILY_MAX_DAYS);
  const page = body.optionalInt('page');
  const pageSize = body.optionalInt('pageSize');
  if ((page === undefined) !== (pageSize === undefined)) {
    throw new EmulatorError(400, 'invalid_request', 'page and pageSize must be given together');
  }
  if (page === undefined || pageSize === undefined) return { start, end, paged: null };
  if (page < 1) throw new EmulatorError(400, 'invalid_request', 'page must be at least 1');
  if (pageSize < 1 || pageSize > DAILY_MAX_PAGE_SIZE) {
    throw new EmulatorError(400, 'invalid_request', `pageSize must be between 1 and ${DAILY_MAX_PAGE_SIZE}`);
  }
  return { start, end, paged: { page, pageSize } };
}

/** The UTC days whose [00:00, 24:00) overlaps [start, end) and that the team has data for. */
function daysOf(start: number, end: number, now: Date): string[] {
  const first = firstDay(now);
  const today = formatDay(now.getTime());
  const days: string[] = [];
  for (let d = Math.floor(start / DAY_MS) * DAY_MS; d < Math.max(end, start + 1); d += DAY_MS) {
    const day = formatDay(d);
    if (day >= first && day <= today) days.push(day);
  }
  return days;
}

function dailyUsage(ctx: Ctx, q: DailyQuery): string {
  const loop = ctx.controls.loopPaging;
  const key = `daily|${teamOf(ctx.header)}|${ctx.now.getTime()}|${q.start}|${q.end}|${q.paged?.page}|${q.paged?.pageSize}|${loop}`;
  return ctx.cached(key, () => {
    const days = isHalcyon(ctx) ? daysOf(q.start, q.end, ctx.now) : [];
    const firstDayOf = days[0] ?? '9999-12-31';
    const lastDayOf = days[days.length - 1] ?? '0000-01-01';
    const period = { startDate: q.start, endDate: q.end };
    if (q.paged === null) {
      // Without paging: only users with activity in the range.
      const data: DailyRow[] = [];
      for (const day of days) {
        for (const m of MEMBERS) if (memberOn(m, day)) data.push(dailyRow(m, day, ctx.now));
      }
      return JSON.stringify({ data: data.filter((r) => r.isActive), period });
    }
    // Paged: every member with a membership during the range, isActive telling who did anything.
    const users = isHalcyon(ctx)
      ? MEMBERS.filter((m) => m.joined <= lastDayOf && (m.removed === undefined || m.removed >= firstDayOf))
      : [];
    const p = numberedPage(users.length, loop ? 1 : q.paged.page, q.paged.pageSize);
    const data: DailyRow[] = [];
    for (const day of days) {
      for (const m of users.slice(p.from, p.to)) if (memberOn(m, day)) data.push(dailyRow(m, day, ctx.now));
    }
    return JSON.stringify({
      data,
      period,
      pagination: {
        page: p.page,
        pageSize: p.pageSize,
        totalUsers: users.length,
        totalPages: p.totalPages,
        hasNextPage: loop || p.hasNextPage,
        hasPreviousPage: p.page > 1,
      },
    });
  });
}

// ---------------------------------------------------------------------------------------------
// POST /teams/filtered-usage-events

const HOSTING_TYPES = ['CLOUD', 'SELF_HOSTED', 'SELF_HOSTED_POOL', 'SELF_HOSTED_MACHINE'] as const;

interface EventsQuery {
  start: number;
  end: number;
  email: string | undefined;
  userId: number | undefined;
  page: number;
  pageSize: number;
  cloudAgentId: string | undefined;
}

function eventsQuery(ctx: Ctx): EventsQuery {
  const body = new BodyReader(ctx.body);
  const end = body.epochMs('endDate') ?? ctx.now.getTime();
  const start = body.epochMs('startDate') ?? end - 7 * DAY_MS;
  checkRange(start, end);
  if (body.has('hostingType')) body.oneOf('hostingType', HOSTING_TYPES, 'CLOUD');
  body.string('serviceAccountId');
  body.string('automationId');
  return {
    start,
    end,
    email: body.string('email'),
    userId: body.optionalInt('userId'),
    page: body.int('page', { min: 1, max: 1_000_000, fallback: 1 }),
    pageSize: body.int('pageSize', { min: 1, max: EVENTS_MAX_PAGE_SIZE, fallback: EVENTS_DEFAULT_PAGE_SIZE }),
    cloudAgentId: body.string('cloudAgentId'),
  };
}

function usageEvents(ctx: Ctx, q: EventsQuery): string {
  const loop = ctx.controls.loopPaging;
  const key = `events|${teamOf(ctx.header)}|${ctx.now.getTime()}|${JSON.stringify(q)}|${loop}`;
  return ctx.cached(key, () => {
    let events = isHalcyon(ctx) ? eventsBetween(q.start, q.end, ctx.now) : [];
    if (q.email !== undefined) {
      const wanted = q.email.toLowerCase();
      events = events.filter((e) => e.member.email.toLowerCase() === wanted);
    }
    if (q.userId !== undefined) events = events.filter((e) => e.member.numericId === q.userId);
    if (q.cloudAgentId !== undefined) {
      events = events.filter((e) =>
        q.cloudAgentId === '*' ? e.wire.cloudAgentId !== undefined : e.wire.cloudAgentId === q.cloudAgentId,
      );
    }
    // Newest first, as Cursor lists them.
    const ordered = [...events].reverse();
    const p = numberedPage(ordered.length, loop ? 1 : q.page, q.pageSize);
    return JSON.stringify({
      totalUsageEventsCount: ordered.length,
      pagination: {
        numPages: p.totalPages,
        currentPage: p.page,
        pageSize: p.pageSize,
        hasNextPage: loop || p.hasNextPage,
        hasPreviousPage: p.page > 1,
      },
      usageEvents: ordered.slice(p.from, p.to).map((e) => e.wire),
      period: { startDate: q.start, endDate: q.end },
    });
  });
}

// ---------------------------------------------------------------------------------------------
// POST /teams/spend

interface SpendQuery {
  searchTerm: string | undefined;
  sortBy: 'amount' | 'date' | 'user';
  sortDirection: 'asc' | 'desc';
  page: number;
  pageSize: number;
}

function spendQuery(ctx: Ctx): SpendQuery {
  const body = new BodyReader(ctx.body);
  return {
    searchTerm: body.string('searchTerm'),
    sortBy: body.oneOf('sortBy', ['amount', 'date', 'user'] as const, 'date'),
    sortDirection: body.oneOf('sortDirection', ['asc', 'desc'] as const, 'desc'),
    page: body.int('page', { min: 1, max: 1_000_000, fallback: 1 }),
    pageSize: body.int('pageSize', { min: 1, max: SPEND_MAX_PAGE_SIZE, fallback: 100 }),
  };
}

function spend(ctx: Ctx, q: SpendQuery): string {
  const key = `spend|${teamOf(ctx.header)}|${ctx.now.getTime()}|${JSON.stringify(q)}`;
  return ctx.cached(key, () => {
    const term = q.searchTerm?.toLowerCase();
    let rows = isHalcyon(ctx) ? cycleSpend(ctx.now).filter((s) => s.member.removed === undefined) : [];
    if (term)
      rows = rows.filter(
        (s) => s.member.name.toLowerCase().includes(term) || s.member.email.toLowerCase().includes(term),
      );
    const sign = q.sortDirection === 'asc' ? 1 : -1;
    const by = {
      amount: (a: (typeof rows)[number], b: (typeof rows)[number]) =>
        a.overallMicro < b.overallMicro ? -1 : a.overallMicro > b.overallMicro ? 1 : 0,
      date: (a: (typeof rows)[number], b: (typeof rows)[number]) =>
        (a.lastEventMs ?? 0) - (b.lastEventMs ?? 0),
      user: (a: (typeof rows)[number], b: (typeof rows)[number]) =>
        a.member.name.localeCompare(b.member.name),
    }[q.sortBy];
    rows = [...rows].sort((a, b) => sign * by(a, b) || a.member.email.localeCompare(b.member.email));
    const p = numberedPage(rows.length, q.page, q.pageSize);
    return JSON.stringify({
      teamMemberSpend: rows.slice(p.from, p.to).map((s) => ({
        userId: s.member.id,
        name: s.member.name,
        email: s.member.email,
        role: s.member.role,
        spendCents: Number(formatMicroCents(s.onDemandMicro, 0)),
        overallSpendCents: Number(formatMicroCents(s.overallMicro, 0)),
        fastPremiumRequests: s.fastPremiumRequests,
        hardLimitOverrideDollars: s.member.hardLimitOverrideDollars,
        monthlyLimitDollars: s.member.monthlyLimitDollars,
        effectivePerUserLimitDollars: s.member.hardLimitOverrideDollars || TEAM_PER_USER_LIMIT_DOLLARS,
      })),
      subscriptionCycleStart: cycleStart(ctx.now),
      totalMembers: rows.length,
      totalPages: p.totalPages,
    });
  });
}

// ---------------------------------------------------------------------------------------------

const ROUTES: RouteSpec<CursorControls, unknown>[] = [
  route<CursorControls>({ path: MEMBERS_PATH, family: 'admin', handle: members }),
  route<CursorControls, DailyQuery>({
    method: 'POST',
    path: DAILY_USAGE_PATH,
    family: 'admin',
    validate: dailyQuery,
    handle: dailyUsage,
  }),
  route<CursorControls, EventsQuery>({
    method: 'POST',
    path: USAGE_EVENTS_PATH,
    family: 'events',
    validate: eventsQuery,
    handle: usageEvents,
  }),
  route<CursorControls, SpendQuery>({
    method: 'POST',
    path: SPEND_PATH,
    family: 'admin',
    validate: spendQuery,
    handle: spend,
  }),
];

export interface CursorEmulatorOptions {
  /** Keys accepted (each a team); default the sandbox team's and an empty second team's. */
  apiKeys?: readonly string[];
  /** Clock for the 90-day history and the billing cycle; a function lets a test move time. */
  now?: Date | (() => Date);
  controls?: CursorControls;
  logger?: boolean;
}

export function buildCursorEmulator(opts: CursorEmulatorOptions = {}): FastifyInstance {
  const controls = opts.controls ?? new CursorControls();
  return buildEmulator({
    controls,
    errorBody: cursorError,
    requestId: { header: 'x-request-id', make: () => randomId('req_', 20) },
    families: families(controls, opts.apiKeys ?? [SANDBOX_API_KEY, OTHER_TEAM_API_KEY]),
    routes: ROUTES,
    faultErrors: {
      429: { kind: 'rate_limit', message: RATE_MESSAGE },
      500: { kind: 'server', message: 'An unexpected error occurred' },
      503: { kind: 'overloaded', message: 'Service temporarily unavailable' },
    },
    knobSpecs: CURSOR_KNOB_SPECS,
    now: opts.now,
    cacheSize: 4096,
    logger: opts.logger ?? false,
  });
}

export interface RunningCursorEmulator {
  url: string;
  app: FastifyInstance;
  controls: CursorControls;
  close(): Promise<void>;
}

export async function startCursorEmulator(
  opts: CursorEmulatorOptions & { host?: string; port?: number } = {},
): Promise<RunningCursorEmulator> {
  const { host = '127.0.0.1', port = 0, ...rest } = opts;
  const controls = rest.controls ?? new CursorControls();
  const app = buildCursorEmulator({ ...rest, controls });
  const { url, close } = await listen(app, host, port);
  return { url, app, controls, close };
}

export { memberByEmail };
