/**
 * Enterprise Analytics API emulation over real loopback HTTP. The clock is pinned to
 * 2026-03-15T12:00:00Z: the latest available engagement day is 2026-03-14 and the cost/usage
 * watermark (data_refreshed_at) is 2026-03-15T09:00:00Z.
 */
import t from 'tap';
import {
  ANALYTICS_CONNECTORS_PATH,
  ANALYTICS_COST_REPORT_PATH,
  ANALYTICS_PROJECTS_PATH,
  ANALYTICS_SKILLS_PATH,
  ANALYTICS_SUMMARIES_PATH,
  ANALYTICS_USAGE_REPORT_PATH,
  ANALYTICS_USERS_PATH,
  ANALYTICS_USER_COST_REPORT_PATH,
  ANALYTICS_USER_USAGE_REPORT_PATH,
  ASSIGNED_SEATS,
  CHAT_PROJECTS,
  DELETED_SEAT_USER,
  MESSAGES_REPORT_PATH,
  RBAC_GROUPS,
  SANDBOX_ADMIN_API_KEY,
  SANDBOX_ANALYTICS_API_KEY,
  analyticsDay,
  analyticsUserUsage,
  generateClaudeCodeDay,
  parseMicroCents,
  sandboxAccounts,
  startClaudeEmulator,
  type RunningClaudeEmulator,
  type UserMetrics,
} from './index.js';
import { allPages, assertError, get, getJson, type Params, type Reply } from './test-support.js';

const NOW = new Date('2026-03-15T12:00:00Z');
const KEY = { 'x-api-key': SANDBOX_ANALYTICS_API_KEY, 'anthropic-version': '2023-06-01' };
const ADMIN = { 'x-api-key': SANDBOX_ADMIN_API_KEY, 'anthropic-version': '2023-06-01' };
const DAY = '2026-03-04';

interface UserRow extends UserMetrics {
  user: { id: string; email_address: string; type: string } | null;
  last_activity_date: string | null;
  distinct_user_count?: number;
  rbac_group_id?: string | null;
  rbac_group_name?: string | null;
}
interface EngagementPage<R> {
  data: R[];
  next_page: string | null;
}
interface Actor {
  type: string;
  user_id: string;
  email: string | null;
  name: string | null;
  deleted: boolean;
}
interface UsageRow {
  actor?: Actor;
  starting_at?: string | null;
  ending_at?: string | null;
  product: string | null;
  model: string | null;
  uncached_input_tokens: number;
  cache_creation: { ephemeral_1h_input_tokens: number; ephemeral_5m_input_tokens: number };
  cache_read_input_tokens: number;
  output_tokens: number;
  server_tool_use: { web_search_requests: number };
  requests: number;
  total_tokens?: number;
}
interface CostRow {
  actor?: Actor;
  starting_at?: string | null;
  product: string | null;
  cost_type: string | null;
  token_type: string | null;
  currency: string;
  amount: string;
  list_amount: string;
  requests: number | null;
}
interface ReportPage<R> {
  data: R[];
  has_more: boolean;
  next_page: string | null;
  data_refreshed_at: string | null;
  organization_id: string;
}
interface Bucket<R> {
  starting_at: string;
  ending_at: string;
  results: R[];
}

let em: RunningClaudeEmulator;
t.before(async () => {
  em = await startClaudeEmulator({ now: NOW });
});
t.teardown(() => em.close());
t.beforeEach(() => {
  em.controls.reset();
  // Most tests page heavily; the rate-limit test restores the vendor's 60/min.
  em.controls.analyticsRateLimitPerMinute = null;
});

const call = (path: string, params: Params, headers: Record<string, string> = KEY): Promise<Reply> =>
  get(em.url, path, params, headers);
const json = <T>(path: string, params: Params): Promise<T> => getJson<T>(em.url, path, params, KEY);
const dayRange = (day: string, days = 1): Params => ({
  starting_at: `${day}T00:00:00Z`,
  ending_at: new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().replace('.000Z', 'Z'),
});

const ENGAGEMENT: readonly (readonly [string, Params])[] = [
  [ANALYTICS_USERS_PATH, { date: DAY }],
  [ANALYTICS_SUMMARIES_PATH, { starting_date: DAY }],
  [ANALYTICS_SKILLS_PATH, { date: DAY }],
  [ANALYTICS_CONNECTORS_PATH, { date: DAY }],
  [ANALYTICS_PROJECTS_PATH, { date: DAY }],
];
/** Everything but the analytics key: the admin key, no key, a wrong key. */
const OTHER_KEYS: Record<string, string>[] = [
  ADMIN,
  { 'anthropic-version': '2023-06-01' },
  { 'x-api-key': 'sk-ant-api01-wrong' },
];
const REPORTS = [
  ANALYTICS_USAGE_REPORT_PATH,
  ANALYTICS_USER_USAGE_REPORT_PATH,
  ANALYTICS_COST_REPORT_PATH,
  ANALYTICS_USER_COST_REPORT_PATH,
];

function tokensOf(r: UsageRow): number[] {
  return [
    r.uncached_input_tokens,
    r.cache_read_input_tokens,
    r.cache_creation.ephemeral_5m_input_tokens,
    r.cache_creation.ephemeral_1h_input_tokens,
    r.output_tokens,
    r.server_tool_use.web_search_requests,
    r.requests,
  ];
}
function sumTokens(rows: UsageRow[]): number[] {
  return rows.reduce((acc, r) => acc.map((x, i) => x + (tokensOf(r)[i] ?? 0)), [0, 0, 0, 0, 0, 0, 0]);
}
function cents(amount: string): bigint {
  if (!/^\d+\.\d{6}$/.test(amount)) throw new Error(`not a 6-decimal cents string: ${amount}`);
  return parseMicroCents(amount);
}

