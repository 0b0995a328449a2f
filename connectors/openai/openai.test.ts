import t from 'tap';
import { startGateway } from '../../test/helpers/gateway.js';
import {
  SANDBOX_ADMIN_API_KEY,
  SANDBOX_ANALYTICS_API_KEY,
  API_KEYS,
  TOKEN_CHANGE_DAY,
  WORKSPACE_ID,
  completionFacts,
  costLines,
  startOpenAIEmulator,
} from './emulator/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = any;

/**
 * OpenAI through the real gateway over loopback to the emulator. Report types × formats, paging
 * and faults are the conformance suite's (test/conformance/); here: what only OpenAI has.
 */
const NOW = new Date('2026-08-20T12:00:00Z');
const emu = await startOpenAIEmulator({ now: NOW });
const gw = await startGateway({ METERWAY_SANDBOX: 'true' }, { now: () => NOW });
t.teardown(async () => {
  await gw.close();
  await emu.close();
});
for (const [id, credentials] of [
  ['oa', { admin_api_key: SANDBOX_ADMIN_API_KEY }],
  ['codex', { analytics_api_key: SANDBOX_ANALYTICS_API_KEY }],
] as const) {
  const created = await gw.call('POST', '/integrated-accounts', {
    body: {
      id,
      integration: 'openai',
      name: 'Kestrel',
      credentials,
      context: { base_url: emu.url, codex_base_url: emu.url, workspace_id: WORKSPACE_ID },
    },
  });
  if (created.status !== 201) throw new Error(created.text);
}
const usage = (qs: string, account = 'oa') =>
  gw.call('GET', `/unified/usage-metering/usage?integrated_account_id=${account}&${qs}`);

async function pageAll(qs: string, account = 'oa'): Promise<Row[]> {
  const rows: Row[] = [];
  let cursor: string | null = null;
  do {
    const res = await usage(`${qs}${cursor ? `&next_cursor=${cursor}` : ''}`, account);
    if (res.status !== 200) throw new Error(`${qs}: ${res.status} ${res.text.slice(0, 300)}`);
    rows.push(...res.body.result);
    cursor = res.body.next_cursor;
  } while (cursor);
  return rows;
}

/** A dollar amount as an exact integer of micro-dollars (the emulator prices in micro-dollars). */
function micros(amount: number | string): bigint {
  const text = String(amount);
  if (/e/i.test(text)) throw new Error(`exponent in ${text}`);
  const [int = '0', frac = ''] = text.replace('-', '').split('.');
  if (frac.length > 6) throw new Error(`more than 6 decimals in ${text}`);
  const v = BigInt(int) * 1_000_000n + BigInt(frac.padEnd(6, '0'));
  return text.startsWith('-') ? -v : v;
}

const tokenSum = (r: Row) =>
  ['input', 'cache_read', 'cache_write', 'output'].reduce((s, k) => s + (r.usage.tokens?.[k] ?? 0), 0);

t.test('cost: string and number amounts become exact dollars that sum to the vendor total', async (t) => {
  const rows = await pageAll('report_type=cost&start_date=2026-07-14&end_date=2026-07-16&limit=1000');
  const kinds = new Set(rows.map((r) => typeof r.remote_data.amount.value));
  t.same([...kinds].sort(), ['number', 'string'], 'the emulator sent both forms');
  for (const r of rows) {
    t.equal(r.charges.length, 1);
    t.equal(r.charges[0].currency, 'USD');
    t.equal(r.charges[0].type, 'usage_based');
    t.equal(
      micros(r.charges[0].amount),
      micros(r.remote_data.amount.value),
      'amount equals the vendor value',
    );
  }
  const got = rows.reduce((s, r) => s + micros(r.charges[0].amount), 0n);
  const want = ['2026-07-14', '2026-07-15'].flatMap(costLines).reduce((s, l) => s + BigInt(l.micros), 0n);
  t.ok(want > 0n);
  t.equal(got, want, 'a range of rows sums to the vendor sum exactly');
  const hourly = await usage('report_type=cost&date=2026-07-14&granularity=hour');
  t.equal(hourly.status, 400);
  t.match(hourly.body.message, /granularity=hour.*supported: day/);
});

