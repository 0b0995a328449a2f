import t from 'tap';
import { MockAgent } from 'undici';
import type { RunOptions } from '../../src/engine/runner.js';
import { streamStepOptions } from '../../src/engine/engine.js';
import { makePlan } from '../../src/engine/plan.js';
import { toUsageRequest } from '../../src/engine/usage-request.js';
import { compileMapping } from '../../src/mapping/compile.js';
import type { ConnectorSpec, Pagination } from '../../src/schemas/connector.js';
import type { Account } from '../../src/schemas/account.js';
import type { PageState } from '../../src/engine/cursor.js';
import { mockedRunner } from '../helpers/engine-rig.js';

// A made-up vendor: each strategy is exercised through the real runner with undici's MockAgent.
const ORIGIN = 'https://api.vendor.test';
const mapping = compileMapping(
  {
    description: 'test',
    rows: [{ name: 'r', key: [{ path: 'id' }], fields: { metric_name: { path: 'id' } } }],
  },
  'test-mapping.yaml',
);
const account: Account = {
  id: 'acc1',
  tenant: 't1',
  integration: 'vendor',
  name: 'a',
  status: 'active',
  credentials: { key: 'secret-key-value-123' },
  context: {},
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
};

function specWith(pagination: Pagination, extra: Partial<ConnectorSpec['resources']> = {}): ConnectorSpec {
  return {
    slug: 'vendor',
    name: 'Vendor',
    docs_url: 'https://docs.vendor.test',
    base_url: ORIGIN,
    allowed_hosts: ['api.vendor.test'],
    credentials: { key: { description: 'k' } },
    auth: { type: 'header', header: 'x-key' },
    retry: { attempts: 1, base_delay_ms: 0, max_retry_after_s: 0 },
    resources: {
      things: {
        docs_url: 'x',
        method: 'GET',
        path: '/things',
        credential: 'key',
        query: { from: '{window.start}', to: '{window.end}' },
        date_format: 'date',
        records_path: 'items',
        pagination,
        ...(extra as object),
      },
    },
    reports: { usage: { resource: 'things' } },
  } as ConnectorSpec;
}

/**
 * Runs the request to its end as a client paging with `limit=1000` would, or (`stepOptions`) as
 * the engine's stream steps through it; at most 50 runs, so a loop fails the test instead of
 * hanging it.
 */
async function runAll(
  spec: ConnectorSpec,
  agent: MockAgent,
  query = 'start_date=2026-03-01&end_date=2026-03-02',
  stepOptions: (o: RunOptions) => RunOptions = (o) => o,
) {
  const runner = mockedRunner(spec, agent);
  const req = toUsageRequest(
    Object.fromEntries(new URLSearchParams(`integrated_account_id=acc1&report_type=usage&${query}`)) as never,
  );
  const plan = makePlan(account, { spec, dir: '', implemented: true }, req, () => mapping, undefined);
  const opts: RunOptions = stepOptions({
    limit: 1000,
    ignoreLimit: false,
    raw: false,
    budget: 50,
    remoteQuery: {},
    rowFilter: () => true,
    maxRows: 10000,
  });
  const ids: string[] = [];
  let state: PageState | null = { w: 0, p: null, o: 0 };
  let looping = false;
  const urls: string[] = [];
  for (let runs = 0; state; runs++) {
    if (runs === 50) throw new Error(`still paging after 50 runs: ${ids.join(',')}`);
    const res = await runner.run(plan, state, opts);
    ids.push(...res.rows.map((r) => r.metric_name as string));
    urls.push(...res.calls.map((c) => c.url));
    looping ||= res.isLooping;
    state = res.next;
  }
  return { ids, looping, urls };
}

function mockAgent() {
  const agent = new MockAgent();
  agent.disableNetConnect();
  return agent;
}

t.test('token + has_more (next_page while has_more)', async (t) => {
  const agent = mockAgent();
  const pool = agent.get(ORIGIN);
  pool
    .intercept({
      path: '/things?from=2026-03-01&to=2026-03-02',
      method: 'GET',
      headers: { 'x-key': 'secret-key-value-123' },
    })
    .reply(200, { items: [{ id: 'a' }, { id: 'b' }], has_more: true, next_page: 'tok1' });
  pool
    .intercept({ path: '/things?from=2026-03-01&to=2026-03-02&page=tok1', method: 'GET' })
    .reply(200, { items: [{ id: 'c' }], has_more: false, next_page: 'ignored-because-has_more-false' });
  const { ids } = await runAll(
    specWith({ type: 'token', param: 'page', next_path: 'next_page', has_more_path: 'has_more' }),
    agent,
  );
  t.same(ids, ['a', 'b', 'c']);
  agent.assertNoPendingInterceptors();
});