t.test('sandbox accounts: console and analytics', async (t) => {
  t.same(
    sandboxAccounts.map((a) => [a.id, Object.keys(a.credentials)]),
    [
      ['sandbox-claude', ['admin_api_key']],
      ['sandbox-claude-analytics', ['analytics_api_key']],
    ],
  );
  t.match(SANDBOX_ANALYTICS_API_KEY, /^sk-ant-api01-/);
  t.equal(em.analyticsApiKey, SANDBOX_ANALYTICS_API_KEY);
});

t.test('auth: engagement 404, cost/usage 401 for anything but the analytics key', async (t) => {
  for (const [path, params] of ENGAGEMENT) {
    for (const headers of OTHER_KEYS) {
      assertError(
        t,
        await call(path, params, headers),
        404,
        'not_found_error',
        `${path} ${headers['x-api-key'] ?? 'no key'}`,
      );
    }
    t.equal(
      (await call(path, params, { 'x-api-key': SANDBOX_ANALYTICS_API_KEY })).status,
      200,
      `${path} analytics key (no version header needed)`,
    );
  }
  for (const path of REPORTS) {
    for (const headers of OTHER_KEYS) {
      assertError(
        t,
        await call(path, dayRange(DAY), headers),
        401,
        'authentication_error',
        `${path} ${headers['x-api-key'] ?? 'no key'}`,
      );
    }
    t.equal((await call(path, dayRange(DAY))).status, 200, `${path} analytics key`);
  }
  assertError(
    t,
    await call(MESSAGES_REPORT_PATH, dayRange(DAY)),
    401,
    'authentication_error',
    'analytics key on the Admin API',
  );
});

t.test('engagement: date rules (2026-01-01 floor, latest available day, 366-day span)', async (t) => {
  const users = (params: Params): Promise<Reply> => call(ANALYTICS_USERS_PATH, params);
  const early = assertError(t, await users({ date: '2025-12-31' }), 400, 'invalid_request_error');
  t.match(early.error.message, /2026-01-01/);
  for (const params of [
    { date: '2026-03-15' },
    { date: '2026-04-01' },
    { starting_date: '2026-03-15' },
    { starting_date: '2026-03-01', ending_date: '2026-03-16' },
  ]) {
    const body = assertError(t, await users(params), 400, 'invalid_request_error', JSON.stringify(params));
    t.match(body.error.message, /latest available day is 2026-03-14/, 'names the latest available day');
  }
  t.equal((await users({ date: '2026-03-14' })).status, 200, 'yesterday is available');
  t.equal(
    (await users({ starting_date: '2026-03-10', ending_date: '2026-03-15' })).status,
    200,
    'ending_date may be today (exclusive)',
  );
  for (const params of [
    {},
    { date: DAY, starting_date: DAY },
    { ending_date: DAY },
    { date: '2026-3-4' },
    { starting_date: '2026-03-05', ending_date: '2026-03-05' },
    { date: DAY, limit: '0' },
    { date: DAY, limit: '1001' },
    { date: DAY, limit: 'x' },
  ]) {
    assertError(t, await users(params), 400, 'invalid_request_error', JSON.stringify(params));
  }
  assertError(
    t,
    await call(ANALYTICS_SUMMARIES_PATH, { date: DAY }),
    400,
    'invalid_request_error',
    'summaries need starting_date',
  );
  const later = await startClaudeEmulator({ now: new Date('2027-03-01T12:00:00Z') });
  t.teardown(() => later.close());
  const span = await get(
    later.url,
    ANALYTICS_SKILLS_PATH,
    { starting_date: '2026-01-01', ending_date: '2027-01-03' },
    KEY,
  );
  t.match(assertError(t, span, 400, 'invalid_request_error').error.message, /366/);
});

t.test('engagement: envelope {data, next_page}, default limit 100, paging completeness', async (t) => {
  const users = await call(ANALYTICS_USERS_PATH, { date: DAY });
  const body = JSON.parse(users.text) as EngagementPage<UserRow>;
  t.same(Object.keys(body), ['data', 'next_page'], 'no has_more');
  t.equal(body.data.length, ASSIGNED_SEATS, 'every seat user, idle ones with zeros');
  t.equal(body.next_page, null);
  const cases: [string, Params][] = [
    [ANALYTICS_USERS_PATH, { date: DAY }],
    [
      ANALYTICS_SKILLS_PATH,
      { starting_date: '2026-02-02', ending_date: '2026-02-16', group_by: ['user_id'] },
    ],
    [
      ANALYTICS_CONNECTORS_PATH,
      { starting_date: '2026-02-02', ending_date: '2026-02-09', group_by: ['product', 'rbac_group_id'] },
    ],
    [
      ANALYTICS_PROJECTS_PATH,
      { starting_date: '2026-02-02', ending_date: '2026-02-09', group_by: ['user_id'] },
    ],
  ];
  for (const [path, params] of cases) {
    const whole = await json<EngagementPage<object>>(path, { ...params, limit: '1000' });
    t.equal(whole.next_page, null);
    const { data, pages } = await allPages((page) =>
      json<EngagementPage<object>>(path, { ...params, limit: '7', page }),
    );
    t.same(data, whole.data, `${path}: limit 7 (${pages} pages) = limit 1000 (${whole.data.length} rows)`);
  }
  const skills = await json<EngagementPage<object>>(ANALYTICS_SKILLS_PATH, {
    starting_date: '2026-02-02',
    ending_date: '2026-02-16',
    group_by: ['user_id'],
  });
  t.equal(skills.data.length, 100, 'default limit 100');
  t.type(skills.next_page, 'string');
});

