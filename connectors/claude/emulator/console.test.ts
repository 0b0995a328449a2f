/**
 * Console Admin API reports besides Claude Code (Messages usage, cost, users) over real loopback
 * HTTP. The clock is pinned to 2026-03-15T12:00:00Z so every day's data is fixed.
 */
import t from 'tap';
import {
  CONSOLE_DATA_LAG_MS,
  COST_REPORT_PATH,
  FAST_MODE_BETA,
  MESSAGES_REPORT_PATH,
  NORTHWIND_USERS,
  SANDBOX_ADMIN_API_KEY,
  SANDBOX_ANALYTICS_API_KEY,
  USERS_PATH,
  codeExecutionFacts,
  costMicroCents,
  listRate,
  messagesUsageFacts,
  parseMicroCents,
  startClaudeEmulator,
  type MessagesFact,
  type RunningClaudeEmulator,
  type TokenType,
} from './index.js';
import { allPages, assertError, get, getJson, type Params, type Reply } from './test-support.js';

const NOW = new Date('2026-03-15T12:00:00Z');
const ADMIN = { 'x-api-key': SANDBOX_ADMIN_API_KEY, 'anthropic-version': '2023-06-01' };
const DAY = '2026-03-03';
const DAY_START = `${DAY}T00:00:00Z`;
const DAY_END = '2026-03-04T00:00:00Z';

interface MessagesResult {
  account_id: string | null;
  api_key_id: string | null;
  service_account_id: string | null;
  workspace_id: string | null;
  model: string | null;
  service_tier: string | null;
  context_window: string | null;
  inference_geo: string | null;
  speed?: string | null;
  uncached_input_tokens: number;
  cache_creation: { ephemeral_1h_input_tokens: number; ephemeral_5m_input_tokens: number };
  cache_read_input_tokens: number;
  output_tokens: number;
  server_tool_use: { web_search_requests: number };
}
interface CostResult {
  amount: string;
  currency: string;
  workspace_id: string | null;
  description: string | null;
  cost_type: string | null;
  token_type: string | null;
  model: string | null;
  service_tier: string | null;
  context_window: string | null;
  inference_geo: string | null;
}
interface Bucket<R> {
  starting_at: string;
  ending_at: string;
  results: R[];
}
interface BucketPage<R> {
  data: Bucket<R>[];
  has_more: boolean;
  next_page: string | null;
}
interface UsersPage {
  data: { type: string; id: string; email: string; name: string; role: string; added_at: string }[];
  has_more: boolean;
  first_id: string | null;
  last_id: string | null;
}

const DIM_KEYS = [
  'account_id',
  'api_key_id',
  'service_account_id',
  'workspace_id',
  'model',
  'service_tier',
  'context_window',
  'inference_geo',
] as const;

/** [uncached, cache read, 5m write, 1h write, output, web searches] */
type Vec = [number, number, number, number, number, number];
const zero = (): Vec => [0, 0, 0, 0, 0, 0];
function vecOf(r: MessagesResult): Vec {
  return [
    r.uncached_input_tokens,
    r.cache_read_input_tokens,
    r.cache_creation.ephemeral_5m_input_tokens,
    r.cache_creation.ephemeral_1h_input_tokens,
    r.output_tokens,
    r.server_tool_use.web_search_requests,
  ];
}
function factVec(f: MessagesFact): Vec {
  return [
    f.uncached_input_tokens,
    f.cache_read_input_tokens,
    f.ephemeral_5m_input_tokens,
    f.ephemeral_1h_input_tokens,
    f.output_tokens,
    f.web_search_requests,
  ];
}
function add(a: Vec, b: Vec): Vec {
  return a.map((x, i) => x + (b[i] ?? 0)) as Vec;
}
function sumBuckets(buckets: Bucket<MessagesResult>[]): Vec {
  return buckets.flatMap((b) => b.results).reduce((acc, r) => add(acc, vecOf(r)), zero());
}

let em: RunningClaudeEmulator;
t.before(async () => {
  em = await startClaudeEmulator({ now: NOW });
});
t.teardown(() => em.close());
t.beforeEach(() => em.controls.reset());

