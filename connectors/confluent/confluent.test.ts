/**
 * Confluent's own checks, through the real gateway over loopback against the emulator: monthly
 * windows (each line once at any page size), exact money (total + discount = net on every row, a
 * month's sum without drift), environment and organization names, paging through
 * `metadata.next`, the vendor's auth and date rules as the caller sees them. The generic format,
 * paging, cursor and fault checks run for every connector in test/conformance/.
 */
import t from 'tap';
import { startGateway, type TestGateway } from '../../test/helpers/gateway.js';
import {
  COSTS_PATH,
  ENVIRONMENTS,
  ENVIRONMENTS_PATH,
  ORGANIZATION,
  ORGANIZATIONS_PATH,
  SANDBOX_API_KEY,
  SANDBOX_API_SECRET,
  VIEWER_API_KEY,
  VIEWER_API_SECRET,
  linesBetween,
  startConfluentEmulator,
  toScaled,
  totals,
  type RunningConfluentEmulator,
} from './emulator/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows are read freely
type Row = any;

const NOW = new Date('2026-03-20T12:00:00Z');
const emu: RunningConfluentEmulator = await startConfluentEmulator({ now: NOW });
const gw: TestGateway = await startGateway({ METERWAY_SANDBOX: 'true' }, { now: () => NOW });
t.teardown(async () => {
  await gw.close();
  await emu.close();
});

let accounts = 0;
/** A fresh account (its own cache scope) with these credentials, knobs and counters reset. */
async function account(key = SANDBOX_API_KEY, secret = SANDBOX_API_SECRET): Promise<string> {
  const id = `cf-${++accounts}`;
  const res = await gw.call('POST', '/integrated-accounts', {
    body: {
      id,
      integration: 'confluent',
      name: 'Fjord Freight',
      credentials: { api_key: key, api_secret: secret },
      context: { base_url: emu.url },
    },
  });
  if (res.status !== 201) throw new Error(`account not created: ${res.text}`);
  emu.controls.reset();
  return id;
}

const usage = (id: string, qs: string) =>
  gw.call('GET', `/unified/usage-metering/usage?integrated_account_id=${id}&${qs}`);

async function pageAll(id: string, qs: string): Promise<{ rows: Row[]; pages: number }> {
  const rows: Row[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await usage(id, `${qs}${cursor ? `&next_cursor=${cursor}` : ''}`);
    if (res.status !== 200) throw new Error(`${qs}: ${res.status} ${res.text.slice(0, 300)}`);
    rows.push(...res.body.result);
    cursor = res.body.next_cursor;
    pages++;
  } while (cursor);
  return { rows, pages };
}

/** Dollars as the exact integer of micro-dollars they print as (no float arithmetic). */
function micro(amount: number): bigint {
  const text = String(amount);
  if (/e/i.test(text)) throw new Error(`unexpected exponent in ${text}`);
  return toScaled(text, 6);
}
const charge = (row: Row, type: string): bigint | undefined => {
  const c = (row.charges ?? []).find((x: Row) => x.type === type);
  return c === undefined ? undefined : micro(c.amount);
};
const costCalls = () => emu.controls.byPath.get(COSTS_PATH) ?? 0;

const QUARTER = 'start_date=2025-12-01&end_date=2026-03-01';

t.test('a three-month range is three window calls and every line exactly once', async (t) => {
  const expected = linesBetween('2025-12-01', '2026-03-01', NOW).map((l) => l.line.id);
  t.ok(expected.length > 1000, `${expected.length} lines in the quarter`);

  const id = await account();
  const all = await pageAll(id, `report_type=usage&${QUARTER}&limit=1000&truto_response_format=unified`);
  t.equal(costCalls(), 3, 'one call per month');
  t.same(
    all.rows.map((r) => r.remote_data.id),
    expected,
    'every line once, in the vendor order',
  );
  t.equal(new Set(all.rows.map((r) => r.id)).size, all.rows.length, 'unique row ids');

  // limit=1 walks one row per response (the support plan's daily line: 90 pages).
  const support = `report_type=usage&${QUARTER}&product_ids=SUPPORT_CLOUD_BUSINESS`;
  const one = await pageAll(id, `${support}&limit=1`);
  const big = await pageAll(id, `${support}&limit=1000`);
  t.equal(one.rows.length, 90, 'one support line a day');
  t.equal(one.pages, 90, 'one row per page');
  t.same(
    one.rows.map((r) => r.id),
    big.rows.map((r) => r.id),
    'limit=1 and limit=1000 give the same rows in the same order',
  );
  t.same(
    one.rows.map((r) => r.id),
    all.rows.filter((r) => r.product.id === 'SUPPORT_CLOUD_BUSINESS').map((r) => r.id),
  );
  t.equal(costCalls(), 3, 'paging reads the cached windows, never a window twice');

  const debug = await usage(
    await account(),
    `report_type=cost&${QUARTER}&limit=1000&truto_response_format=debug`,
  );
  const windows = debug.body.debug.calls
    .map((c: Row) => new URL(c.url))
    .filter((u: URL) => u.pathname === COSTS_PATH)
    .map((u: URL) => `${u.searchParams.get('start_date')}..${u.searchParams.get('end_date')}`);
  t.equal(windows[0], '2025-12-01..2026-01-01', 'the first window is the first month');
  for (const w of windows) {
    const [from = '', to = ''] = w.split('..');
    t.match(from, /-01$/, `${w} starts on the first of a month`);
    const next = new Date(`${from}T00:00:00Z`);
    next.setUTCMonth(next.getUTCMonth() + 1);
    t.equal(to, next.toISOString().slice(0, 10), `${w} is one month`);
  }
});