t.test('cursors: bound to the exact query (400 otherwise), expire on the knob (410)', async (t) => {
  const params = { date: DAY, limit: '5' };
  const first = await json<EngagementPage<UserRow>>(ANALYTICS_USERS_PATH, params);
  const page = first.next_page ?? '';
  t.equal((await call(ANALYTICS_USERS_PATH, { ...params, page })).status, 200);
  for (const changed of [
    { date: '2026-03-05' },
    { limit: '6' },
    { order: 'desc' },
    { filter: ['user_id:x'] },
  ]) {
    assertError(
      t,
      await call(ANALYTICS_USERS_PATH, { ...params, ...changed, page }),
      400,
      'invalid_request_error',
      JSON.stringify(changed),
    );
  }
  assertError(
    t,
    await call(ANALYTICS_SKILLS_PATH, { ...params, page }),
    400,
    'invalid_request_error',
    'another endpoint',
  );
  em.controls.expireCursors = 1;
  t.equal((await call(ANALYTICS_USERS_PATH, params)).status, 200, 'page 1 is never expired');
  assertError(
    t,
    await call(ANALYTICS_USERS_PATH, { ...params, page }),
    410,
    'invalid_request_error',
    'expired',
  );
  t.equal((await call(ANALYTICS_USERS_PATH, { ...params, page })).status, 200, 'one expiry consumed');

  const report = { ...dayRange(DAY), limit: '2' };
  const r1 = await json<ReportPage<UsageRow>>(ANALYTICS_USER_USAGE_REPORT_PATH, report);
  const token = r1.next_page ?? '';
  t.equal(r1.has_more, true);
  assertError(
    t,
    await call(ANALYTICS_USER_USAGE_REPORT_PATH, { ...report, order: 'asc', page: token }),
    400,
    'invalid_request_error',
  );
  assertError(
    t,
    await call(ANALYTICS_USER_USAGE_REPORT_PATH, { ...report, limit: '3', page: token }),
    400,
    'invalid_request_error',
  );
  const set = await fetch(new URL('/__emulator/controls', em.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ expireCursors: 1 }),
  });
  t.equal(set.status, 200);
  assertError(
    t,
    await call(ANALYTICS_USER_USAGE_REPORT_PATH, { ...report, page: token }),
    410,
    'invalid_request_error',
  );
  const r2 = await json<ReportPage<UsageRow>>(ANALYTICS_USER_USAGE_REPORT_PATH, { ...report, page: token });
  t.equal(r2.data.length, 2);

  em.controls.loopCursor = true;
  const looped = await json<EngagementPage<UserRow>>(ANALYTICS_USERS_PATH, { ...params, page });
  t.equal(looped.next_page, page, 'loopCursor: engagement cursor never advances');
});

t.test('/users: Claude Code numbers are the Claude Code report, rows sorted by email', async (t) => {
  for (const day of ['2026-03-04', '2026-03-08', '2026-02-10']) {
    const rows = (await json<EngagementPage<UserRow>>(ANALYTICS_USERS_PATH, { date: day })).data;
    const emails = rows.map((r) => r.user?.email_address.toLowerCase() ?? '');
    t.same(emails, [...emails].sort(), 'sorted by email');
    t.notOk(
      rows.some((r) => r.user?.id === DELETED_SEAT_USER.id),
      'deleted accounts are not in engagement data',
    );
    const cc = generateClaudeCodeDay(day);
    for (const row of rows) {
      const recs = cc.filter(
        (r) => r.actor.type === 'user_actor' && r.actor.email_address === row.user?.email_address,
      );
      const core = row.claude_code_metrics.core_metrics;
      t.equal(
        core.distinct_session_count,
        recs.reduce((s, r) => s + r.core_metrics.num_sessions, 0),
      );
      t.equal(
        core.lines_of_code.added_count,
        recs.reduce((s, r) => s + r.core_metrics.lines_of_code.added, 0),
      );
      t.equal(
        core.lines_of_code.removed_count,
        recs.reduce((s, r) => s + r.core_metrics.lines_of_code.removed, 0),
      );
      t.equal(
        core.commit_count,
        recs.reduce((s, r) => s + r.core_metrics.commits_by_claude_code, 0),
      );
      t.equal(
        core.pull_request_count,
        recs.reduce((s, r) => s + r.core_metrics.pull_requests_by_claude_code, 0),
      );
      t.equal(
        row.claude_code_metrics.tool_actions.edit_tool.accepted_count,
        recs.reduce((s, r) => s + (r.tool_actions.edit_tool?.accepted ?? 0), 0),
      );
      t.equal(row.user?.type, 'user');
    }
    t.ok(
      rows.some((r) => r.last_activity_date === day) && rows.some((r) => r.last_activity_date === null),
      'active and idle users',
    );
  }
});