t.test('token without a flag (JSON:API next_record_id; missing meta = done)', async (t) => {
  const agent = mockAgent();
  const pool = agent.get(ORIGIN);
  pool
    .intercept({ path: '/things?from=2026-03-01&to=2026-03-02', method: 'GET' })
    .reply(200, { items: [{ id: 'a' }], meta: { pagination: { next_record_id: 'rec-9' } } });
  pool
    .intercept({
      path: '/things?from=2026-03-01&to=2026-03-02&page%5Bnext_record_id%5D=rec-9',
      method: 'GET',
    })
    .reply(200, { items: [{ id: 'b' }] });
  const { ids } = await runAll(
    specWith({ type: 'token', param: 'page[next_record_id]', next_path: 'meta.pagination.next_record_id' }),
    agent,
  );
  t.same(ids, ['a', 'b']);
  agent.assertNoPendingInterceptors();
});

t.test('page number with total pages', async (t) => {
  const agent = mockAgent();
  const pool = agent.get(ORIGIN);
  for (const page of [1, 2, 3]) {
    pool
      .intercept({ path: `/things?from=2026-03-01&to=2026-03-02&page=${page}`, method: 'GET' })
      .reply(200, { items: [{ id: `p${page}` }], totalPages: 3 });
  }
  const { ids } = await runAll(
    specWith({ type: 'page_number', param: 'page', first_page: 1, total_pages_path: 'totalPages' }),
    agent,
  );
  t.same(ids, ['p1', 'p2', 'p3']);
  agent.assertNoPendingInterceptors();
});

t.test('page number with a has-next flag', async (t) => {
  const agent = mockAgent();
  const pool = agent.get(ORIGIN);
  pool
    .intercept({ path: '/things?from=2026-03-01&to=2026-03-02&page=0', method: 'GET' })
    .reply(200, { items: [{ id: 'x' }], pagination: { hasNextPage: true } });
  pool
    .intercept({ path: '/things?from=2026-03-01&to=2026-03-02&page=1', method: 'GET' })
    .reply(200, { items: [{ id: 'y' }], pagination: { hasNextPage: false } });
  const { ids } = await runAll(
    specWith({ type: 'page_number', param: 'page', first_page: 0, has_next_path: 'pagination.hasNextPage' }),
    agent,
  );
  t.same(ids, ['x', 'y']);
  agent.assertNoPendingInterceptors();
});

t.test('page number until an empty page', async (t) => {
  const agent = mockAgent();
  const pool = agent.get(ORIGIN);
  pool
    .intercept({ path: '/things?from=2026-03-01&to=2026-03-02&p=1', method: 'GET' })
    .reply(200, { items: [{ id: 'one' }] });
  pool
    .intercept({ path: '/things?from=2026-03-01&to=2026-03-02&p=2', method: 'GET' })
    .reply(200, { items: [] });
  const { ids } = await runAll(specWith({ type: 'page_number', param: 'p', first_page: 1 }), agent);
  t.same(ids, ['one']);
  agent.assertNoPendingInterceptors();
});

t.test('next URL (metadata.next) stays on declared hosts', async (t) => {
  const agent = mockAgent();
  const pool = agent.get(ORIGIN);
  pool
    .intercept({ path: '/things?from=2026-03-01&to=2026-03-02', method: 'GET' })
    .reply(200, { items: [{ id: 'n1' }], metadata: { next: `${ORIGIN}/things?page_token=abc` } });
  pool
    .intercept({ path: '/things?page_token=abc', method: 'GET' })
    .reply(200, { items: [{ id: 'n2' }], metadata: { next: null } });
  const { ids } = await runAll(specWith({ type: 'next_url', next_path: 'metadata.next' }), agent);
  t.same(ids, ['n1', 'n2']);
  agent.assertNoPendingInterceptors();

  const evil = mockAgent();
  evil
    .get(ORIGIN)
    .intercept({ path: '/things?from=2026-03-01&to=2026-03-02', method: 'GET' })
    .reply(200, { items: [{ id: 'n1' }], metadata: { next: 'https://attacker.example/steal' } });
  await t.rejects(
    runAll(specWith({ type: 'next_url', next_path: 'metadata.next' }), evil),
    { code: 'host_not_allowed' },
    'an undeclared next host is refused',
  );
});

