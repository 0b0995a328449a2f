import t from 'tap';
import { startClaudeRig, SANDBOX_ADMIN_API_KEY } from '../helpers/claude.js';
import { consoleCostLines, messagesUsageFacts } from '../../connectors/claude/emulator/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = any;
type Rig = Awaited<ReturnType<typeof startClaudeRig>>;

const DAY = '2026-03-04';
const ANALYTICS_REPORTS = [
  'activity',
  'summary',
  'skill_usage',
  'connector_usage',
  'project_usage',
  'usage',
  'user_usage',
  'cost',
  'user_cost',
];

async function pageAll(rig: Rig, account: string, qs: string): Promise<Row[]> {
  const rows: Row[] = [];
  let cursor: string | null = null;
  do {
    const res = await rig.usageOf(account, `${qs}${cursor ? `&next_cursor=${cursor}` : ''}`);
    if (res.status !== 200) throw new Error(`${qs}: ${res.status} ${res.text.slice(0, 400)}`);
    rows.push(...res.body.result);
    cursor = res.body.next_cursor;
  } while (cursor);
  return rows;
}

/** Money in dollars with up to 8 decimals (fractional cents) as an exact integer of 1e-8 dollars. */
function units(amount: number): bigint {
  const [int = '0', frac = ''] = Math.abs(amount).toString().split('.');
  if (/e/.test(int)) throw new Error(`unexpected exponent in ${amount}`);
  const v = BigInt(int) * 100_000_000n + BigInt((frac + '00000000').slice(0, 8));
  return amount < 0 ? -v : v;
}
const chargeSum = (rows: Row[], type: string) =>
  rows.reduce(
    (s, r) =>
      s +
      (r.charges ?? [])
        .filter((c: Row) => c.type === type)
        .reduce((x: bigint, c: Row) => x + units(c.amount), 0n),
    0n,
  );