const messages = (params: Params, headers: Record<string, string> = ADMIN): Promise<Reply> =>
  get(em.url, MESSAGES_REPORT_PATH, params, headers);
const messagesPage = (
  params: Params,
  headers: Record<string, string> = ADMIN,
): Promise<BucketPage<MessagesResult>> => getJson(em.url, MESSAGES_REPORT_PATH, params, headers);
const costPage = (params: Params): Promise<BucketPage<CostResult>> =>
  getJson(em.url, COST_REPORT_PATH, params, ADMIN);

t.test('auth: the admin key only; the analytics key is refused with 401', async (t) => {
  for (const path of [MESSAGES_REPORT_PATH, COST_REPORT_PATH, USERS_PATH]) {
    const params = path === USERS_PATH ? {} : { starting_at: DAY_START };
    assertError(
      t,
      await get(em.url, path, params, { 'anthropic-version': '2023-06-01' }),
      401,
      'authentication_error',
      `${path} no key`,
    );
    const analytics = assertError(
      t,
      await get(em.url, path, params, {
        'x-api-key': SANDBOX_ANALYTICS_API_KEY,
        'anthropic-version': '2023-06-01',
      }),
      401,
      'authentication_error',
      `${path} analytics key`,
    );
    t.match(analytics.error.message, /Admin API key/);
    assertError(
      t,
      await get(em.url, path, params, {
        'x-api-key': 'sk-ant-admin01-nope',
        'anthropic-version': '2023-06-01',
      }),
      401,
      'authentication_error',
    );
    assertError(
      t,
      await get(em.url, path, params, { 'x-api-key': SANDBOX_ADMIN_API_KEY }),
      400,
      'invalid_request_error',
      `${path} no version`,
    );
    t.equal((await get(em.url, path, params, ADMIN)).status, 200, `${path} admin key`);
  }
});

t.test('messages: parameter validation', async (t) => {
  const bad: Params[] = [
    {},
    { starting_at: DAY },
    { starting_at: '2026-03-03T00:00:00' },
    { starting_at: '2026-02-30T00:00:00Z' },
    { starting_at: 'yesterday' },
    { starting_at: DAY_START, ending_at: DAY_START },
    { starting_at: DAY_START, ending_at: '2026-03-02T00:00:00Z' },
    { starting_at: DAY_START, bucket_width: '1w' },
    { starting_at: DAY_START, group_by: ['user'] },
    { starting_at: DAY_START, service_tiers: ['gold'] },
    { starting_at: DAY_START, context_window: ['1M'] },
    { starting_at: DAY_START, inference_geos: ['eu'] },
    { starting_at: DAY_START, group_by: ['speed'] },
    { starting_at: DAY_START, speeds: ['fast'] },
    { starting_at: DAY_START, page: 'garbage' },
  ];
  for (const params of bad)
    assertError(t, await messages(params), 400, 'invalid_request_error', JSON.stringify(params));

  // Per-width limit default and maximum.
  const cases = [
    ['1d', 7, 31, '2026-01-01T00:00:00Z'],
    ['1h', 24, 168, '2026-03-01T00:00:00Z'],
    ['1m', 60, 1440, '2026-03-10T00:00:00Z'],
  ] as const;
  for (const [width, fallback, max, start] of cases) {
    const base = { starting_at: start, ending_at: '2026-03-15T00:00:00Z', bucket_width: width };
    const dflt = await messagesPage(base);
    t.equal(dflt.data.length, fallback, `${width} default limit ${fallback}`);
    t.equal(dflt.has_more, true);
    t.equal((await messagesPage({ ...base, limit: String(max) })).data.length, max, `${width} max ${max}`);
    assertError(
      t,
      await messages({ ...base, limit: String(max + 1) }),
      400,
      'invalid_request_error',
      `${width} limit ${max + 1}`,
    );
    assertError(t, await messages({ ...base, limit: '0' }), 400, 'invalid_request_error');
  }

  const beta = { ...ADMIN, 'anthropic-beta': `other-beta,${FAST_MODE_BETA}` };
  const bySpeed = await messagesPage(
    { starting_at: DAY_START, ending_at: DAY_END, group_by: ['speed'] },
    beta,
  );
  const speeds = bySpeed.data[0]?.results.map((r) => r.speed) ?? [];
  t.same([...speeds].sort(), ['fast', 'standard'], 'speed grouping with the fast-mode beta');
  const noSpeed = await messagesPage({ starting_at: DAY_START, ending_at: DAY_END });
  t.notOk('speed' in (noSpeed.data[0]?.results[0] ?? {}), 'speed absent unless grouped');
});