t.test('exact money: total + discount = net on every row, a month sums without drift', async (t) => {
  const id = await account();
  const { rows } = await pageAll(id, 'report_type=cost&start_date=2026-02-01&end_date=2026-03-01&limit=1000');
  const lines = linesBetween('2026-02-01', '2026-03-01', NOW);
  t.equal(rows.length, lines.length);
  let net = 0n;
  let gross = 0n;
  let discount = 0n;
  let floatNet = 0;
  for (const row of rows) {
    const total = charge(row, 'total') ?? charge(row, 'credit');
    const d = charge(row, 'discount') ?? 0n;
    const n = charge(row, 'net');
    if (total === undefined || n === undefined) {
      t.fail(`row ${row.id} lacks total or net`);
      continue;
    }
    if (total + d !== n) t.fail(`${row.remote_data.id}: ${total} + ${d} != ${n}`);
    t.ok(d <= 0n, 'a discount is negative or zero');
    net += n;
    gross += total;
    discount += d;
    floatNet += (row.charges as Row[]).find((c) => c.type === 'net').amount;
    t.equal(
      row.charges.every((c: Row) => c.currency === 'USD'),
      true,
    );
  }
  const exact = totals(lines);
  t.equal(net, exact.amount, 'Σ net = the vendor month, to the millionth of a dollar');
  t.equal(gross, exact.original, 'Σ total = Σ original_amount');
  t.equal(discount, -exact.discount, 'Σ discount = -Σ discount_amount');
  t.ok(Math.abs(floatNet - Number(exact.amount) / 1e6) < 0.01, 'and to the cent as plain numbers');

  const credit = await pageAll(
    id,
    'report_type=cost&start_date=2025-04-01&end_date=2025-04-03&limit=1000&product_ids=PROMO_CREDIT',
  );
  t.equal(credit.rows.length, 2, 'a promotional credit a day');
  for (const row of credit.rows) {
    t.same(
      row.charges.map((c: Row) => c.type),
      ['credit', 'net'],
    );
    t.equal(charge(row, 'credit'), -25_000_000n);
    t.equal(row.product.id, 'PROMO_CREDIT');
  }
});

t.test('names: environments as workspaces, the organization, fetched once per account', async (t) => {
  const id = await account();
  const { rows } = await pageAll(id, 'report_type=cost&start_date=2026-03-03&end_date=2026-03-04&limit=7');
  const names = new Map(ENVIRONMENTS.map((e) => [e.id, e.display_name]));
  let withResource = 0;
  for (const row of rows) {
    t.same(row.organization, { id: ORGANIZATION.id, name: ORGANIZATION.display_name });
    const r = row.resources?.[0];
    if (!r) {
      t.match(row.product.id, /^SUPPORT_/, 'only org-wide lines lack a resource');
      continue;
    }
    withResource++;
    t.ok(r.id && r.name, 'resource id and name');
    t.equal(r.workspace.name, names.get(r.workspace.id), `${r.id}: environment name`);
  }
  t.ok(withResource > 20);
  t.same(
    new Set(rows.flatMap((r) => r.resources ?? []).map((r: Row) => r.workspace.name)),
    new Set(['production', 'staging']),
  );
  t.equal(emu.controls.byPath.get(ENVIRONMENTS_PATH), 1, 'environments read once for all pages');
  t.equal(emu.controls.byPath.get(ORGANIZATIONS_PATH), 1, 'organizations read once');

  const quantities = await usage(id, 'report_type=usage&date=2026-03-03&limit=1000');
  t.equal(quantities.status, 200);
  for (const row of quantities.body.result as Row[]) {
    if (row.metric_name === 'PROMO_CREDIT') continue;
    t.ok(typeof row.usage.quantity === 'number' && row.usage.unit, `${row.metric_name}: quantity first`);
  }
});

