/**
 * The connector language, feature by feature: each declaration of a made-up vendor's
 * connector.yaml is run through the real plan, runner and vendor client against undici's
 * MockAgent, and the request the vendor saw (or the rows the caller gets) is checked.
 */
import t from 'tap';
import { MockAgent } from 'undici';
import { PageRunner, type RunOptions } from '../../src/engine/runner.js';
import { UpstreamCaller } from '../../src/engine/upstream.js';
import { UpstreamHttp } from '../../src/engine/http.js';
import { MemoryResponseCache } from '../../src/engine/cache.js';
import { MemoryRateLimiter } from '../../src/engine/rate-limit.js';
import { makePlan } from '../../src/engine/plan.js';
import { toUsageRequest } from '../../src/engine/usage-request.js';
import { compileMapping } from '../../src/mapping/compile.js';
import type { ConnectorSpec, Resource } from '../../src/schemas/connector.js';
import type { Account } from '../../src/schemas/account.js';
import type { PageState } from '../../src/engine/cursor.js';
import { SecretDigest } from '../../src/engine/secret-digest.js';
import { mockedRunner } from '../helpers/engine-rig.js';
import type { UsageRow } from '../../src/schemas/usage.js';
import { AppError } from '../../src/errors.js';
import { rowFilter } from '../../src/engine/filters.js';
import { parseConnectorFile } from '../../src/engine/registry.js';
import { UsageEngine, type StreamChunk } from '../../src/engine/engine.js';
import { CursorCodec } from '../../src/engine/cursor.js';

const digest = new SecretDigest('connector-language-test');
const ORIGIN = 'https://api.vendor.test';
const KEY = 'secret-key-value-123456';

/** Rows named by the record's id, dated by its `at` field, with its `n` as a token count. */
const mapping = compileMapping(
  {
    description: 'test',
    rows: [
      {
        name: 'r',
        key: [{ path: 'id' }, { path: 'at' }],
        fields: {
          metric_name: { path: 'id' },
          start_date: { path: 'at', transform: 'iso_datetime' },
          end_date: { path: 'at', transform: [{ name: 'add_hours', args: { hours: 1 } }] },
          'usage.tokens.input': { path: 'n' },
          'user.email': { lookup: 'members', key: { path: 'email' }, field: 'email', ignore_case: true },
        },
        charges: [{ amount: { path: 'usd' }, currency: { const: 'USD' }, type: 'total' }],
      },
    ],
  },
  'test-mapping.yaml',
);

function account(
  credentials: Record<string, string> = { key: KEY },
  context: Record<string, string> = {},
): Account {
  return {
    id: 'acc1',
    tenant: 't1',
    integration: 'vendor',
    name: 'a',
    status: 'active',
    credentials,
    context,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
  };
}

function resource(extra: Partial<Resource>): Resource {
  return {
    docs_url: 'x',
    method: 'GET',
    path: '/things',
    credential: 'key',
    query: { from: '{window.start}', to: '{window.end}' },
    date_format: 'date',
    records_path: 'items',
    pagination: { type: 'none' },
    ...extra,
  } as Resource;
}

function spec(resources: Record<string, Resource>, extra: Partial<ConnectorSpec> = {}): ConnectorSpec {
  return {
    slug: 'vendor',
    name: 'Vendor',
    docs_url: 'https://docs.vendor.test',
    base_url: ORIGIN,
    allowed_hosts: ['api.vendor.test', 'api.eu.vendor.test'],
    credentials: { key: { description: 'k' } },
    auth: { type: 'header', header: 'x-key' },
    retry: { attempts: 1, base_delay_ms: 0, max_retry_after_s: 0 },
    resources,
    reports: { usage: { resource: Object.keys(resources)[0] as string } },
    ...extra,
  } as ConnectorSpec;
}

interface SeenRequest {
  origin: string;
  path: string;
  method: string;
  body: unknown;
  headers: Record<string, string>;
  query: URLSearchParams;
}

type Respond = (req: SeenRequest) => { status?: number; body: unknown; headers?: Record<string, string> };