t.test('/users: range rollup, filters, RBAC grouping, ordering', async (t) => {
  const days = ['2026-03-02', '2026-03-03', '2026-03-04'];
  const daily = await Promise.all(
    days.map((date) => json<EngagementPage<UserRow>>(ANALYTICS_USERS_PATH, { date })),
  );
  const rollup = (
    await json<EngagementPage<UserRow>>(ANALYTICS_USERS_PATH, {
      starting_date: days[0],
      ending_date: '2026-03-05',
    })
  ).data;
  for (const row of rollup) {
    const per = daily.map((p) => p.data.find((r) => r.user?.id === row.user?.id));
    t.equal(
      row.chat_metrics.message_count,
      per.reduce((s, r) => s + (r?.chat_metrics.message_count ?? 0), 0),
    );
    t.equal(
      row.web_search_count,
      per.reduce((s, r) => s + (r?.web_search_count ?? 0), 0),
    );
    t.equal(
      row.claude_code_metrics.core_metrics.distinct_session_count,
      per.reduce((s, r) => s + (r?.claude_code_metrics.core_metrics.distinct_session_count ?? 0), 0),
    );
    t.ok(
      row.chat_metrics.distinct_skills_used_count <=
        per.reduce((s, r) => s + (r?.chat_metrics.distinct_skills_used_count ?? 0), 0),
      'distinct counts are not summed',
    );
    const lastActive = days.filter((_, i) => per[i]?.last_activity_date !== null).pop() ?? null;
    t.equal(row.last_activity_date, lastActive);
  }

  const group = RBAC_GROUPS.find((g) => g.name === 'Firmware Team');
  if (!group) throw new Error('no group');
  const members = (
    await json<EngagementPage<UserRow>>(ANALYTICS_USERS_PATH, {
      date: DAY,
      filter: [`rbac_group_id:${group.uuid}`],
    })
  ).data;
  t.same(
    new Set(members.map((r) => r.user?.id)),
    new Set(group.members),
    'bare UUID filter = the group members',
  );
  const one = (
    await json<EngagementPage<UserRow>>(ANALYTICS_USERS_PATH, {
      date: DAY,
      filter: [`user_id:${members[0]?.user?.id}`, 'user_id:user_01nobody'],
    })
  ).data;
  t.equal(one.length, 1);

  const grouped = (
    await json<EngagementPage<UserRow>>(ANALYTICS_USERS_PATH, { date: DAY, group_by: ['rbac_group_id'] })
  ).data;
  const firmware = grouped.find((r) => r.rbac_group_id === group.id);
  t.equal(firmware?.user, null);
  t.equal(firmware?.rbac_group_name, 'Firmware Team');
  t.equal(
    firmware?.chat_metrics.message_count,
    members.reduce((s, r) => s + r.chat_metrics.message_count, 0),
  );
  t.equal(
    firmware?.chat_metrics.distinct_conversation_count,
    null,
    'HLL distinct counts are null on aggregated rows',
  );
  t.equal(firmware?.distinct_user_count, members.filter((r) => r.last_activity_date !== null).length);
  t.ok(
    grouped.some((r) => r.rbac_group_id === null),
    'users in no group form the null group',
  );

  const project = CHAT_PROJECTS[0];
  const inProject = (
    await json<EngagementPage<UserRow>>(ANALYTICS_USERS_PATH, {
      starting_date: '2026-02-01',
      ending_date: '2026-03-01',
      filter: [`project_id:${project?.id}`],
    })
  ).data;
  t.ok(
    inProject.length > 0 &&
      inProject.every(
        (r) =>
          r.chat_metrics.message_count > 0 && r.claude_code_metrics.core_metrics.distinct_session_count === 0,
      ),
    'project filter: chat in that project only',
  );

  const ranked = (
    await json<EngagementPage<UserRow>>(ANALYTICS_USERS_PATH, {
      date: DAY,
      order_by: 'chat_metrics.message_count',
    })
  ).data;
  const counts = ranked.map((r) => r.chat_metrics.message_count);
  t.same(
    counts,
    [...counts].sort((a, b) => b - a),
    'a metric ranks descending by default',
  );
  const asc = (
    await json<EngagementPage<UserRow>>(ANALYTICS_USERS_PATH, {
      date: DAY,
      order_by: 'web_search_count',
      order: 'asc',
    })
  ).data;
  t.same(
    asc.map((r) => r.web_search_count),
    [...asc.map((r) => r.web_search_count)].sort((a, b) => a - b),
  );
  for (const params of [
    { date: DAY, order_by: 'nope' },
    { date: DAY, order: 'up' },
    { date: DAY, filter: ['product:chat'] },
    { date: DAY, filter: ['user_id'] },
    { date: DAY, group_by: ['user_id'] },
    { date: DAY, group_by: ['rbac_group_id'], filter: [`project_id:${project?.id}`] },
  ]) {
    assertError(
      t,
      await call(ANALYTICS_USERS_PATH, params),
      400,
      'invalid_request_error',
      JSON.stringify(params),
    );
  }
});

t.test('/summaries: envelope knob, DAU matches /users, seats', async (t) => {
  const params = { starting_date: '2026-03-01', ending_date: '2026-03-08' };
  const reply = await call(ANALYTICS_SUMMARIES_PATH, params);
  const body = JSON.parse(reply.text) as { summaries: Record<string, number | string | null>[] };
  t.same(Object.keys(body), ['summaries'], 'the 2026-08-22 reference envelope by default');
  t.equal(body.summaries.length, 7);
  for (const s of body.summaries) {
    const day = String(s.starting_at).slice(0, 10);
    const users = (await json<EngagementPage<UserRow>>(ANALYTICS_USERS_PATH, { date: day })).data;
    t.equal(
      s.daily_active_user_count,
      users.filter((u) => u.last_activity_date !== null).length,
      `${day} DAU = active /users rows`,
    );
    t.ok(
      Number(s.weekly_active_user_count) >= Number(s.daily_active_user_count) &&
        Number(s.monthly_active_user_count) >= Number(s.weekly_active_user_count),
    );
    t.equal(s.assigned_seat_count, ASSIGNED_SEATS);
    t.equal(
      s.daily_adoption_rate,
      Math.round((Number(s.daily_active_user_count) * 10_000) / ASSIGNED_SEATS) / 100,
    );
    t.match(String(s.ending_at), /T00:00:00Z$/);
  }
  em.controls.summariesEnvelope = 'data';
  const data = JSON.parse((await call(ANALYTICS_SUMMARIES_PATH, params)).text) as {
    data: unknown[];
    next_page: null;
  };
  t.same(Object.keys(data), ['data', 'next_page']);
  t.same(data.data, body.summaries, 'same rows in the newer envelope');
  t.equal(data.next_page, null);
  const viaHttp = await fetch(new URL('/__emulator/controls', em.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ summariesEnvelope: 'summaries' }),
  });
  t.equal(((await viaHttp.json()) as { summariesEnvelope: string }).summariesEnvelope, 'summaries');
  t.same(Object.keys(JSON.parse((await call(ANALYTICS_SUMMARIES_PATH, params)).text) as object), [
    'summaries',
  ]);

  const group = RBAC_GROUPS.find((g) => g.name === 'Operations');
  const filtered = JSON.parse(
    (await call(ANALYTICS_SUMMARIES_PATH, { ...params, filter: [`rbac_group_id:${group?.id}`] })).text,
  ) as typeof body;
  t.ok(
    filtered.summaries.every((s) => s.assigned_seat_count === null && s.daily_adoption_rate === null),
    'seat fields null under an RBAC filter',
  );
  t.ok(filtered.summaries.every((s) => Number(s.monthly_active_user_count) <= (group?.members.size ?? 0)));
  assertError(
    t,
    await call(ANALYTICS_SUMMARIES_PATH, { ...params, group_by: ['rbac_group_id'] }),
    400,
    'invalid_request_error',
  );
  assertError(
    t,
    await call(ANALYTICS_SUMMARIES_PATH, { ...params, filter: ['user_id:x'] }),
    400,
    'invalid_request_error',
  );
});

