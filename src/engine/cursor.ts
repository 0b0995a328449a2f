import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors.js';

/** Where paging stands: which date window, which vendor page in it, how many of its rows were sent. */
export interface PageState {
  /** Index of the plan's step (a date window of one source, or of sources merged). */
  w: number;
  /** Vendor page token or number of the current vendor page; null for the window's first page. */
  p: string | number | null;
  /** Rows of the current vendor page (or of the whole window, for aggregated reports) already returned. */
  o: number;
}

/** Everything a replica needs to continue: the paging state plus what the query was. */
export interface CursorPayload {
  v: 1;
  /** Hash of the query the cursor belongs to. */
  q: string;
  /** The resolved date range, fixed at the first page so defaults relative to "now" do not drift. */
  r: [string, string];
  s: PageState;
  /** When the first page was planned: availability and settled periods are judged as of then. */
  n?: string;
}

const VERSION = 1;

/**
 * Opaque, HMAC-signed cursors. Any replica with the same key can continue any cursor; a changed
 * byte, another key or another query is refused with a 400 that says what to do.
 */
export class CursorCodec {
  private readonly key: Buffer;

  constructor(key: string | Buffer) {
    this.key = createHash('sha256').update('meterway-cursor\0').update(key).digest();
  }

  encode(payload: CursorPayload): string {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  decode(cursor: string, queryHash: string): CursorPayload {
    const dot = cursor.lastIndexOf('.');
    const invalid = (why: string) =>
      new AppError('invalid_cursor', `The cursor is not valid (${why}). Start again without next_cursor.`, {
        details: { parameter: 'next_cursor' },
      });
    if (dot <= 0) throw invalid('malformed');
    const body = cursor.slice(0, dot);
    const given = Buffer.from(cursor.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.sign(body), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw invalid('signature mismatch');
    let payload: CursorPayload;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as CursorPayload;
    } catch {
      throw invalid('malformed');
    }
    if (payload.v !== VERSION) throw invalid('from another gateway version');
    if (payload.n !== undefined && (typeof payload.n !== 'string' || Number.isNaN(Date.parse(payload.n))))
      throw invalid('malformed');
    if (payload.q !== queryHash) {
      throw new AppError(
        'cursor_query_mismatch',
        'This cursor belongs to a request with other parameters (account, report type, dates, filters or remote_query). Resend the original parameters with it, or start again without next_cursor.',
        { details: { parameter: 'next_cursor' } },
      );
    }
    return payload;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url').slice(0, 32);
  }
}

/** Parameters that only shape the response: a cursor may be reused with other values of these. */
const PRESENTATION_PARAMS = new Set([
  'next_cursor',
  'cursor',
  'limit',
  'truto_response_format',
  'truto_key_by',
  'truto_ignore_limit',
  'truto_ignore_remote_data',
  'truto_exclude_fields',
]);

/** A stable hash of the parameters that decide which rows exist. */
export function queryHash(tenant: string, query: Record<string, unknown>): string {
  const relevant = Object.keys(query)
    .filter((k) => !PRESENTATION_PARAMS.has(k) && query[k] !== undefined)
    .sort()
    .map((k) => [k, canonical(query[k])]);
  return createHash('sha256')
    .update(JSON.stringify([tenant, relevant]))
    .digest('base64url')
    .slice(0, 22);
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.keys(v)
      .sort()
      .map((k) => [k, canonical((v as Record<string, unknown>)[k])]);
  }
  return v;
}