t.test('single response', async (t) => {
  const agent = mockAgent();
  agent
    .get(ORIGIN)
    .intercept({ path: '/things?from=2026-03-01&to=2026-03-02', method: 'GET' })
    .reply(200, { items: [{ id: 'only' }], next: 'x' });
  const { ids } = await runAll(specWith({ type: 'none' }), agent);
  t.same(ids, ['only']);
});

t.test('a vendor cursor seen twice stops paging and is reported', async (t) => {
  const agent = mockAgent();
  const pool = agent.get(ORIGIN);
  pool
    .intercept({ path: '/things?from=2026-03-01&to=2026-03-02', method: 'GET' })
    .reply(200, { items: [{ id: 'a' }], has_more: true, next_page: 'same' });
  pool
    .intercept({ path: '/things?from=2026-03-01&to=2026-03-02&page=same', method: 'GET' })
    .reply(200, { items: [{ id: 'b' }], has_more: true, next_page: 'same' })
    .persist();
  const { ids, looping } = await runAll(
    specWith({ type: 'token', param: 'page', next_path: 'next_page', has_more_path: 'has_more' }),
    agent,
  );
  t.same(ids, ['a', 'b'], 'each page once');
  t.equal(looping, true);
});

t.test('a vendor cursor cycling back to an earlier page stops, in paging and in a stream', async (t) => {
  for (const [how, stepOptions] of [
    ['paging', (o: RunOptions) => o],
    ['stream steps', streamStepOptions],
  ] as const) {
    // A -> B -> A: each page has a row, so a stream's steps (one page each) meet the cycle only
    // across steps.
    const agent = mockAgent();
    const pool = agent.get(ORIGIN);
    const base = '/things?from=2026-03-01&to=2026-03-02';
    pool
      .intercept({ path: base, method: 'GET' })
      .reply(200, { items: [{ id: 'a' }], has_more: true, next_page: 'A' });
    pool
      .intercept({ path: `${base}&page=A`, method: 'GET' })
      .reply(200, { items: [{ id: 'b' }], has_more: true, next_page: 'B' })
      .persist();
    pool
      .intercept({ path: `${base}&page=B`, method: 'GET' })
      .reply(200, { items: [{ id: 'c' }], has_more: true, next_page: 'A' })
      .persist();
    const { ids, looping } = await runAll(
      specWith({ type: 'token', param: 'page', next_path: 'next_page', has_more_path: 'has_more' }),
      agent,
      undefined,
      stepOptions,
    );
    t.same(ids, ['a', 'b', 'c'], `${how}: each page once`);
    t.equal(looping, true, `${how}: the loop is reported`);
  }
});

t.test('date windows: a range is split into the vendor maximum and walked in order', async (t) => {
  const agent = mockAgent();
  const pool = agent.get(ORIGIN);
  for (const [from, to] of [
    ['2026-03-01', '2026-03-02'],
    ['2026-03-02', '2026-03-03'],
    ['2026-03-03', '2026-03-04'],
  ]) {
    pool
      .intercept({ path: `/things?from=${from}&to=${to}`, method: 'GET' })
      .reply(200, { items: from === '2026-03-02' ? [] : [{ id: from }] });
  }
  const spec = specWith({ type: 'none' }, { window: { max_days: 1, align: 'day' } } as never);
  const { ids, urls } = await runAll(spec, agent, 'start_date=2026-03-01&end_date=2026-03-04');
  t.same(ids, ['2026-03-01', '2026-03-03'], 'empty day skipped, order kept');
  t.equal(urls.length, 3);
  agent.assertNoPendingInterceptors();
});

t.test('a report type the connector does not have is a 400 naming the ones it has', async (t) => {
  const spec = specWith({ type: 'none' });
  const req = toUsageRequest({ integrated_account_id: 'acc1', report_type: 'summary' } as never);
  t.throws(() => makePlan(account, { spec, dir: '', implemented: true }, req, () => mapping, undefined), {
    code: 'unsupported_report_type',
    details: { parameter: 'report_type', allowed: ['usage'] },
  });
});