t.test('/skills, /connectors, /apps/chat/projects: filters and groupings', async (t) => {
  type Row = Record<string, unknown> & { distinct_user_count: number };
  const skills = (await json<EngagementPage<Row>>(ANALYTICS_SKILLS_PATH, { date: DAY })).data;
  const names = skills.map((r) => String(r.skill_name));
  t.same(names, [...names].sort(), 'sorted by skill name');
  const chatOnly = (
    await json<EngagementPage<Row>>(ANALYTICS_SKILLS_PATH, { date: DAY, filter: ['product:chat'] })
  ).data;
  t.ok(
    chatOnly.length > 0 &&
      chatOnly.every(
        (r) => (r.cowork_metrics as Record<string, number>).distinct_session_skill_used_count === 0,
      ),
  );
  const pdf = (
    await json<EngagementPage<Row>>(ANALYTICS_SKILLS_PATH, {
      starting_date: '2026-03-01',
      ending_date: '2026-03-08',
      filter: ['skill_name:PDF'],
    })
  ).data;
  t.same(
    pdf.map((r) => r.skill_name),
    ['pdf'],
    'skill_name filter is case-insensitive',
  );
  const byProduct = (
    await json<EngagementPage<Row>>(ANALYTICS_SKILLS_PATH, { date: DAY, group_by: ['product'] })
  ).data;
  t.ok(byProduct.every((r) => typeof r.product === 'string'));
  const byUser = (
    await json<EngagementPage<Row>>(ANALYTICS_CONNECTORS_PATH, { date: DAY, group_by: ['user_id'] })
  ).data;
  t.ok(
    byUser.length > 0 &&
      byUser.every((r) => r.distinct_user_count === 1 && String(r.user_id).startsWith('user_01')),
  );
  const projects = (
    await json<EngagementPage<Row>>(ANALYTICS_PROJECTS_PATH, {
      starting_date: '2026-03-01',
      ending_date: '2026-03-08',
    })
  ).data;
  t.ok(
    projects.every(
      (r) =>
        String(r.project_id).startsWith('claude_proj_') &&
        typeof (r.created_by as { email_address: string }).email_address === 'string',
    ),
  );
  const one = (
    await json<EngagementPage<Row>>(ANALYTICS_PROJECTS_PATH, {
      starting_date: '2026-03-01',
      ending_date: '2026-03-08',
      filter: [`project_id:${projects[0]?.project_id}`],
    })
  ).data;
  t.same(one, [projects[0]]);
  for (const [path, params] of [
    [ANALYTICS_SKILLS_PATH, { date: DAY, filter: ['product:science'] }],
    [ANALYTICS_SKILLS_PATH, { date: DAY, filter: ['connector_name:github'] }],
    [ANALYTICS_SKILLS_PATH, { date: DAY, filter: ['share_status:secret'] }],
    [ANALYTICS_CONNECTORS_PATH, { date: DAY, group_by: ['skill_name'] }],
    [ANALYTICS_PROJECTS_PATH, { date: DAY, group_by: ['product'] }],
    [ANALYTICS_PROJECTS_PATH, { date: DAY, filter: ['product:chat'] }],
  ] as const) {
    assertError(
      t,
      await call(path, params),
      400,
      'invalid_request_error',
      `${path} ${JSON.stringify(params)}`,
    );
  }
});