t.test('messages: buckets oldest first, empty buckets included, ungrouped dims null', async (t) => {
  const page = await messagesPage({ starting_at: '2024-12-30T00:00:00Z', ending_at: '2025-01-03T00:00:00Z' });
  t.same(
    page.data.map((b) => [b.starting_at, b.ending_at]),
    [
      ['2024-12-30T00:00:00Z', '2024-12-31T00:00:00Z'],
      ['2024-12-31T00:00:00Z', '2025-01-01T00:00:00Z'],
      ['2025-01-01T00:00:00Z', '2025-01-02T00:00:00Z'],
      ['2025-01-02T00:00:00Z', '2025-01-03T00:00:00Z'],
    ],
  );
  t.same(page.data[0]?.results, [], 'no traffic before the org started');
  t.ok((page.data[2]?.results.length ?? 0) === 1, 'one total row per non-empty bucket');
  const hours = await messagesPage({ starting_at: DAY_START, ending_at: DAY_END, bucket_width: '1h' });
  t.equal(hours.data.length, 24);
  t.ok(hours.data.some((b) => b.results.length === 0) || hours.data.every((b) => b.results.length === 1));
  // Unaligned bounds snap to bucket boundaries.
  const snapped = await messagesPage({
    starting_at: '2026-03-03T05:30:00+02:00',
    ending_at: '2026-03-03T07:10:00Z',
    bucket_width: '1h',
  });
  t.equal(snapped.data[0]?.starting_at, '2026-03-03T03:00:00Z');
  t.equal(snapped.data[snapped.data.length - 1]?.ending_at, '2026-03-03T08:00:00Z');
  const total = page.data[2]?.results[0];
  if (!total) throw new Error('expected a row');
  for (const k of DIM_KEYS) t.equal(total[k], null, `${k} null when not grouped`);
});

t.test('messages: 1d = Σ 1h = Σ 1m = Σ facts, also per group', async (t) => {
  const facts = messagesUsageFacts(DAY);
  t.ok(facts.length > 50, `${facts.length} facts on ${DAY}`);
  const factTotal = facts.reduce((acc, f) => add(acc, factVec(f)), zero());
  const day = await messagesPage({ starting_at: DAY_START, ending_at: DAY_END });
  const hours = await messagesPage({
    starting_at: DAY_START,
    ending_at: DAY_END,
    bucket_width: '1h',
    limit: '24',
  });
  const minutes = await messagesPage({
    starting_at: DAY_START,
    ending_at: DAY_END,
    bucket_width: '1m',
    limit: '1440',
  });
  t.same(sumBuckets(day.data), factTotal, '1d = facts');
  t.same(sumBuckets(hours.data), factTotal, 'Σ 1h = 1d');
  t.same(sumBuckets(minutes.data), factTotal, 'Σ 1m = 1d');
  t.equal(minutes.data.length, 1440);

  const group = { group_by: ['model', 'account_id', 'api_key_id', 'workspace_id'] };
  const groupedDay = await messagesPage({ starting_at: DAY_START, ending_at: DAY_END, ...group });
  const groupedHours = await messagesPage({
    starting_at: DAY_START,
    ending_at: DAY_END,
    bucket_width: '1h',
    ...group,
  });
  const key = (r: MessagesResult): string =>
    JSON.stringify([r.model, r.account_id, r.api_key_id, r.workspace_id]);
  const fromHours = new Map<string, Vec>();
  for (const r of groupedHours.data.flatMap((b) => b.results))
    fromHours.set(key(r), add(fromHours.get(key(r)) ?? zero(), vecOf(r)));
  const dayRows = groupedDay.data[0]?.results ?? [];
  t.equal(dayRows.length, fromHours.size, 'same groups');
  for (const r of dayRows) t.same(vecOf(r), fromHours.get(key(r)), `group ${key(r)}`);
  t.ok(
    dayRows.some((r) => r.account_id !== null && r.api_key_id === null),
    'OAuth (user) traffic',
  );
  t.ok(
    dayRows.some((r) => r.account_id === null && r.api_key_id !== null),
    'API-key traffic',
  );
  t.ok(
    dayRows.every((r) => r.service_tier === null && r.context_window === null),
    'ungrouped dims null',
  );
});

