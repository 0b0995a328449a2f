import { Value } from '@sinclair/typebox/value';
import t from 'tap';
import {
  compileMapping,
  mergeMappingDocs,
  mergeRows,
  MappingError,
  type MapContext,
} from '../../src/mapping/compile.js';
import { parseMappingYaml } from '../../src/mapping/load.js';
import { UsageRow } from '../../src/schemas/usage.js';

// Rows are checked field by field; the Usage type's optional unions would only add noise here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = any;

const ctx: MapContext = { integration: 'acme', accountId: 'acct_1', reportType: 'usage' };
const FILE = 'mappings/acme/usage.yaml';

/** A one-row-spec mapping with the given fields (and extra row-spec keys). */
function doc(fields: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { description: 'test', rows: [{ name: 'r', key: [{ path: 'id' }], fields, ...extra }] };
}
function one(
  fields: Record<string, unknown>,
  record: unknown,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const rows = compileMapping(doc(fields, extra), FILE).map(record, ctx);
  if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}`);
  return rows[0] as Record<string, unknown>;
}
function errorOf(d: unknown, file = FILE): MappingError {
  try {
    compileMapping(d, file);
  } catch (e) {
    if (e instanceof MappingError) return e;
    throw e;
  }
  throw new Error('compiled without error');
}

t.test(
  'paths: dotted, segment lists with dots and quotes, missing → null (never 0, never throws)',
  async (t) => {
    const record = {
      id: 1,
      a: { b: { c: 7 } },
      'key.with.dots': { 'it\'s "quoted"': 'yes', '`${x}`': 'tpl' },
      list: [{ v: 'first' }],
      s: 'string',
      zero: 0,
    };
    const row = one(
      {
        'usage.quantity': { path: 'a.b.c' },
        'user.name': { path: ['key.with.dots', 'it\'s "quoted"'] },
        'user.email': { path: ['key.with.dots', '`${x}`'] },
        'user.id': { path: 'list.0.v' },
        'usage.tokens.input': { path: 'a.missing.deeper' },
        'usage.tokens.output': { path: 's.length' },
        'usage.tokens.total': { path: 'zero' },
        metric_name: { path: 'constructor' },
        surface: { path: 'a.__proto__' },
      },
      record,
    );
    t.equal((row.usage as Row).quantity, 7);
    t.same(row.user, { id: 'first', email: 'tpl', name: 'yes' });
    t.equal((row.usage as Row).tokens.input, null, 'missing path is null');
    t.equal((row.usage as Row).tokens.output, null, 'no reading properties of strings');
    t.equal((row.usage as Row).tokens.total, 0, 'a real 0 stays 0');
    t.equal(row.metric_name, null, 'inherited names are not data');
    t.equal(row.surface, null);
    for (const bad of [null, undefined, 42, 'x', []]) {
      const r = one({ 'usage.quantity': { path: 'a.b.c' } }, bad);
      t.equal((r.usage as Row).quantity, null, `record ${JSON.stringify(bad)}`);
      t.equal(r.remote_data, bad);
    }
  },
);

t.test('mapping text never becomes code', async (t) => {
  const evil = '"]); globalThis.__pwned = 1; (["';
  const row = one(
    {
      'user.name': { path: [evil] },
      'user.email': { const: '`${globalThis.__pwned = 2}`</script>\u2028' },
      surface: { enum: { from: { path: 'k' }, map: { [evil]: 'mapped' } } },
    },
    { [evil]: 'data', k: evil },
  );
  t.equal((globalThis as Row).__pwned, undefined);
  t.same(row.user, { email: '`${globalThis.__pwned = 2}`</script>\u2028', name: 'data' });
  t.equal(row.surface, 'mapped');
});

t.test('const, enum, sum, coalesce, list', async (t) => {
  const row = one(
    {
      surface: {
        enum: { from: { path: 'kind' }, map: { cli: 'claude_code', web: 'chat' }, default: 'other' },
      },
      metric_name: { enum: { from: { path: 'n' }, map: { '1': 'one' } } },
      'model.provider': { enum: { from: { path: 'nope' }, map: { a: 'b' } } },
      'usage.quantity': { sum: [{ path: 'a' }, { path: 'b' }, { path: 'missing' }] },
      'usage.tokens.total': { sum: [{ path: 'missing' }, { path: 'missing2' }] },
      'usage.tokens.input': { sum: [{ path: 'cents' }, { const: 1 }] },
      'user.email': { coalesce: [{ path: 'missing' }, { path: 'mail' }, { const: 'fallback' }] },
      'user.name': { coalesce: [{ path: 'missing' }, { path: 'missing2' }] },
      'usage.activity.is_active': { list: [{ path: 'x' }, { path: 'y' }], transform: 'nonzero_any' },
      'usage.code.file_extensions': { const: { ts: 3 } },
    },
    { kind: 'cli', n: 1, a: 0.1, b: 0.2, cents: '0.3', mail: 'm@x.org', x: 0, y: 4 },
  );
  t.equal(row.surface, 'claude_code');
  t.equal(row.metric_name, 'one', 'numbers look up their string form');
  t.equal(row.model, null, 'enum miss without default is null (and so is the model)');
  t.equal((row.usage as Row).quantity, 0.3, 'exact sum: 0.1 + 0.2 is 0.3');
  t.equal((row.usage as Row).tokens.total, null, 'sum of nothing is null');
  t.equal((row.usage as Row).tokens.input, 1.3);
  t.same(row.user, { email: 'm@x.org', name: null });
  t.equal((row.usage as Row).activity.is_active, true);
  t.same((row.usage as Row).code.file_extensions, { ts: 3 });
  const d = compileMapping(doc({ 'usage.code.file_extensions': { const: { ts: 3 } } }), FILE);
  const [a, b] = [d.map({ id: 1 }, ctx)[0] as Row, d.map({ id: 2 }, ctx)[0] as Row];
  t.not(a.usage.code.file_extensions, b.usage.code.file_extensions, 'object constants are fresh per row');
  const other = one(
    { surface: { enum: { from: { path: 'kind' }, map: { cli: 'x' }, default: 'other' } } },
    { kind: 'gui' },
  );
  t.equal(other.surface, 'other');
});

t.test('lookup: joins on a table of the context', async (t) => {
  const m = compileMapping(
    doc({
      'user.email': { lookup: 'users', key: { path: 'account_id' }, field: 'email', transform: 'lowercase' },
      'user.name': { lookup: 'users', key: { path: 'account_id' }, field: ['profile', 'full.name'] },
      'user.id': { lookup: 'users', key: { path: 'n' }, field: 'id' },
      'usage.quantity': { lookup: 'nope', key: { path: 'account_id' }, field: 'x' },
    }),
    FILE,
  );
  const users = new Map<string, unknown>([
    ['u1', { id: 'u1', email: 'Ann@X.org', profile: { 'full.name': 'Ann' } }],
    ['7', { id: 'seven' }],
  ]);
  const withLookups = { ...ctx, lookups: { users } };
  const [row] = m.map({ id: 1, account_id: 'u1', n: 7 }, withLookups) as Row[];
  t.same(row.user, { id: 'seven', email: 'ann@x.org', name: 'Ann' });
  t.equal(row.usage.quantity, null, 'unknown table: null');
  const [miss] = m.map({ id: 1, account_id: 'u2' }, withLookups) as Row[];
  t.equal(miss.user, null, 'unknown key: null');
  const [none] = m.map({ id: 1, account_id: 'u1' }, ctx) as Row[];
  t.equal(none.user, null, 'no tables in the context: null');
  t.match(
    errorOf(doc({ surface: { lookup: 'users' } })).message,
    '#/rows/0/fields/surface: a lookup needs a `key`',
  );
  t.match(
    errorOf(doc({ surface: { lookup: 'users', key: { path: 'a' }, feild: 'x' } })).message,
    "#/rows/0/fields/surface/feild: unknown key 'feild' in a 'lookup' expression",
  );
});

t.test('transforms on paths, with args and pipelines', async (t) => {
  const row = one(
    {
      start_date: { path: 'ts', transform: 'iso_datetime', args: { unit: 'ms' } },
      end_date: { path: 'day', transform: ['day_start', { name: 'add_days', args: { days: 1 } }] },
      'user.email': { path: 'mail', transform: 'lowercase' },
    },
    { ts: 1772582400123, day: '2026-03-04T10:00:00Z', mail: 'A@B.C' },
  );
  t.equal(row.start_date, '2026-03-04T00:00:00.123Z');
  t.equal(row.end_date, '2026-03-05T00:00:00.000Z');
  t.equal((row.user as Row).email, 'a@b.c');
});

t.test('$window: the date window of the request; a transform step as { name, args }', async (t) => {
  const m = compileMapping(
    doc({
      start_date: { path: '$window.start', transform: 'iso_datetime' },
      end_date: { path: '$window.end', transform: { name: 'add_hours', args: { hours: -1 } } },
      'user.name': { path: ['$record', '$window'] },
    }),
    FILE,
  );
  const window = { start: new Date(Date.UTC(2026, 2, 4)), end: '2026-03-05T00:00:00Z' };
  const [row] = m.map({ id: 1, $window: 'a record key named $window' }, { ...ctx, window }) as Row[];
  t.equal(row.start_date, '2026-03-04T00:00:00.000Z');
  t.equal(row.end_date, '2026-03-04T23:00:00.000Z');
  t.equal(row.user.name, 'a record key named $window');
  const [none] = m.map({ id: 1 }, ctx) as Row[];
  t.equal(none.start_date, null, 'no window in the context: null');
  t.match(
    errorOf(doc({ end_date: { path: 'd', transform: { name: 'add_days' }, args: { days: 1 } } })).message,
    '#/rows/0/fields/end_date/args: give the args inside the transform step',
  );
});

t.test('when conditions', async (t) => {
  const m = (when: unknown) =>
    compileMapping(doc({ surface: { path: 's' } }, { when }), FILE).map(
      { s: 'x', n: 0, t: 'user_actor', flag: false },
      ctx,
    ).length;
  t.equal(m({ path: 't', equals: 'user_actor' }), 1);
  t.equal(m({ path: 't', equals: 'api_actor' }), 0);
  t.equal(m({ path: 'n', equals: 0 }), 1);
  t.equal(m({ path: 'flag', equals: false }), 1);
  t.equal(m({ path: 'missing', equals: null }), 1);
  t.equal(m({ path: 'n', exists: true }), 1, 'a 0 exists');
  t.equal(m({ path: 'missing', exists: true }), 0);
  t.equal(m({ path: 'missing', exists: false }), 1);
  t.equal(m({ path: 't', in: ['a', 'user_actor'] }), 1);
  t.equal(m({ path: 't', in: ['a', 'b'] }), 0);
  t.equal(m({ path: 'n', transform: 'positive', equals: false }), 1);
  t.equal(
    m({
      all: [
        { path: 'n', exists: true },
        { path: 't', equals: 'user_actor' },
      ],
    }),
    1,
  );
  t.equal(
    m({
      all: [
        { path: 'n', exists: true },
        { path: 't', equals: 'x' },
      ],
    }),
    0,
  );
  t.equal(
    m({
      any: [
        { path: 'n', equals: 5 },
        { path: 't', equals: 'user_actor' },
      ],
    }),
    1,
  );
  t.equal(
    m({
      any: [
        { path: 'n', equals: 5 },
        { path: 't', equals: 'x' },
      ],
    }),
    0,
  );
  t.equal(m({ not: { path: 't', equals: 'user_actor' } }), 0);
  t.equal(m({ not: { not: { path: 't', equals: 'user_actor' } } }), 1);
});

t.test('each: one row per element, $item, $index, the record still reachable', async (t) => {
  const mapping = compileMapping(
    {
      description: 'each',
      rows: [
        {
          name: 'per_model',
          each: 'models',
          when: { path: '$item.skip', exists: false },
          key: [{ path: 'day' }, { path: '$item.model' }],
          fields: {
            'model.id': { path: '$item.model' },
            'usage.quantity': { path: '$index' },
            'organization.id': { path: 'org' },
            'usage.tokens.input': { path: '$item.tokens.input' },
          },
          remote_data: { path: '$item' },
        },
      ],
    },
    FILE,
  );
  const rec = {
    day: '2026-03-04',
    org: 'o1',
    models: [
      { model: 'm1', tokens: { input: 5 } },
      { model: 'm2', skip: true },
      { model: 'm3' },
      'junk',
      null,
    ],
  };
  const rows = mapping.map(rec, ctx) as Row[];
  t.same(
    rows.map((r) => [r.model?.id ?? null, r.usage.quantity, r.organization.id, r.usage.tokens.input]),
    [
      ['m1', 0, 'o1', 5],
      ['m3', 2, 'o1', null],
      [null, 3, 'o1', null],
      [null, 4, 'o1', null],
    ],
  );
  t.same(rows[0].remote_data, rec.models[0]);
  t.equal(mapping.map({ models: 'not an array' }, ctx).length, 0);
  t.equal(mapping.map({}, ctx).length, 0);
  t.equal(new Set(rows.slice(0, 2).map((r) => r.id)).size, 2);
});

t.test('row shape: schema order, nullable objects, charges and resources', async (t) => {
  const mapping = compileMapping(
    doc(
      {
        surface: { const: 'api' },
        'model.id': { const: null },
        'organization.id': { path: 'org' },
        'organization.name': { const: 'Org name' },
        'user.email': { path: 'mail' },
        'usage.tokens.input': { path: 'in' },
        metric_name: { const: 'm' },
      },
      {
        charges: [
          {
            amount: { path: 'cents', transform: 'cents_to_major' },
            currency: { const: 'USD' },
            type: 'total',
          },
          { amount: { path: 'disc' }, currency: { const: 'USD' }, type: 'discount' },
        ],
        resources: [
          { id: { path: 'ws' }, name: { path: 'wsn' }, workspace_id: { path: 'wid' } },
          { name: { path: 'key' } },
        ],
      },
    ),
    FILE,
  );
  const full = mapping.map(
    { id: 1, org: 'o', mail: 'a@b', in: 3, cents: '41280.000000', ws: 'w1', key: 'k', wid: 'p' },
    ctx,
  )[0];
  t.same(Object.keys(full as object), [
    'id',
    'metric_name',
    'resources',
    'organization',
    'user',
    'model',
    'charges',
    'usage',
    'surface',
    'remote_data',
  ]);
  t.same(
    (full as Row).charges,
    [{ amount: 412.8, currency: 'USD', type: 'total' }],
    'a null amount drops its charge',
  );
  t.same((full as Row).resources, [
    { id: 'w1', name: null, workspace: { id: 'p', name: null } },
    { id: null, name: 'k' },
  ]);
  t.same((full as Row).organization, { id: 'o', name: 'Org name' });
  t.equal((full as Row).model, null);
  t.ok(Value.Check(UsageRow, full), 'a valid Usage row');

  const bare = mapping.map({ id: 2 }, ctx)[0] as Record<string, unknown>;
  t.notOk('charges' in bare, 'no charges key when none');
  t.notOk('resources' in bare, 'no resources key when none');
  t.equal(bare.organization, null, 'organization without its id is null');
  t.equal(bare.user, null, 'all-null user is null');
  t.same(bare.usage, { tokens: { input: null } });
  t.ok(Value.Check(UsageRow, bare));

  const coerced = one(
    {
      'usage.quantity': { path: 'q' },
      'user.name': { path: 'n' },
      'usage.activity.is_active': { path: 'b' },
    },
    {
      q: '12.50',
      n: 7,
      b: 'yes',
    },
  );
  t.equal((coerced.usage as Row).quantity, 12.5, 'decimal strings become exact numbers');
  t.equal((coerced.user as Row).name, '7');
  t.equal((coerced.usage as Row).activity.is_active, null, 'a non-boolean is not a boolean');
});

t.test('ids: deterministic, keyed by integration, account, report type, row spec and key', async (t) => {
  const d = {
    description: 'ids',
    rows: [
      { name: 'a', key: [{ path: 'k' }], fields: {} },
      { name: 'b', key: [{ path: 'k' }], fields: {} },
    ],
  };
  const m = compileMapping(d, FILE);
  const id = (rec: unknown, c: MapContext = ctx, i = 0) => (m.map(rec, c)[i] as UsageRow).id;
  t.equal(id({ k: 'x' }), id({ k: 'x', other: 1 }), 'same key, same id');
  t.equal(
    id({ k: 'x' }),
    compileMapping(d, 'elsewhere.yaml').map({ k: 'x' }, ctx)[0]?.id,
    'same across compilations',
  );
  t.not(id({ k: 'x' }), id({ k: 'y' }), 'different key');
  t.not(id({ k: 'x' }), id({ k: 'x' }, ctx, 1), 'different row spec');
  t.not(id({ k: 'x' }), id({ k: 'x' }, { ...ctx, accountId: 'acct_2' }), 'different account');
  t.not(id({ k: 'x' }), id({ k: 'x' }, { ...ctx, reportType: 'cost' }), 'different report type');
  t.not(id({ k: 'x' }), id({ k: 'x' }, { ...ctx, integration: 'other' }), 'different integration');
  t.equal(id({ k: 'x' }), id({ k: 'x' }), 'and back (context cache)');
});

t.test('compile errors name the file and the JSON pointer', async (t) => {
  const cases: [string, unknown, string][] = [
    [
      'unknown field',
      doc({ 'usage.tokens.inptu': { path: 'x' } }),
      '#/rows/0/fields/usage.tokens.inptu: not a Usage field',
    ],
    [
      'unknown transform',
      doc({ surface: { path: 'x', transform: 'upcase' } }),
      "#/rows/0/fields/surface/transform: unknown transform 'upcase'",
    ],
    [
      'unknown transform in a pipeline',
      doc({ surface: { path: 'x', transform: ['lowercase', { name: 'nope' }] } }),
      '#/rows/0/fields/surface/transform/1/name: unknown transform',
    ],
    [
      'bad args',
      doc({ end_date: { path: 'x', transform: 'add_days', args: { days: 'one' } } }),
      '#/rows/0/fields/end_date/args/days: bad args',
    ],
    [
      'missing args',
      doc({ end_date: { path: 'x', transform: 'add_days' } }),
      '#/rows/0/fields/end_date/args',
    ],
    [
      'two expression kinds',
      doc({ surface: { path: 'x', const: 'y' } }),
      '#/rows/0/fields/surface: an expression has exactly one of',
    ],
    [
      'no expression kind',
      doc({ surface: { value: 'x' } }),
      '#/rows/0/fields/surface: an expression needs one of',
    ],
    ['not an object', doc({ surface: 'claude_code' }), '#/rows/0/fields/surface: an expression is an object'],
    [
      'unknown key in expression',
      doc({ surface: { path: 'x', default: 1 } }),
      "#/rows/0/fields/surface/default: unknown key 'default'",
    ],
    ['empty path segment', doc({ surface: { path: 'a..b' } }), '#/rows/0/fields/surface/path: path'],
    [
      '$item outside each',
      doc({ surface: { path: '$item.x' } }),
      '#/rows/0/fields/surface/path: $item is only defined',
    ],
    [
      'reserved field',
      doc({ charges: { const: [] } }),
      "#/rows/0/fields/charges: 'charges' cannot be written",
    ],
    [
      'const of the wrong type',
      doc({ 'usage.quantity': { const: 'ten' } }),
      '#/rows/0/fields/usage.quantity/const: usage.quantity is a number field',
    ],
    [
      'bad charge type',
      doc({}, { charges: [{ amount: { path: 'a' }, type: 'gross' }] }),
      '#/rows/0/charges/0/type: charge type must be one of',
    ],
    [
      'bad condition',
      doc({}, { when: { path: 'a', equals: 1, exists: true } }),
      '#/rows/0/when: a condition is exactly one of',
    ],
    [
      'sum of nothing',
      doc({ 'usage.quantity': { sum: [] } }),
      '#/rows/0/fields/usage.quantity/sum: must be a non-empty list',
    ],
    [
      'enum result',
      doc({ surface: { enum: { from: { path: 'a' }, map: { a: { x: 1 } } } } }),
      '#/rows/0/fields/surface/enum/map/a',
    ],
    [
      'no key',
      { description: 'd', rows: [{ name: 'r', key: [], fields: {} }] },
      '#/rows/0/key: key must be a non-empty list',
    ],
    [
      'duplicate row name',
      {
        description: 'd',
        rows: [
          { name: 'r', key: [{ const: 1 }], fields: {} },
          { name: 'r', key: [{ const: 1 }], fields: {} },
        ],
      },
      "#/rows/1/name: duplicate row spec name 'r'",
    ],
    ['unknown row key', doc({}, { feilds: {} }), "#/rows/0/feilds: unknown key 'feilds'"],
    ['unknown top-level key', { ...doc({}), extra: 1 }, "#/extra: unknown key 'extra'"],
    ['no rows', { description: 'd', rows: [] }, '#/rows: rows must be a non-empty list'],
    ['not a document', 'text', '#: a mapping document is an object'],
    ['pointer escaping', doc({ 'a/b~c': { path: 'x' } }), '#/rows/0/fields/a~1b~0c: not a Usage field'],
  ];
  for (const [name, d, expected] of cases) {
    const e = errorOf(d);
    t.ok(e.message.startsWith(`${FILE}#`), `${name}: names the file (${e.message})`);
    t.ok(e.message.includes(expected), `${name}: ${e.message}`);
    t.equal(e.file, FILE);
  }
  const yamlError = (() => {
    try {
      parseMappingYaml('description: x\nrows:\n  - name: a\n    name: b\n', 'mappings/acme/bad.yaml');
    } catch (e) {
      return e as Error;
    }
    return undefined;
  })();
  t.match(yamlError?.message, /^mappings\/acme\/bad\.yaml#: invalid YAML at line 4/);
});