t.test('cost/usage: parameter rules and envelope', async (t) => {
  const usage = (params: Params): Promise<Reply> => call(ANALYTICS_USAGE_REPORT_PATH, params);
  const early = assertError(
    t,
    await usage({ starting_at: '2025-12-31T23:00:00Z' }),
    400,
    'invalid_request_error',
  );
  t.match(early.error.message, /2026-01-01/);
  for (const params of [
    {},
    { starting_at: DAY },
    { starting_at: '2026-02-01T00:00:00Z', ending_at: '2026-03-05T00:00:00Z' },
    { starting_at: '2026-03-04T00:00:00Z', ending_at: '2026-03-04T00:00:00Z' },
    { starting_at: '2026-03-16T00:00:00Z' },
    { starting_at: '2026-03-04T00:00:00Z', bucket_width: '1w' },
    { starting_at: '2026-03-04T00:00:00Z', group_by: ['token_type'] },
    { starting_at: '2026-03-04T00:00:00Z', group_by: ['user_id'] },
    { starting_at: '2026-03-04T00:00:00Z', products: ['web'] },
    { starting_at: '2026-03-04T00:00:00Z', context_windows: ['1M'] },
  ]) {
    assertError(t, await usage(params), 400, 'invalid_request_error', JSON.stringify(params));
  }
  t.equal(
    (
      await call(ANALYTICS_COST_REPORT_PATH, {
        starting_at: '2026-03-04T00:00:00Z',
        group_by: ['token_type'],
      })
    ).status,
    200,
    'cost takes token_type',
  );
  const later = await startClaudeEmulator({ now: new Date('2027-02-01T12:00:00Z') });
  t.teardown(() => later.close());
  const old = await get(later.url, ANALYTICS_USAGE_REPORT_PATH, { starting_at: '2026-01-15T00:00:00Z' }, KEY);
  t.match(assertError(t, old, 400, 'invalid_request_error').error.message, /365 days/);

  const cases = [
    ['1d', 7, 31, '2026-02-01T00:00:00Z', '2026-03-04T00:00:00Z'],
    ['1h', 24, 168, '2026-03-01T00:00:00Z', '2026-03-14T00:00:00Z'],
    ['1m', 60, 256, '2026-03-04T00:00:00Z', '2026-03-05T00:00:00Z'],
  ] as const;
  for (const [width, fallback, max, start, end] of cases) {
    const base = { starting_at: start, ending_at: end, bucket_width: width };
    const dflt = await json<ReportPage<Bucket<UsageRow>>>(ANALYTICS_USAGE_REPORT_PATH, base);
    t.equal(dflt.data.length, fallback, `${width} default ${fallback}`);
    t.equal(dflt.has_more, true);
    t.equal(
      (await json<ReportPage<Bucket<UsageRow>>>(ANALYTICS_USAGE_REPORT_PATH, { ...base, limit: String(max) }))
        .data.length,
      max,
      `${width} max ${max}`,
    );
    assertError(
      t,
      await usage({ ...base, limit: String(max + 1) }),
      400,
      'invalid_request_error',
      `${width} limit ${max + 1}`,
    );
  }

  for (const params of [
    { ...dayRange(DAY), limit: '0' },
    { ...dayRange(DAY), limit: '1001' },
    { starting_at: `${DAY}T00:00:00Z`, bucket_width: '1d' },
    { ...dayRange(DAY, 2), bucket_width: '1m' },
    { ...dayRange(DAY), order_by: 'amount' },
    { ...dayRange(DAY), order: 'up' },
    { ...dayRange(DAY), exclude_deleted_users: 'yes' },
  ]) {
    assertError(
      t,
      await call(ANALYTICS_USER_USAGE_REPORT_PATH, params),
      400,
      'invalid_request_error',
      JSON.stringify(params),
    );
  }
  assertError(
    t,
    await call(ANALYTICS_USER_COST_REPORT_PATH, { ...dayRange(DAY), order_by: 'total_tokens' }),
    400,
    'invalid_request_error',
  );
  t.equal(
    (await call(ANALYTICS_USER_USAGE_REPORT_PATH, { ...dayRange(DAY), bucket_width: '1m' })).status,
    200,
    '1m over 24 h is fine',
  );

  const page = await json<ReportPage<Bucket<UsageRow>>>(ANALYTICS_USAGE_REPORT_PATH, {
    starting_at: '2026-03-10T00:00:00Z',
  });
  t.same(Object.keys(page), ['data', 'has_more', 'next_page', 'data_refreshed_at', 'organization_id']);
  t.match(page.organization_id, /^org_01[0-9A-Za-z]{22}$/);
  t.equal(page.data_refreshed_at, '2026-03-15T09:00:00Z');
  t.same(
    page.data.map((b) => b.starting_at.slice(0, 10)),
    ['2026-03-10', '2026-03-11', '2026-03-12', '2026-03-13', '2026-03-14'],
    'default end = now, floored to the bucket',
  );
  const users = await json<ReportPage<UsageRow>>(ANALYTICS_USER_USAGE_REPORT_PATH, dayRange(DAY));
  t.equal(users.data.length, 20, 'per-user default limit 20');
  t.same(Object.keys(users.data[0]?.actor ?? {}), ['type', 'user_id', 'email', 'name', 'deleted']);
});

t.test(
  'consistency: usage_report = Σ user_usage_report, cost_report = Σ user_cost_report (exact)',
  async (t) => {
    for (const day of ['2026-01-05', '2026-02-10', '2026-03-04', '2026-03-08', '2026-03-14']) {
      const bucket = (await json<ReportPage<Bucket<UsageRow>>>(ANALYTICS_USAGE_REPORT_PATH, dayRange(day)))
        .data;
      t.equal(bucket.length, 1);
      const org = bucket[0]?.results ?? [];
      t.equal(org.length, 1, `${day}: one total row`);
      const perUser = (
        await json<ReportPage<UsageRow>>(ANALYTICS_USER_USAGE_REPORT_PATH, {
          ...dayRange(day),
          limit: '1000',
        })
      ).data;
      t.same(sumTokens(perUser), sumTokens(org), `${day}: tokens, web searches, requests`);
      const lines = analyticsDay(day).flatMap((d) => d.usage);
      t.equal(
        org[0]?.requests,
        lines.reduce((s, l) => s + l.requests, 0),
        `${day}: = the activity lines`,
      );
      const exported = analyticsUserUsage(day);
      t.equal(exported.length, perUser.length, `${day}: analyticsUserUsage has the same users`);
      for (const r of perUser) {
        const e = exported.find((x) => x.user_id === r.actor?.user_id);
        t.equal(e?.output_tokens, r.output_tokens);
        t.equal(e?.requests, r.requests);
      }
      for (const r of perUser) {
        t.equal(
          r.total_tokens,
          r.uncached_input_tokens +
            r.cache_read_input_tokens +
            r.cache_creation.ephemeral_5m_input_tokens +
            r.cache_creation.ephemeral_1h_input_tokens +
            r.output_tokens,
        );
      }

      const cost = (await json<ReportPage<Bucket<CostRow>>>(ANALYTICS_COST_REPORT_PATH, dayRange(day)))
        .data[0]?.results[0];
      const userCost = (
        await json<ReportPage<CostRow>>(ANALYTICS_USER_COST_REPORT_PATH, { ...dayRange(day), limit: '1000' })
      ).data;
      if (!cost) throw new Error(`no cost on ${day}`);
      t.equal(
        userCost.reduce((s, r) => s + cents(r.amount), 0n),
        cents(cost.amount),
        `${day}: Σ amount exact`,
      );
      t.equal(
        analyticsUserUsage(day).reduce((s, r) => s + cents(r.amount), 0n),
        cents(cost.amount),
        `${day}: = analyticsUserUsage`,
      );
      t.equal(
        userCost.reduce((s, r) => s + cents(r.list_amount), 0n),
        cents(cost.list_amount),
        `${day}: Σ list_amount exact`,
      );
      t.equal(
        cents(cost.amount) * 5n,
        cents(cost.list_amount) * 4n,
        'amount = 80% of list (Enterprise discount)',
      );
      t.ok(userCost.every((r) => cents(r.list_amount) >= cents(r.amount) && r.currency === 'USD'));
      const amounts = userCost.map((r) => cents(r.amount));
      t.same(
        amounts,
        [...amounts].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)),
        'ranked by amount, desc',
      );
    }

    // The deleted account: present (actor anonymised) until its deletion day, gone with exclude_deleted_users.
    const before = (
      await json<ReportPage<UsageRow>>(ANALYTICS_USER_USAGE_REPORT_PATH, {
        ...dayRange('2026-02-10'),
        limit: '1000',
      })
    ).data;
    const ghost = before.find((r) => r.actor?.user_id === DELETED_SEAT_USER.id);
    t.same(ghost?.actor, {
      type: 'user_actor',
      user_id: DELETED_SEAT_USER.id,
      email: null,
      name: 'Deleted User',
      deleted: true,
    });
    const excluded = (
      await json<ReportPage<UsageRow>>(ANALYTICS_USER_USAGE_REPORT_PATH, {
        ...dayRange('2026-02-10'),
        limit: '1000',
        exclude_deleted_users: 'true',
      })
    ).data;
    t.same(
      excluded,
      before.filter((r) => r !== ghost),
    );
    const after = (
      await json<ReportPage<UsageRow>>(ANALYTICS_USER_USAGE_REPORT_PATH, {
        ...dayRange('2026-03-04'),
        limit: '1000',
      })
    ).data;
    t.notOk(
      after.some((r) => r.actor?.deleted),
      'no usage after deletion',
    );
  },
);