t.test('messages: every filter equals the matching grouped row', async (t) => {
  const pairs = [
    ['models', 'model'],
    ['account_ids', 'account_id'],
    ['api_key_ids', 'api_key_id'],
    ['workspace_ids', 'workspace_id'],
    ['service_tiers', 'service_tier'],
    ['context_window', 'context_window'],
    ['inference_geos', 'inference_geo'],
  ] as const;
  const range = { starting_at: '2026-03-02T00:00:00Z', ending_at: '2026-03-05T00:00:00Z' };
  for (const [filter, dim] of pairs) {
    const grouped = await messagesPage({ ...range, group_by: [dim] });
    const values = new Set(
      grouped.data.flatMap((b) => b.results.map((r) => r[dim])).filter((v): v is string => v !== null),
    );
    t.ok(values.size >= 2, `${dim}: ${[...values].join(', ')}`);
    for (const value of values) {
      const filtered = await messagesPage({ ...range, [filter]: [value] });
      grouped.data.forEach((bucket, i) => {
        const row = bucket.results.find((r) => r[dim] === value);
        const got = filtered.data[i]?.results[0];
        t.same(
          got ? vecOf(got) : null,
          row ? vecOf(row) : null,
          `${filter}=${value} bucket ${bucket.starting_at}`,
        );
      });
    }
  }
  const none = await messagesPage({ ...range, service_account_ids: ['svac_01none'] });
  t.ok(
    none.data.every((b) => b.results.length === 0),
    'no OIDC service-account traffic',
  );
  const ids = new Set(NORTHWIND_USERS.map((u) => u.id));
  const byAccount = await messagesPage({ ...range, group_by: ['account_id'] });
  const accounts = byAccount.data
    .flatMap((b) => b.results.map((r) => r.account_id))
    .filter((a): a is string => a !== null);
  t.ok(accounts.length > 0 && accounts.every((a) => ids.has(a)), 'account_id values are org user ids');
});

t.test('messages: paging is complete, cursors are bound to the query', async (t) => {
  const base = {
    starting_at: '2026-03-01T00:00:00Z',
    ending_at: '2026-03-04T00:00:00Z',
    bucket_width: '1h',
    group_by: ['model'],
  };
  const big = await messagesPage({ ...base, limit: '168' });
  t.equal(big.has_more, false);
  t.equal(big.next_page, null);
  t.equal(big.data.length, 72);
  const { data, pages } = await allPages((page) => messagesPage({ ...base, limit: '5', page }));
  t.equal(pages, 15);
  t.same(data, big.data, 'limit 5 and limit 168 give the same buckets');

  const first = await messagesPage({ ...base, limit: '5' });
  const token = first.next_page ?? '';
  t.equal(
    (await messages({ ...base, limit: '7', page: token })).status,
    200,
    'limit may change between pages',
  );
  assertError(
    t,
    await messages({ ...base, limit: '5', page: token, group_by: ['account_id'] }),
    400,
    'invalid_request_error',
    'other group_by',
  );
  assertError(
    t,
    await messages({ ...base, limit: '5', page: token, ending_at: '2026-03-05T00:00:00Z' }),
    400,
    'invalid_request_error',
    'other range',
  );
  assertError(
    t,
    await get(
      em.url,
      COST_REPORT_PATH,
      { starting_at: base.starting_at, ending_at: base.ending_at, page: token },
      ADMIN,
    ),
    400,
    'invalid_request_error',
    'foreign endpoint',
  );
  assertError(t, await messages({ ...base, page: `${token}x` }), 400, 'invalid_request_error', 'forged');
});

