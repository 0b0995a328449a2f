/**
 * The kit's request pipeline over real loopback HTTP, with a small made-up vendor: its error shape,
 * four auth schemes, a required header, a rate limit, queued faults, validation and truncation.
 */
import t, { type Test } from 'tap';
import {
  EmulatorError,
  FAULT_KNOB_SPECS,
  FaultControls,
  TokenBucketLimiter,
  badRequest,
  basicAuthorization,
  buildEmulator,
  listen,
  route,
  type ErrorInfo,
  type Listening,
  type RouteFamily,
} from '../../src/emulator-kit/index.js';

const KEY = 'key-good';
const OTHER_KIND = 'key-of-another-api';

/** A vendor whose errors look like `{ fault: { code, text, status, ref } }`. */
const errorBody = (e: ErrorInfo) => ({
  fault: { code: e.kind.toUpperCase(), text: e.message, status: e.status, ref: e.requestId },
});

let seq = 0;
const limiter = new TokenBucketLimiter(60_000);
let perMinute: number | null = null;

const families: Record<string, RouteFamily> = {
  header: {
    auth: {
      credentials: { scheme: 'header', header: 'x-key', keys: [KEY] },
      missing: { status: 401, kind: 'authentication', message: 'x-key missing' },
      invalid: { status: 401, kind: 'authentication', message: 'x-key invalid' },
      wrongKind: [
        { credential: OTHER_KIND, denial: { status: 403, kind: 'permission', message: 'wrong kind of key' } },
      ],
    },
    requiredHeaders: [{ name: 'x-version', message: 'x-version is required' }],
    rateLimit: {
      limiter,
      key: (header) => header('x-key') ?? '',
      limit: () => perMinute,
      message: 'slow down',
      headers: (a) => ({
        'x-limit-remaining': String(a.remaining),
        ...(a.ok ? {} : { 'retry-after': String(a.retryAfterSeconds) }),
      }),
    },
  },
  bearer: {
    auth: {
      credentials: { scheme: 'bearer', keys: [KEY] },
      missing: { status: 401, kind: 'authentication', message: 'bearer missing' },
      invalid: { status: 401, kind: 'authentication', message: 'bearer invalid' },
    },
  },
  basic: {
    auth: {
      credentials: { scheme: 'basic', accounts: [{ user: KEY, password: '' }] },
      missing: { status: 401, kind: 'authentication', message: 'basic missing' },
      invalid: { status: 401, kind: 'authentication', message: 'basic invalid' },
    },
  },
  pair: {
    auth: {
      credentials: { scheme: 'header-pair', headers: ['x-api', 'x-app'], pairs: [[KEY, 'app-good']] },
      missing: { status: 403, kind: 'permission', message: 'pair missing' },
      invalid: { status: 403, kind: 'permission', message: 'pair invalid' },
    },
  },
  hidden: {
    auth: {
      credentials: { scheme: 'header', header: 'x-key', keys: [KEY] },
      missing: { status: 404, kind: 'not_found', message: 'Not found' },
      invalid: { status: 404, kind: 'not_found', message: 'Not found' },
    },
  },
};

const controls = new FaultControls({ serverErrorStatuses: [500, 502] });
const app = buildEmulator({
  controls,
  errorBody,
  requestId: { header: 'x-ref', make: () => `ref-${++seq}` },
  families,
  now: new Date('2026-03-15T12:00:00Z'),
  faultErrors: { 502: { kind: 'server', message: 'bad gateway' } },
  knobSpecs: { ...FAULT_KNOB_SPECS, recordsPerDay: { type: 'count', max: 1000 } },
  routes: [
    route<FaultControls, { n: number; day: string }>({
      path: '/v1/items',
      family: 'header',
      validate: (ctx) => ({
        n: ctx.query.int('n', { min: 1, max: 5, fallback: 2 }),
        day: ctx.query.requiredDay('day'),
      }),
      handle: (ctx, input) => ({
        day: input.day,
        items: Array.from({ length: input.n }, (_, i) => `item-${i}`),
        now: ctx.now.toISOString(),
      }),
    }),
    route({ path: '/v1/bearer', family: 'bearer', handle: () => '{"ok":"bearer"}' }),
    route({ path: '/v1/basic', family: 'basic', handle: () => '{"ok":"basic"}' }),
    route({ path: '/v1/pair', family: 'pair', handle: () => '{"ok":"pair"}' }),
    route({ path: '/v1/hidden', family: 'hidden', handle: () => '{"ok":"hidden"}' }),
    route({
      path: '/v1/teams/:team/things',
      method: 'POST',
      family: 'bearer',
      handle: (ctx) => {
        const body = ctx.body as { name?: unknown };
        if (typeof body.name !== 'string') throw badRequest('name must be a string');
        if (body.name === 'gone') throw new EmulatorError(410, 'gone', 'that thing is gone');
        ctx.setStatus(201);
        ctx.setHeader('x-created', body.name);
        return { team: ctx.params.team, name: body.name };
      },
    }),
    route({
      path: '/v1/cached',
      family: 'bearer',
      handle: (ctx) =>
        ctx.cached(`c|${ctx.query.one('k') ?? ''}`, () =>
          JSON.stringify({ k: ctx.query.one('k'), seq: ++seq }),
        ),
    }),
  ],
});

