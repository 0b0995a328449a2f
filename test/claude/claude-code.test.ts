import t from 'tap';
import { startClaudeRig, NOW } from '../helpers/claude.js';
import { claudeCodeRecordsForDay } from '../../connectors/claude/emulator/index.js';

const RANGE = 'start_date=2026-03-02&end_date=2026-03-09';
const DAYS = [
  '2026-03-02',
  '2026-03-03',
  '2026-03-04',
  '2026-03-05',
  '2026-03-06',
  '2026-03-07',
  '2026-03-08',
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = any;

async function pageAll(
  rig: Awaited<ReturnType<typeof startClaudeRig>>,
  qs: string,
): Promise<{ rows: Row[]; pages: number }> {
  const rows: Row[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await rig.usage(`${qs}${cursor ? `&next_cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (res.status !== 200) throw new Error(`page ${pages}: ${res.status} ${res.text}`);
    rows.push(...res.body.result);
    cursor = res.body.next_cursor;
    pages++;
  } while (cursor);
  return { rows, pages };
}

t.test('activity: one row per actor-day plus one per model, numbers as the vendor says', async (t) => {
  const rig = await startClaudeRig();
  t.teardown(() => rig.close());
  const res = await rig.usage(`report_type=activity&${RANGE}&limit=1000`);
  t.equal(res.status, 200, res.text.slice(0, 300));
  const rows: Row[] = res.body.result;
  t.equal(res.body.result_count, rows.length);
  t.equal(res.body.next_cursor, null, 'one page holds the week');

  const records = DAYS.flatMap((d) => claudeCodeRecordsForDay(d, NOW));
  const actorKey = (r: Row) =>
    `${r.date.slice(0, 10)}|${r.actor.email_address?.toLowerCase() ?? r.actor.api_key_name}`;
  const actorDays = new Set(records.map(actorKey));
  const activity = rows.filter((r) => r.metric_name === 'claude_code_activity');
  t.equal(activity.length, actorDays.size, 'remote and local records of an actor-day become one row');
  t.equal(new Set(rows.map((r) => r.id)).size, rows.length, 'ids are unique');

  const sessions = activity.reduce((s, r) => s + (r.usage?.sessions?.distinct ?? 0), 0);
  t.equal(
    sessions,
    records.reduce((s, r) => s + r.core_metrics.num_sessions, 0),
    'sessions add up',
  );
  const lines = activity.reduce((s, r) => s + (r.usage?.code?.lines_added ?? 0), 0);
  t.equal(
    lines,
    records.reduce((s, r) => s + r.core_metrics.lines_of_code.added, 0),
    'code metrics are not multiplied by models',
  );

  const costRows = rows.filter((r) => r.charges);
  const cents = costRows.reduce((s, r) => s + Math.round(r.charges[0].amount * 100), 0);
  const vendorCents = records.reduce(
    (s, r) => s + r.model_breakdown.reduce((m, b) => m + b.estimated_cost.amount, 0),
    0,
  );
  t.equal(cents, vendorCents, 'estimated cost to the cent');
  for (const r of costRows) {
    t.equal(r.charges[0].type, 'total');
    t.equal(
      Math.round(r.charges[0].amount * 100) / 100,
      r.charges[0].amount,
      'amounts are exact cents in major units',
    );
  }
  const tokens = rows.reduce((s, r) => s + (r.usage?.tokens?.output ?? 0), 0);
  t.equal(
    tokens,
    records.reduce((s, r) => s + r.model_breakdown.reduce((m, b) => m + b.tokens.output, 0), 0),
    'output tokens add up',
  );
  t.ok(rows.every((r) => r.surface === 'claude_code'));
  t.ok(
    rows.every((r) => r.start_date >= '2026-03-02' && r.end_date <= '2026-03-09T00:00:00.000Z'),
    'rows stay in the range',
  );

  const again = await rig.usage(`report_type=activity&${RANGE}&limit=1000`);
  t.same(
    again.body.result.map((r: Row) => r.id),
    rows.map((r) => r.id),
    'the same facts get the same ids',
  );
});

t.test('user_usage and user_cost split the same report', async (t) => {
  const rig = await startClaudeRig();
  t.teardown(() => rig.close());
  const usage = await pageAll(rig, `report_type=user_usage&${RANGE}&limit=1000`);
  const cost = await pageAll(rig, `report_type=user_cost&${RANGE}&limit=1000`);
  t.ok(usage.rows.length > 0 && cost.rows.length > 0);
  t.ok(
    usage.rows.every((r) => r.usage?.tokens && r.model?.id),
    'token rows have a model',
  );
  t.ok(
    cost.rows.every((r) => r.charges?.length === 1 && r.model?.id),
    'cost rows have one charge and a model',
  );
  const records = DAYS.flatMap((d) => claudeCodeRecordsForDay(d, NOW));
  const vendorInput = records.reduce(
    (s, r) => s + r.model_breakdown.reduce((m, b) => m + b.tokens.input, 0),
    0,
  );
  t.equal(
    usage.rows.reduce((s, r) => s + r.usage.tokens.input, 0),
    vendorInput,
    'input tokens add up',
  );
  const vendorCents = records.reduce(
    (s, r) => s + r.model_breakdown.reduce((m, b) => m + b.estimated_cost.amount, 0),
    0,
  );
  t.equal(
    cost.rows.reduce((s, r) => s + Math.round(r.charges[0].amount * 100), 0),
    vendorCents,
  );
});

t.test('date ranges across empty days', async (t) => {
  const rig = await startClaudeRig();
  t.teardown(() => rig.close());
  const days: string[] = [];
  for (
    let d = new Date('2026-01-01T00:00:00Z');
    d < new Date('2026-03-19T00:00:00Z');
    d = new Date(d.getTime() + 86_400_000)
  ) {
    days.push(d.toISOString().slice(0, 10));
  }
  const empty = days.filter((d) => claudeCodeRecordsForDay(d, NOW).length === 0);
  t.ok(empty.length >= 2, 'the emulator has empty days');
  const day = empty[0] as string;
  const start = new Date(Date.parse(`${day}T00:00:00Z`) - 2 * 86_400_000).toISOString().slice(0, 10);
  const end = new Date(Date.parse(`${day}T00:00:00Z`) + 3 * 86_400_000).toISOString().slice(0, 10);
  const { rows, pages } = await pageAll(
    rig,
    `report_type=activity&start_date=${start}&end_date=${end}&limit=50`,
  );
  const byDay = new Set(rows.map((r) => r.start_date.slice(0, 10)));
  t.notOk(byDay.has(day), 'nothing on the empty day');
  const nonEmpty = [0, 1, 3, 4]
    .map((i) => new Date(Date.parse(`${start}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10))
    .filter((d) => claudeCodeRecordsForDay(d, NOW).length > 0);
  for (const d of nonEmpty) t.ok(byDay.has(d), `rows on ${d}`);
  t.ok(pages >= 1);

  const onlyEmpty = await rig.usage(`report_type=activity&date=${day}`);
  t.equal(onlyEmpty.status, 200);
  t.same(
    onlyEmpty.body,
    { result: [], next_cursor: null, result_count: 0 },
    'an empty range is an empty last page',
  );
});

// Every format's envelope, normalized columns, the stream, debug's fields and redaction are
// checked for every connector in test/conformance/formats.test.ts; these are the Claude Code report's own.
t.test('raw and debug show the Claude Code report as the vendor sent it', async (t) => {
  const rig = await startClaudeRig();
  t.teardown(() => rig.close());
  const qs = 'report_type=activity&start_date=2026-03-03&end_date=2026-03-05';

  const raw = await rig.usage(`${qs}&truto_response_format=raw`);
  t.equal(raw.status, 200);
  t.ok(Array.isArray(raw.body.result[0].data), 'raw is the vendor body');
  t.ok('has_more' in raw.body.result[0]);
  const rawAll: Row[] = [];
  let cursor: string | null = null;
  do {
    const res = await rig.usage(
      `${qs}&truto_response_format=raw${cursor ? `&next_cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    for (const b of res.body.result) rawAll.push(...b.data);
    cursor = res.body.next_cursor;
  } while (cursor);
  const vendor = ['2026-03-03', '2026-03-04'].flatMap((d) => claudeCodeRecordsForDay(d, NOW));
  t.same(rawAll, vendor, 'raw pages hold exactly the vendor records');

  const debug = await rig.usage(`${qs}&truto_response_format=debug&limit=3`);
  t.equal(debug.status, 200);
  const d = debug.body.debug;
  t.match(d.requestUrl, /\/v1\/organizations\/usage_report\/claude_code\?starting_at=2026-03-03/);
  t.equal(d.requestOptions.headers['anthropic-version'], '2023-06-01');
  t.ok(Array.isArray(d.data.data));
});

t.test('truto_* options and filters', async (t) => {
  const rig = await startClaudeRig();
  t.teardown(() => rig.close());
  const qs = 'report_type=activity&start_date=2026-03-03&end_date=2026-03-04';
  const all = await rig.usage(`${qs}&limit=1000`);
  const rows: Row[] = all.body.result;

  const keyed = await rig.usage(`${qs}&limit=1000&truto_key_by=id`);
  t.same(Object.keys(keyed.body.result).sort(), rows.map((r) => r.id).sort());
  t.equal(keyed.body.result[rows[0].id].id, rows[0].id);
  const badKey = await rig.usage(`${qs}&truto_key_by=model.id`);
  t.equal(badKey.status, 400, 'keying by a field some rows lack is refused');

  const ignoreLimit = await rig.usage(`${qs}&limit=1&truto_ignore_limit=true`);
  t.equal(ignoreLimit.body.result_count, rows.length, 'everything the vendor page gave');

  const noRemote = await rig.usage(`${qs}&limit=5&truto_ignore_remote_data=true`);
  t.ok(noRemote.body.result.every((r: Row) => !('remote_data' in r)));
  t.ok(
    rows.every((r) => r.remote_data !== undefined),
    'remote_data is there by default',
  );

  const excluded = await rig.usage(
    `${qs}&limit=1000&truto_exclude_fields=usage.code,remote_data.actor&truto_exclude_fields[]=organization`,
  );
  for (const r of excluded.body.result) {
    t.notOk(r.usage?.code);
    t.notOk(r.organization);
    t.notOk(JSON.stringify(r.remote_data ?? {}).includes('"actor"'));
  }
  const afterExclude = await rig.usage(`${qs}&limit=1000`);
  t.same(afterExclude.body.result, rows, 'excluding fields never damages cached vendor data');

  const email = rows.find((r) => r.user?.email)?.user.email as string;
  const byUser = await rig.usage(`${qs}&limit=1000&user_ids=${encodeURIComponent(email.toUpperCase())}`);
  t.ok(byUser.body.result.length > 0);
  t.ok(
    byUser.body.result.every((r: Row) => r.user.email === email),
    'user_ids matches emails case-insensitively',
  );

  const model = rows.find((r) => r.model?.id)?.model.id as string;
  const byModel = await rig.usage(`${qs}&limit=1000&model_ids=${model}`);
  t.ok(byModel.body.result.length > 0 && byModel.body.result.every((r: Row) => r.model.id === model));
  const bySurface = await rig.usage(`${qs}&surfaces=chat`);
  t.same(bySurface.body.result, [], 'no chat rows in the Claude Code report');
  t.equal(bySurface.body.next_cursor, null);

  const remote = await rig.usage(`${qs}&limit=1&truto_response_format=debug&remote_query[foo]=bar`);
  t.match(remote.body.debug.requestUrl, /foo=bar/, 'remote_query passes through');
  const clash = await rig.usage(`${qs}&remote_query[starting_at]=2020-01-01`);
  t.equal(clash.status, 400);
  t.equal(clash.body.details.parameter, 'remote_query.starting_at');

  const unsupported = await rig.usage(`${qs}&group_by=model`);
  t.equal(unsupported.status, 400);
  t.equal(unsupported.body.code, 'unsupported_parameter');
  t.match(unsupported.body.message, /group_by is not supported for report_type=activity/);

  const wrongReport = await rig.usage('report_type=summary');
  t.equal(wrongReport.status, 400);
  t.equal(wrongReport.body.code, 'missing_credential', 'summary needs the Analytics key');
  t.same(wrongReport.body.details.allowed, ['activity', 'usage', 'cost', 'user_usage', 'user_cost']);

  const defaultRange = await rig.usage('limit=1');
  t.equal(defaultRange.status, 200, 'no dates and no report type: activity over the last days');
  t.ok(
    defaultRange.body.result[0].start_date >= '2026-03-13',
    'default range is the last 7 days before the pinned now',
  );

  const tooLong = await rig.usage('report_type=activity&start_date=2024-01-01&end_date=2026-03-01');
  t.equal(tooLong.status, 400);
  t.match(tooLong.body.message, /longer than the 366 days/);
});

t.test('capabilities follow the credentials an account holds', async (t) => {
  const rig = await startClaudeRig();
  t.teardown(() => rig.close());
  // implemented, `available` flags, another tenant's 404 and capabilities matching what answers:
  // test/conformance/formats.test.ts, for every connector.
  const res = await rig.gw.call('GET', '/integrated-accounts/cc/capabilities');
  t.ok(res.body.supported_report_types.includes('activity'));
  await rig.gw.call('POST', '/integrated-accounts', {
    body: { id: 'dd', integration: 'datadog', credentials: { api_key: 'k', application_key: 'a' } },
  });
  // Every integration is implemented now, so no account answers 501 any more: another vendor's
  // account lists its own report types.
  const dd = await rig.gw.call('GET', '/integrated-accounts/dd/capabilities');
  t.same([...dd.body.supported_report_types].sort(), ['cost', 'summary', 'usage']);
  t.equal(dd.body.implemented, true);
});

t.test('per-account mapping overrides merge onto the base mapping', async (t) => {
  const rig = await startClaudeRig();
  t.teardown(() => rig.close());
  const qs = 'report_type=activity&date=2026-03-04&limit=1000';
  const before = await rig.usage(qs);
  const patched = await rig.gw.call('PATCH', '/integrated-accounts/cc', {
    body: {
      mapping_overrides: {
        activity: {
          rows: [
            { name: 'actor_day', fields: { surface: { const: 'cli' }, 'usage.code.tool_actions': null } },
          ],
        },
      },
    },
  });
  t.equal(patched.status, 200, patched.text.slice(0, 300));
  t.ok(patched.body.mapping_overrides.activity, 'the account shows its overrides');
  const after = await rig.usage(qs);
  const activity = after.body.result.filter((r: Row) => r.metric_name === 'claude_code_activity');
  t.ok(
    activity.length > 0 &&
      activity.every((r: Row) => r.surface === 'cli' && r.usage.code.tool_actions === undefined),
  );
  const models = after.body.result.filter((r: Row) => r.metric_name === 'claude_code_estimated_cost');
  t.ok(
    models.every((r: Row) => r.surface === 'claude_code'),
    'other rows keep the base mapping',
  );
  t.same(
    after.body.result.map((r: Row) => r.id),
    before.body.result.map((r: Row) => r.id),
    'ids do not change',
  );

  const bad = await rig.gw.call('PATCH', '/integrated-accounts/cc', {
    body: {
      mapping_overrides: {
        activity: { rows: [{ name: 'actor_day', fields: { 'usage.tokens.inptu': { const: 1 } } }] },
      },
    },
  });
  t.equal(bad.status, 400, 'a bad override is refused when saved');
  t.match(bad.body.message, /mapping_overrides: .*not a Usage field/);
  const unknown = await rig.gw.call('PATCH', '/integrated-accounts/cc', {
    body: { mapping_overrides: { summary_x: {} } },
  });
  t.equal(unknown.status, 400);
  const other = await rig.usageOf('an', 'report_type=activity&date=2026-03-04&limit=1');
  t.equal(other.status, 200, 'other accounts are untouched');
});

t.test('a cached answer is the same text as the fresh one, in every row format', async (t) => {
  const rig = await startClaudeRig();
  t.teardown(() => rig.close());
  for (const extra of [
    '',
    '&truto_exclude_fields=remote_data.core_metrics',
    '&truto_ignore_remote_data=true',
  ]) {
    const qs = `report_type=activity&${RANGE}&limit=60${extra}`;
    const fresh = await rig.usage(qs);
    const before = rig.emu.controls.requests;
    const cached = await rig.usage(qs);
    const again = await rig.usage(qs);
    t.equal(rig.emu.controls.requests, before, `no vendor call on the repeats (${extra || 'plain'})`);
    t.equal(fresh.status, 200);
    t.equal(cached.text, fresh.text, 'first hit: same bytes');
    t.equal(again.text, fresh.text, 'later hit: same bytes');
  }
  // Cutting remote_data on one request leaves the cached records whole for the next.
  const whole = await rig.usage(`report_type=activity&${RANGE}&limit=60`);
  t.ok(whole.body.result.some((r: Row) => r.remote_data?.[0]?.core_metrics !== undefined));
});
