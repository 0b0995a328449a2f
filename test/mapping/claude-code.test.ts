import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import t from 'tap';
import { mapClaudeCodeActivity } from '../../bench/handwritten/claude-code-activity.js';
import { generateClaudeCodeRecords } from '../../bench/handwritten/claude-code-records.js';
import { mergeRows, type CompiledMapping, type MapContext } from '../../src/mapping/compile.js';
import { loadMappings } from '../../src/mapping/load.js';
import { rowId } from '../../src/mapping/row-id.js';
import { UsageRow } from '../../src/schemas/usage.js';

// Rows are checked field by field; the Usage type's optional unions would only add noise here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = any;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const all = await loadMappings(path.join(root, 'mappings'));
const claude = all.get('claude');
const get = (name: string): CompiledMapping => {
  const m = claude?.get(name);
  if (m === undefined) throw new Error(`mappings/claude/${name}.yaml missing`);
  return m;
};
const activity = get('activity');
const ctx = (reportType: string): MapContext => ({ integration: 'claude', accountId: 'acct_cc', reportType });

// The two records of the provider notes (§2), plus the remote half of dana's day.
const dana = {
  actor: { type: 'user_actor', email_address: 'dana@example.org' },
  organization_id: '0b7e1c2a-5d4f-4e21-9a3b-6c8d7e9f0a11',
  date: '2026-03-04T00:00:00Z',
  customer_type: 'api',
  subscription_type: null,
  terminal_type: 'vscode',
  is_remote: false,
  core_metrics: {
    num_sessions: 3,
    lines_of_code: { added: 210, removed: 45 },
    commits_by_claude_code: 2,
    pull_requests_by_claude_code: 1,
  },
  tool_actions: { edit_tool: { accepted: 14, rejected: 2 }, write_tool: { accepted: 3, rejected: 0 } },
  model_breakdown: [
    {
      model: 'claude-sonnet-4-20250514',
      tokens: { input: 51000, output: 9800, cache_read: 120000, cache_creation: 7400 },
      estimated_cost: { amount: 97, currency: 'USD' },
    },
  ],
};
const ciBot = {
  actor: { type: 'api_actor', api_key_name: 'ci-bot-key' },
  organization_id: '0b7e1c2a-5d4f-4e21-9a3b-6c8d7e9f0a11',
  date: '2026-03-04T00:00:00Z',
  customer_type: 'api',
  subscription_type: null,
  terminal_type: 'tmux',
  is_remote: true,
  core_metrics: {
    num_sessions: 1,
    lines_of_code: { added: 12, removed: 0 },
    commits_by_claude_code: 0,
    pull_requests_by_claude_code: 0,
  },
  tool_actions: {},
  model_breakdown: [],
};
const danaRemote = {
  ...dana,
  actor: { type: 'user_actor', email_address: 'Dana@Example.org' },
  date: '2026-03-04', // the older reference format of the same day
  terminal_type: 'web',
  is_remote: true,
  core_metrics: {
    num_sessions: 0,
    lines_of_code: { added: 5, removed: 1 },
    commits_by_claude_code: 1,
    pull_requests_by_claude_code: 0,
  },
  tool_actions: { edit_tool: { accepted: 2, rejected: 2 }, multi_edit_tool: { accepted: 1, rejected: 0 } },
  model_breakdown: [
    {
      model: 'claude-sonnet-4-20250514',
      tokens: { input: 1000, output: 200, cache_read: 0, cache_creation: 0 },
      estimated_cost: { amount: 3, currency: 'USD' },
    },
    {
      model: 'claude-opus-4-8',
      tokens: { input: 10, output: 20, cache_read: 30, cache_creation: 40 },
      estimated_cost: { amount: 186, currency: 'USD' },
    },
  ],
};

t.test('activity: one actor-day row plus one row per model', async (t) => {
  const rows = activity.map(dana, ctx('activity')) as Row[];
  t.equal(rows.length, 2);
  const [day, model] = rows;
  t.same(day, {
    id: rowId([
      'claude',
      'acct_cc',
      'activity',
      '2026-03-04T00:00:00.000Z',
      'user_actor',
      'dana@example.org',
      'actor_day',
    ]),
    metric_name: 'claude_code_activity',
    organization: { id: '0b7e1c2a-5d4f-4e21-9a3b-6c8d7e9f0a11' },
    user: { email: 'dana@example.org', name: null },
    model: null,
    usage: {
      sessions: { distinct: 3 },
      code: {
        lines_added: 210,
        lines_removed: 45,
        commits: 2,
        pull_requests: 1,
        tool_actions: {
          edit_tool: { accepted: 14, rejected: 2, acceptance_rate: 0.875 },
          write_tool: { accepted: 3, rejected: 0, acceptance_rate: 1 },
        },
      },
      activity: { is_active: true },
    },
    start_date: '2026-03-04T00:00:00.000Z',
    end_date: '2026-03-05T00:00:00.000Z',
    surface: 'claude_code',
    remote_data: dana,
  });
  t.same(model.model, { id: 'claude-sonnet-4-20250514', provider: 'anthropic' });
  t.same(model.usage, {
    tokens: { input: 51000, output: 9800, cache_read: 120000, cache_write: 7400, total: 188200 },
  });
  t.same(model.charges, [{ amount: 0.97, currency: 'USD', type: 'total' }]);
  t.match(model.metric_name, /estimated/);
  t.notOk('tokens' in day.usage, 'no tokens on the actor-day row');
  t.notOk('code' in model.usage, 'code metrics are never repeated per model');

  const [key] = activity.map(ciBot, ctx('activity')) as Row[];
  t.same(key.user, { email: null, name: 'ci-bot-key' });
  t.same(key.resources, [{ id: null, name: 'ci-bot-key' }]);
  t.same(key.usage.code.tool_actions, {});
  for (const r of [...rows, key]) t.ok(Value.Check(UsageRow, r), 'valid Usage row');
});

