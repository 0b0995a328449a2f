/** HTTP helpers shared by the emulator test suites (real loopback requests, no mocks). */
import type { Test } from 'tap';

export type Params = Record<string, string | readonly string[] | undefined>;

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
}

/** Builds a URL; array values become repeated `name[]=…` pairs, as the vendor expects. */
export function url(base: string, path: string, params: Params = {}): URL {
  const u = new URL(path, base);
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (typeof value === 'string') u.searchParams.append(key, value);
    else for (const v of value) u.searchParams.append(`${key}[]`, v);
  }
  return u;
}

export async function get(
  base: string,
  path: string,
  params: Params,
  headers: Record<string, string>,
): Promise<Reply> {
  const res = await fetch(url(base, path, params), { headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

export async function getJson<T>(
  base: string,
  path: string,
  params: Params,
  headers: Record<string, string>,
): Promise<T> {
  const reply = await get(base, path, params, headers);
  if (reply.status !== 200) throw new Error(`${path}: expected 200, got ${reply.status}: ${reply.text}`);
  return JSON.parse(reply.text) as T;
}

type Asserts = Pick<Test, 'equal' | 'match' | 'type'>;

export interface ErrorBody {
  type: string;
  error: { type: string; message: string };
  request_id: string;
}

/** Asserts Anthropic's error envelope and returns it (for message checks). */
export function assertError(t: Asserts, reply: Reply, status: number, type: string, label = ''): ErrorBody {
  t.equal(reply.status, status, `${label} status ${status}`.trim());
  const body = JSON.parse(reply.text) as ErrorBody;
  t.equal(body.type, 'error');
  t.equal(body.error.type, type, `${label} error type ${type}`.trim());
  t.type(body.error.message, 'string');
  t.match(body.request_id, /^req_01[0-9A-Za-z]{22}$/);
  t.equal(reply.headers.get('request-id'), body.request_id, 'request-id header matches body');
  return body;
}

/** Follows a token-paged endpoint (`page` ← `next_page`) until the end; bounded so a bug cannot hang. */
export async function allPages<T>(
  fetchPage: (
    page: string | undefined,
  ) => Promise<{ data: T[]; next_page: string | null; has_more?: boolean }>,
): Promise<{ data: T[]; pages: number }> {
  const data: T[] = [];
  let page: string | undefined;
  for (let i = 1; i <= 2000; i++) {
    const body = await fetchPage(page);
    data.push(...body.data);
    if (body.next_page === null) {
      if (body.has_more === true) throw new Error('has_more true but next_page null');
      return { data, pages: i };
    }
    if (body.has_more === false) throw new Error('has_more false but next_page set');
    page = body.next_page;
  }
  throw new Error('paging did not terminate');
}
