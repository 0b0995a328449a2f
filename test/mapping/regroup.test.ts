import { Value } from '@sinclair/typebox/value';
import t from 'tap';
import { compileMapping, mergeRows, type MapContext } from '../../src/mapping/compile.js';
import { regroupRows, type RegroupOptions } from '../../src/mapping/regroup.js';
import { rowId } from '../../src/mapping/row-id.js';
import { UsageRow } from '../../src/schemas/usage.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = any;

const ctx: MapContext = { integration: 'openai', accountId: 'acct_1', reportType: 'usage' };
const opts: RegroupOptions = { integration: 'openai', accountId: 'acct_1', reportType: 'usage' };

/** An hourly usage mapping: one row per (hour, user, model), tokens, a quantity and a cost in cents. */
const hourly = compileMapping(
  {
    description: 'hourly buckets',
    rows: [
      {
        name: 'hour',
        key: [{ path: 'start' }, { path: 'user' }, { path: 'model' }],
        fields: {
          start_date: { path: 'start', transform: 'iso_datetime' },
          end_date: { path: 'start', transform: ['iso_datetime', { name: 'add_hours', args: { hours: 1 } }] },
          updated_at: { path: 'updated', transform: 'iso_datetime' },
          'user.email': { path: 'user' },
          'model.id': { path: 'model' },
          'usage.tokens.input': { path: 'in' },
          'usage.tokens.output': { path: 'out' },
          'usage.quantity': { path: 'q' },
          'usage.activity.is_active': { path: 'in', transform: 'positive' },
        },
        charges: [
          {
            amount: { path: 'cents', transform: 'cents_to_major' },
            currency: { path: 'cur' },
            type: 'total',
          },
        ],
      },
      {
        name: 'requests',
        key: [{ path: 'start' }, { path: 'user' }, { path: 'model' }],
        fields: {
          start_date: { path: 'start', transform: 'iso_datetime' },
          end_date: { path: 'start', transform: ['iso_datetime', { name: 'add_hours', args: { hours: 1 } }] },
          'user.email': { path: 'user' },
          'model.id': { path: 'model' },
          'usage.requests.total': { path: 'req' },
        },
      },
    ],
  },
  'mappings/openai/usage.yaml',
);

const hour = (h: number, day = 4) =>
  `2026-03-${String(day).padStart(2, '0')}T${String(h).padStart(2, '0')}:00:00Z`;
interface Rec {
  start: string;
  user: string;
  model: string;
  in: number;
  out: number;
  q: number;
  cents: string | number;
  cur: string;
  req: number;
  updated?: string;
}
const rec = (h: number, extra: Partial<Rec> = {}): Rec => ({
  start: hour(h),
  user: 'ann@acme.io',
  model: 'gpt-4o',
  in: 1000 + h,
  out: 7,
  q: 0.07,
  cents: '0.1',
  cur: 'USD',
  req: 3,
  ...extra,
});
const mapAll = (records: Rec[]) => records.flatMap((r) => hourly.map(r, ctx));