t.test('activity: remote and local records of one actor-day aggregate into one row', async (t) => {
  t.equal(activity.aggregate, true);
  const rows = mergeRows([dana, ciBot, danaRemote].flatMap((r) => activity.map(r, ctx('activity')))) as Row[];
  t.same(
    rows.map((r) => [r.metric_name, r.user.email ?? r.user.name, r.model?.id ?? null]),
    [
      ['claude_code_activity', 'dana@example.org', null],
      ['claude_code_estimated_cost', 'dana@example.org', 'claude-sonnet-4-20250514'],
      ['claude_code_activity', 'ci-bot-key', null],
      ['claude_code_estimated_cost', 'dana@example.org', 'claude-opus-4-8'],
    ],
  );
  const [day, sonnet, , opus] = rows;
  t.same(day.usage, {
    sessions: { distinct: 3 },
    code: {
      lines_added: 215,
      lines_removed: 46,
      commits: 3,
      pull_requests: 1,
      tool_actions: {
        edit_tool: { accepted: 16, rejected: 4, acceptance_rate: 0.8 },
        write_tool: { accepted: 3, rejected: 0, acceptance_rate: 1 },
        multi_edit_tool: { accepted: 1, rejected: 0, acceptance_rate: 1 },
      },
    },
    activity: { is_active: true },
  });
  t.same(day.remote_data, [dana, danaRemote]);
  t.equal(day.start_date, '2026-03-04T00:00:00.000Z');
  t.same(sonnet.usage.tokens, {
    input: 52000,
    output: 10000,
    cache_read: 120000,
    cache_write: 7400,
    total: 189400,
  });
  t.same(sonnet.charges, [{ amount: 1, currency: 'USD', type: 'total' }], '97 + 3 cents = $1.00 exactly');
  t.same(opus.charges, [{ amount: 1.86, currency: 'USD', type: 'total' }]);
  t.same(opus.remote_data, [danaRemote]);
  for (const r of rows) t.ok(Value.Check(UsageRow, r), 'valid Usage row');
});

t.test('user_usage and user_cost: per actor, per model', async (t) => {
  const usage = get('user_usage');
  const cost = get('user_cost');
  t.equal(usage.aggregate, true);
  t.equal(cost.aggregate, true);
  const u = mergeRows([dana, ciBot, danaRemote].flatMap((r) => usage.map(r, ctx('user_usage')))) as Row[];
  t.same(
    u.map((r) => [r.user.email, r.model.id, r.usage.tokens.total]),
    [
      ['dana@example.org', 'claude-sonnet-4-20250514', 189400],
      ['dana@example.org', 'claude-opus-4-8', 100],
    ],
  );
  t.notOk(
    u.some((r) => 'charges' in r),
    'no money in user_usage',
  );
  const c = mergeRows([dana, ciBot, danaRemote].flatMap((r) => cost.map(r, ctx('user_cost')))) as Row[];
  t.same(
    c.map((r) => [r.user.email, r.model.id, r.charges]),
    [
      ['dana@example.org', 'claude-sonnet-4-20250514', [{ amount: 1, currency: 'USD', type: 'total' }]],
      ['dana@example.org', 'claude-opus-4-8', [{ amount: 1.86, currency: 'USD', type: 'total' }]],
    ],
  );
  t.ok(
    c.every((r) => r.metric_name === 'claude_code_estimated_cost'),
    'the estimate says so',
  );
  t.notOk(
    c.some((r) => 'usage' in r),
    'no tokens in user_cost',
  );
  t.not(u[0].id, c[0].id, 'report type is part of the id');
  for (const r of [...u, ...c]) t.ok(Value.Check(UsageRow, r), 'valid Usage row');
});

t.test('the compiled activity mapping equals the hand-written mapper', async (t) => {
  const records = generateClaudeCodeRecords(600, 7);
  const edge = [
    {},
    null,
    { actor: null, date: 'garbage', model_breakdown: [null, 'x', { model: 'm' }] },
    { ...dana, core_metrics: null, tool_actions: { odd: 5, e: { accepted: 1, rejected: 0, note: 'x' } } },
    { ...dana, model_breakdown: [{ model: 'claude-x', estimated_cost: { amount: 12.5, currency: 'USD' } }] },
  ];
  let compared = 0;
  for (const c of [ctx('activity'), { integration: 'claude', accountId: 'other', reportType: 'activity' }]) {
    for (const rec of [...records, ...edge]) {
      const a = activity.map(rec, c);
      const b = mapClaudeCodeActivity(rec, c);
      if (JSON.stringify(a) !== JSON.stringify(b)) {
        t.same(a, b, `record ${JSON.stringify(rec)}`);
        return;
      }
      compared += a.length;
    }
  }
  t.ok(compared > 1500, `${compared} rows identical, key order included`);
  const ca = mergeRows(records.flatMap((r) => activity.map(r, ctx('activity'))));
  const hb = mergeRows(records.flatMap((r) => mapClaudeCodeActivity(r, ctx('activity'))));
  t.equal(JSON.stringify(ca), JSON.stringify(hb), 'and after aggregation');
  t.ok(ca.length < records.length * 2.5, 'some rows merged');
  t.equal(new Set(ca.map((r) => r.id)).size, ca.length, 'ids unique after aggregation');
  const bad = ca.filter((r) => !Value.Check(UsageRow, r));
  t.equal(bad.length, 0, 'every aggregated row is a valid Usage row');
});