t.test('messages: data cutoff five minutes before now, frozen for a paging sequence', async (t) => {
  const today = await messagesPage({ starting_at: '2026-03-15T00:00:00Z', bucket_width: '1h', limit: '168' });
  t.equal(today.data.length, 13, 'up to the bucket holding now');
  t.equal(today.data[12]?.starting_at, '2026-03-15T12:00:00Z');
  const cutoff = NOW.getTime() - CONSOLE_DATA_LAG_MS;
  const visible = messagesUsageFacts('2026-03-15').filter((f) => f.at < cutoff);
  t.same(
    sumBuckets(today.data),
    visible.reduce((acc, f) => add(acc, factVec(f)), zero()),
    'only facts before now - 5 min',
  );
  t.same((await messagesPage({ starting_at: '2026-03-20T00:00:00Z' })).data, [], 'future start: no buckets');

  let clock = NOW;
  const moving = await startClaudeEmulator({ now: () => clock });
  t.teardown(() => moving.close());
  const first = await getJson<BucketPage<MessagesResult>>(
    moving.url,
    MESSAGES_REPORT_PATH,
    { starting_at: '2026-03-15T00:00:00Z', bucket_width: '1h', limit: '10' },
    ADMIN,
  );
  clock = new Date('2026-03-15T15:00:00Z');
  const second = await getJson<BucketPage<MessagesResult>>(
    moving.url,
    MESSAGES_REPORT_PATH,
    { starting_at: '2026-03-15T00:00:00Z', bucket_width: '1h', limit: '10', page: first.next_page ?? '' },
    ADMIN,
  );
  t.equal(first.data.length + second.data.length, 13, 'the sequence keeps the end resolved on page 1');
  t.same([...first.data, ...second.data], today.data, 'and its data cutoff');
});

t.test('messages: determinism across instances and clocks', async (t) => {
  const other = await startClaudeEmulator({ now: new Date('2026-04-02T08:00:00Z') });
  t.teardown(() => other.close());
  const params = {
    starting_at: '2026-03-01T00:00:00Z',
    ending_at: '2026-03-08T00:00:00Z',
    group_by: ['model', 'workspace_id'],
  };
  const a = await messages(params);
  const b = await get(other.url, MESSAGES_REPORT_PATH, params, ADMIN);
  t.equal(a.status, 200);
  t.equal(a.text, b.text, 'same bytes');
  t.same(messagesUsageFacts(DAY), messagesUsageFacts(DAY));
});

function micro(amount: string): bigint {
  t.match(amount, /^\d+\.\d{2,6}$/, `decimal cents ${amount}`);
  return parseMicroCents(amount);
}

t.test('cost report: parameters', async (t) => {
  const bad: Params[] = [
    {},
    { starting_at: DAY },
    { starting_at: DAY_START, bucket_width: '1h' },
    { starting_at: DAY_START, limit: '0' },
    { starting_at: DAY_START, limit: '32' },
    { starting_at: DAY_START, group_by: ['api_key_id'] },
    { starting_at: DAY_START, ending_at: '2026-03-01T00:00:00Z' },
  ];
  for (const params of bad)
    assertError(
      t,
      await get(em.url, COST_REPORT_PATH, params, ADMIN),
      400,
      'invalid_request_error',
      JSON.stringify(params),
    );
  const dflt = await costPage({ starting_at: '2026-02-01T00:00:00Z', ending_at: '2026-03-15T00:00:00Z' });
  t.equal(dflt.data.length, 7, 'default limit 7');
  t.equal(
    (await costPage({ starting_at: '2026-02-01T00:00:00Z', ending_at: '2026-03-15T00:00:00Z', limit: '31' }))
      .data.length,
    31,
  );
  const row = dflt.data[0]?.results[0];
  t.same(row && Object.keys(row), [
    'amount',
    'currency',
    'workspace_id',
    'description',
    'cost_type',
    'token_type',
    'model',
    'service_tier',
    'context_window',
    'inference_geo',
  ]);
  t.equal(row?.currency, 'USD');
});

