/**
 * The Confluent emulator on its own, over loopback HTTP: Basic auth and the role check, the
 * Costs API's date rules and paging token, Failure bodies, rate-limit headers, the Org API
 * lookups, and data that is deterministic and exact.
 */
import t from 'tap';
import {
  COSTS_PATH,
  ENVIRONMENTS_PATH,
  ORGANIZATION,
  ORGANIZATIONS_PATH,
  SANDBOX_API_KEY,
  SANDBOX_API_SECRET,
  VIEWER_API_KEY,
  VIEWER_API_SECRET,
  addOneMonth,
  dataStart,
  earliestStart,
  linesOfDay,
  startConfluentEmulator,
  toScaled,
} from './index.js';

const NOW = new Date('2026-03-20T12:00:00Z');
const emu = await startConfluentEmulator({ now: NOW });
t.teardown(() => emu.close());

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const AUTH = basic(SANDBOX_API_KEY, SANDBOX_API_SECRET);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are read freely
type Body = any;

async function get(
  path: string,
  authorization: string | null = AUTH,
): Promise<{ status: number; headers: Headers; body: Body }> {
  const res = await fetch(`${emu.url}${path}`, { headers: authorization ? { authorization } : {} });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

t.test('auth: Basic key and secret; a key without a billing role is a 403', async (t) => {
  const missing = await get(`${COSTS_PATH}?start_date=2026-03-01&end_date=2026-03-02`, null);
  t.equal(missing.status, 401);
  t.match(missing.headers.get('www-authenticate'), /^Basic error="invalid_key"/);
  t.match(missing.body, { errors: [{ status: '401', code: 'user_unauthenticated' }] });
  t.equal(missing.body.errors[0].id, missing.headers.get('x-request-id'), 'the error id is the request id');

  const wrongSecret = await get(
    `${COSTS_PATH}?start_date=2026-03-01&end_date=2026-03-02`,
    basic(SANDBOX_API_KEY, 'x'),
  );
  t.equal(wrongSecret.status, 401);

  const viewer = basic(VIEWER_API_KEY, VIEWER_API_SECRET);
  const denied = await get(`${COSTS_PATH}?start_date=2026-03-01&end_date=2026-03-02`, viewer);
  t.equal(denied.status, 403);
  t.match(denied.body, { errors: [{ status: '403', code: 'user_unauthorized' }] });
  t.equal((await get(ENVIRONMENTS_PATH, viewer)).status, 200, 'the viewer key reads the Org API');
});

t.test('date rules: required, YYYY-MM-DD, end after start, one month, one year', async (t) => {
  const cases: [string, string, string][] = [
    ['end_date=2026-03-02', 'start_date', 'start_date is required'],
    ['start_date=2026-03-01', 'end_date', 'end_date is required'],
    ['start_date=2026-03-01T00:00:00Z&end_date=2026-03-02', 'start_date', 'yyyy-mm-dd'],
    ['start_date=2026-02-30&end_date=2026-03-02', 'start_date', 'yyyy-mm-dd'],
    ['start_date=2026-03-02&end_date=2026-03-02', 'end_date', 'must be after start_date'],
    ['start_date=2026-01-15&end_date=2026-02-16', 'end_date', 'at most one month'],
    ['start_date=2025-03-19&end_date=2025-04-01', 'start_date', 'one year in the past'],
    ['start_date=2026-03-01&end_date=2026-03-02&page_size=10001', 'page_size', 'at most 10000'],
    ['start_date=2026-03-01&end_date=2026-03-02&page_size=0', 'page_size', 'at least 1'],
    ['start_date=2026-03-01&end_date=2026-03-02&page_token=nope', 'page_token', 'invalid'],
  ];
  for (const [qs, parameter, detail] of cases) {
    const res = await get(`${COSTS_PATH}?${qs}`);
    t.equal(res.status, 400, qs);
    t.match(res.body.errors[0], { status: '400', detail: new RegExp(detail), source: { parameter } }, qs);
  }
  for (const ok of [
    'start_date=2026-01-15&end_date=2026-02-15',
    'start_date=2026-02-01&end_date=2026-03-01',
    'start_date=2025-03-20&end_date=2025-04-01',
  ]) {
    t.equal((await get(`${COSTS_PATH}?${ok}`)).status, 200, ok);
  }
  t.equal(addOneMonth('2026-01-31'), '2026-02-28');
  t.equal(addOneMonth('2025-12-15'), '2026-01-15');
  t.equal(earliestStart(new Date('2024-02-29T10:00:00Z')), '2023-02-28');
});

t.test('paging: metadata.next is a full URL whose token holds the query', async (t) => {
  const first = await get(`${COSTS_PATH}?start_date=2026-03-01&end_date=2026-03-03&page_size=10`);
  t.equal(first.status, 200);
  t.match(first.body, { api_version: 'billing/v1', kind: 'CostList' });
  t.equal(first.body.data.length, 10);
  t.equal(first.headers.get('x-ratelimit-limit'), '600');
  t.match(first.headers.get('x-ratelimit-reset'), /^\d+$/, 'reset in relative seconds');
  const ids: string[] = first.body.data.map((l: { id: string }) => l.id);
  let next: string | null = first.body.metadata.next;
  t.match(next, new RegExp(`^${emu.url}${COSTS_PATH}\\?page_size=10&page_token=`));
  while (next) {
    const page = await get(next.slice(emu.url.length));
    ids.push(...page.body.data.map((l: { id: string }) => l.id));
    next = page.body.metadata.next;
  }
  const expected = [...linesOfDay('2026-03-01'), ...linesOfDay('2026-03-02')].map((l) => l.line.id);
  t.same(ids, expected, 'every line once, in order');

  const token = new URL(first.body.metadata.next).searchParams.get('page_token') ?? '';
  const other = await get(`${COSTS_PATH}?start_date=2026-02-01&end_date=2026-02-03&page_token=${token}`);
  t.equal(other.status, 400, 'a token replayed with other dates');
  t.equal(
    (await get(`${COSTS_PATH}?page_token=${'x'.repeat(256)}`)).status,
    400,
    'tokens over 255 characters',
  );
});

t.test('data: 13 months ending yesterday, deterministic, exact', async (t) => {
  t.equal(dataStart(NOW), '2025-03-01');
  const today = await get(`${COSTS_PATH}?start_date=2026-03-20&end_date=2026-03-21`);
  t.same(today.body.data, [], 'today is still being counted');
  const yesterday = await get(`${COSTS_PATH}?start_date=2026-03-19&end_date=2026-03-20`);
  t.ok(yesterday.body.data.length > 20);
  t.same(linesOfDay('2026-03-19'), linesOfDay('2026-03-19'));

  const products = new Set<string>();
  for (const { line, original, discount, amount } of linesOfDay('2026-03-02')) {
    t.equal(toScaled(String(line.original_amount), 6), original);
    t.equal(toScaled(String(line.amount), 6), amount);
    t.equal(original - discount, amount, `${line.line_type}: amount = original - discount`);
    products.add(line.product ?? line.line_type);
  }
  for (const p of ['KAFKA', 'CONNECT', 'KSQL', 'FLINK', 'STREAM_GOVERNANCE', 'SUPPORT_CLOUD_BUSINESS'])
    t.ok(products.has(p), `${p} lines`);
  const promo = linesOfDay('2025-04-10').find((l) => l.line.line_type === 'PROMO_CREDIT');
  t.match(promo?.line, { original_amount: -25, amount: -25, unit: null, description: 'KAFKA101' });
  t.notOk(promo && 'product' in promo.line, 'credits carry no product');
});

t.test('Org API: environments and the organization', async (t) => {
  const envs = await get(`${ENVIRONMENTS_PATH}?page_size=1`);
  t.equal(envs.body.kind, 'EnvironmentList');
  t.equal(envs.body.data.length, 1);
  const second = await get(
    new URL(envs.body.metadata.next).pathname + new URL(envs.body.metadata.next).search,
  );
  t.same(
    [...envs.body.data, ...second.body.data].map((e: { display_name: string }) => e.display_name),
    ['production', 'staging'],
  );
  t.equal(second.body.metadata.next, undefined, 'no next on the last page');
  const one = await get(`${ENVIRONMENTS_PATH}/env-3wd9pz`);
  t.equal(one.body.display_name, 'staging');
  t.equal((await get(`${ENVIRONMENTS_PATH}/env-nope`)).status, 404);
  const orgs = await get(ORGANIZATIONS_PATH);
  t.match(orgs.body.data, [{ kind: 'Organization', id: ORGANIZATION.id, display_name: 'Fjord Freight' }]);
  t.equal((await get(`${ORGANIZATIONS_PATH}/${ORGANIZATION.id}`)).status, 200);
});

t.test('rate limit: 429 with Retry-After and X-RateLimit-* once the minute is spent', async (t) => {
  emu.controls.reset();
  emu.controls.rateLimitPerMinute = 2;
  await get(ENVIRONMENTS_PATH);
  await get(ENVIRONMENTS_PATH);
  const limited = await get(ENVIRONMENTS_PATH);
  t.equal(limited.status, 429);
  t.match(limited.headers.get('retry-after'), /^\d+$/);
  t.equal(limited.headers.get('x-ratelimit-remaining'), '0');
  t.match(limited.body, { errors: [{ status: '429', code: 'too_many_requests' }] });
  emu.controls.reset();
  t.equal((await get(ENVIRONMENTS_PATH)).status, 200, 'reset empties the bucket');
});

t.test('a client that hung up consumes no queued fault', async (t) => {
  emu.controls.reset();
  emu.controls.delayMs = 400;
  const abort = new AbortController();
  const gone = fetch(`${emu.url}${ENVIRONMENTS_PATH}`, {
    headers: { authorization: AUTH },
    signal: abort.signal,
  });
  setTimeout(() => abort.abort(), 50);
  await t.rejects(gone, 'the client gave up');
  emu.controls.delayMs = 0;
  emu.controls.malformed = 1;
  emu.controls.fail5xx = 1;
  await new Promise((resolve) => setTimeout(resolve, 500)); // the abandoned request finishes
  t.equal(emu.controls.fail5xx, 1, 'the queued 5xx is still there');
  t.equal(emu.controls.malformed, 1, 'the queued truncation is still there');
  const next = await fetch(`${emu.url}${ENVIRONMENTS_PATH}`, { headers: { authorization: AUTH } });
  t.equal(next.status, 500, 'the next live request gets the 5xx');
  emu.controls.reset();
});
