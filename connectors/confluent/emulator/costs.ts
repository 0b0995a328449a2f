/**
 * `GET /billing/v1/costs` (confluent.md sections 2-4): `start_date` inclusive and `end_date`
 * exclusive as UTC `YYYY-MM-DD`, a window of at most one month, a start at most one year back,
 * `page_size` 1..10000 (default 5000) honoured on the first request, and `metadata.next`: a full
 * URL carrying an opaque `page_token` (at most 255 characters) that holds the query it belongs to.
 */
import { badRequest } from '../../../src/emulator-kit/errors.js';
import { formatDay, parseDay } from '../../../src/emulator-kit/dates.js';
import { pageBounds } from '../../../src/emulator-kit/paging.js';
import type { RouteContext } from '../../../src/emulator-kit/pipeline.js';
import type { QueryReader } from '../../../src/emulator-kit/query.js';
import { isOffset, tokenCodec } from '../../../src/emulator-kit/tokens.js';
import type { ConfluentControls, DateStyle } from './controls.js';
import { linesBetween, type CostLine } from './lines.js';

export const COSTS_PATH = '/billing/v1/costs';
export const DEFAULT_PAGE_SIZE = 5000;
export const MAX_PAGE_SIZE = 10000;
export const MAX_PAGE_TOKEN_CHARS = 255;

export interface CostsQuery {
  start: string;
  end: string;
  pageSize: number;
  offset: number;
  /** The page_token this request carried, if any. */
  token: string | undefined;
}

interface TokenState {
  start: string;
  end: string;
  pageSize: number;
  offset: number;
}

const pageToken = tokenCodec<TokenState>({
  prefix: 'dGtu',
  toWire: (s) => ({ s: s.start, e: s.end, z: s.pageSize, o: s.offset }),
  fromWire: (w) => {
    const { s, e, z, o } = w;
    if (typeof s !== 'string' || typeof e !== 'string' || parseDay(s) === null || parseDay(e) === null)
      return null;
    if (!isOffset(z) || z < 1 || z > MAX_PAGE_SIZE || !isOffset(o)) return null;
    return { start: s, end: e, pageSize: z, offset: o };
  },
});

/** `day` plus one calendar month, clamped to the last day of the shorter month (01-31 → 02-28). */
export function addOneMonth(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const lastOfNext = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return formatDay(Date.UTC(y, m, Math.min(d, lastOfNext)));
}

/** The earliest `start_date` accepted at `now`: the same calendar day a year earlier (UTC). */
export function earliestStart(now: Date): string {
  const y = now.getUTCFullYear() - 1;
  const m = now.getUTCMonth();
  const lastOfMonth = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return formatDay(Date.UTC(y, m, Math.min(now.getUTCDate(), lastOfMonth)));
}

function requiredDate(q: QueryReader, name: 'start_date' | 'end_date'): string {
  const text = q.one(name);
  if (text === undefined || text === '') throw badRequest(`${name} is required`);
  if (parseDay(text) === null) throw badRequest(`${name} must be a date in the format yyyy-mm-dd`);
  return text;
}

/** Validates the query as Confluent does; every failure is a 400 `Failure` naming the parameter. */
export function parseCostsQuery(q: QueryReader, now: Date): CostsQuery {
  const tokenText = q.one('page_token');
  if (tokenText !== undefined) {
    if (tokenText.length > MAX_PAGE_TOKEN_CHARS)
      throw badRequest(`page_token must be at most ${MAX_PAGE_TOKEN_CHARS} characters`);
    const state = pageToken.decode(tokenText);
    if (state === null) throw badRequest('page_token is invalid or has expired');
    const start = q.one('start_date');
    const end = q.one('end_date');
    if ((start !== undefined && start !== state.start) || (end !== undefined && end !== state.end))
      throw badRequest('page_token does not belong to this start_date and end_date');
    // page_size is honoured on the first request only; later pages keep the first one's.
    return { ...state, token: tokenText };
  }
  const start = requiredDate(q, 'start_date');
  const end = requiredDate(q, 'end_date');
  if (end <= start) throw badRequest('end_date must be after start_date');
  if (end > addOneMonth(start))
    throw badRequest('end_date must be at most one month after start_date; split longer ranges');
  const earliest = earliestStart(now);
  if (start < earliest)
    throw badRequest(`start_date must be at most one year in the past (on or after ${earliest})`);
  const pageSize = q.int('page_size', { min: 1, max: MAX_PAGE_SIZE, fallback: DEFAULT_PAGE_SIZE });
  return { start, end, pageSize, offset: 0, token: undefined };
}

/** `2026-03-04` or, in the CLI test server's style, `2026-03-04 00:00:00`. */
function styled(day: string, style: DateStyle): string {
  return style === 'datetime' ? `${day} 00:00:00` : day;
}

function withDateStyle(line: CostLine, style: DateStyle): CostLine {
  if (style === 'date') return line;
  return { ...line, start_date: styled(line.start_date, style), end_date: styled(line.end_date, style) };
}

/** The address clients reached this emulator at, for the full URLs in `metadata.next`. */
export function originOf(ctx: RouteContext<ConfluentControls>): string {
  return `http://${ctx.header('host') ?? '127.0.0.1'}`;
}

/** One page of the cost list, pre-serialized and cached per query, page, knobs and day of `now`. */
export function costsPage(ctx: RouteContext<ConfluentControls>, q: CostsQuery): string {
  const { dateStyle, maxPageItems, loopPaging } = ctx.controls;
  const size = Math.min(q.pageSize, maxPageItems ?? q.pageSize);
  const origin = originOf(ctx);
  const today = formatDay(ctx.now.getTime());
  const key = ['costs', q.start, q.end, q.pageSize, q.offset, size, dateStyle, loopPaging, origin, today];
  return ctx.cached(key.join('|'), () => {
    const lines = linesBetween(q.start, q.end, ctx.now);
    const mint = (offset: number): string =>
      pageToken.encode({ start: q.start, end: q.end, pageSize: q.pageSize, offset });
    const page = pageBounds(lines.length, q.offset, size, mint, { on: loopPaging, incoming: q.token });
    const next =
      page.nextPage === null
        ? null
        : `${origin}${COSTS_PATH}?${new URLSearchParams({ page_size: String(q.pageSize), page_token: page.nextPage }).toString()}`;
    return JSON.stringify({
      api_version: 'billing/v1',
      kind: 'CostList',
      metadata: { next },
      data: lines.slice(page.from, page.to).map((l) => withDateStyle(l.line, dateStyle)),
    });
  });
}