t.test('overrides: merged by row name, compiled the same way', async (t) => {
  const base = parseMappingYaml(
    `
description: base
aggregate: true
rows:
  - name: main
    key: [{ path: id }]
    fields:
      surface: { const: api }
      user.email: { path: mail, transform: lowercase }
      usage.quantity: { path: q }
  - name: extra
    key: [{ path: id }]
    fields:
      metric_name: { const: extra }
`,
    'mappings/acme/usage.yaml',
  );
  const frozenBase = JSON.stringify(base);
  const override = {
    description: 'per-account',
    rows: [
      {
        name: 'main',
        fields: { surface: { const: 'cli' }, 'usage.quantity': null, 'user.name': { path: 'n' } },
      },
      { name: 'extra', remove: true },
      { name: 'added', key: [{ const: 1 }], fields: { metric_name: { const: 'added' } } },
    ],
  };
  const merged = mergeMappingDocs(base, override);
  const fromCompiled = mergeMappingDocs(compileMapping(base, 'base').doc, override, 'acct override');
  t.same(fromCompiled, merged, 'a compiled mapping keeps its (frozen) document as the base for overrides');
  t.equal(JSON.stringify(base), frozenBase, 'the base is not modified');
  const m = compileMapping(merged, 'override');
  t.equal(m.aggregate, true);
  const rows = m.map({ id: 1, mail: 'A@X', q: 5, n: 'Ann' }, ctx) as Row[];
  t.equal(rows.length, 2);
  t.same(rows[0].user, { email: 'a@x', name: 'Ann' });
  t.equal(rows[0].surface, 'cli');
  t.notOk('usage' in rows[0], 'removed field');
  t.equal(rows[1].metric_name, 'added');
  const baseRow = compileMapping(base, 'base').map({ id: 1, mail: 'A@X', q: 5 }, ctx)[0];
  t.equal(rows[0].id, baseRow?.id, 'same row name and key: same id as the base mapping');

  t.same(mergeMappingDocs(base, { rows: [{ name: 'main', when: { path: 'q', exists: true } }] }) as Row, {
    ...(base as object),
    rows: [{ ...(base as Row).rows[0], when: { path: 'q', exists: true } }, (base as Row).rows[1]],
  });
  const bad = mergeMappingDocs(base, {
    rows: [{ name: 'main', fields: { 'usage.tokens.inptu': { path: 'x' } } }],
  });
  t.match(
    errorOf(bad, 'override of acct_1').message,
    'override of acct_1#/rows/0/fields/usage.tokens.inptu: not a Usage field',
  );
  t.throws(() => mergeMappingDocs(base, { rows: [{ name: 'nope', remove: true }] }, 'ov.yaml'), {
    message: "ov.yaml#/rows/0/name: no row named 'nope' to remove",
  });
  t.throws(() => mergeMappingDocs(base, { rows: [{ fields: {} }] }, 'ov.yaml'), {
    message: /ov\.yaml#\/rows\/0\/name/,
  });
  t.equal(mergeMappingDocs(base, null), base);
});

