import { Value } from '@sinclair/typebox/value';
import t from 'tap';
import { compileMapping, MappingError, type MapContext } from '../../src/mapping/compile.js';
import { parseMappingYaml } from '../../src/mapping/load.js';
import { rowId } from '../../src/mapping/row-id.js';
import { MappingDoc } from '../../src/mapping/schema.js';
import { UsageRow } from '../../src/schemas/usage.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = any;

const ctx: MapContext = { integration: 'datadog', accountId: 'acct_1', reportType: 'summary' };
const FILE = 'mappings/datadog/summary.yaml';

function errorOf(d: unknown): MappingError {
  try {
    compileMapping(d, FILE);
  } catch (e) {
    if (e instanceof MappingError) return e;
    throw e;
  }
  throw new Error('compiled without error');
}

/** One entry of Datadog's `usage[]` of GET /api/v1/usage/summary (metric fields next to others). */
const month = {
  date: '2026-04-01T00:00:00+00:00',
  apm_host_top99p: 12,
  ingested_events_bytes: 5400000000,
  infra_host_top99p: '40.5',
  orgs: [{ id: '1a2b3c', name: 'Acme Prod' }],
};

const summaryYaml = `
description: one row per metric field of a Datadog usage summary month
rows:
  - name: metric
    each: { keys_of: $record }
    when: { not: { path: $key, in: [date, orgs] } }
    key: [{ path: date }, { path: $key }]
    fields:
      metric_name: { path: $key }
      usage.quantity: { path: $item }
      start_date: { path: date, transform: iso_datetime }
    remote_data: { path: $item }
`;

t.test('each: { keys_of }: one row per own key, $key, $item, $index', async (t) => {
  const doc = parseMappingYaml(summaryYaml, FILE);
  t.ok(Value.Check(MappingDoc, doc), 'the MappingDoc schema takes each: { keys_of }');
  const m = compileMapping(doc, FILE);
  const rows = m.map(month, ctx) as Row[];
  t.same(
    rows.map((r) => [r.metric_name, r.usage.quantity, r.start_date, r.remote_data]),
    [
      ['apm_host_top99p', 12, '2026-04-01T00:00:00.000Z', 12],
      ['ingested_events_bytes', 5400000000, '2026-04-01T00:00:00.000Z', 5400000000],
      ['infra_host_top99p', 40.5, '2026-04-01T00:00:00.000Z', '40.5'],
    ],
    'keys in object order; when filters on $key; decimal strings coerced exactly',
  );
  for (const r of rows) t.ok(Value.Check(UsageRow, r), `valid Usage row ${r.metric_name}`);
  t.equal(
    rows[0].id,
    rowId(['datadog', 'acct_1', 'summary', month.date, 'apm_host_top99p', 'metric']),
    'the id is the row id of the key parts, $key included',
  );
  t.equal(new Set(rows.map((r) => r.id)).size, 3, 'one id per key');
  const again = m.map({ ...month }, ctx) as Row[];
  t.same(
    again.map((r) => r.id),
    rows.map((r) => r.id),
    'deterministic',
  );
  const reordered = m.map(
    {
      infra_host_top99p: '40.5',
      apm_host_top99p: 12,
      date: month.date,
      ingested_events_bytes: 5400000000,
    },
    ctx,
  ) as Row[];
  t.same(
    reordered.map((r) => r.id).sort(),
    rows.map((r) => r.id).sort(),
    'ids do not depend on the order of the keys',
  );

  const idx = compileMapping(
    {
      description: 'index',
      rows: [
        {
          name: 'k',
          each: { keys_of: 'counts' },
          key: [{ path: '$key' }],
          fields: { 'usage.quantity': { path: '$index' }, 'user.name': { path: '$key' } },
        },
      ],
    },
    FILE,
  );
  t.same(
    (idx.map({ counts: { b: 1, a: 2, c: 3 } }, ctx) as Row[]).map((r) => [r.user.name, r.usage.quantity]),
    [
      ['b', 0],
      ['a', 1],
      ['c', 2],
    ],
    '$index is the position of the key',
  );
  for (const notObject of [null, undefined, 'text', 7, [1, 2], []]) {
    t.equal(idx.map({ counts: notObject }, ctx).length, 0, `no rows for ${JSON.stringify(notObject)}`);
  }
  t.equal(idx.map({ counts: {} }, ctx).length, 0, 'no rows for an empty object');
  const proto = JSON.parse('{"counts": {"__proto__": 5, "constructor": 6}}') as unknown;
  t.same(
    (idx.map(proto, ctx) as Row[]).map((r) => [r.user.name]),
    [['__proto__'], ['constructor']],
    'own keys named like inherited ones are data',
  );
  const inherited = Object.create({ inheritedKey: 1 }) as Record<string, unknown>;
  inherited.own = 2;
  t.same(
    (idx.map({ counts: inherited }, ctx) as Row[]).map((r) => r.user.name),
    ['own'],
    'only own keys',
  );
});