t.test('cost report: groupings sum exactly and agree with usage × list price', async (t) => {
  const range = { starting_at: '2026-03-01T00:00:00Z', ending_at: '2026-03-08T00:00:00Z' };
  const total = await costPage(range);
  const byDescription = await costPage({ ...range, group_by: ['description'] });
  const byWorkspace = await costPage({ ...range, group_by: ['workspace_id'] });
  const byBoth = await costPage({ ...range, group_by: ['workspace_id', 'description'] });
  t.equal(total.data.length, 7);
  let sawSixDecimals = false;
  total.data.forEach((bucket, i) => {
    t.equal(bucket.results.length, 1, `one row for ${bucket.starting_at}`);
    const expected = micro(bucket.results[0]?.amount ?? '0');
    for (const [name, page] of [
      ['description', byDescription],
      ['workspace', byWorkspace],
      ['both', byBoth],
    ] as const) {
      const rows = page.data[i]?.results ?? [];
      const sum = rows.reduce((s, r) => s + micro(r.amount), 0n);
      t.equal(sum, expected, `${bucket.starting_at}: Σ ${name} rows = total (exact)`);
      if (rows.some((r) => /\.\d{6}$/.test(r.amount))) sawSixDecimals = true;
    }
  });
  t.ok(sawSixDecimals, 'some amounts carry 6 decimals');

  // Every token row is exactly tokens × list price of the day's non-priority usage.
  const rows = byDescription.data[2]?.results ?? [];
  const day = '2026-03-03';
  const facts = messagesUsageFacts(day).filter((f) => f.service_tier !== 'priority');
  const tokenField: Record<TokenType, (f: MessagesFact) => number> = {
    uncached_input_tokens: (f) => f.uncached_input_tokens,
    output_tokens: (f) => f.output_tokens,
    cache_read_input_tokens: (f) => f.cache_read_input_tokens,
    'cache_creation.ephemeral_5m_input_tokens': (f) => f.ephemeral_5m_input_tokens,
    'cache_creation.ephemeral_1h_input_tokens': (f) => f.ephemeral_1h_input_tokens,
  };
  const tokenRows = rows.filter((r) => r.cost_type === 'tokens');
  t.ok(tokenRows.length > 10, `${tokenRows.length} token rows`);
  for (const r of tokenRows) {
    const type = r.token_type as TokenType;
    const tokens = facts
      .filter(
        (f) =>
          f.model === r.model &&
          f.service_tier === r.service_tier &&
          f.context_window === r.context_window &&
          f.inference_geo === r.inference_geo,
      )
      .reduce((s, f) => s + tokenField[type](f), 0);
    const price = listRate(r.model ?? '', type, {
      batch: r.service_tier === 'batch',
      longContext: r.context_window === '200k-1M',
    });
    t.equal(micro(r.amount), costMicroCents(tokens, price), `${r.description}`);
  }
  const searches = facts.reduce((s, f) => s + f.web_search_requests, 0);
  const web = rows.find((r) => r.cost_type === 'web_search');
  t.equal(web && micro(web.amount), BigInt(searches) * 1_000_000n, 'web search: 1 cent each');
  const quarters = codeExecutionFacts(day).reduce((s, c) => s + c.container_quarter_hours, 0);
  const code = rows.find((r) => r.cost_type === 'code_execution');
  t.equal(
    code ? micro(code.amount) : 0n,
    BigInt(quarters) * 1_250_000n,
    'code execution: 1.25 cents per quarter hour',
  );
  t.ok(
    rows.some((r) => r.service_tier === 'batch'),
    'batch lines',
  );
  t.ok(
    rows.some((r) => r.context_window === '200k-1M') ||
      byDescription.data.some((b) => b.results.some((r) => r.context_window === '200k-1M')),
    'long-context lines',
  );
  t.notOk(
    byDescription.data.some((b) => b.results.some((r) => r.service_tier === 'priority')),
    'no Priority Tier costs',
  );
  for (const r of rows) {
    if (r.cost_type === 'tokens')
      t.ok(
        r.model && r.token_type && r.service_tier && r.context_window && r.inference_geo,
        'token rows carry their dimensions',
      );
    else
      t.ok(
        r.model === null && r.token_type === null && r.service_tier === null,
        'non-token rows have no model/token_type',
      );
  }
});