t.test('24 hourly rows sum exactly to one day', async (t) => {
  const records = Array.from({ length: 24 }, (_, h) => rec(h));
  const rows = mapAll(records);
  t.equal(rows.length, 48, 'two row specs, 24 hours');
  const before = JSON.stringify(rows);
  const days = regroupRows(rows, 'day', opts) as Row[];
  t.equal(JSON.stringify(rows), before, 'the input rows are not modified');
  t.equal(days.length, 2, 'one day row per row spec (they measure different things)');
  const [day, requests] = days;
  t.equal(day.start_date, '2026-03-04T00:00:00.000Z');
  t.equal(day.end_date, '2026-03-05T00:00:00.000Z');
  t.same(day.charges, [{ amount: 0.024, currency: 'USD', type: 'total' }], '24 × 0.1 cent is exactly $0.024');
  t.equal(day.charges[0].amount, 0.024);
  t.not(
    records.reduce((s, r) => s + Number(r.cents) / 100, 0),
    0.024,
    'floating-point addition would not have been exact',
  );
  t.equal(day.usage.tokens.input, 24 * 1000 + (23 * 24) / 2, 'token counts sum');
  t.equal(day.usage.tokens.output, 24 * 7);
  t.equal(day.usage.quantity, 1.68, '24 × 0.07 is exactly 1.68');
  t.not(
    records.reduce((s, r) => s + r.q, 0),
    1.68,
    'floating-point addition would not have been exact',
  );
  t.equal(day.usage.activity.is_active, true);
  t.same(day.user, { email: 'ann@acme.io' });
  t.same(day.model, { id: 'gpt-4o' });
  t.same(day.remote_data, records, 'remote_data: the list of the merged rows’ source records');
  t.equal(requests.usage.requests.total, 72);
  t.same(requests.start_date, day.start_date);
  for (const r of days) t.ok(Value.Check(UsageRow, r), `valid Usage row ${r.id}`);

  t.match(day.id, /^[0-9a-f]{28}$/);
  t.not(day.id, requests.id);
  const some = regroupRows(mapAll([rec(5), rec(17)]), 'day', opts) as Row[];
  t.equal(some[0].id, day.id, 'the same fact in the same day has the same id, whichever hours arrived');
  t.equal(some[0].usage.tokens.input, 2022);
  t.equal(some[1].id, requests.id);
  t.equal(regroupRows(rows, 'day', opts)[0]?.id, day.id, 'deterministic');
  const other = (o: Partial<RegroupOptions>) => regroupRows(rows, 'day', { ...opts, ...o })[0]?.id;
  t.not(other({ accountId: 'acct_2' }), day.id, 'ids depend on the account');
  t.not(other({ integration: 'claude' }), day.id, 'and on the integration');
  t.not(other({ reportType: 'cost' }), day.id, 'and on the report type');
  t.equal(
    day.id,
    rowId([
      'openai',
      'acct_1',
      'usage',
      'day',
      '2026-03-04T00:00:00.000Z',
      JSON.stringify([
        { model: { id: 'gpt-4o' }, user: { email: 'ann@acme.io' } },
        [
          ['usage.quantity', ''],
          ['usage.tokens.input', ''],
          ['usage.tokens.output', ''],
          ['usage.activity.is_active', ''],
        ],
      ]),
    ]),
    'id = rowId of the context, the bucket and the identity',
  );
});

t.test('identity: users, models and currencies stay apart; collapse merges dimensions', async (t) => {
  const records = [
    rec(1),
    rec(1, { user: 'bob@acme.io', in: 5, cents: 250 }),
    rec(2, { model: 'gpt-4.1', in: 9 }),
    rec(3, { cur: 'EUR', cents: '0.5' }),
    rec(4, { user: 'bob@acme.io', in: 6, cents: 100 }),
  ];
  const rows = mapAll(records).filter((r) => r.usage?.requests === undefined);
  const days = regroupRows(rows, 'day', opts) as Row[];
  t.same(
    days.map((r) => [r.user.email, r.model.id, r.usage.tokens.input, r.charges]),
    [
      [
        'ann@acme.io',
        'gpt-4o',
        2004,
        [
          { amount: 0.001, currency: 'USD', type: 'total' },
          { amount: 0.005, currency: 'EUR', type: 'total' },
        ],
      ],
      ['bob@acme.io', 'gpt-4o', 11, [{ amount: 3.5, currency: 'USD', type: 'total' }]],
      ['ann@acme.io', 'gpt-4.1', 9, [{ amount: 0.001, currency: 'USD', type: 'total' }]],
    ],
    'charges summed per currency, never across',
  );
  const byModel = regroupRows(rows, 'day', { ...opts, collapse: ['user'] }) as Row[];
  t.same(
    byModel.map((r) => [r.user, r.model.id, r.usage.tokens.input]),
    [
      [undefined, 'gpt-4o', 2015],
      [undefined, 'gpt-4.1', 9],
    ],
    'collapse: user dropped, all users of a model summed',
  );
  t.not(byModel[0].id, days[0].id);
  const all = regroupRows(rows, 'day', { ...opts, collapse: ['user', 'model.id'] }) as Row[];
  t.equal(all.length, 1);
  t.equal(all[0].usage.tokens.input, 2024);
  t.same(all[0].model, {}, 'a collapsed leaf is removed from its object');
  t.equal(rows[0]?.user?.email, 'ann@acme.io', 'collapsing does not touch the input');
});