t.test('consistency across bucket widths and per-user buckets', async (t) => {
  const range = dayRange('2026-03-02', 3);
  const days = (await json<ReportPage<Bucket<UsageRow>>>(ANALYTICS_USAGE_REPORT_PATH, range)).data;
  const hours = (
    await json<ReportPage<Bucket<UsageRow>>>(ANALYTICS_USAGE_REPORT_PATH, {
      ...range,
      bucket_width: '1h',
      limit: '168',
    })
  ).data;
  t.equal(hours.length, 72);
  days.forEach((d, i) => {
    t.same(
      sumTokens(hours.slice(i * 24, i * 24 + 24).flatMap((h) => h.results)),
      sumTokens(d.results),
      `${d.starting_at}: Σ 1h = 1d`,
    );
  });
  const perUserDays = (
    await json<ReportPage<UsageRow>>(ANALYTICS_USER_USAGE_REPORT_PATH, {
      ...range,
      bucket_width: '1d',
      limit: '1000',
    })
  ).data;
  days.forEach((d) => {
    const rows = perUserDays.filter((r) => r.starting_at === d.starting_at);
    t.same(sumTokens(rows), sumTokens(d.results), `${d.starting_at}: Σ per-user 1d rows = bucket`);
  });
  const starts = perUserDays.map((r) => r.starting_at ?? '');
  t.same(starts, [...starts].sort(), 'per-user buckets oldest first');

  const byProduct = (
    await json<ReportPage<Bucket<UsageRow>>>(ANALYTICS_USAGE_REPORT_PATH, {
      ...range,
      group_by: ['product', 'model'],
    })
  ).data;
  byProduct.forEach((b, i) =>
    t.same(sumTokens(b.results), sumTokens(days[i]?.results ?? []), 'Σ product×model groups = total'),
  );
  const products = new Set(byProduct.flatMap((b) => b.results.map((r) => r.product)));
  t.ok(
    products.has('chat') && products.has('claude_code') && products.has(null),
    `products ${[...products].join(', ')}`,
  );
  const codeOnly = (
    await json<ReportPage<Bucket<UsageRow>>>(ANALYTICS_USAGE_REPORT_PATH, {
      ...range,
      products: ['claude_code'],
    })
  ).data;
  codeOnly.forEach((b, i) =>
    t.same(
      sumTokens(b.results),
      sumTokens(byProduct[i]?.results.filter((r) => r.product === 'claude_code') ?? []),
    ),
  );
});

t.test('cost fan-out by cost_type / token_type', async (t) => {
  const range = dayRange(DAY);
  const total = (await json<ReportPage<Bucket<CostRow>>>(ANALYTICS_COST_REPORT_PATH, range)).data[0]
    ?.results[0];
  const both =
    (
      await json<ReportPage<Bucket<CostRow>>>(ANALYTICS_COST_REPORT_PATH, {
        ...range,
        group_by: ['cost_type', 'token_type'],
      })
    ).data[0]?.results ?? [];
  t.equal(
    both.reduce((s, r) => s + cents(r.amount), 0n),
    cents(total?.amount ?? '0'),
    'Σ fan-out = total',
  );
  t.same([...new Set(both.map((r) => r.cost_type))].sort(), ['code_execution', 'tokens', 'web_search']);
  t.ok(
    both.every((r) => r.requests === null),
    'requests null with cost grouping',
  );
  t.ok(both.filter((r) => r.cost_type === 'tokens').every((r) => r.token_type !== null));
  const tokensOnly =
    (
      await json<ReportPage<Bucket<CostRow>>>(ANALYTICS_COST_REPORT_PATH, {
        ...range,
        group_by: ['token_type'],
      })
    ).data[0]?.results ?? [];
  t.ok(tokensOnly.every((r) => r.cost_type === 'tokens'));
  t.equal(
    tokensOnly.reduce((s, r) => s + cents(r.amount), 0n),
    both.filter((r) => r.cost_type === 'tokens').reduce((s, r) => s + cents(r.amount), 0n),
  );
  const fanned = (
    await json<ReportPage<CostRow>>(ANALYTICS_USER_COST_REPORT_PATH, {
      ...range,
      limit: '3',
      group_by: ['token_type'],
    })
  ).data;
  t.ok(fanned.length > 3, `fan-out rows do not count toward limit (${fanned.length} rows)`);
  t.equal(new Set(fanned.map((r) => r.actor?.user_id)).size, 3);
});