/** A vendor that records every request and answers with `respond`. */
function vendor(respond: Respond, origins: string[] = [ORIGIN]) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const seen: SeenRequest[] = [];
  for (const origin of origins) {
    agent
      .get(origin)
      .intercept({ path: () => true, method: () => true })
      .reply((opts) => {
        const url = new URL(opts.path, origin);
        const req: SeenRequest = {
          origin,
          path: url.pathname,
          method: opts.method,
          body: typeof opts.body === 'string' ? JSON.parse(opts.body) : undefined,
          headers: Object.fromEntries(
            Object.entries((opts.headers ?? {}) as Record<string, string>).map(([k, v]) => [
              k.toLowerCase(),
              v,
            ]),
          ),
          query: url.searchParams,
        };
        seen.push(req);
        const r = respond(req);
        return {
          statusCode: r.status ?? 200,
          data: JSON.stringify(r.body),
          responseOptions: { headers: { 'content-type': 'application/json', ...r.headers } },
        };
      })
      .persist();
  }
  return { agent, seen };
}

/** Runs a query to its last page as a client following next_cursor with limit=1000 would. */
async function runAll(
  s: ConnectorSpec,
  agent: MockAgent,
  query: string,
  opts: { account?: Account; now?: Date; raw?: boolean; filter?: boolean } = {},
): Promise<{ rows: UsageRow[]; texts: string[] }> {
  const runner = mockedRunner(s, agent);
  const req = toUsageRequest(
    Object.fromEntries(
      [...new URLSearchParams(`integrated_account_id=acc1&report_type=usage&${query}`)].reduce(
        (m, [k, v]) => {
          const list = ['group_by', 'model_ids', 'product_ids', 'surfaces', 'user_ids'];
          const remote = /^remote_query\[(.+)\]$/.exec(k);
          if (remote)
            m.set('remote_query', { ...(m.get('remote_query') as object), [remote[1] as string]: v });
          else if (list.includes(k))
            m.set(k, [...((m.get(k) as string[] | undefined) ?? []), ...v.split(',')]);
          else m.set(k, v);
          return m;
        },
        new Map<string, unknown>(),
      ),
    ) as never,
  );
  const plan = makePlan(
    opts.account ?? account(),
    { spec: s, dir: '', implemented: true },
    req,
    () => mapping,
    undefined,
    opts.now ?? new Date('2026-03-20T12:00:00Z'),
  );
  const runOpts: RunOptions = {
    limit: 1000,
    ignoreLimit: false,
    raw: opts.raw ?? false,
    budget: 50,
    remoteQuery: req.remoteQuery,
    // The engine's own filter: a product chosen by a fan-out is answered by its source.
    rowFilter: opts.filter === false ? () => true : rowFilter(req, { products: !plan.productsChosen }),
    maxRows: 10000,
  };
  const rows: UsageRow[] = [];
  const texts: string[] = [];
  let state: PageState | null = { w: 0, p: null, o: 0 };
  for (let runs = 0; state; runs++) {
    if (runs === 50) throw new Error('still paging after 50 runs');
    const res = await runner.run(plan, state, runOpts);
    rows.push(...res.rows);
    texts.push(...res.texts);
    state = res.next;
  }
  return { rows, texts };
}

const ONE_DAY = 'start_date=2026-03-01&end_date=2026-03-02';

