/**
 * Cursors of the bucketed and analytics reports: `page_` + base64url of a small JSON object holding
 * the query fingerprint, the offset, and whatever page 1 resolved from the clock (the default end of
 * the range, the data cutoff) so a paging sequence keeps one fixed data boundary.
 */
import { ApiError, badRequest } from './errors.js';
import type { QueryReader } from './query.js';

export interface Cursor {
  /** QueryReader.fingerprint of the query that minted it. */
  f: string;
  /** Position of the first item of the page. */
  o: number;
  /** Range end resolved on page 1 (epoch ms or a `YYYY-MM-DD`), when it defaulted from the clock. */
  e: number | string | null;
  /** Data cutoff (epoch ms) resolved on page 1; null when the range was already settled. */
  c: number | null;
}

export function encodeCursor(cursor: Cursor): string {
  const { f, o, e, c } = cursor;
  return `page_${Buffer.from(JSON.stringify({ f, o, e, c })).toString('base64url')}`;
}

export function decodeCursor(token: string): Cursor | null {
  if (!token.startsWith('page_')) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token.slice(5), 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { f, o, e, c } = parsed as Record<string, unknown>;
  if (typeof f !== 'string' || typeof o !== 'number' || !Number.isSafeInteger(o) || o < 0) return null;
  if (e !== null && typeof e !== 'number' && typeof e !== 'string') return null;
  if (c !== null && typeof c !== 'number') return null;
  const cursor: Cursor = { f, o, e, c };
  // Re-encoding catches anything this emulator did not mint (the base64 decoder is lenient).
  return encodeCursor(cursor) === token ? cursor : null;
}

export interface CursorRules {
  /** The endpoint, so a cursor never crosses from one report to another with the same parameters. */
  scope: string;
  /** Parameters that may change between pages without invalidating the cursor. */
  ignore: readonly string[];
  /** Consulted for a well-formed, matching cursor: true answers 410 (an expired cursor). */
  expire?: () => boolean;
}

/** The request's cursor, or null on page 1; 400 for a foreign or forged cursor, 410 if expired. */
export function readCursor(
  q: QueryReader,
  rules: CursorRules,
): { fingerprint: string; cursor: Cursor | null } {
  const fingerprint = q.fingerprint(['page', ...rules.ignore], rules.scope);
  const token = q.one('page');
  if (token === undefined) return { fingerprint, cursor: null };
  const cursor = decodeCursor(token);
  if (cursor === null) throw badRequest('page: Invalid page token');
  if (cursor.f !== fingerprint) {
    throw badRequest(
      'page: Page token does not match this query; resend exactly the parameters of the request that returned it',
    );
  }
  if (rules.expire?.()) {
    throw new ApiError(
      410,
      'invalid_request_error',
      'page: Page token has expired after a data refresh; restart from the first page',
    );
  }
  return { fingerprint, cursor };
}

export interface PageBounds {
  /** Items [from, to) of the full list form this page. */
  from: number;
  to: number;
  hasMore: boolean;
  nextPage: string | null;
}

/**
 * Which of `total` items page `offset`/`limit` holds, and its next cursor. With `loop` (the
 * loopCursor knob) the cursor never advances: a request that carried one gets it back, and has_more
 * stays true.
 */
export function pageBounds(
  total: number,
  offset: number,
  limit: number,
  mint: (offset: number) => string,
  loop: { on: boolean; incoming: string | undefined },
): PageBounds {
  const from = Math.min(offset, total);
  const to = Math.min(total, from + limit);
  if (loop.on) return { from, to, hasMore: true, nextPage: loop.incoming ?? mint(to) };
  const hasMore = to < total;
  return { from, to, hasMore, nextPage: hasMore ? mint(to) : null };
}