t.test('mergeRows: exact sums, charges per type and currency, first values, remote_data list', async (t) => {
  const m = compileMapping(
    {
      description: 'agg',
      aggregate: true,
      rows: [
        {
          name: 'day',
          key: [{ path: 'day' }],
          fields: {
            'user.email': { path: 'mail' },
            'usage.sessions.distinct': { path: 's' },
            'usage.quantity': { path: 'q' },
            'usage.activity.is_active': { path: 's', transform: 'positive' },
            'usage.code.tool_actions': { path: 'tools', transform: 'accept_rates' },
          },
          charges: [
            {
              amount: { path: 'cents', transform: 'cents_to_major' },
              currency: { path: 'cur' },
              type: 'total',
            },
            { amount: { path: 'disc' }, currency: { path: 'cur' }, type: 'discount' },
          ],
          resources: [{ name: { path: 'key' } }],
        },
      ],
    },
    FILE,
  );
  const recs = [
    ...Array.from({ length: 10 }, (_, i) => ({
      day: 'd1',
      cents: '0.1',
      cur: 'USD',
      s: i === 3 ? 2 : 0,
      q: 0.1,
      mail: i === 0 ? null : `u${i}`,
    })),
    {
      day: 'd2',
      cents: 97,
      cur: 'USD',
      disc: -0.5,
      s: 1,
      tools: { edit: { accepted: 1, rejected: 1 } },
      key: 'k1',
    },
    {
      day: 'd2',
      cents: 3,
      cur: 'EUR',
      disc: -0.25,
      s: 0,
      tools: { edit: { accepted: 2, rejected: 0 }, write: { accepted: 0, rejected: 0 } },
      key: 'k2',
    },
    { day: 'd2', cents: 0.5, cur: 'USD', s: null, tools: null, key: 'k1' },
    { day: 'd3', cents: 1, cur: 'USD' },
  ];
  const merged = mergeRows(recs.flatMap((r) => m.map(r, ctx))) as Row[];
  t.equal(merged.length, 3);
  const [d1, d2, d3] = merged;
  t.same(
    d1.charges,
    [{ amount: 0.01, currency: 'USD', type: 'total' }],
    'ten 0.1-cent charges are exactly 0.01',
  );
  t.equal(d1.charges[0].amount, 0.01);
  t.equal(d1.usage.quantity, 1, 'ten 0.1s are exactly 1');
  t.equal(d1.usage.sessions.distinct, 2);
  t.equal(d1.usage.activity.is_active, true, 'booleans OR');
  t.equal(d1.user.email, 'u1', 'first non-null value');
  t.equal(d1.remote_data.length, 10);
  t.same(d2.charges, [
    { amount: 0.975, currency: 'USD', type: 'total' },
    { amount: -0.5, currency: 'USD', type: 'discount' },
    { amount: 0.03, currency: 'EUR', type: 'total' },
    { amount: -0.25, currency: 'EUR', type: 'discount' },
  ]);
  t.same(
    d2.usage.code.tool_actions,
    {
      edit: { accepted: 3, rejected: 1, acceptance_rate: 0.75 },
      write: { accepted: 0, rejected: 0, acceptance_rate: null },
    },
    'counts summed, rates recomputed',
  );
  t.same(d2.resources, [
    { id: null, name: 'k1' },
    { id: null, name: 'k2' },
  ]);
  t.same(d2.remote_data, recs.slice(10, 13));
  t.same(d3.remote_data, [recs[13]], 'remote_data is a list on every row of an aggregate mapping');
  t.same(
    merged.map((r) => r.remote_data[0].day),
    ['d1', 'd2', 'd3'],
    'order of first appearance',
  );
  for (const r of merged) t.ok(Value.Check(UsageRow, r), `valid row ${r.id}`);
});