t.test('order: by new start date, then first appearance', async (t) => {
  const records = [
    rec(23, { user: 'b', start: hour(23, 5) }),
    rec(10, { user: 'a' }),
    rec(2, { user: 'c', start: hour(2, 5) }),
    rec(11, { user: 'b' }),
    rec(3, { user: 'a', start: hour(3, 5) }),
  ];
  const rows = mapAll(records).filter((r) => r.usage?.requests === undefined);
  const days = regroupRows(rows, 'day', opts) as Row[];
  t.same(
    days.map((r) => [r.start_date.slice(0, 10), r.user.email]),
    [
      ['2026-03-04', 'a'],
      ['2026-03-04', 'b'],
      ['2026-03-05', 'b'],
      ['2026-03-05', 'c'],
      ['2026-03-05', 'a'],
    ],
  );
});

t.test('hour buckets, created_at / updated_at, rows that do not fit, bad granularity', async (t) => {
  const minutes = [
    rec(10, { start: '2026-03-04T10:15:00Z', updated: '2026-03-04T12:00:00Z' }),
    rec(10, { start: '2026-03-04T10:45:30.5Z', updated: '2026-03-04T11:00:00Z' }),
    rec(10, { start: '2026-03-04T11:00:00Z', updated: '2026-03-04T13:00:00Z' }),
  ].map((r) => ({ ...r, end: null }));
  const rows = mapAll(minutes)
    .filter((r) => r.usage?.requests === undefined)
    .map((r, i) => ({ ...r, end_date: null, created_at: `2026-03-0${5 - i}T00:00:00.000Z` }));
  const hours = regroupRows(rows, 'hour', opts) as Row[];
  t.same(
    hours.map((r) => [r.start_date, r.end_date, r.usage.tokens.input, r.created_at, r.updated_at]),
    [
      [
        '2026-03-04T10:00:00.000Z',
        '2026-03-04T11:00:00.000Z',
        2020,
        '2026-03-04T00:00:00.000Z',
        '2026-03-04T12:00:00.000Z',
      ],
      [
        '2026-03-04T11:00:00.000Z',
        '2026-03-04T12:00:00.000Z',
        1010,
        '2026-03-03T00:00:00.000Z',
        '2026-03-04T13:00:00.000Z',
      ],
    ],
    'floored to the hour; created_at the earliest, updated_at the latest of the merged rows',
  );

  const [one] = mapAll([rec(0)]);
  const dayRow = { ...(one as Row), end_date: '2026-03-05T00:00:00.000Z' };
  const noDate = { ...(one as Row), id: 'x', start_date: null, end_date: null };
  const out = regroupRows([noDate, dayRow, one as UsageRow], 'hour', opts) as Row[];
  t.same(
    out.map((r) => [r.id, r.start_date, r.end_date]),
    [
      [dayRow.id, '2026-03-04T00:00:00.000Z', '2026-03-05T00:00:00.000Z'],
      [out[1].id, '2026-03-04T00:00:00.000Z', '2026-03-04T01:00:00.000Z'],
      ['x', null, null],
    ],
    'a row coarser than the bucket and a row without a date are kept as they are (dateless last)',
  );
  t.not(out[1].id, dayRow.id);
  t.same(out[2].remote_data, [noDate.remote_data], 'remote_data is a list on every row');

  t.throws(() => regroupRows([], 'week' as 'day', opts), RangeError);
  t.throws(() => regroupRows([], 'constructor' as 'day', opts), RangeError);
  t.same(regroupRows([], 'day', opts), []);
});

t.test('aggregated rows: remote_data lists are concatenated', async (t) => {
  const agg = compileMapping(
    {
      description: 'aggregate hourly',
      aggregate: true,
      rows: [
        {
          name: 'h',
          key: [{ path: 'start' }],
          fields: {
            start_date: { path: 'start', transform: 'iso_datetime' },
            'usage.tokens.input': { path: 'in' },
          },
        },
      ],
    },
    'mappings/acme/agg.yaml',
  );
  const records = [
    { start: hour(1), in: 1 },
    { start: hour(1), in: 2 },
    { start: hour(2), in: 4 },
  ];
  const merged = mergeRows(records.flatMap((r) => agg.map(r, ctx)));
  t.equal(merged.length, 2);
  const [day] = regroupRows(merged, 'day', { ...opts, aggregated: true }) as Row[];
  t.equal(day.usage.tokens.input, 7);
  t.same(day.remote_data, records, 'one flat list of the source records');
  const [nested] = regroupRows(merged, 'day', opts) as Row[];
  t.same(
    nested.remote_data,
    [records.slice(0, 2), records.slice(2)],
    'without `aggregated`: one entry per row',
  );
});
