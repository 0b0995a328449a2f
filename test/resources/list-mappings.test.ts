/**
 * List mappings (`mappings/<slug>/lists/*.yaml`) compile against their list's schema: every file
 * loads; ids are the vendor's own (`fields.id`), never hashed from a key; a Usage-only section or
 * field is refused with the file and pointer named.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { Value } from '@sinclair/typebox/value';
import { loadListMappings } from '../../src/mapping/load.js';
import { compileMapping, MappingError } from '../../src/mapping/compile.js';
import { LIST_TARGETS } from '../../src/mapping/list-fields.js';
import { LIST_SCHEMAS } from '../../src/schemas/lists.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ctx = { integration: 'acme', accountId: 'acct_1', reportType: 'lists/workspaces' };

t.test('every list mapping compiles and maps degenerate records to valid records or none', async (t) => {
  const loaded = await loadListMappings(path.join(root, 'mappings'));
  t.ok(loaded.size > 0, 'some integration has list mappings');
  for (const [slug, byName] of loaded) {
    for (const [name, compiled] of byName) {
      const list = /^[a-z]+/.exec(name)?.[0] as keyof typeof LIST_SCHEMAS;
      t.equal(compiled.target, LIST_TARGETS[list], `${slug}/${name} targets ${list}`);
      for (const record of [{}, null, 'text', [], { id: 'x1', name: 'X' }]) {
        for (const row of compiled.map(record, ctx))
          t.ok(Value.Check(LIST_SCHEMAS[list], row), `${slug}/${name}: ${JSON.stringify(row)}`);
      }
    }
  }
});

t.test('a list record keeps the vendor id; nested objects follow the schema', async (t) => {
  const m = compileMapping(
    {
      description: 'test',
      rows: [
        {
          name: 'ws',
          each: 'data',
          fields: {
            id: { path: $item('id') },
            name: { path: $item('display_name') },
            'organization.id': { path: 'org' },
          },
        },
      ],
    },
    'mappings/acme/lists/workspaces.yaml',
    LIST_TARGETS.workspaces,
  );
  const rows = m.map(
    { org: 'o1', data: [{ id: 'w1', display_name: 'One' }, { display_name: 'no id' }] },
    ctx,
  );
  t.same(rows, [
    {
      id: 'w1',
      name: 'One',
      organization: { id: 'o1' },
      remote_data: { org: 'o1', data: [{ id: 'w1', display_name: 'One' }, { display_name: 'no id' }] },
    },
  ]);
  const noOrg = m.map({ data: [{ id: 'w2' }] }, ctx);
  t.same(noOrg[0]?.organization, null, 'an organization without id is null');
});

function $item(p: string): string {
  return `$item.${p}`;
}

t.test('usage-only parts are refused', async (t) => {
  const base = { name: 'p', fields: { id: { path: 'id' } } };
  const cases: [unknown, RegExp][] = [
    [{ ...base, key: [{ path: 'id' }] }, /#\/rows\/0\/key: .*fields\.id/],
    [{ name: 'p', fields: { name: { path: 'n' } } }, /#\/rows\/0\/fields: a Product needs fields\.id/],
    [{ ...base, charges: [] }, /#\/rows\/0\/charges: a Product has no charges/],
    [{ ...base, fields: { id: { path: 'id' }, 'usage.quantity': { path: 'q' } } }, /not a Product field/],
  ];
  for (const [row, message] of cases) {
    let caught: unknown;
    try {
      compileMapping(
        { description: 'x', rows: [row] },
        'mappings/acme/lists/products.yaml',
        LIST_TARGETS.products,
      );
    } catch (e) {
      caught = e;
    }
    t.ok(caught instanceof MappingError, `refused: ${String(message)}`);
    t.match((caught as Error | undefined)?.message ?? '', message);
  }
  t.throws(
    () =>
      compileMapping(
        { description: 'x', aggregate: true, rows: [base] },
        'mappings/acme/lists/products.yaml',
        LIST_TARGETS.products,
      ),
    { message: /cannot aggregate/ },
  );
});

t.test('a Usage mapping still needs its key', async (t) => {
  t.throws(
    () => compileMapping({ description: 'x', rows: [{ name: 'r', fields: {} }] }, 'mappings/acme/usage.yaml'),
    { message: /key must be a non-empty list/ },
  );
});