t.test('per-user ranking and paging completeness', async (t) => {
  const range = { ...dayRange('2026-03-02', 3) };
  const whole = await json<ReportPage<UsageRow>>(ANALYTICS_USER_USAGE_REPORT_PATH, {
    ...range,
    limit: '1000',
  });
  t.equal(whole.has_more, false);
  const totals = whole.data.map((r) => r.total_tokens ?? 0);
  t.same(
    totals,
    [...totals].sort((a, b) => b - a),
    'total_tokens desc by default',
  );
  const { data } = await allPages((page) =>
    json<ReportPage<UsageRow>>(ANALYTICS_USER_USAGE_REPORT_PATH, { ...range, limit: '4', page }),
  );
  t.same(data, whole.data, 'limit 4 pages = limit 1000');
  const asc = (
    await json<ReportPage<UsageRow>>(ANALYTICS_USER_USAGE_REPORT_PATH, {
      ...range,
      limit: '1000',
      order: 'asc',
      order_by: 'output_tokens',
    })
  ).data;
  const out = asc.map((r) => r.output_tokens);
  t.same(
    out,
    [...out].sort((a, b) => a - b),
  );
  const byList = (
    await json<ReportPage<CostRow>>(ANALYTICS_USER_COST_REPORT_PATH, {
      ...range,
      limit: '1000',
      order_by: 'list_amount',
    })
  ).data;
  const lists = byList.map((r) => cents(r.list_amount));
  t.same(
    lists,
    [...lists].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)),
  );
  const bucketed = await allPages((page) =>
    json<ReportPage<CostRow>>(ANALYTICS_USER_COST_REPORT_PATH, {
      ...range,
      bucket_width: '1d',
      group_by: ['product'],
      limit: '9',
      page,
    }),
  );
  const bucketedWhole = await json<ReportPage<CostRow>>(ANALYTICS_USER_COST_REPORT_PATH, {
    ...range,
    bucket_width: '1d',
    group_by: ['product'],
    limit: '1000',
  });
  t.same(bucketed.data, bucketedWhole.data, 'bucketed, grouped per-user paging is complete');
});

t.test('rate limit: 60 requests per minute per organisation across analytics endpoints', async (t) => {
  em.controls.reset();
  t.equal(em.controls.analyticsRateLimitPerMinute, 60, 'vendor default');
  const paths: [string, Params][] = [
    [ANALYTICS_USERS_PATH, { date: DAY }],
    [ANALYTICS_USAGE_REPORT_PATH, dayRange(DAY)],
    [ANALYTICS_SKILLS_PATH, { date: DAY }],
    [ANALYTICS_USER_COST_REPORT_PATH, dayRange(DAY)],
  ];
  for (let i = 0; i < 60; i++) {
    const [path, params] = paths[i % paths.length] ?? [ANALYTICS_USERS_PATH, { date: DAY }];
    const r = await call(path, params);
    if (r.status !== 200) t.fail(`request ${i + 1}: ${r.status}`);
  }
  const limited = await call(ANALYTICS_SUMMARIES_PATH, { starting_date: DAY });
  assertError(t, limited, 429, 'rate_limit_error', '61st request');
  const retry = Number(limited.headers.get('retry-after'));
  t.ok(retry >= 1 && retry <= 60, `retry-after ${retry}`);
  t.equal(
    (await call(MESSAGES_REPORT_PATH, dayRange(DAY), ADMIN)).status,
    200,
    'the Admin API is not counted',
  );
  assertError(
    t,
    await call(ANALYTICS_USERS_PATH, { date: DAY }, ADMIN),
    404,
    'not_found_error',
    'auth fails before the limit',
  );

  em.controls.reset();
  const set = await fetch(new URL('/__emulator/controls', em.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ analyticsRateLimitPerMinute: 3 }),
  });
  t.equal(set.status, 200);
  for (let i = 0; i < 3; i++) t.equal((await call(ANALYTICS_USERS_PATH, { date: DAY })).status, 200);
  assertError(
    t,
    await call(ANALYTICS_COST_REPORT_PATH, dayRange(DAY)),
    429,
    'rate_limit_error',
    '4th with limit 3',
  );
  em.controls.analyticsRateLimitPerMinute = null;
  t.equal((await call(ANALYTICS_COST_REPORT_PATH, dayRange(DAY))).status, 200, 'null = unlimited');
  for (const bad of [
    { analyticsRateLimitPerMinute: -1 },
    { summariesEnvelope: 'rows' },
    { expireCursors: 'x' },
  ]) {
    const r = await fetch(new URL('/__emulator/controls', em.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(bad),
    });
    t.equal(r.status, 400, JSON.stringify(bad));
    await r.text();
  }
});

t.test('determinism across instances and clocks', async (t) => {
  const twin = await startClaudeEmulator({ now: NOW });
  const later = await startClaudeEmulator({ now: new Date('2026-03-20T18:00:00Z') });
  t.teardown(async () => {
    await twin.close();
    await later.close();
  });
  twin.controls.analyticsRateLimitPerMinute = null;
  later.controls.analyticsRateLimitPerMinute = null;
  const requests: [string, Params][] = [
    [ANALYTICS_USERS_PATH, { date: DAY }],
    [
      ANALYTICS_SKILLS_PATH,
      { starting_date: '2026-03-01', ending_date: '2026-03-08', group_by: ['product'] },
    ],
    [ANALYTICS_USAGE_REPORT_PATH, { ...dayRange('2026-03-01', 7), group_by: ['model'] }],
    [ANALYTICS_USER_COST_REPORT_PATH, { ...dayRange('2026-03-01', 7), limit: '50' }],
  ];
  for (const [path, params] of requests) {
    const a = await call(path, params);
    const b = await get(twin.url, path, params, KEY);
    const c = await get(later.url, path, params, KEY);
    t.equal(a.status, 200);
    t.equal(a.text, b.text, `${path}: same bytes on a twin`);
    const dataOf = (r: Reply): unknown => (JSON.parse(r.text) as { data: unknown }).data;
    t.same(dataOf(c), dataOf(a), `${path}: same data with a later clock`);
  }
});