t.test('when on $key and $item: matches, in, and a numeric filter', async (t) => {
  const run = (when: unknown): string[] =>
    (
      compileMapping(
        {
          description: 'filter',
          rows: [
            {
              name: 'k',
              each: { keys_of: '$record' },
              when,
              key: [{ path: '$key' }],
              fields: { metric_name: { path: '$key' } },
            },
          ],
        },
        FILE,
      ).map(month, ctx) as Row[]
    ).map((r) => r.metric_name);
  t.same(run({ path: '$key', matches: '_top99p$' }), ['apm_host_top99p', 'infra_host_top99p']);
  t.same(run({ path: '$key', matches: '^(apm|ingested)_' }), ['apm_host_top99p', 'ingested_events_bytes']);
  t.same(run({ path: '$key', in: ['orgs', 'nope'] }), ['orgs']);
  t.same(
    run({ path: '$item', transform: 'to_number', exists: true }),
    ['apm_host_top99p', 'ingested_events_bytes', 'infra_host_top99p'],
    'only keys whose value is a number (or a decimal string)',
  );
  t.same(run({ all: [{ path: '$key', matches: 'host' }, { not: { path: '$item', equals: 12 } }] }), [
    'infra_host_top99p',
  ]);
  t.same(run({ path: '$item', matches: '^40' }), ['infra_host_top99p'], 'matches tests strings only');
});

t.test('matches outside each, and its errors', async (t) => {
  const m = compileMapping(
    {
      description: 'm',
      rows: [
        {
          name: 'r',
          when: { path: 'model', matches: '^claude-' },
          key: [{ path: 'id' }],
          fields: { 'model.id': { path: 'model' } },
        },
      ],
    },
    FILE,
  );
  t.equal(m.map({ id: 1, model: 'claude-opus' }, ctx).length, 1);
  t.equal(m.map({ id: 1, model: 'gpt-4o' }, ctx).length, 0);
  t.equal(m.map({ id: 1, model: 7 }, ctx).length, 0, 'a number never matches');
  t.equal(m.map({ id: 1 }, ctx).length, 0, 'null never matches');
  const rowWith = (extra: Record<string, unknown>) => ({
    description: 'e',
    rows: [{ name: 'r', key: [{ const: 1 }], fields: {}, ...extra }],
  });
  t.match(
    errorOf(rowWith({ when: { path: 'a', matches: '(' } })).message,
    '#/rows/0/when/matches: not a valid regular expression',
  );
  t.match(
    errorOf(rowWith({ when: { path: 'a', matches: 3 } })).message,
    '#/rows/0/when/matches: matches is a regular expression',
  );
});

t.test('each: { keys_of } errors', async (t) => {
  const rowWith = (extra: Record<string, unknown>, fields: Record<string, unknown> = {}) => ({
    description: 'e',
    rows: [{ name: 'r', key: [{ const: 1 }], fields, ...extra }],
  });
  t.match(
    errorOf(rowWith({}, { metric_name: { path: '$key' } })).message,
    '#/rows/0/fields/metric_name/path: $key is only defined inside a row spec with `each: { keys_of }`',
  );
  t.match(
    errorOf(rowWith({ each: 'list' }, { metric_name: { path: '$key' } })).message,
    '#/rows/0/fields/metric_name/path: $key is only defined',
    'not over array elements either',
  );
  t.match(
    errorOf(rowWith({ each: { keys_of: 'o' } }, { metric_name: { path: '$key.x' } })).message,
    '#/rows/0/fields/metric_name/path: $key is a string: it has no fields',
  );
  t.match(
    errorOf(rowWith({ each: { key_of: 'o' } })).message,
    "#/rows/0/each/key_of: unknown key 'key_of' in each",
  );
  t.match(errorOf(rowWith({ each: {} })).message, '#/rows/0/each: each is a path');
  t.match(
    errorOf(rowWith({ each: { keys_of: '$item' } })).message,
    '#/rows/0/each/keys_of: $item is only defined',
  );
  const m = compileMapping(rowWith({}, { 'user.name': { path: ['$record', '$key'] } }), FILE);
  t.equal(
    (m.map({ $key: 'a record field named $key' }, ctx)[0] as Row).user.name,
    'a record field named $key',
    '$record reaches a record key literally named $key',
  );
});
