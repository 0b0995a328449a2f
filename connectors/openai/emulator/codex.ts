/**
 * The ChatGPT Enterprise Codex Analytics `/usage` endpoint and the organisation users list.
 * Codex rows follow the shape third-party clients rebuilt (the official schema is not public):
 * one record per user and UTC day (or ISO week), time-ordered, cursor-paged, 90 days of look-back.
 */
import {
  DAY_MS,
  EmulatorError,
  badRequest,
  formatDay,
  isOffset,
  pageBounds,
  tokenCodec,
  type RouteContext,
} from '../../../src/emulator-kit/index.js';
import { USERS, WORKSPACE_ID, codexDay, hasData, type CodexClientDay, type CodexUserDay } from './org.js';

export const CODEX_LOOKBACK_DAYS = 90;
export const CODEX_LIMITS = { default: 20, max: 100 } as const;

interface CodexState {
  offset: number;
  fingerprint: string;
}
const cursors = tokenCodec<CodexState>({
  prefix: 'cdx_',
  toWire: (s) => ({ o: s.offset, f: s.fingerprint }),
  fromWire: (w) => (isOffset(w.o) && typeof w.f === 'string' ? { offset: w.o, fingerprint: w.f } : null),
});

export interface CodexQuery {
  start: number;
  end: number;
  groupBy: 'day' | 'week';
  workspaceRows: boolean;
  limit: number;
  offset: number;
  token: string | undefined;
}

function seconds(ctx: RouteContext, name: string): number | undefined {
  const text = ctx.query.one(name);
  if (text === undefined) return undefined;
  if (!/^\d{1,11}$/.test(text)) throw badRequest(`${name} must be a Unix timestamp in seconds`);
  return Number(text);
}

export function codexInput(ctx: RouteContext): CodexQuery {
  if (ctx.params.workspace_id !== WORKSPACE_ID) {
    throw new EmulatorError(
      404,
      'not_found',
      `Workspace ${ctx.params.workspace_id ?? ''} not found for this key`,
    );
  }
  const start = seconds(ctx, 'start_time');
  if (start === undefined) throw badRequest('start_time is required');
  const nowS = Math.floor(ctx.now.getTime() / 1000);
  const end = seconds(ctx, 'end_time') ?? nowS;
  if (end <= start) throw badRequest('end_time must be after start_time');
  if (start < nowS - CODEX_LOOKBACK_DAYS * 86_400) {
    throw badRequest(`start_time is more than ${CODEX_LOOKBACK_DAYS} days in the past`);
  }
  const groupBy = ctx.query.choice('group_by', ['day', 'week'], 'day');
  const group = ctx.query.one('group');
  if (group !== undefined && group !== 'workspace') throw badRequest(`group must be 'workspace'`);
  const limit = ctx.query.int('limit', { min: 1, max: CODEX_LIMITS.max, fallback: CODEX_LIMITS.default });
  const token = ctx.query.one('page');
  let offset = 0;
  if (token !== undefined) {
    const state = cursors.decode(token);
    if (state === null || state.fingerprint !== ctx.query.fingerprint(['page'], 'codex')) {
      throw badRequest('page is not a cursor from a previous response to this query');
    }
    offset = state.offset;
  }
  return { start, end, groupBy, workspaceRows: group === 'workspace', limit, offset, token };
}

function addClients(a: CodexClientDay[], b: CodexClientDay[]): CodexClientDay[] {
  const out = new Map(a.map((c) => [c.client_id, { ...c }]));
  for (const c of b) {
    const prev = out.get(c.client_id);
    if (!prev) out.set(c.client_id, { ...c });
    else
      for (const k of Object.keys(c) as (keyof CodexClientDay)[])
        if (k !== 'client_id') (prev[k] as number) += c[k] as number;
  }
  return [...out.values()];
}

function record(
  s: number,
  e: number,
  userId: string | null,
  email: string | null,
  days: CodexUserDay[],
): object {
  const clients = days.reduce<CodexClientDay[]>((acc, d) => addClients(acc, d.clients), []);
  const totals = {
    threads: clients.reduce((x, c) => x + c.threads, 0),
    turns: clients.reduce((x, c) => x + c.turns, 0),
    credits: clients.reduce((x, c) => x + c.credits, 0),
  };
  return {
    object: 'codex.usage',
    start_time: s,
    end_time: e,
    user_id: userId,
    ...(userId ? { actor: { type: 'user', user_id: userId, email } } : {}),
    totals,
    clients,
    models: [{ model: 'gpt-5.1-codex-max', credits: totals.credits, speed: null }],
    code_attribution: {
      lines_added: days.reduce((x, d) => x + d.linesAdded, 0),
      lines_removed: days.reduce((x, d) => x + d.linesRemoved, 0),
    },
  };
}

export function codexBody(ctx: RouteContext, q: CodexQuery): string {
  const width = q.groupBy === 'day' ? 1 : 7;
  const rows: object[] = [];
  // UTC days (weeks start on Monday); a partial first or last period is cut at the bounds.
  let day = Math.floor(q.start / 86_400) * 86_400;
  if (width === 7) day -= ((new Date(day * 1000).getUTCDay() + 6) % 7) * 86_400;
  for (; day < q.end; day += width * 86_400) {
    const s = Math.max(day, q.start);
    const e = Math.min(day + width * 86_400, q.end);
    const perUser = new Map<string, CodexUserDay[]>();
    for (let d = day; d < day + width * 86_400; d += 86_400) {
      if (d < Math.floor(q.start / 86_400) * 86_400 || d >= q.end) continue;
      const name = formatDay(d * 1000);
      if (!hasData(name, ctx.now) || (d + 86_400) * 1000 > ctx.now.getTime()) continue;
      for (const u of codexDay(name)) perUser.set(u.userId, [...(perUser.get(u.userId) ?? []), u]);
    }
    if (perUser.size === 0) continue;
    if (q.workspaceRows) rows.push(record(s, e, null, null, [...perUser.values()].flat()));
    else for (const [userId, days] of perUser) rows.push(record(s, e, userId, days[0]!.email, days));
  }
  const fingerprint = ctx.query.fingerprint(['page'], 'codex');
  const p = pageBounds(rows.length, q.offset, q.limit, (o) => cursors.encode({ offset: o, fingerprint }), {
    on: ctx.controls.loopPaging,
    incoming: q.token,
  });
  return JSON.stringify({
    object: 'page',
    data: rows.slice(p.from, p.to),
    has_more: p.hasMore,
    next_page: p.nextPage,
  });
}

/** `GET /v1/organization/users`: `limit` 1–100 (default 20), `after` an id, `emails[]` filter. */
export function usersBody(ctx: RouteContext): object {
  const limit = ctx.query.int('limit', { min: 1, max: 100, fallback: 20 });
  const after = ctx.query.one('after');
  const emails = ctx.query.many('emails').map((e) => e.toLowerCase());
  const list = USERS.filter((u) => emails.length === 0 || emails.includes(u.email.toLowerCase()));
  let from = 0;
  if (after !== undefined) {
    const at = list.findIndex((u) => u.id === after);
    if (at < 0) throw badRequest(`Invalid 'after': no user ${after}`);
    from = at + 1;
  }
  const data = list.slice(from, from + limit);
  return {
    object: 'list',
    data,
    first_id: data[0]?.id ?? null,
    last_id: data[data.length - 1]?.id ?? null,
    has_more: from + limit < list.length,
  };
}

export { DAY_MS };
