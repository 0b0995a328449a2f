import t from 'tap';
import { compileMapping, MappingError, mergeRows, type MapContext } from '../../src/mapping/compile.js';
import { parseMappingYaml } from '../../src/mapping/load.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = any;

const ctx: MapContext = { integration: 'acme', accountId: 'acct_1', reportType: 'cost' };
const FILE = 'mappings/acme/cost.yaml';

/** A cost record whose charges name their kind: one row per product, one charge per kind. */
const yaml = `
description: charges typed by the vendor's own kind
aggregate: true
rows:
  - name: product
    each: charges
    key: [{ path: org }, { path: $item.product }]
    fields:
      product.id: { path: $item.product }
    charges:
      - amount: { path: $item.cost }
        currency: { const: USD }
        type: { enum: { from: { path: $item.kind }, map: { committed: committed, on_demand: on_demand, total: total, bogus: not_a_type } } }
`;

const record = {
  org: 'o1',
  charges: [
    { product: 'apm', kind: 'committed', cost: 100 },
    { product: 'apm', kind: 'on_demand', cost: '30.5' },
    { product: 'apm', kind: 'total', cost: 130.5 },
    { product: 'apm', kind: 'unknown_kind', cost: 1 },
    { product: 'apm', kind: 'bogus', cost: 2 },
  ],
};

t.test(
  'a charge type may be an expression; values that are no charge type leave the charge out',
  async (t) => {
    const m = compileMapping(parseMappingYaml(yaml, FILE), FILE);
    const rows = m.map(record, ctx) as Row[];
    t.equal(rows.length, 5, 'one row per charge element before merging');
    t.same(
      rows.map((r) => r.charges ?? null),
      [
        [{ amount: 100, currency: 'USD', type: 'committed' }],
        [{ amount: 30.5, currency: 'USD', type: 'on_demand' }],
        [{ amount: 130.5, currency: 'USD', type: 'total' }],
        null,
        null,
      ],
    );
    const merged = mergeRows(rows) as Row[];
    t.equal(merged.length, 1, 'one row per product');
    t.same(
      merged[0].charges.map((c: Row) => [c.type, c.amount]),
      [
        ['committed', 100],
        ['on_demand', 30.5],
        ['total', 130.5],
      ],
      'typed charges side by side, never summed across types',
    );
  },
);

t.test('a literal charge type is still checked at compile time', async (t) => {
  const bad = yaml.replace(/type: \{ enum.*\n/, 'type: nope\n');
  t.throws(() => compileMapping(parseMappingYaml(bad, FILE), FILE), MappingError);
});

t.test('month_start: the first of the month, moved by whole months', async (t) => {
  const doc = `
description: monthly buckets
rows:
  - name: month
    key: [{ path: date }]
    fields:
      start_date: { path: date, transform: month_start }
      end_date: { path: date, transform: { name: month_start, args: { months: 1 } } }
`;
  const m = compileMapping(parseMappingYaml(doc, FILE), FILE);
  const [a] = m.map({ date: '2022-04-25T17:00:00+00:00' }, ctx) as Row[];
  t.equal(a.start_date, '2022-04-01T00:00:00.000Z');
  t.equal(a.end_date, '2022-05-01T00:00:00.000Z');
  const [b] = m.map({ date: '2026-12-31T23:00:00-02:00' }, ctx) as Row[];
  t.equal(b.start_date, '2027-01-01T00:00:00.000Z', 'the UTC month');
  t.equal(b.end_date, '2027-02-01T00:00:00.000Z', 'across a year');
  const [c] = m.map({ date: null }, ctx) as Row[];
  t.notOk(c.start_date, 'null in, null out');
});