t.test('usage: no token counted twice on either side of the 2026-07-15 change', async (t) => {
  const days = ['2026-07-13', '2026-07-14', '2026-07-15', '2026-07-16'];
  const rows = await pageAll('report_type=usage&start_date=2026-07-13&end_date=2026-07-17&limit=1000');
  t.ok(rows.length > 20);
  for (const r of rows)
    t.equal(r.usage.tokens.total, tokenSum(r), 'total = input + cache read + write + output');
  for (const day of days) {
    const facts = completionFacts(day);
    const mine = rows.filter((r) => r.start_date.startsWith(day));
    const all = facts.reduce(
      (s, f) => s + f.text + f.cachedText + f.cacheWrite + f.audio + f.cachedAudio + f.output + f.outputAudio,
      0,
    );
    t.equal(
      mine.reduce((s, r) => s + tokenSum(r), 0),
      all,
      `${day}: every token once`,
    );
    const after = day >= TOKEN_CHANGE_DAY;
    const uncached = facts.reduce(
      (s, f) => s + f.text + f.audio + (after ? 0 : f.cacheWrite + f.cachedAudio),
      0,
    );
    t.equal(
      mine.reduce((s, r) => s + r.usage.tokens.input, 0),
      uncached,
      `${day}: input is uncached input`,
    );
    t.equal(
      mine.some((r) => r.usage.tokens.cache_write !== undefined && r.usage.tokens.cache_write !== null),
      after,
      `${day}: cache writes reported ${after ? 'apart' : 'inside input, as the API did'}`,
    );
  }
});

t.test('usage grouped by user sums to the same tokens as user_usage', async (t) => {
  const byUser = await pageAll('report_type=usage&date=2026-07-15&group_by=user&limit=1000');
  const userUsage = await pageAll('report_type=user_usage&date=2026-07-15&limit=1000');
  const sums = (rows: Row[]) => {
    const m = new Map<string, number>();
    for (const r of rows) if (r.user?.id) m.set(r.user.id, (m.get(r.user.id) ?? 0) + tokenSum(r));
    return Object.fromEntries([...m.entries()].sort());
  };
  t.ok(Object.keys(sums(userUsage)).length > 2, 'several users');
  t.same(sums(byUser), sums(userUsage));
  t.ok(
    byUser.every((r) => !r.model?.id),
    'group_by=user alone leaves the model out',
  );
  t.ok(
    userUsage.every((r) => r.user.email && r.user.email === r.user.email.toLowerCase()),
    'emails joined',
  );
});

t.test('date, user_id and api_key_id', async (t) => {
  const yesterday = await pageAll('report_type=usage&limit=1000');
  t.ok(yesterday.length > 0);
  t.ok(
    yesterday.every((r) => r.start_date === '2026-08-19T00:00:00.000Z'),
    'no date: yesterday',
  );
  const day = await pageAll('report_type=usage&date=2026-07-14&limit=1000');
  t.ok(day.length > 0 && day.every((r) => r.start_date === '2026-07-14T00:00:00.000Z'), 'date: that day');

  const someone = day.find((r) => r.user?.id)!.user.id as string;
  const forUser = await usage(
    `report_type=usage&date=2026-07-14&user_id=${someone}&truto_response_format=debug`,
  );
  t.equal(forUser.status, 200);
  t.match(forUser.body.debug.requestUrl, `user_ids%5B%5D=${someone}`, 'pushed down as user_ids[]');
  t.ok(forUser.body.result.length > 0 && forUser.body.result.every((r: Row) => r.user.id === someone));

  const key = API_KEYS[0]!.id;
  const forKey = await pageAll(`report_type=usage&date=2026-07-14&api_key_id=${key}&limit=1000`);
  t.same(
    forKey.map((r) => r.id),
    day.filter((r) => r.resources?.some((x: Row) => x.id === key)).map((r) => r.id),
    'api_key_id: exactly that key’s rows',
  );
  const both = await usage('report_type=usage&date=2026-07-14&start_date=2026-07-14');
  t.equal(both.status, 400);
  const userCost = await usage('report_type=user_cost&date=2026-07-14');
  t.equal(userCost.status, 400);
  t.equal(userCost.body.code, 'unsupported_report_type');
  t.match(userCost.body.message, /usage, cost, user_usage/);
});