t.test('cost report: paging completeness', async (t) => {
  const base = {
    starting_at: '2026-02-01T00:00:00Z',
    ending_at: '2026-03-08T00:00:00Z',
    group_by: ['description'],
  };
  const { data } = await allPages((page) => costPage({ ...base, limit: '3', page }));
  const whole = [...(await costPage({ ...base, limit: '31' })).data];
  const rest = await costPage({
    ...base,
    limit: '31',
    page: (await costPage({ ...base, limit: '31' })).next_page ?? '',
  });
  t.same(data, [...whole, ...rest.data]);
  t.equal(data.length, 35);
});

t.test('users: paging with after_id/before_id, ids shared with the usage report', async (t) => {
  const users = (params: Params): Promise<UsersPage> => getJson(em.url, USERS_PATH, params, ADMIN);
  const first = await users({});
  t.equal(first.data.length, 20, 'default limit 20');
  t.equal(first.has_more, true);
  t.equal(first.first_id, first.data[0]?.id);
  t.equal(first.last_id, first.data[19]?.id);
  const all = await users({ limit: '1000' });
  t.equal(all.data.length, NORTHWIND_USERS.length);
  t.equal(all.has_more, false);
  const walked: UsersPage['data'] = [];
  let after: string | undefined;
  for (let i = 0; i < 50; i++) {
    const page = await users({ limit: '7', after_id: after });
    walked.push(...page.data);
    if (!page.has_more) break;
    after = page.last_id ?? undefined;
  }
  t.same(walked, all.data, 'after_id walk = one big page');
  const back = await users({ limit: '5', before_id: all.data[12]?.id });
  t.same(back.data, all.data.slice(7, 12));
  t.equal(back.has_more, true);
  for (const u of all.data) {
    t.ok(/^user_01[0-9A-Za-z]{22}$/.test(u.id) && u.type === 'user' && u.email.includes('@'), u.email);
  }
  const mixed = NORTHWIND_USERS.find((u) => /[A-Z]/.test(u.email_address));
  const byEmail = await users({ email: mixed?.email_address.toLowerCase() });
  t.equal(byEmail.data[0]?.id, mixed?.id, 'email filter is case-insensitive');
  for (const params of [
    { limit: '0' },
    { limit: '1001' },
    { after_id: 'user_01x', before_id: 'user_01y' },
    { after_id: 'user_01unknown' },
  ]) {
    assertError(
      t,
      await get(em.url, USERS_PATH, params, ADMIN),
      400,
      'invalid_request_error',
      JSON.stringify(params),
    );
  }
});

t.test('fault knobs and counters apply to the new routes', async (t) => {
  const params = { starting_at: DAY_START, ending_at: DAY_END };
  em.controls.set({ fail429: 1, retryAfterSeconds: 4, fail5xx: 1 });
  const limited = await messages(params);
  assertError(t, limited, 429, 'rate_limit_error');
  t.equal(limited.headers.get('retry-after'), '4');
  assertError(t, await get(em.url, USERS_PATH, {}, ADMIN), 500, 'api_error');
  em.controls.malformed = 1;
  const bad = await get(em.url, COST_REPORT_PATH, params, ADMIN);
  t.throws(() => JSON.parse(bad.text));
  em.controls.loopCursor = true;
  const looped = await messagesPage({ ...params, bucket_width: '1h', limit: '2' });
  const again = await messagesPage({
    ...params,
    bucket_width: '1h',
    limit: '2',
    page: looped.next_page ?? '',
  });
  t.equal(again.next_page, looped.next_page, 'cursor never advances');
  t.equal(again.has_more, true);
  t.equal(em.controls.requests, 5);
});