let server: Listening;
t.before(async () => {
  server = await listen(app);
});
t.teardown(() => server.close());
t.beforeEach(() => {
  controls.reset();
  limiter.clear();
  perMinute = null;
});

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: () => any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function call(
  path: string,
  headers: Record<string, string> = {},
  init: RequestInit = {},
): Promise<Reply> {
  const res = await fetch(`${server.url}${path}`, { ...init, headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

const GOOD = { 'x-key': KEY, 'x-version': '1' };
const ITEMS = '/v1/items?day=2026-03-01';

function assertFault(t: Pick<Test, 'equal'>, r: Reply, status: number, code: string, text?: string): void {
  t.equal(r.status, status, `status ${status}`);
  const body = r.json();
  t.equal(body.fault.code, code);
  t.equal(body.fault.status, status);
  if (text !== undefined) t.equal(body.fault.text, text);
  t.equal(body.fault.ref, r.headers.get('x-ref'), 'body quotes the request-id header');
}

t.test('a valid request reaches the handler; validation runs with the vendor error shape', async (t) => {
  const ok = await call(`${ITEMS}&n=3`, GOOD);
  t.equal(ok.status, 200);
  t.same(ok.json(), {
    day: '2026-03-01',
    items: ['item-0', 'item-1', 'item-2'],
    now: '2026-03-15T12:00:00.000Z',
  });
  t.match(ok.headers.get('content-type'), /application\/json/);
  t.ok(ok.headers.get('x-ref'));
  assertFault(t, await call('/v1/items', GOOD), 400, 'INVALID_REQUEST', 'day is required');
  assertFault(t, await call(`${ITEMS}&n=9`, GOOD), 400, 'INVALID_REQUEST', 'n must be at most 5');
  assertFault(t, await call('/v1/items?day=2026-02-30', GOOD), 400, 'INVALID_REQUEST');
});

t.test('header auth: missing, invalid, wrong kind, then the required header', async (t) => {
  assertFault(t, await call(ITEMS, { 'x-version': '1' }), 401, 'AUTHENTICATION', 'x-key missing');
  assertFault(
    t,
    await call(ITEMS, { 'x-key': 'nope', 'x-version': '1' }),
    401,
    'AUTHENTICATION',
    'x-key invalid',
  );
  assertFault(
    t,
    await call(ITEMS, { 'x-key': OTHER_KIND, 'x-version': '1' }),
    403,
    'PERMISSION',
    'wrong kind of key',
  );
  assertFault(t, await call(ITEMS, { 'x-key': KEY }), 400, 'INVALID_REQUEST', 'x-version is required');
  assertFault(t, await call(ITEMS, {}), 401, 'AUTHENTICATION', 'x-key missing');
});

t.test('bearer, basic and header-pair schemes', async (t) => {
  t.equal((await call('/v1/bearer', { authorization: `Bearer ${KEY}` })).status, 200);
  assertFault(
    t,
    await call('/v1/bearer', { authorization: 'Bearer other' }),
    401,
    'AUTHENTICATION',
    'bearer invalid',
  );
  assertFault(
    t,
    await call('/v1/bearer', { authorization: `Basic ${KEY}` }),
    401,
    'AUTHENTICATION',
    'bearer missing',
  );
  assertFault(t, await call('/v1/bearer'), 401, 'AUTHENTICATION', 'bearer missing');

  t.equal((await call('/v1/basic', { authorization: basicAuthorization(KEY, '') })).status, 200);
  assertFault(
    t,
    await call('/v1/basic', { authorization: basicAuthorization(KEY, 'pw') }),
    401,
    'AUTHENTICATION',
    'basic invalid',
  );
  assertFault(
    t,
    await call('/v1/basic', { authorization: `Basic ${Buffer.from(KEY).toString('base64')}` }),
    401,
    'AUTHENTICATION',
    'basic invalid',
  );
  assertFault(t, await call('/v1/basic'), 401, 'AUTHENTICATION', 'basic missing');

  t.equal((await call('/v1/pair', { 'x-api': KEY, 'x-app': 'app-good' })).status, 200);
  assertFault(t, await call('/v1/pair', { 'x-api': KEY }), 403, 'PERMISSION', 'pair invalid');
  assertFault(
    t,
    await call('/v1/pair', { 'x-app': 'app-good', 'x-api': 'other' }),
    403,
    'PERMISSION',
    'pair invalid',
  );
  assertFault(t, await call('/v1/pair'), 403, 'PERMISSION', 'pair missing');

  assertFault(t, await call('/v1/hidden', { 'x-key': 'nope' }), 404, 'NOT_FOUND', 'Not found');
  t.equal((await call('/v1/hidden', { 'x-key': KEY })).status, 200);
});

t.test('rate limit: a token bucket per key, 429 with the vendor headers', async (t) => {
  perMinute = 2;
  const first = await call(ITEMS, GOOD);
  t.equal(first.status, 200);
  t.equal(first.headers.get('x-limit-remaining'), '1');
  t.equal((await call(ITEMS, GOOD)).status, 200);
  const limited = await call(ITEMS, GOOD);
  assertFault(t, limited, 429, 'RATE_LIMIT', 'slow down');
  t.equal(limited.headers.get('x-limit-remaining'), '0');
  // One token refills every 30 s at 2 per minute.
  const retry = Number(limited.headers.get('retry-after'));
  t.ok(retry >= 1 && retry <= 30, `retry-after ${retry}`);
  // Bad credentials are refused before the limit is consulted.
  assertFault(t, await call(ITEMS, { 'x-key': 'nope', 'x-version': '1' }), 401, 'AUTHENTICATION');
  perMinute = null;
  t.equal((await call(ITEMS, GOOD)).status, 200, 'null limit = unlimited');
});

t.test('queued faults: 429 with and without retry-after, 5xx cycle, failAfterRequests', async (t) => {
  controls.set({ fail429: 2, retryAfterSeconds: 7 });
  // A request refused by auth does not consume a queued fault.
  assertFault(t, await call(ITEMS, {}), 401, 'AUTHENTICATION');
  const a = await call(ITEMS, GOOD);
  assertFault(t, a, 429, 'RATE_LIMIT', 'Too many requests');
  t.equal(a.headers.get('retry-after'), '7');
  controls.retryAfterSeconds = null;
  const b = await call(ITEMS, GOOD);
  assertFault(t, b, 429, 'RATE_LIMIT');
  t.equal(b.headers.get('retry-after'), null);
  t.equal((await call(ITEMS, GOOD)).status, 200, 'queue drained');

  controls.set({ fail5xx: 3 });
  assertFault(t, await call(ITEMS, GOOD), 500, 'SERVER', 'Internal server error');
  assertFault(t, await call(ITEMS, GOOD), 502, 'SERVER', 'bad gateway');
  assertFault(t, await call(ITEMS, GOOD), 500, 'SERVER');
  t.equal((await call(ITEMS, GOOD)).status, 200);

  controls.reset();
  controls.failAfterRequests = 1;
  t.equal((await call(ITEMS, GOOD)).status, 200);
  assertFault(t, await call(ITEMS, GOOD), 500, 'SERVER');
  assertFault(t, await call(ITEMS, GOOD), 500, 'SERVER');
});

t.test('malformed: the next N successes are truncated JSON; errors are not', async (t) => {
  controls.set({ malformed: 1 });
  assertFault(t, await call('/v1/items', GOOD), 400, 'INVALID_REQUEST');
  const bad = await call(ITEMS, GOOD);
  t.equal(bad.status, 200);
  t.throws(() => JSON.parse(bad.text));
  const whole = await call(ITEMS, GOOD);
  t.ok(whole.text.startsWith(bad.text), 'a prefix of the real body');
  t.ok(whole.text.length > bad.text.length);
  t.same(whole.json().items, ['item-0', 'item-1']);
});

t.test('control routes: snapshot, patch, validation, reset, stats', async (t) => {
  const post = (path: string, body: string) =>
    call(path, { 'content-type': 'application/json' }, { method: 'POST', body });
  const set = await post(
    '/__emulator/controls',
    JSON.stringify({ fail429: 1, delayMs: 0, recordsPerDay: 10 }),
  );
  t.equal(set.status, 200);
  t.equal(set.json().fail429, 1);
  t.equal(controls.fail429, 1, 'the same object the test holds');
  t.equal((controls as unknown as Record<string, unknown>).recordsPerDay, 10, 'a vendor knob');
  assertFault(
    t,
    await post('/__emulator/controls', '{"nope":1}'),
    400,
    'INVALID_REQUEST',
    'unknown control nope',
  );
  assertFault(
    t,
    await post('/__emulator/controls', '{"delayMs":999999}'),
    400,
    'INVALID_REQUEST',
    'delayMs must be at most 120000',
  );
  assertFault(
    t,
    await post('/__emulator/controls', '{"loopPaging":1}'),
    400,
    'INVALID_REQUEST',
    'loopPaging must be a boolean',
  );
  assertFault(t, await post('/__emulator/controls', '{"recordsPerDay":1001}'), 400, 'INVALID_REQUEST');
  assertFault(t, await post('/__emulator/controls', '{not json'), 400, 'INVALID_REQUEST');
  t.equal(controls.fail429, 1, 'a rejected patch changes nothing');

  await call(ITEMS, {});
  t.same((await call('/__emulator/stats')).json(), { requests: 1 }, 'denied requests are counted too');
  const reset = await post('/__emulator/reset', '');
  t.equal(reset.status, 200);
  t.equal(reset.json().fail429, 0);
  t.equal(reset.json().requests, 0);
  t.same((await call('/__emulator/controls')).json(), controls.snapshot());
});

t.test('POST routes: JSON bodies, path params, custom status and headers', async (t) => {
  const post = (body: string) =>
    call(
      '/v1/teams/t1/things',
      { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      { method: 'POST', body },
    );
  const created = await post('{"name":"widget"}');
  t.equal(created.status, 201);
  t.equal(created.headers.get('x-created'), 'widget');
  t.same(created.json(), { team: 't1', name: 'widget' });
  assertFault(t, await post('{"name":3}'), 400, 'INVALID_REQUEST', 'name must be a string');
  assertFault(t, await post('{"name":"gone"}'), 410, 'GONE', 'that thing is gone');
  assertFault(t, await post('{oops'), 400, 'INVALID_REQUEST');
});

t.test('cached bodies render once per key; unknown paths answer 404 in the vendor shape', async (t) => {
  const h = { authorization: `Bearer ${KEY}` };
  const a = await call('/v1/cached?k=a', h);
  t.equal((await call('/v1/cached?k=a', h)).text, a.text);
  t.not((await call('/v1/cached?k=b', h)).text, a.text);
  assertFault(t, await call('/v1/nowhere'), 404, 'NOT_FOUND', 'Not found');
});

t.test('unknown route family is a build error', async (t) => {
  t.throws(
    () =>
      buildEmulator({
        controls: new FaultControls(),
        errorBody,
        families: {},
        routes: [route({ path: '/x', family: 'nope', handle: () => '{}' })],
      }),
    /unknown family nope/,
  );
});

t.test('a client that hung up takes no queued fault; the next live request does', async (t) => {
  controls.set({ delayMs: 400 });
  const abort = new AbortController();
  const gone = fetch(`${server.url}${ITEMS}`, { headers: GOOD, signal: abort.signal });
  setTimeout(() => abort.abort(), 50);
  await t.rejects(gone, 'the client gave up');
  controls.set({ delayMs: 0, fail5xx: 1, malformed: 1 });
  // The abandoned request is still sleeping in the latency knob; let it finish.
  await new Promise((resolve) => setTimeout(resolve, 500));
  t.equal(controls.snapshot().fail5xx, 1, 'the queued 5xx is still there');
  t.equal(controls.snapshot().malformed, 1, 'the queued truncation is still there');
  const next = await call(ITEMS, GOOD);
  t.equal(next.status, 500, 'the next live request gets the 5xx');
});
