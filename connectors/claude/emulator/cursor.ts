/**
 * Cursors of the bucketed and analytics reports: `page_` + base64url of a small JSON object holding
 * the query fingerprint, the offset, and whatever page 1 resolved from the clock (the default end of
 * the range, the data cutoff) so a paging sequence keeps one fixed data boundary.
 */
import { EmulatorError, badRequest } from '../../../src/emulator-kit/errors.js';
import type { QueryReader } from '../../../src/emulator-kit/query.js';
import { isOffset, tokenCodec } from '../../../src/emulator-kit/tokens.js';

export { pageBounds, type PageBounds } from '../../../src/emulator-kit/paging.js';

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

const codec = tokenCodec<Cursor>({
  prefix: 'page_',
  toWire: ({ f, o, e, c }) => ({ f, o, e, c }),
  fromWire: ({ f, o, e, c }) => {
    if (typeof f !== 'string' || !isOffset(o)) return null;
    if (e !== null && typeof e !== 'number' && typeof e !== 'string') return null;
    if (c !== null && typeof c !== 'number') return null;
    return { f, o, e, c };
  },
});

export const encodeCursor = codec.encode;
export const decodeCursor = codec.decode;

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
    throw new EmulatorError(
      410,
      'gone',
      'page: Page token has expired after a data refresh; restart from the first page',
    );
  }
  return { fingerprint, cursor };
}