t.test('every format answers cost and usage', async (t) => {
  const id = await account();
  for (const report of ['cost', 'usage']) {
    const qs = `report_type=${report}&date=2026-03-03&limit=1000`;
    const unified = await usage(id, qs);
    t.equal(unified.status, 200);
    const n = unified.body.result.length;
    const raw = await usage(id, `${qs}&truto_response_format=raw`);
    t.equal(raw.body.result[0].kind, 'CostList', `${report}: raw is the vendor body`);
    const normalized = await usage(id, `${qs}&truto_response_format=normalized`);
    t.equal(normalized.body.result.length, n);
    t.ok('usage.quantity' in normalized.body.result[0], 'flat columns');
    const stream = await usage(id, `${qs}&truto_response_format=stream`);
    t.equal(stream.text.trim().split('\n').length, n, `${report}: one line per row`);
    const debug = await usage(id, `${qs}&truto_response_format=debug`);
    t.match(debug.body.debug.requestUrl, /\/billing\/v1\/costs\?start_date=2026-03-03&end_date=2026-03-04/);
    t.notOk(debug.text.includes(SANDBOX_API_SECRET), 'no secret in debug');
    t.equal(debug.body.debug.requestOptions.headers.authorization, '[redacted]');
  }
});

t.test('paging through metadata.next: every page once, each line once', async (t) => {
  const id = await account();
  emu.controls.maxPageItems = 5;
  const { rows } = await pageAll(id, 'report_type=usage&date=2026-03-03&limit=1000');
  const lines = linesBetween('2026-03-03', '2026-03-04', NOW);
  t.equal(costCalls(), Math.ceil(lines.length / 5), 'one call per vendor page');
  t.same(
    rows.map((r) => r.remote_data.id),
    lines.map((l) => l.line.id),
  );
  emu.controls.reset();
});

t.test('lenient dates: `YYYY-MM-DD 00:00:00` lines map like plain dates', async (t) => {
  const plain = await usage(await account(), 'report_type=usage&date=2026-03-03&limit=3');
  const id = await account();
  emu.controls.dateStyle = 'datetime';
  const timed = await usage(id, 'report_type=usage&date=2026-03-03&limit=3');
  t.equal(timed.body.result[0].remote_data.start_date, '2026-03-03 00:00:00');
  t.same(
    timed.body.result.map((r: Row) => [r.remote_data.id, r.start_date, r.end_date]),
    plain.body.result.map((r: Row) => [r.remote_data.id, r.start_date, r.end_date]),
  );
  t.equal(timed.body.result[0].start_date, '2026-03-03T00:00:00.000Z');
  emu.controls.reset();
});

t.test('vendor rules reach the caller in the one envelope', async (t) => {
  const viewer = await usage(
    await account(VIEWER_API_KEY, VIEWER_API_SECRET),
    'report_type=usage&date=2026-03-03',
  );
  t.equal(viewer.status, 503, 'a key without a billing role needs other credentials');
  t.equal(viewer.body.code, 'account_needs_reauth');
  t.match(viewer.body.raw_response, { errors: [{ status: '403', code: 'user_unauthorized' }] });

  const wrong = await usage(
    await account(SANDBOX_API_KEY, 'not-the-secret'),
    'report_type=usage&date=2026-03-03',
  );
  t.equal(wrong.status, 503);
  t.notOk(wrong.text.includes('not-the-secret'));

  // More than a year back: the range is narrowed to the last 365 days instead of Confluent's 400.
  const old = await usage(
    await account(),
    'report_type=cost&start_date=2025-03-01&end_date=2025-04-01&limit=1000&truto_response_format=debug',
  );
  t.equal(old.status, 200);
  t.same(
    old.body.debug.calls
      .filter((c: Row) => new URL(c.url).pathname === COSTS_PATH)
      .map((c: Row) => new URL(c.url).search),
    ['?start_date=2025-03-20&end_date=2025-04-01&page_size=10000'],
    'one call from the earliest day Confluent serves',
  );
  t.equal(old.body.result.length, linesBetween('2025-03-20', '2025-04-01', NOW).length);
  t.equal(old.body.result[0].start_date, '2025-03-20T00:00:00.000Z');

  const ok = await usage(await account(), 'report_type=usage&date=2026-03-03&limit=2');
  t.equal(ok.headers['ratelimit-limit'], '600', "the vendor's limit is passed on");
  t.ok(Number(ok.headers['ratelimit-remaining']) < 600);
});