t.test('60 days at 1d over several vendor pages: every bucket once at limit=1 and 1000', async (t) => {
  const qs = 'report_type=usage&start_date=2026-06-01&end_date=2026-07-31&granularity=day&group_by=model';
  const debug = await usage(`${qs}&truto_response_format=debug&limit=1000`);
  const pages = debug.body.debug.calls.filter((c: Row) => c.url.includes('/usage/completions'));
  t.ok(pages.length > 1, `${pages.length} vendor pages`);
  const big = await pageAll(`${qs}&limit=1000`);
  const one = await pageAll(`${qs}&limit=1`);
  t.same(
    one.map((r) => r.id),
    big.map((r) => r.id),
    'same rows, same order',
  );
  t.equal(new Set(big.map((r) => r.id)).size, big.length, 'ids unique');
  const buckets = big.map((r) => `${r.start_date}|${r.model.id}`);
  t.equal(new Set(buckets).size, buckets.length, 'one row per bucket and model');
  t.equal(new Set(big.map((r) => r.start_date)).size, 60, 'all 60 daily buckets');
});

t.test('Codex activity: credits are a quantity, never money; the workspace is in the path', async (t) => {
  const res = await usage(
    'report_type=activity&date=2026-07-15&limit=1000&truto_response_format=debug',
    'codex',
  );
  t.equal(res.status, 200);
  t.match(res.body.debug.requestUrl, `/v1/analytics/codex/workspaces/${WORKSPACE_ID}/usage?`);
  const rows: Row[] = res.body.result;
  t.ok(rows.length > 0);
  t.ok(rows.every((r) => r.charges === undefined));
  const clients = rows.filter((r) => r.metric_name === 'codex_client_usage');
  t.ok(clients.length > 0 && clients.every((r) => r.usage.unit === 'credit' && r.usage.quantity > 0));
  const refused = await usage('report_type=activity&date=2026-07-15', 'oa');
  t.equal(refused.status, 400);
  t.equal(refused.body.code, 'missing_credential');
});

t.test('the emulator validates like OpenAI', async (t) => {
  const get = (path: string, key = SANDBOX_ADMIN_API_KEY) =>
    fetch(`${emu.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  const s = Date.UTC(2026, 6, 14) / 1000;
  const tooMany = await get(`/v1/organization/usage/completions?start_time=${s}&limit=32`);
  t.equal(tooMany.status, 400);
  t.match(await tooMany.json(), { error: { type: 'invalid_request_error', message: /limit/ } });
  t.equal(
    (await get(`/v1/organization/usage/completions?start_time=${s}&bucket_width=1h&limit=168`)).status,
    200,
  );
  t.equal((await get(`/v1/organization/usage/vector_stores?start_time=${s}&user_ids[]=x`)).status, 400);
  t.equal((await get(`/v1/organization/costs?start_time=${s}&bucket_width=1h`)).status, 400);
  t.equal((await get(`/v1/organization/costs?start_time=${s}`, SANDBOX_ANALYTICS_API_KEY)).status, 403);
  const noKey = await fetch(`${emu.url}/v1/organization/costs?start_time=${s}`);
  t.equal(noKey.status, 401);
  t.match(await noKey.json(), { error: { code: 'invalid_api_key', param: null } });
  const repeat = await get(
    `/v1/organization/usage/completions?start_time=${s}&group_by=model&group_by=user_id`,
  );
  t.equal(repeat.status, 200, 'repeated array keys as well as brackets');
});