/** The AppError a run fails with; a run that succeeds fails the test. */
async function failure(run: Promise<unknown>): Promise<AppError> {
  try {
    await run;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected the run to fail');
}

t.test('list parameters send every value, in the declared style', async (t) => {
  const cases = [
    { style: undefined, param: 'filter[families]', expect: ['filter[families]', ['a', 'b']] },
    { style: 'repeat', param: 'family', expect: ['family', ['a', 'b']] },
    { style: 'brackets', param: 'family', expect: ['family[]', ['a', 'b']] },
    { style: 'brackets', param: 'family[]', expect: ['family[]', ['a', 'b']] },
    { style: 'comma', param: 'filter[product_families]', expect: ['filter[product_families]', ['a,b']] },
  ] as const;
  for (const c of cases) {
    const { agent, seen } = vendor(() => ({ body: { items: [] } }));
    const res = resource({
      params: { model_ids: { param: c.param, ...(c.style ? { style: c.style } : {}) } },
    });
    await runAll(spec({ things: res }), agent, `${ONE_DAY}&model_ids=a,b`);
    t.same(seen[0]?.query.getAll(c.expect[0]), c.expect[1], `${c.param} style ${c.style ?? 'default'}`);
  }
});

t.test(
  'a single-valued parameter still replaces a template value; mapped values are sent once',
  async (t) => {
    const { agent, seen } = vendor(() => ({ body: { items: [] } }));
    const res = resource({
      query: { from: '{window.start}', bucket: '1d' },
      params: {
        granularity: { param: 'bucket', map: { day: '1d', hour: '1h' } },
        group_by: { param: 'group[]', map: { model: 'description', token_type: 'description', user: 'uid' } },
      },
    });
    await runAll(spec({ things: res }), agent, `${ONE_DAY}&granularity=hour&group_by=model,token_type,user`);
    t.same(seen[0]?.query.getAll('bucket'), ['1h']);
    t.same(seen[0]?.query.getAll('group[]'), ['description', 'uid']);
  },
);

t.test(
  'POST with a JSON body: typed templates, epoch ms, page number, page size and parameters in the body',
  async (t) => {
    const { agent, seen } = vendor((req) => {
      const body = req.body as { page: number };
      return {
        body: {
          events: [{ id: `p${body.page}`, at: '2026-03-01T00:00:00Z' }],
          pagination: { hasNextPage: body.page < 2 },
        },
      };
    });
    const res = resource({
      method: 'POST',
      path: '/teams/events',
      query: undefined,
      body: {
        startDate: { value: '{window.start}', type: 'number' },
        endDate: { value: '{window.end}', type: 'number' },
        kinds: ['usage', 'included'],
        verbose: true,
        label: 'from {window.start:date}',
      },
      date_format: 'epoch_ms',
      window_end: 'inclusive',
      window: { max_days: 30, align: 'day' },
      records_path: 'events',
      pagination: {
        type: 'page_number',
        param: 'page',
        first_page: 1,
        has_next_path: 'pagination.hasNextPage',
        in: 'body',
      },
      page_size: { param: 'pageSize', max: 1000, default: 100, in: 'body' },
      params: {
        user_id: { param: 'userId', in: 'body', type: 'integer' },
        model_ids: { param: 'models', in: 'body' },
        surfaces: { param: 'surfaces', in: 'body', style: 'comma' },
      },
    });
    const { rows } = await runAll(
      spec({ things: res }),
      agent,
      `${ONE_DAY}&user_id=42&model_ids=m1&surfaces=cli,web`,
      // Rows here have no model nor surface: the gateway's own filters are left out to see the paging.
      { filter: false },
    );
    t.same(
      rows.map((r) => r.metric_name),
      ['p1', 'p2'],
    );
    t.equal(seen.length, 2);
    t.equal(seen[0]?.method, 'POST');
    t.equal(seen[0]?.headers['content-type'], 'application/json');
    t.same(seen[0]?.body, {
      startDate: Date.parse('2026-03-01T00:00:00Z'),
      endDate: Date.parse('2026-03-01T23:59:59.999Z'),
      kinds: ['usage', 'included'],
      verbose: true,
      label: 'from 2026-03-01',
      userId: 42,
      models: ['m1'],
      surfaces: 'cli,web',
      pageSize: 1000,
      page: 1,
    });
    t.equal((seen[1]?.body as { page: number }).page, 2);
    t.equal([...(seen[0]?.query.keys() ?? [])].length, 0, 'nothing in the query string');
  },
);

t.test('remote_query goes into a POST body, and may not replace what the gateway sets there', async (t) => {
  const { agent, seen } = vendor(() => ({ body: { items: [] } }));
  const res = resource({
    method: 'POST',
    query: undefined,
    body: { startDate: { value: '{window.start}', type: 'number' } },
    date_format: 'epoch_ms',
  });
  await runAll(spec({ things: res }), agent, `${ONE_DAY}&remote_query[hostingType]=CLOUD`);
  t.equal((seen[0]?.body as Record<string, unknown>).hostingType, 'CLOUD');
  await t.rejects(
    runAll(
      spec({ things: res }),
      vendor(() => ({ body: { items: [] } })).agent,
      `${ONE_DAY}&remote_query[startDate]=0`,
    ),
    { code: 'invalid_parameter' },
  );
});

t.test('date formats and window ends', async (t) => {
  const cases: [Resource['date_format'], Resource['window_end'], string, string][] = [
    ['date', undefined, '2026-03-01', '2026-03-02'],
    ['date', 'inclusive', '2026-03-01', '2026-03-01'],
    ['rfc3339', undefined, '2026-03-01T00:00:00Z', '2026-03-02T00:00:00Z'],
    ['rfc3339', 'inclusive', '2026-03-01T00:00:00Z', '2026-03-01T23:59:59.999Z'],
    ['epoch_s', undefined, '1772323200', '1772409600'],
    ['epoch_s', 'inclusive', '1772323200', '1772409599'],
    ['epoch_ms', undefined, '1772323200000', '1772409600000'],
    ['hour', undefined, '2026-03-01T00', '2026-03-02T00'],
    ['hour', 'inclusive', '2026-03-01T00', '2026-03-01T23'],
    ['month', undefined, '2026-03', '2026-03'],
  ];
  for (const [format, end, from, to] of cases) {
    const { agent, seen } = vendor(() => ({ body: { items: [] } }));
    const res = resource({
      date_format: format,
      ...(end ? { window_end: end } : {}),
      window: { max_days: 1, align: 'day' },
    });
    await runAll(spec({ things: res }), agent, ONE_DAY);
    t.same(
      [seen[0]?.query.get('from'), seen[0]?.query.get('to')],
      [from, to],
      `${format} ${end ?? 'exclusive'}`,
    );
  }
});

t.test('a month-aligned window in YYYY-MM', async (t) => {
  const { agent, seen } = vendor(() => ({ body: { items: [] } }));
  const res = resource({
    date_format: 'month',
    window: { max_days: 31, align: 'month' },
    window_end: 'inclusive',
  });
  await runAll(spec({ things: res }), agent, 'start_date=2026-01-01&end_date=2026-03-01');
  t.same(
    seen.map((s) => `${s.query.get('from')}..${s.query.get('to')}`),
    ['2026-01..2026-01', '2026-02..2026-02'],
  );
});

t.test('a base URL template takes the account context, else the declared default', async (t) => {
  const { agent, seen } = vendor(() => ({ body: { items: [] } }), [ORIGIN, 'https://api.eu.vendor.test']);
  const s = spec(
    { things: resource({}) },
    {
      base_url: 'https://api.{context.site}',
      context: { site: { description: 'site', default: 'vendor.test' }, base_url: { description: 'x' } },
    },
  );
  await runAll(s, agent, ONE_DAY);
  await runAll(s, agent, ONE_DAY, { account: account({ key: KEY }, { site: 'eu.vendor.test' }) });
  t.same(
    seen.map((r) => r.origin),
    [ORIGIN, 'https://api.eu.vendor.test'],
  );
});

t.test('two credential headers, both redacted in the debug view of the request', async (t) => {
  const { agent, seen } = vendor(() => ({ body: { items: [] } }));
  const s = spec(
    { things: resource({}) },
    {
      credentials: { key: { description: 'k' }, app: { description: 'a' } },
      auth: { type: 'headers', headers: { 'DD-API-KEY': 'key', 'DD-APPLICATION-KEY': 'app' } },
    },
  );
  const caller = new UpstreamCaller(
    new UpstreamHttp(agent),
    new MemoryResponseCache(),
    new MemoryRateLimiter(),
    undefined,
    digest,
  );
  const runner = new PageRunner({ caller, digest, hostAllowedFor: () => true });
  const acc = account({ key: KEY, app: 'application-key-value-9876' });
  const req = toUsageRequest({
    integrated_account_id: 'acc1',
    report_type: 'usage',
    start_date: '2026-03-01',
    end_date: '2026-03-02',
  } as never);
  const plan = makePlan(acc, { spec: s, dir: '', implemented: true }, req, () => mapping, undefined);
  const res = await runner.run(
    plan,
    { w: 0, p: null, o: 0 },
    {
      limit: 10,
      ignoreLimit: false,
      raw: false,
      budget: 5,
      remoteQuery: {},
      rowFilter: () => true,
      maxRows: 100,
    },
  );
  t.equal(seen[0]?.headers['dd-api-key'], KEY);
  t.equal(seen[0]?.headers['dd-application-key'], 'application-key-value-9876');
  const shown = res.last?.requestOptions.headers ?? {};
  t.equal(shown['DD-API-KEY'], '[redacted]');
  t.equal(shown['DD-APPLICATION-KEY'], '[redacted]');
  t.notMatch(JSON.stringify(res.last?.requestOptions), /application-key-value|secret-key-value/);
});

t.test('sources by period: settled months from the final report, the rest from the estimate', async (t) => {
  const { agent, seen } = vendor((req) => ({
    body: { items: [{ id: req.path.slice(1), at: `${req.query.get('from')}-01T00:00:00Z` }] },
  }));
  const monthly = {
    date_format: 'month',
    window: { max_days: 31, align: 'month' },
    window_end: 'inclusive',
  } as const;
  const s = spec(
    {
      final: resource({ path: '/final', ...monthly }),
      estimate: resource({ path: '/estimate', ...monthly }),
    },
    {
      reports: {
        cost: {
          resource: 'final',
          period: 'settled',
          also: [{ resource: 'estimate', period: 'unsettled' }],
          settle: { align: 'month', lag_hours: 72 },
        },
      },
    },
  );
  // Now is 2026-03-02: 72 h ago was still February, so February is not settled yet.
  const { rows } = await runAll(s, agent, 'report_type=cost&start_date=2026-01-01&end_date=2026-03-03', {
    now: new Date('2026-03-02T12:00:00Z'),
  });
  t.same(
    seen.map((r) => `${r.path} ${r.query.get('from')}`),
    ['/final 2026-01', '/estimate 2026-02', '/estimate 2026-03'],
  );
  t.same(
    rows.map((r) => r.metric_name),
    ['final', 'estimate', 'estimate'],
  );
});

t.test('sources fanned out over products, merged in date order', async (t) => {
  const { agent, seen } = vendor((req) => ({
    body: {
      items: [
        { id: req.path.slice(1), at: '2026-03-01T10:00:00Z' },
        { id: req.path.slice(1), at: '2026-03-01T02:00:00Z' },
      ].map((r, i) => ({ ...r, at: req.path === '/images' ? `2026-03-01T0${5 + i}:00:00Z` : r.at })),
    },
  }));
  const s = spec(
    {
      completions: resource({ path: '/completions' }),
      embeddings: resource({ path: '/embeddings' }),
      images: resource({ path: '/images' }),
    },
    {
      reports: {
        usage: {
          resource: 'completions',
          product: 'completions',
          also: [
            { resource: 'embeddings', product: 'embeddings' },
            { resource: 'images', product: 'images' },
          ],
          default_products: ['completions'],
        },
      },
    },
  );
  const only = await runAll(s, agent, ONE_DAY);
  t.same(
    only.rows.map((r) => r.metric_name),
    ['completions', 'completions'],
    'the default product alone',
  );
  seen.length = 0;
  const both = await runAll(s, agent, `${ONE_DAY}&product_ids=completions,images`);
  t.same(
    seen.map((r) => r.path),
    ['/completions', '/images'],
  );
  t.same(
    both.rows.map((r) => `${r.metric_name}@${r.start_date?.slice(11, 13)}`),
    ['images@05', 'images@06', 'completions@10', 'completions@02'].sort((a, b) =>
      a.slice(-2).localeCompare(b.slice(-2)),
    ),
  );
  const raw = await runAll(s, agent, `${ONE_DAY}&product_ids=completions,images`, { raw: true });
  t.equal(raw.texts.length, 2, 'raw: one body per source');
  await t.rejects(runAll(s, agent, `${ONE_DAY}&product_ids=videos`), {
    code: 'unsupported_parameter',
    message: /products: completions, embeddings, images/,
  });
});

t.test('granularity=day over hourly data is summed exactly by the gateway; finer is refused', async (t) => {
  const { agent } = vendor(() => ({
    body: {
      items: Array.from({ length: 24 }, (_, h) => ({
        id: 'hosts',
        at: `2026-03-01T${String(h).padStart(2, '0')}:00:00Z`,
        n: 10,
        usd: '0.001',
      })),
    },
  }));
  const s = spec({ things: resource({ native_granularity: 'hour' }) });
  const hourly = await runAll(s, agent, ONE_DAY);
  t.equal(hourly.rows.length, 24);
  const daily = await runAll(s, agent, `${ONE_DAY}&granularity=day`);
  t.equal(daily.rows.length, 1);
  t.equal(daily.rows[0]?.start_date, '2026-03-01T00:00:00.000Z');
  t.equal(daily.rows[0]?.end_date, '2026-03-02T00:00:00.000Z');
  t.equal(daily.rows[0]?.usage?.tokens?.input, 240);
  t.same(daily.rows[0]?.charges, [{ amount: 0.024, currency: 'USD', type: 'total' }]);
  const same = await runAll(s, agent, `${ONE_DAY}&granularity=hour`);
  t.equal(same.rows.length, 24, 'the native granularity passes');
  await t.rejects(runAll(s, agent, `${ONE_DAY}&granularity=minute`), {
    code: 'unsupported_parameter',
    message: /finer than the hour buckets/,
  });
  await t.rejects(runAll(spec({ things: resource({}) }), agent, `${ONE_DAY}&granularity=day`), {
    code: 'unsupported_parameter',
  });
});

t.test('a lookup table declared ignore_case joins emails whatever their case', async (t) => {
  const { agent } = vendor((req) =>
    req.path === '/members'
      ? { body: { items: [{ email: 'Ann@Example.org', name: 'Ann' }] } }
      : { body: { items: [{ id: 'e1', at: '2026-03-01T00:00:00Z', email: 'ann@example.ORG' }] } },
  );
  const s = spec({
    things: resource({ lookups: { members: { resource: 'members', key: 'email', ignore_case: true } } }),
    members: resource({ path: '/members', query: undefined }),
  });
  const { rows } = await runAll(s, agent, ONE_DAY);
  t.equal(rows[0]?.user?.email, 'Ann@Example.org');
});

t.test(
  'vendor errors: the message read at declared paths, retry hints in declared headers and formats',
  async (t) => {
    const errors = { message_paths: ['errors.0', 'error.message'] };
    const cases: [unknown, RegExp][] = [
      [{ errors: ['start_hr must be before end_hr'] }, /vendor says: start_hr must be before end_hr/],
      [
        { errors: [{ status: '400', title: 'Bad Request', detail: 'bad filter' }] },
        /vendor says: bad filter/,
      ],
      [{ error: { message: 'no such org' } }, /vendor says: no such org/],
    ];
    for (const [body, message] of cases) {
      const { agent } = vendor(() => ({ status: 400, body }));
      const err = await runAll(spec({ things: resource({}) }, { errors }), agent, ONE_DAY).catch(
        (e: unknown) => e,
      );
      t.ok(err instanceof AppError);
      t.match((err as AppError).message, message);
      t.equal((err as AppError).code, 'remote_validation_failed');
    }
    const plain = await failure(
      runAll(
        spec({ things: resource({}) }),
        vendor(() => ({ status: 400, body: { errors: ['x'] } })).agent,
        ONE_DAY,
      ),
    );
    t.notMatch(plain.message, /says/, 'no paths declared: the envelope message alone');

    const resetAt = Math.floor(Date.now() / 1000) + 120;
    const limited = vendor(() => ({
      status: 429,
      body: {},
      headers: { 'x-ratelimit-reset': String(resetAt) },
    }));
    const err = await failure(
      runAll(
        spec(
          { things: resource({}) },
          { retry_after_headers: [{ name: 'X-RateLimit-Reset', format: 'epoch_s' }] },
        ),
        limited.agent,
        ONE_DAY,
      ),
    );
    t.equal(err.code, 'rate_limited');
    t.ok(
      err.retryAfterSeconds !== undefined && err.retryAfterSeconds > 100 && err.retryAfterSeconds <= 120,
      'epoch reset read as seconds from now',
    );
    const dated = vendor(() => ({
      status: 429,
      body: {},
      headers: { 'x-retry-at': new Date(Date.now() + 30_000).toUTCString() },
    }));
    const err2 = await failure(
      runAll(
        spec(
          { things: resource({}) },
          { retry_after_headers: [{ name: 'x-retry-at', format: 'http_date' }] },
        ),
        dated.agent,
        ONE_DAY,
      ),
    );
    t.ok(err2.retryAfterSeconds !== undefined && err2.retryAfterSeconds > 20 && err2.retryAfterSeconds <= 30);
  },
);

t.test(
  'a resource on a second address: its default, or the account context field that overrides it',
  async (t) => {
    const { agent, seen } = vendor(
      () => ({ body: { items: [] } }),
      [ORIGIN, 'https://api.other.test', 'http://127.0.0.1:9'],
    );
    const s = spec(
      {
        things: resource({
          path: '/v1/ws/{context.workspace_id}/usage',
          base_url: { default: 'https://api.other.test', context: 'other_base_url' },
        }),
      },
      {
        allowed_hosts: ['api.vendor.test', 'api.other.test', '127.0.0.1'],
        context: {
          base_url: { description: 'x' },
          other_base_url: { description: 'y' },
          workspace_id: { description: 'w' },
        },
      },
    );
    await runAll(s, agent, ONE_DAY, {
      account: account({ key: KEY }, { workspace_id: 'ws 1', base_url: ORIGIN }),
    });
    await runAll(s, agent, ONE_DAY, {
      account: account({ key: KEY }, { workspace_id: 'ws1', other_base_url: 'http://127.0.0.1:9' }),
    });
    t.same(
      seen.map((r) => `${r.origin}${r.path}`),
      ['https://api.other.test/v1/ws/ws%201/usage', 'http://127.0.0.1:9/v1/ws/ws1/usage'],
      "the connector's base_url does not move a resource with its own address",
    );
  },
);

t.test('review fixes: typed body values refuse bad input with a 400', async (t) => {
  const { agent } = vendor(() => ({ body: { items: [] } }));
  const res = resource({
    method: 'POST',
    query: undefined,
    body: { from: '{window.start}' },
    params: { user_id: { param: 'userId', in: 'body', type: 'integer' } },
  });
  const err = await failure(runAll(spec({ things: res }), agent, `${ONE_DAY}&user_id=dev@example.org`));
  t.equal(err.code, 'invalid_parameter');
  t.match(err.message, /"user_id".*not an integer/);
});

t.test(
  'review fixes: a secret echoed with JSON escapes never reaches the message or raw_response',
  async (t) => {
    const escaped = KEY.replace('s', '\\u0073');
    // The vendor's body as text, with the key written in a JSON escape.
    const mock = new MockAgent();
    mock.disableNetConnect();
    mock
      .get(ORIGIN)
      .intercept({ path: () => true, method: 'GET' })
      .reply(400, `{"error":{"message":"bad key ${escaped}"}}`, {
        headers: { 'content-type': 'application/json' },
      });
    const err = await failure(
      runAll(spec({ things: resource({}) }, { errors: { message_paths: ['error.message'] } }), mock, ONE_DAY),
    );
    t.match(err.message, /vendor says: bad key \[redacted\]/);
    t.notMatch(err.message, new RegExp(KEY));
    t.notMatch(JSON.stringify(err.toEnvelope()), new RegExp(KEY));
  },
);

t.test('review fixes: a 500 is retried even when the declared retry header says to wait long', async (t) => {
  let calls = 0;
  const { agent } = vendor(() => {
    calls += 1;
    return calls === 1
      ? { status: 500, body: {}, headers: { 'x-ratelimit-reset': '42' } }
      : { body: { items: [{ id: 'ok', at: '2026-03-01T00:00:00Z' }] } };
  });
  const s = spec(
    { things: resource({}) },
    {
      retry: { attempts: 2, base_delay_ms: 0, max_retry_after_s: 10 },
      retry_after_headers: [{ name: 'x-ratelimit-reset', format: 'seconds' }],
    },
  );
  const { rows } = await runAll(s, agent, ONE_DAY);
  t.equal(calls, 2);
  t.equal(rows.length, 1);
});

t.test('review fixes: sources by period each keep their own availability', async (t) => {
  const { agent, seen } = vendor((req) => ({
    body: { items: [{ id: req.path.slice(1), at: `${req.query.get('from')}T00:00:00Z` }] },
  }));
  const s = spec(
    {
      final: resource({
        path: '/final',
        availability_lag_hours: 24 * 25,
        window: { max_days: 31, align: 'day' },
      }),
      estimate: resource({ path: '/estimate', window: { max_days: 31, align: 'day' } }),
    },
    {
      reports: {
        cost: {
          resource: 'final',
          period: 'settled',
          also: [{ resource: 'estimate', period: 'unsettled' }],
          settle: { align: 'month', lag_hours: 0 },
        },
      },
    },
  );
  await runAll(s, agent, 'report_type=cost&start_date=2026-02-01&end_date=2026-03-10', {
    now: new Date('2026-03-20T12:00:00Z'),
  });
  t.same(
    seen.map((r) => `${r.path} ${r.query.get('from')}..${r.query.get('to')}`),
    ['/final 2026-02-01..2026-02-23', '/estimate 2026-03-01..2026-03-10'],
    'the settled source stops where its data stops; the unsettled one still serves its part',
  );
});

t.test('review fixes: fanned-out products each read the part of a window they have', async (t) => {
  const { agent, seen } = vendor((req) => ({
    body: { items: [{ id: req.path.slice(1), at: `${req.query.get('from')}T00:00:00Z` }] },
  }));
  const s = spec(
    { a: resource({ path: '/a', min_date: '2026-03-05' }), b: resource({ path: '/b' }) },
    {
      reports: {
        usage: {
          resource: 'a',
          product: 'a',
          also: [{ resource: 'b', product: 'b' }],
          default_products: ['a', 'b'],
        },
      },
    },
  );
  await runAll(s, agent, 'start_date=2026-03-01&end_date=2026-03-10');
  t.same(
    seen.map((r) => `${r.path} ${r.query.get('from')}..${r.query.get('to')}`),
    ['/a 2026-03-05..2026-03-10', '/b 2026-03-01..2026-03-10'],
  );
});

t.test('review fixes: granularity=day over an hourly and a daily product sums the hourly one', async (t) => {
  const { agent } = vendor((req) => ({
    body: {
      items:
        req.path === '/h'
          ? [0, 1, 2].map((h) => ({ id: 'h', at: `2026-03-01T0${h}:00:00Z`, n: 1 }))
          : [{ id: 'd', at: '2026-03-01T00:00:00Z', n: 5 }],
    },
  }));
  const s = spec(
    {
      h: resource({ path: '/h', native_granularity: 'hour' }),
      d: resource({ path: '/d', native_granularity: 'day' }),
    },
    {
      reports: {
        usage: {
          resource: 'h',
          product: 'h',
          also: [{ resource: 'd', product: 'd' }],
          default_products: ['h', 'd'],
        },
      },
    },
  );
  const { rows } = await runAll(s, agent, `${ONE_DAY}&granularity=day`);
  t.same(rows.map((r) => `${r.metric_name}:${r.usage?.tokens?.input}`).sort(), ['d:5', 'h:3']);
  await t.rejects(runAll(s, agent, `${ONE_DAY}&granularity=hour`), {
    code: 'unsupported_parameter',
    message: /finer than the day buckets/,
  });
});

t.test(
  'review fixes: connector files that would serve a range twice or escape their hosts are refused',
  async (t) => {
    const base = `slug: acme
name: Acme
docs_url: x
base_url: https://api.acme.test
allowed_hosts: [api.acme.test]
credentials: { key: { description: k } }
context: { base_url: { description: b }, api_root: { description: r }, second_base_url: { description: s } }
auth: { type: header, header: x-key }
`;
    const res = (extra = '') => `    docs_url: x
    method: GET
    path: /x
    credential: key
    records_path: data
    pagination: { type: none }
${extra}`;
    const bad: [string, RegExp][] = [
      [
        `resources:\n  a:\n${res()}  b:\n${res()}reports:\n  cost: { resource: a, period: settled, also: [{ resource: b, period: unsettled }] }\n`,
        /need settle/,
      ],
      [
        `resources:\n  a:\n${res()}  b:\n${res()}reports:\n  cost: { resource: a, also: [{ resource: b }] }\n`,
        /give them a period or a product/,
      ],
      [
        `resources:\n  a:\n${res("    base_url: { default: 'https://api.acme.test', context: api_root }\n")}reports:\n  usage: { resource: a }\n`,
        /named \*_base_url/,
      ],
      [
        `resources:\n  a:\n${res("    base_url: { default: 'https://evil.test', context: second_base_url }\n")}reports:\n  usage: { resource: a }\n`,
        /not in allowed_hosts/,
      ],
      [
        `resources:\n  a:\n${res('    params: { user_id: { param: u, in: body } }\n')}reports:\n  usage: { resource: a }\n`,
        /declares no body/,
      ],
    ];
    for (const [tail, message] of bad)
      t.throws(() => parseConnectorFile(base + tail, 'acme.yaml'), { message });
    t.ok(
      parseConnectorFile(
        `${base}resources:\n  a:\n${res()}reports:\n  usage: { resource: a }\n`,
        'acme.yaml',
      ),
    );
  },
);

t.test('review fixes: a stream whose client left stops before the next step calls the vendor', async (t) => {
  const { agent, seen } = vendor(() => ({ body: { items: [] } }));
  const s = spec({ things: resource({ window: { max_days: 1, align: 'day' } }) });
  const runner = mockedRunner(s, agent);
  const engine = new UsageEngine({
    runner,
    cursors: new CursorCodec('k'),
    mappings: () => mapping,
    // One vendor call per step, so each empty day is a step of its own.
    upstreamBudget: 1,
    maxBufferedRows: 100,
    now: () => new Date('2026-03-20T12:00:00Z'),
  });
  const req = toUsageRequest({
    integrated_account_id: 'acc1',
    report_type: 'usage',
    truto_response_format: 'stream',
    start_date: '2026-03-01',
    end_date: '2026-03-11',
  } as never);
  const answer = await engine.answer(
    't1',
    account(),
    { spec: s, dir: '', implemented: true },
    req,
    console as never,
  );
  t.equal(answer.kind, 'stream');
  if (answer.kind !== 'stream') return;
  const first = await answer.chunks.next();
  t.same(first.value as StreamChunk, { text: '', rows: 0 }, 'an empty step still hands control back');
  await answer.chunks.return();
  t.equal(seen.length, 1, 'one of ten days was asked for; the client leaving stopped the rest');
});
