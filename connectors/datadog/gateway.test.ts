/**
 * Datadog through the real gateway over loopback against the Datadog emulator: exact charges,
 * nulls kept absent, day buckets, sites, complete paging of a long hourly range, the missing
 * billing_read scope, and the vendor's rate-limit state.
 */
import t from 'tap';
import { startGateway, type TestGateway } from '../../test/helpers/gateway.js';
import {
  ALL_ORGS,
  PRODUCT_FAMILIES,
  SANDBOX_API_KEY,
  SANDBOX_APPLICATION_KEY,
  USAGE_ONLY_APPLICATION_KEY,
  costCents,
  measure,
  startDatadogEmulator,
  type RunningDatadogEmulator,
} from './emulator/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = any;

const NOW = new Date('2026-03-20T12:00:00Z');
const HOUR = 3_600_000;

interface Rig {
  gw: TestGateway;
  emu: RunningDatadogEmulator;
  usage(account: string, qs: string): ReturnType<TestGateway['call']>;
  close(): Promise<void>;
}

async function rig(): Promise<Rig> {
  const emu = await startDatadogEmulator({ now: NOW });
  const gw = await startGateway({ METERWAY_SANDBOX: 'true' }, { now: () => NOW });
  for (const [id, application_key] of [
    ['dd', SANDBOX_APPLICATION_KEY],
    ['dd-usage-only', USAGE_ONLY_APPLICATION_KEY],
  ] as const) {
    const res = await gw.call('POST', '/integrated-accounts', {
      body: {
        id,
        integration: 'datadog',
        credentials: { api_key: SANDBOX_API_KEY, application_key },
        context: { base_url: emu.url },
      },
    });
    if (res.status !== 201) throw new Error(res.text);
  }
  return {
    gw,
    emu,
    usage: (account, qs) =>
      gw.call('GET', `/unified/usage-metering/usage?integrated_account_id=${account}&${qs}`),
    async close() {
      await gw.close();
      await emu.close();
    },
  };
}

async function pageAll(r: Rig, qs: string): Promise<Row[]> {
  const rows: Row[] = [];
  let cursor: string | null = null;
  do {
    const res = await r.usage('dd', `${qs}${cursor ? `&next_cursor=${cursor}` : ''}`);
    if (res.status !== 200) throw new Error(`${qs}: ${res.status} ${res.text.slice(0, 300)}`);
    rows.push(...res.body.result);
    cursor = res.body.next_cursor;
  } while (cursor);
  return rows;
}

/** Dollars with at most 2 decimals as integer cents, exactly. */
function cents(amount: number): number {
  const [int = '0', frac = ''] = String(amount).split('.');
  if (frac.length > 2) throw new Error(`more than cents: ${amount}`);
  return Number(int) * 100 + Number(frac.padEnd(2, '0'));
}

t.test('cost: typed charges per org, month and dimension, never summed across types', async (t) => {
  const r = await rig();
  t.teardown(() => r.close());
  const qs = 'report_type=cost&start_date=2026-02-01&end_date=2026-03-20&truto_ignore_remote_data=true';
  const debug = await r.usage('dd', `${qs}&truto_response_format=debug&limit=1000`);
  t.equal(debug.status, 200);
  t.match(
    debug.body.debug.calls.map((c: Row) => new URL(c.url).pathname),
    ['/api/v2/usage/historical_cost', '/api/v2/usage/estimated_cost'],
    'the settled month from historical cost, the current one from the estimate',
  );
  const rows = await pageAll(r, `${qs}&limit=7`);
  t.ok(rows.length > 20);
  for (const row of rows) {
    const types = row.charges.map((c: Row) => c.type);
    t.same([...types].sort(), ['committed', 'on_demand', 'total'], `${row.product.id}: one charge per type`);
    const of = (type: string) => cents(row.charges.find((c: Row) => c.type === type).amount);
    if (of('total') !== of('committed') + of('on_demand')) t.fail(`${row.id}: total is not the parts`);
  }
  for (const [month, index] of [
    ['2026-02', 2026 * 12 + 1],
    ['2026-03', 2026 * 12 + 2],
  ] as const) {
    const inMonth = rows.filter((row) => row.start_date.startsWith(month));
    const total = inMonth.reduce(
      (s, row) => s + cents(row.charges.find((c: Row) => c.type === 'total').amount),
      0,
    );
    let expected = 0;
    for (const org of ALL_ORGS) {
      for (const dim of new Set(inMonth.map((row) => row.product.id))) {
        const c = costCents(org, dim as string, index, NOW);
        expected += c.committed + c.onDemand;
      }
    }
    t.equal(total, expected, `${month}: total charges sum to the vendor's cents exactly`);
    t.equal(
      new Set(inMonth.map((row) => row.organization.id)).size,
      3,
      `${month}: parent and two child orgs`,
    );
  }
});