// Every report type of every sandbox account in every format (envelope, Usage schema, normalized
// columns, stream = pages, debug without keys) is checked in test/conformance/formats.test.ts.
t.test('Enterprise Analytics: every report type reads its analytics endpoint, rows by day', async (t) => {
  const rig = await startClaudeRig();
  t.teardown(() => rig.close());
  for (const report of ANALYTICS_REPORTS) {
    const qs = `report_type=${report}&date=${DAY}`;
    const unified = await rig.usageOf('an', `${qs}&limit=20`);
    t.equal(unified.status, 200, `${report}: ${unified.text.slice(0, 200)}`);
    t.ok(unified.body.result.length > 0, `${report} has rows`);
    for (const r of unified.body.result) {
      t.equal(r.start_date, `${DAY}T00:00:00.000Z`, `${report} rows are dated`);
    }
    const debug = await rig.usageOf('an', `${qs}&truto_response_format=debug&limit=3`);
    t.match(debug.body.debug.requestUrl, /\/v1\/organizations\/analytics\//);
  }
});

t.test('Analytics activity: one row per user, day and surface', async (t) => {
  const rig = await startClaudeRig();
  t.teardown(() => rig.close());
  const rows = await pageAll(rig, 'an', `report_type=activity&date=${DAY}&limit=1000`);
  const surfaces = new Set(rows.map((r) => r.surface).filter(Boolean));
  for (const s of ['chat', 'claude_code', 'cowork']) t.ok(surfaces.has(s), `${s} rows`);
  const keys = rows
    .filter((r) => r.surface)
    .map((r) => `${r.user.id}|${r.surface}|${r.resources?.[0]?.id ?? ''}`);
  t.equal(new Set(keys).size, keys.length, 'one row per user and surface');
  t.ok(
    rows.every((r) => r.user?.id && r.user?.email),
    'users carry id and email',
  );
  t.ok(rows.filter((r) => r.surface).every((r) => r.usage.activity.is_active === true));
  const code = rows.find((r) => r.surface === 'claude_code');
  t.ok(code.usage.code.tool_actions.edit_tool, 'tool actions in the unified shape');
  t.ok('accepted' in code.usage.code.tool_actions.edit_tool);
});

t.test('cross-report consistency: usage = Σ user_usage per day, cost = Σ user_cost exactly', async (t) => {
  const rig = await startClaudeRig();
  t.teardown(() => rig.close());
  const range = 'start_date=2026-03-02&end_date=2026-03-05';
  const usage = await pageAll(rig, 'an', `report_type=usage&${range}&limit=1000`);
  const perUser = await pageAll(rig, 'an', `report_type=user_usage&${range}&limit=1000`);
  for (const day of ['2026-03-02', '2026-03-03', '2026-03-04']) {
    const total = (rows: Row[], f: string) =>
      rows.filter((r) => r.start_date.startsWith(day)).reduce((s, r) => s + (r.usage.tokens?.[f] ?? 0), 0);
    for (const f of [
      'input',
      'output',
      'cache_read',
      'cache_write_ephemeral_5m',
      'cache_write_ephemeral_1h',
    ]) {
      t.equal(total(usage, f), total(perUser, f), `${day} ${f}`);
    }
    t.ok(total(usage, 'output') > 0);
  }
  const cost = await pageAll(rig, 'an', `report_type=cost&${range}&limit=1000`);
  const userCost = await pageAll(rig, 'an', `report_type=user_cost&${range}&limit=1000`);
  for (const type of ['net', 'total', 'discount']) {
    t.equal(
      chargeSum(cost, type),
      chargeSum(userCost, type),
      `${type} charges agree to the last fraction of a cent`,
    );
  }
  t.equal(
    chargeSum(cost, 'net') - chargeSum(cost, 'total'),
    chargeSum(cost, 'discount'),
    'discount = net − list',
  );
  t.ok(
    cost.every((r) => r.charges.find((c: Row) => c.type === 'discount').amount <= 0),
    'discounts are negative',
  );
});

t.test('Console key: Messages usage with emails joined, cost in exact dollars', async (t) => {
  const rig = await startClaudeRig();
  t.teardown(() => rig.close());
  const usage = await pageAll(rig, 'cc', `report_type=usage&date=${DAY}&limit=1000`);
  t.ok(usage.length > 0);
  const withUser = usage.filter((r) => r.user?.id);
  t.ok(
    withUser.length > 0 &&
      withUser.every((r) => typeof r.user.email === 'string' && r.user.email.includes('@')),
    'emails joined from the users list',
  );
  const facts = messagesUsageFacts(DAY);
  t.equal(
    usage.reduce((s, r) => s + r.usage.tokens.input, 0),
    facts.reduce((s, f) => s + f.uncached_input_tokens, 0),
    'every uncached input token of the day',
  );
  t.equal(
    usage.reduce((s, r) => s + r.usage.tokens.cache_write_ephemeral_1h, 0),
    facts.reduce((s, f) => s + f.ephemeral_1h_input_tokens, 0),
    '1-hour cache writes kept apart',
  );
  const hourly = await pageAll(rig, 'cc', `report_type=usage&date=${DAY}&granularity=hour&limit=1000`);
  t.equal(
    hourly.reduce((s, r) => s + r.usage.tokens.output, 0),
    usage.reduce((s, r) => s + r.usage.tokens.output, 0),
    'hours sum to the day',
  );
  t.ok(
    hourly.some((r) => r.start_date === `${DAY}T13:00:00.000Z`),
    'hourly buckets',
  );

  const cost = await pageAll(rig, 'cc', `report_type=cost&date=${DAY}&limit=1000`);
  t.ok(cost.every((r) => r.charges.length === 1 && r.charges[0].type === 'usage_based'));
  // Vendor micro-cents → our dollars: 1 micro-cent = 1e-8 dollars, exactly our unit.
  const vendor = consoleCostLines(DAY).reduce((s, l) => s + l.micro, 0n);
  t.equal(chargeSum(cost, 'usage_based'), vendor, 'the day’s cost to the micro-cent');

  const bad = await rig.usage('report_type=usage&granularity=week');
  t.equal(bad.status, 400);
  const groupByUser = await rig.usage(
    `report_type=usage&date=${DAY}&group_by=user&truto_response_format=debug&limit=1`,
  );
  t.match(groupByUser.body.debug.requestUrl, /group_by%5B%5D=account_id/);
  t.notMatch(
    groupByUser.body.debug.requestUrl,
    /group_by%5B%5D=model/,
    'the caller’s grouping replaces the default',
  );
  const unsupportedGroup = await rig.usage('report_type=usage&group_by=surface');
  t.equal(unsupportedGroup.status, 400);
  t.same(unsupportedGroup.body.details.allowed, ['model', 'user']);
});

t.test('the key decides: missing keys are named, both keys prefer the Console', async (t) => {
  const rig = await startClaudeRig();
  t.teardown(() => rig.close());
  const summaryOnConsole = await rig.usage('report_type=summary');
  t.equal(summaryOnConsole.status, 400);
  t.equal(summaryOnConsole.body.code, 'missing_credential');
  t.match(summaryOnConsole.body.message, /needs the analytics_api_key credential/);
  t.same(summaryOnConsole.body.details.allowed, ['activity', 'usage', 'cost', 'user_usage', 'user_cost']);

  const caps = await rig.gw.call('GET', '/integrated-accounts/an/capabilities');
  t.same(caps.body.supported_report_types.sort(), [...ANALYTICS_REPORTS].sort());
  const both = await rig.usageOf('both', `report_type=activity&date=${DAY}&limit=1`);
  t.equal(
    both.body.result[0].metric_name,
    'claude_code_activity',
    'the Console key serves activity when both are held',
  );
  const bothSummary = await rig.usageOf('both', `report_type=summary&date=${DAY}`);
  t.equal(bothSummary.status, 200, 'and the Analytics key serves what only it can');

  const analyticsOnly = await rig.gw.call('POST', '/integrated-accounts', {
    body: {
      id: 'wrong',
      integration: 'claude',
      credentials: { analytics_api_key: SANDBOX_ADMIN_API_KEY },
      context: { base_url: rig.emu.url },
    },
  });
  t.equal(analyticsOnly.status, 201);
  const refused = await rig.usageOf('wrong', `report_type=skill_usage&date=${DAY}`);
  t.equal(
    refused.status,
    503,
    'a key in the wrong field is refused by the vendor (404) and reported as needing new credentials',
  );
  t.equal(refused.body.code, 'account_needs_reauth');
});

t.test('Analytics rules: 2026-01-01 floor, summaries drift, expired cursors', async (t) => {
  const rig = await startClaudeRig();
  t.teardown(() => rig.close());
  const early = await pageAll(
    rig,
    'an',
    'report_type=skill_usage&start_date=2025-12-30&end_date=2026-01-02&limit=1000',
  );
  t.ok(early.length > 0);
  t.ok(
    early.every((r) => r.start_date >= '2026-01-01'),
    'nothing before 2026-01-01, and no vendor 400',
  );
  const before = await rig.usageOf('an', 'report_type=usage&start_date=2025-11-01&end_date=2025-12-01');
  t.same(before.body, { result: [], next_cursor: null, result_count: 0 }, 'a range before the data is empty');

  const a = await pageAll(rig, 'an', `report_type=summary&date=${DAY}&limit=1000`);
  rig.emu.controls.set({ summariesEnvelope: 'data' });
  const b = await pageAll(rig, 'an', `report_type=summary&start_date=${DAY}&end_date=2026-03-05&limit=1000`);
  t.same(
    b.map((r) => [r.metric_name, r.usage.quantity]),
    a.map((r) => [r.metric_name, r.usage.quantity]),
    'data ?? summaries',
  );
  t.ok(a.some((r) => r.metric_name === 'daily_active_user_count' && r.usage.unit === 'users'));

  // A month of per-user rows spans two vendor pages; the second page's cursor expires.
  const qs = 'report_type=user_usage&start_date=2026-02-01&end_date=2026-03-04&limit=1000';
  const first = await rig.usageOf('an', qs);
  t.equal(first.status, 200);
  t.type(first.body.next_cursor, 'string');
  rig.emu.controls.set({ expireCursors: 1 });
  const expired = await rig.usageOf('an', `${qs}&next_cursor=${first.body.next_cursor}`);
  t.equal(expired.status, 410);
  t.equal(expired.body.code, 'remote_cursor_expired');
  t.match(expired.body.message, /start again without next_cursor/);
  const again = await pageAll(rig, 'an', qs);
  t.ok(again.length > 1000, 'paging from the start works and spans vendor pages');
  t.equal(new Set(again.map((r) => r.id)).size, again.length);
});

t.test('the 60/min Analytics limit is kept under a burst: no vendor 429 reaches the caller', async (t) => {
  const rig = await startClaudeRig();
  t.teardown(() => rig.close());
  const days: string[] = [];
  for (let d = Date.parse('2026-01-05T00:00:00Z'); days.length < 66; d += 86_400_000)
    days.push(new Date(d).toISOString().slice(0, 10));
  const results = await Promise.all(
    days.map((d) => rig.usageOf('an', `report_type=project_usage&date=${d}`)),
  );
  const ok = results.filter((r) => r.status === 200).length;
  const limited = results.filter((r) => r.status === 429);
  t.equal(ok, 60, 'sixty calls in the minute');
  t.equal(limited.length, 6);
  for (const r of limited) {
    t.notOk(r.body.truto_is_remote_error, 'the gateway said 429 before the vendor had to');
    t.ok(Number(r.headers['retry-after']) > 30, 'with the wait until a slot frees');
  }
  t.equal(rig.emu.controls.requests, 60, 'the vendor saw exactly its limit');
});