t.test('hourly usage: null measurements give no row, never a 0', async (t) => {
  const r = await rig();
  t.teardown(() => r.close());
  const rows = await pageAll(
    r,
    'report_type=usage&start_date=2026-03-04&end_date=2026-03-05&product_ids=infra_hosts&limit=1000',
  );
  const family = PRODUCT_FAMILIES.find((f) => f.id === 'infra_hosts')!;
  const got = new Map(
    rows.map((row) => [`${row.organization.id}|${row.metric_name}|${row.start_date}`, row]),
  );
  let nulls = 0;
  let values = 0;
  for (let h = Date.parse('2026-03-04T00:00:00Z'); h < Date.parse('2026-03-05T00:00:00Z'); h += HOUR) {
    for (const org of ALL_ORGS) {
      for (const type of family.types) {
        const v = measure(org, family, type, h);
        const row = got.get(`${org.publicId}|${type.name}|${new Date(h).toISOString()}`);
        if (v === null) {
          nulls++;
          if (row)
            t.fail(
              `${type.name} ${org.name} ${new Date(h).toISOString()}: null became ${row.usage.quantity}`,
            );
        } else {
          values++;
          if (row?.usage.quantity !== v)
            t.fail(`${type.name} at ${new Date(h).toISOString()}: ${row?.usage.quantity} ≠ ${v}`);
        }
      }
    }
  }
  t.ok(nulls > 24, `the day has null measurements (${nulls})`);
  t.equal(rows.length, values, 'exactly one row per measured value');
});

t.test('granularity=day: each day row is the exact sum of its hourly rows', async (t) => {
  const r = await rig();
  t.teardown(() => r.close());
  const range =
    'report_type=usage&start_date=2026-03-03&end_date=2026-03-05&product_ids=logs,synthetics_api&limit=1000';
  const hours = await pageAll(r, range);
  const days = await pageAll(r, `${range}&granularity=day`);
  const key = (row: Row) =>
    `${row.organization.id}|${row.product.id}|${row.metric_name}|${row.start_date.slice(0, 10)}`;
  const sums = new Map<string, bigint>();
  for (const row of hours) sums.set(key(row), (sums.get(key(row)) ?? 0n) + BigInt(row.usage.quantity));
  t.equal(days.length, sums.size, 'one day row per org, family, usage type and day');
  for (const row of days) {
    t.equal(row.end_date.slice(0, 10) > row.start_date.slice(0, 10), true);
    if (BigInt(row.usage.quantity) !== sums.get(key(row))) t.fail(`${key(row)}: ${row.usage.quantity}`);
  }
  t.ok(
    days.some((row) => row.usage.unit === 'bytes' && row.usage.quantity > 2 ** 32),
    'byte counts stay exact',
  );
});

t.test(
  'a 10-day hourly range spanning many vendor pages is read completely at limit=1 and 1000',
  async (t) => {
    const r = await rig();
    t.teardown(() => r.close());
    r.emu.controls.maxPageRecords = 25; // 72 items a day: three vendor pages per day
    const qs = 'report_type=usage&start_date=2026-03-01&end_date=2026-03-11&product_ids=synthetics_api';
    const before = r.emu.controls.requests;
    const big = await pageAll(r, `${qs}&limit=1000`);
    t.ok(r.emu.controls.requests - before >= 30, 'ten days of three pages each');
    const family = PRODUCT_FAMILIES.find((f) => f.id === 'synthetics_api')!;
    let expected = 0;
    for (let h = Date.parse('2026-03-01T00:00:00Z'); h < Date.parse('2026-03-11T00:00:00Z'); h += HOUR) {
      for (const org of ALL_ORGS) if (measure(org, family, family.types[0]!, h) !== null) expected++;
    }
    t.equal(big.length, expected, 'every measured hour of every org');
    t.equal(new Set(big.map((row) => row.id)).size, big.length, 'no row twice');
    const small = await pageAll(r, `${qs}&limit=1`);
    t.same(
      small.map((row) => row.id),
      big.map((row) => row.id),
      'limit=1 walks the same rows in the same order',
    );
  },
);

t.test('site: the account context picks the host; an undeclared site is refused', async (t) => {
  const r = await rig();
  t.teardown(() => r.close());
  const credentials = { api_key: SANDBOX_API_KEY, application_key: SANDBOX_APPLICATION_KEY };
  const eu = await r.gw.call('POST', '/integrated-accounts', {
    body: { id: 'eu', integration: 'datadog', credentials, context: { site: 'datadoghq.eu' } },
  });
  t.equal(eu.status, 201);
  const evil = await r.gw.call('POST', '/integrated-accounts', {
    body: { id: 'evil', integration: 'datadog', credentials, context: { site: 'datadoghq.evil.example' } },
  });
  t.equal(evil.status, 400);
  t.equal(evil.body.details.parameter, 'context.site');
  const moved = await r.gw.call('PATCH', '/integrated-accounts/eu', {
    body: { context: { site: 'example.com' } },
  });
  t.equal(moved.status, 400, 'nor by a later change');
});

t.test('403 for a missing billing_read is a 503 account_needs_reauth naming the scope', async (t) => {
  const r = await rig();
  t.teardown(() => r.close());
  // Usage first: the refusal below marks the account needs_reauth until its keys change.
  const usage = await r.usage(
    'dd-usage-only',
    'report_type=usage&start_date=2026-03-04&end_date=2026-03-05&product_ids=dbm&limit=5',
  );
  t.equal(usage.status, 200, 'usage needs only usage_read');
  const res = await r.usage('dd-usage-only', 'report_type=cost&start_date=2026-02-01&end_date=2026-03-01');
  t.equal(res.status, 503);
  t.equal(res.body.code, 'account_needs_reauth');
  t.match(res.body.message, /billing_read/);
  t.notOk(res.text.includes(USAGE_ONLY_APPLICATION_KEY));
});

t.test("the vendor's X-RateLimit state is passed on, and its 429 reaches the caller", async (t) => {
  const r = await rig();
  t.teardown(() => r.close());
  r.emu.controls.rateLimitPeriodSeconds = 3600;
  r.emu.controls.rateLimitPerPeriod = 2;
  const qs = 'report_type=usage&start_date=2026-03-04&end_date=2026-03-05&product_ids=dbm&limit=5';
  const ok = await r.usage('dd', qs);
  t.equal(ok.status, 200);
  t.equal(ok.headers['ratelimit-limit'], '2');
  t.equal(ok.headers['ratelimit-remaining'], '1');
  t.ok(Number(ok.headers['ratelimit-reset']) > 0);
  await r.usage('dd', qs.replace('dbm', 'rum'));
  const limited = await r.usage('dd', qs.replace('dbm', 'profiling'));
  t.equal(limited.status, 429);
  t.equal(limited.body.code, 'rate_limited');
  t.ok(Number(limited.headers['retry-after']) > 10, 'the reset of the vendor window');
  t.same(limited.body.raw_response, { errors: ['Too many requests'] });
});

t.test('emulator: both key headers, parameter validation, both error shapes', async (t) => {
  const emu = await startDatadogEmulator({ now: NOW });
  t.teardown(() => emu.close());
  const keys = { 'DD-API-KEY': SANDBOX_API_KEY, 'DD-APPLICATION-KEY': SANDBOX_APPLICATION_KEY };
  const get = async (path: string, headers: Record<string, string> = keys) => {
    const res = await fetch(`${emu.url}${path}`, { headers });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Row };
  };
  const hourly =
    '/api/v2/usage/hourly_usage?filter[product_families]=all&filter[timestamp][start]=2026-03-04T00';
  for (const headers of [
    {} as Record<string, string>,
    { 'DD-API-KEY': SANDBOX_API_KEY },
    { 'DD-APPLICATION-KEY': SANDBOX_APPLICATION_KEY },
  ]) {
    const res = await get(`${hourly}&filter[timestamp][end]=2026-03-04T01`, headers);
    t.equal(res.status, 403);
    t.same(res.body, { errors: ['Forbidden'] });
  }
  const backwards = await get(`${hourly}&filter[timestamp][end]=2026-03-03T00`);
  t.same(backwards.body, { errors: ['start_hr [2026-03-04T00] must be before end_hr [2026-03-03T00]'] });
  const tooLong = await get(
    `${hourly}&filter[timestamp][end]=2026-03-06T00&filter[include_descendants]=true`,
  );
  t.equal(tooLong.status, 400, 'child orgs: 24 hours per call');
  t.equal((await get(`${hourly}&filter[timestamp][end]=2026-03-04T01&page[limit]=501`)).status, 400);
  const page = await get(`${hourly}&filter[timestamp][end]=2026-03-04T01`);
  t.equal(page.status, 200);
  t.equal(page.body.meta, undefined, 'a last page has no meta');
  t.equal(page.headers.get('x-ratelimit-name'), 'usage_metering');
  const objects = await get('/api/v2/usage/billing_dimension_mapping?filter[view]=none');
  t.equal(objects.status, 400);
  t.match(objects.body, { errors: [{ status: '400', title: 'Bad Request', detail: /filter\[view\]/ }] });
  const estimate = await get('/api/v2/usage/estimated_cost?start_month=2025-11');
  t.same(estimate.body, { errors: ['start_month must be in the past two months'] });
});
